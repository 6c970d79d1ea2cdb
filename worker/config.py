"""Worker configuration, read from the environment (see the README's table)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EngineName = Literal["auto", "piper", "chatterbox"]
AudioFormat = Literal["mp3", "opus", "wav"]


class SynthesisSettings(BaseSettings):
    """How a story becomes audio: limits, quality checks, assembly and encoding."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

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

    target_lufs: float = Field(-16.0, le=0)
    peak_ceiling_dbfs: float = Field(-1.0, le=0)
    pause_ms: int = Field(250, ge=0, le=5_000)
    paragraph_pause_ms: int = Field(600, ge=0, le=10_000)
    crossfade_ms: int = Field(15, ge=1, le=200)
    silence_threshold_dbfs: float = -50.0

    output_format: AudioFormat = "mp3"
    mp3_bitrate_kbps: int = Field(112, ge=96, le=128)
    mp3_quality: int = Field(5, ge=0, le=9)
    pipeline_queue_chunks: int = Field(4, ge=1, le=64)

    @model_validator(mode="after")
    def _check_ranges(self) -> SynthesisSettings:
        if self.qa_min_chars_per_second >= self.qa_max_chars_per_second:
            raise ValueError("QA_MIN_CHARS_PER_SECOND must be below QA_MAX_CHARS_PER_SECOND")
        if self.chunk_min_chars * 2 > self.chunk_max_chars:
            raise ValueError("CHUNK_MIN_CHARS must be at most half of CHUNK_MAX_CHARS")
        return self


@lru_cache(maxsize=1)
def get_settings() -> SynthesisSettings:
    return SynthesisSettings()
