"""Worker configuration, read from the environment (every variable: docs/configuration.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from shared.deadlines import PROGRESS_HEARTBEAT_S, job_deadline_s
from shared.job_input import VoicePrefix
from shared.types import AudioFormat, EngineName


class SynthesisSettings(BaseSettings):
    """How a story becomes audio: limits, quality checks, assembly and encoding."""

    model_config = SettingsConfigDict(
        env_prefix="", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    tts_engine: EngineName = "auto"
    max_text_chars: int = Field(50_000, ge=1)
    chunk_max_chars: int = Field(300, ge=40, le=2_000)
    chunk_min_chars: int = Field(12, ge=1)
    chunk_max_retries: int = Field(2, ge=0, le=10)

    qa_min_chars_per_second: float = Field(4.0, gt=0)
    qa_max_chars_per_second: float = Field(30.0, gt=0)
    qa_max_silence_ratio: float = Field(0.6, gt=0, le=1)
    qa_min_rms_dbfs: float = -45.0
    qa_max_clipped_ratio: float = Field(0.001, ge=0, le=1)
    qa_pace_tolerance: float = Field(0.4, gt=0, lt=1)
    """A chunk spoken more than this much faster or slower than the story's pace so far is
    regenerated: a repeated sentence halves the rate, a dropped half doubles it."""
    qa_pace_min_chunks: int = Field(3, ge=1)

    target_lufs: float = Field(-16.0, le=0)
    peak_ceiling_dbfs: float = Field(-1.0, le=0)
    pause_ms: int = Field(250, ge=0, le=5_000)
    paragraph_pause_ms: int = Field(600, ge=0, le=10_000)
    scene_pause_ms: int = Field(1_500, ge=0, le=10_000)
    crossfade_ms: int = Field(15, ge=1, le=200)
    silence_threshold_dbfs: float = -50.0

    output_format: AudioFormat = "mp3"
    mp3_bitrate_kbps: int = Field(112, ge=96, le=128)
    mp3_quality: int = Field(7, ge=0, le=9)
    pipeline_queue_chunks: int = Field(4, ge=1, le=64)

    @model_validator(mode="after")
    def _check_ranges(self) -> SynthesisSettings:
        if self.qa_min_chars_per_second >= self.qa_max_chars_per_second:
            raise ValueError("QA_MIN_CHARS_PER_SECOND must be below QA_MAX_CHARS_PER_SECOND")
        if self.chunk_min_chars * 2 > self.chunk_max_chars:
            raise ValueError("CHUNK_MIN_CHARS must be at most half of CHUNK_MAX_CHARS")
        if self.scene_pause_ms < self.paragraph_pause_ms:
            raise ValueError("SCENE_PAUSE_MS must be at least PARAGRAPH_PAUSE_MS")
        return self


@lru_cache(maxsize=1)
def get_settings() -> SynthesisSettings:
    return SynthesisSettings()


class ServiceSettings(BaseSettings):
    """How the RunPod worker talks to the outside: storage and callbacks.

    Permissive on purpose: `worker/deployment.py` decides whether a combination may run.
    """

    model_config = SettingsConfigDict(
        env_prefix="", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    worker_dev_mode: bool = False
    """Local development: allows local storage, loopback callbacks and plain-http audio URLs."""
    storage_backend: Literal["local", "r2"] | None = None
    local_storage_dir: Path = Path("out/storage")
    local_storage_public_url: str = "http://127.0.0.1:8765"

    r2_account_id: str | None = None
    r2_endpoint_url: str | None = None
    """Overrides the endpoint derived from R2_ACCOUNT_ID (any S3-compatible store)."""
    r2_access_key_id: SecretStr | None = None
    r2_secret_access_key: SecretStr | None = None
    r2_bucket: str | None = None
    r2_public_base_url: str | None = None
    r2_presigned_urls: bool = False
    """Audio URLs presigned for R2_PRESIGN_EXPIRY_S (at most 7 days) instead of public ones."""
    r2_presign_expiry_s: int = Field(7 * 24 * 3600, ge=60, le=7 * 24 * 3600)
    r2_multipart_threshold_mb: int = Field(8, ge=5)
    storage_max_attempts: int = Field(4, ge=1, le=10)
    storage_backoff_max_s: float = Field(8.0, gt=0)
    storage_file_retry_s: float = Field(60.0, ge=0)
    """How long uploading a finished file (a story's audio, a voice sample) is retried through
    a storage outage before `storage_upload_failed`: the file is on local disk, the work done."""

    callback_signing_secret: SecretStr | None = None
    callback_allowed_hosts: Annotated[frozenset[str], NoDecode] = frozenset()
    callback_allow_loopback_http: bool = False
    callback_connect_timeout_s: float = Field(5.0, gt=0)
    callback_read_timeout_s: float = Field(15.0, gt=0)
    callback_max_attempts: int = Field(5, ge=1, le=20)
    callback_backoff_initial_s: float = Field(1.0, ge=0)
    callback_backoff_max_s: float = Field(30.0, gt=0)
    callback_breaker_fail_max: int = Field(5, ge=1)
    callback_breaker_reset_s: float = Field(60.0, gt=0)
    progress_min_interval_s: float = Field(1.0, ge=0)
    progress_heartbeat_s: float = Field(PROGRESS_HEARTBEAT_S, gt=0)
    job_deadline_s: float = Field(job_deadline_s(50_000), gt=0)
    """The longest a story job may run; the default fits MAX_TEXT_CHARS' default at the
    documented GPU speed (`shared.deadlines`). Set RunPod's execution timeout above it."""
    checkpoints_enabled: bool = True
    """Save each chunk's audio under `chunks/` and reuse it when the story runs again."""
    checkpoint_max_age_days: float = Field(14.0, gt=0)
    """The local backend deletes older checkpoints at start-up; on R2, a lifecycle rule does."""
    checkpoint_upload_queue: int = Field(32, ge=1, le=1024)
    checkpoint_fetch_ahead: int = Field(16, ge=1, le=64)
    checkpoint_flush_s: float = Field(20.0, ge=0)
    checkpoint_fetch_budget_s: float = Field(2.0, ge=0)
    """The most generation waits for one checkpoint (or the listing) before generating the
    piece instead; within it, the wait is about what generating the piece costs."""
    stream_enabled: bool = True
    """Publish each story as an HLS stream under `stream/` while it renders (needs public
    URLs: the local backend, or R2 with R2_PUBLIC_BASE_URL)."""
    stream_max_age_days: float = Field(2.0, gt=0)
    """The local backend deletes older streams at start-up; on R2, a lifecycle rule does."""
    stream_flush_s: float = Field(10.0, ge=0)
    """How long a finished job waits for its last segments and closed playlist."""
    dead_letter_budget_s: float = Field(20.0, ge=0)
    """Time spent redelivering dead letters at start-up and after each job (0: never)."""
    dead_letter_interval_s: float = Field(60.0, ge=0)
    """How often a worker waiting between jobs redelivers dead letters (0: only at start-up
    and after each job)."""

    shared_voice_prefix: VoicePrefix | None = None
    """Where the app's own narrators' voices are stored (`narrators/`): a story's
    `voice_storage_key` may lie under it as well as under its user's `voices/{user_id}/`."""

    @field_validator("shared_voice_prefix", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return value or None

    @field_validator("callback_allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(h.strip().lower() for h in value.split(",") if h.strip())
        return value


@lru_cache(maxsize=1)
def get_service_settings() -> ServiceSettings:
    return ServiceSettings()
