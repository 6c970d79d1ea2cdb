"""Settings, read from the environment (every variable: `docs/configuration.md`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.deadlines import STALE_AFTER_S
from shared.job_input import VoicePrefix
from shared.signing import parse_secret
from shared.types import SafeId, StoryId, Url

MAX_BODY_BYTES = 64 * 1024
MAX_WEBHOOK_BYTES = 512 * 1024
"""RunPod's completion webhook carries the job output: an embedded signed callback (at most
64 KiB, up to three times that once escaped inside JSON) and the output's own fields."""
MIN_APP_KEY_CHARS = 32
ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")
"""A scheme, a host and maybe a port: no path, no wildcard (the app's endpoints take bearer
credentials, so each origin is named)."""
FieldName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
"""A top-level Firestore field name that needs no quoting in a field path."""
MAX_APP_BODY_BYTES = 1024 * 1024
"""The narration endpoint's JSON body: a story at the worker's longest (`MAX_TEXT_CHARS`,
50,000 characters by default) fits several times over, even escaped, with its pronunciations."""
RUNPOD_API_BASE_URL = "https://api.runpod.ai/v2"
RUNPOD_RESULT_RETENTION_S = 30 * 60
"""How long RunPod's status API returns a finished `/run` job's result: the reconciler must
settle a story well inside it (`services/reconciler.py`)."""
RECONCILE_MAX_INTERVAL_S = 300.0
"""The longest time between reconciler passes: with `RECONCILE_STALE_AFTER_S` at most 15
minutes, a finished job is settled within 20 minutes of its story's last write, inside RunPod's
30; when a replica holding the reconciler's lease dies, within `RECONCILE_MAX_LEASE_S` more."""
RECONCILE_MAX_LEASE_S = 450.0
"""15 + 5 + 7.5 minutes: still inside RunPod's 30 when the lease's holder dies."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

    callback_signing_secret: SecretStr | None = None
    callback_signing_secret_previous: SecretStr | None = None
    callback_api_dev_mode: bool = False

    google_cloud_project: str | None = None
    firebase_credentials_file: Path | None = None
    firestore_emulator_host: str | None = None
    stories_collection: StoryId = "stories"

    firestore_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 5.0
    firestore_transaction_attempts: Annotated[int, Field(ge=1, le=50)] = 10
    retry_after_seconds: Annotated[int, Field(ge=1, le=3600)] = 5
    ready_cache_seconds: Annotated[float, Field(ge=0, le=300)] = 5.0
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    api_docs_enabled: bool = False
    metrics_token: Annotated[SecretStr, Field(min_length=16)] | None = None

    callback_api_public_url: Url | None = None
    runpod_api_key: SecretStr | None = None
    runpod_endpoint_id: SafeId | None = None
    runpod_api_base_url: Url = RUNPOD_API_BASE_URL
    runpod_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 10.0
    embedded_callback_max_age_s: Annotated[
        int, Field(ge=RUNPOD_RESULT_RETENTION_S, le=7 * 24 * 3600)
    ] = 3600
    """At least RunPod's retention: the reconciler may read a job's output that late, and a
    signed success refused for its age would fail a story whose audio is stored."""
    reconcile_stale_after_s: Annotated[int, Field(gt=0, le=RUNPOD_RESULT_RETENTION_S // 2)] = (
        STALE_AFTER_S
    )
    reconcile_in_api: bool = True
    """Run the reconciler inside the API, a pass every `RECONCILE_INTERVAL_S` on one replica at a
    time (a lease in Firestore); false where only a scheduler or the command line runs it."""
    reconcile_interval_s: Annotated[float, Field(gt=0, le=RECONCILE_MAX_INTERVAL_S)] = 60.0
    """Seconds between the API's reconciler passes (at most 300: RunPod keeps results 30 min)."""
    reconcile_lease_s: Annotated[float, Field(gt=0, le=RECONCILE_MAX_LEASE_S)] = 150.0
    """How long the reconciler's lease outlives its last renewal: another replica takes over this
    long after the holder dies. More than `RECONCILE_INTERVAL_S`, so the holder keeps it."""
    reconcile_lease_collection: StoryId = "_leases"
    """The Firestore collection of the reconciler's lease (document `reconciler`); no client
    access."""
    reconcile_token: Annotated[SecretStr, Field(min_length=16)] | None = None
    """Bearer token of `POST /api/tts/reconcile` (at least 16 characters); unset: the route
    answers 404."""
    shared_voice_prefix: VoicePrefix | None = None
    """The worker's `SHARED_VOICE_PREFIX`: submissions are checked as the worker checks them."""

    firebase_auth_emulator_host: str | None = None
    """The Firebase Auth emulator (`host:port`) whose unsigned tokens are accepted; local only."""
    app_api_keys: SecretStr | None = None
    """Comma-separated keys of the app's own backend (each at least 32 characters; list the new
    key beside the old while rotating). A key acts for the `user_id` in the request body."""
    cors_allowed_origins: str | None = None
    """Comma-separated origins (`https://app.example.com`) whose pages may call the app's
    endpoints from the browser; unset: no CORS headers (serve the API under the app's origin)."""
    story_owner_field: FieldName = "userId"
    """The story document's field holding its owner's Firebase uid."""
    story_text_field: FieldName = "text"
    """The story document's field holding the text to narrate when a request gives none."""
    runpod_local_api_url: Url | None = None
    """RunPod's local API (the worker under `--rp_serve_api`, e.g. `http://127.0.0.1:8010`) that
    the narration endpoint submits to, without an API key; local development only."""
    max_active_narrations_per_user: Annotated[int, Field(ge=1, le=1000)] = 3
    """Stories one user may have pending or processing at once; more is answered 429."""
    max_submissions_per_user_per_hour: Annotated[int, Field(ge=1, le=100_000)] = 30
    """Narration submissions one user may start per hour; more is answered 429."""
    quotas_collection: StoryId = "_quotas"
    """The Firestore collection of per-user limits (this hour's count, the stories in flight);
    no client access."""
    voices_collection: StoryId = "voices"
    """The Firestore collection of voice profiles (`voices/{voice_id}`: userId, status, …)."""

    @field_validator("app_api_keys")
    @classmethod
    def _long_app_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and any(len(key) < MIN_APP_KEY_CHARS for key in _split(value)):
            raise ValueError(
                f"every APP_API_KEYS key needs at least {MIN_APP_KEY_CHARS} characters"
            )
        return value

    @field_validator("cors_allowed_origins")
    @classmethod
    def _origins(cls, value: str | None) -> str | None:
        for origin in (value or "").split(","):
            if origin.strip() and not ORIGIN.fullmatch(origin.strip()):
                raise ValueError(f"CORS_ALLOWED_ORIGINS: {origin.strip()!r} is not an origin")
        return value

    @property
    def cors_origins(self) -> list[str]:
        """The origins allowed to call from a browser; empty: no CORS."""
        origins = (self.cors_allowed_origins or "").split(",")
        return [origin.strip() for origin in origins if origin.strip()]

    @property
    def app_keys(self) -> list[str]:
        """The app's keys, current and previous; empty when app keys are off."""
        return _split(self.app_api_keys) if self.app_api_keys else []

    @field_validator("callback_signing_secret", "callback_signing_secret_previous")
    @classmethod
    def _well_formed_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_secret(value.get_secret_value())
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _secret_unless_local(self) -> Self:
        if self.callback_signing_secret is None and self.callback_signing_secret_previous:
            raise ValueError("CALLBACK_SIGNING_SECRET_PREVIOUS needs CALLBACK_SIGNING_SECRET")
        if self.callback_signing_secret is None and not self.callback_api_dev_mode:
            raise ValueError(
                "CALLBACK_SIGNING_SECRET is required; only local development "
                "(CALLBACK_API_DEV_MODE=true with FIRESTORE_EMULATOR_HOST) may run without one"
            )
        if self.callback_api_dev_mode and not self.firestore_emulator_host:
            raise ValueError("CALLBACK_API_DEV_MODE is only allowed with FIRESTORE_EMULATOR_HOST")
        if self.firebase_auth_emulator_host and not self.firestore_emulator_host:
            # Emulator tokens are unsigned: accepting them in production would let anyone in.
            raise ValueError(
                "FIREBASE_AUTH_EMULATOR_HOST is only allowed with FIRESTORE_EMULATOR_HOST"
            )
        if self.reconcile_lease_s <= self.reconcile_interval_s:
            raise ValueError(
                "RECONCILE_LEASE_S must exceed RECONCILE_INTERVAL_S: the reconciler renews its "
                "lease once a pass, and would lose it between passes"
            )
        if self.runpod_local_api_url and not self.callback_api_dev_mode:
            raise ValueError("RUNPOD_LOCAL_API_URL is only allowed with CALLBACK_API_DEV_MODE")
        if (self.runpod_api_key is None) != (self.runpod_endpoint_id is None):
            raise ValueError("set both RUNPOD_API_KEY and RUNPOD_ENDPOINT_ID, or neither")
        if self.runpod_api_key is None and not self.callback_api_dev_mode:
            # Without RunPod's word, a job that ended while the API was down is settled by luck,
            # and anyone holding a webhook URL could fail a running story.
            raise ValueError(
                "RUNPOD_API_KEY and RUNPOD_ENDPOINT_ID are required: the webhook and the "
                "reconciler confirm each job's end with RunPod's status API; only local "
                "development (CALLBACK_API_DEV_MODE=true with FIRESTORE_EMULATOR_HOST) may run "
                "without them"
            )
        return self

    @property
    def runpod_endpoint_url(self) -> str | None:
        """`{RUNPOD_API_BASE_URL}/{RUNPOD_ENDPOINT_ID}`, when RunPod's API is configured."""
        if self.runpod_endpoint_id is None:
            return None
        return f"{self.runpod_api_base_url.rstrip('/')}/{self.runpod_endpoint_id}"

    @property
    def signing_secrets(self) -> list[str]:
        """The active secrets, current first; empty only in local development mode."""
        candidates = (self.callback_signing_secret, self.callback_signing_secret_previous)
        return [secret.get_secret_value() for secret in candidates if secret is not None]

    @property
    def project_id(self) -> str | None:
        if self.google_cloud_project or not self.firestore_emulator_host:
            return self.google_cloud_project
        return "demo-local"


def _split(keys: SecretStr) -> list[str]:
    return [key.strip() for key in keys.get_secret_value().split(",") if key.strip()]
