"""Settings: a signing secret and RunPod's status API are required outside local development."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from callback_api.core.config import RUNPOD_RESULT_RETENTION_S, Settings
from callback_api.main import create_app
from shared.signing import generate_secret

RUNPOD = {"runpod_api_key": SecretStr("rp_secret_key"), "runpod_endpoint_id": "abc123"}
"""RunPod's status API, which production settings need."""


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "CALLBACK_SIGNING_SECRET",
        "CALLBACK_SIGNING_SECRET_PREVIOUS",
        "CALLBACK_API_DEV_MODE",
        "FIRESTORE_EMULATOR_HOST",
        "GOOGLE_CLOUD_PROJECT",
        "RUNPOD_API_KEY",
        "RUNPOD_ENDPOINT_ID",
        "RUNPOD_API_BASE_URL",
        "CALLBACK_API_PUBLIC_URL",
        "RECONCILE_STALE_AFTER_S",
        "EMBEDDED_CALLBACK_MAX_AGE_S",
        "READY_CACHE_SECONDS",
        "API_DOCS_ENABLED",
        "METRICS_TOKEN",
        "SHARED_VOICE_PREFIX",
    ):
        monkeypatch.delenv(name, raising=False)


def test_refuses_to_start_without_a_secret() -> None:
    with pytest.raises(ValidationError, match="CALLBACK_SIGNING_SECRET is required"):
        Settings()
    with pytest.raises(ValidationError):
        create_app()


def test_local_development_mode_needs_the_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLBACK_API_DEV_MODE", "true")
    with pytest.raises(ValidationError, match="only allowed with FIRESTORE_EMULATOR_HOST"):
        Settings()

    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:8080")
    settings = Settings()
    assert settings.signing_secrets == []
    assert settings.project_id == "demo-local"
    assert settings.runpod_endpoint_url is None


def test_refuses_to_start_without_runpods_status_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without RunPod's word, a job that ended while the API was down would be settled by
    luck, and a leaked webhook URL could fail a running story."""
    monkeypatch.setenv("CALLBACK_SIGNING_SECRET", generate_secret())
    with pytest.raises(ValidationError, match="RUNPOD_API_KEY and RUNPOD_ENDPOINT_ID are required"):
        Settings()
    with pytest.raises(ValidationError):
        create_app()

    monkeypatch.setenv("RUNPOD_API_KEY", "rp_secret_key")
    monkeypatch.setenv("RUNPOD_ENDPOINT_ID", "abc123")
    assert Settings().runpod_endpoint_url == "https://api.runpod.ai/v2/abc123"


def test_the_reconciler_settles_well_inside_runpods_retention() -> None:
    secret = SecretStr(generate_secret())
    half = RUNPOD_RESULT_RETENTION_S // 2
    assert Settings(callback_signing_secret=secret, **RUNPOD, reconcile_stale_after_s=half)
    with pytest.raises(ValidationError, match="reconcile_stale_after_s"):
        Settings(callback_signing_secret=secret, **RUNPOD, reconcile_stale_after_s=half + 1)


def test_reads_every_variable_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    current, previous = generate_secret(), generate_secret()
    environment = {
        "CALLBACK_SIGNING_SECRET": current,
        "CALLBACK_SIGNING_SECRET_PREVIOUS": previous,
        "GOOGLE_CLOUD_PROJECT": "my-project",
        "FIREBASE_CREDENTIALS_FILE": "/secrets/sa.json",
        "STORIES_COLLECTION": "tales",
        "FIRESTORE_TIMEOUT_SECONDS": "2.5",
        "FIRESTORE_TRANSACTION_ATTEMPTS": "3",
        "RETRY_AFTER_SECONDS": "9",
        "READY_CACHE_SECONDS": "0",
        "API_DOCS_ENABLED": "true",
        "METRICS_TOKEN": "m" * 32,
        "LOG_LEVEL": "debug",
        "RUNPOD_API_KEY": "rp_secret_key",
        "RUNPOD_ENDPOINT_ID": "abc123",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    settings = Settings()

    assert settings.signing_secrets == [current, previous]
    assert settings.project_id == "my-project"
    assert str(settings.firebase_credentials_file) == "/secrets/sa.json"
    assert settings.stories_collection == "tales"
    assert settings.firestore_timeout_seconds == 2.5
    assert settings.firestore_transaction_attempts == 3
    assert settings.retry_after_seconds == 9
    assert settings.ready_cache_seconds == 0
    assert settings.api_docs_enabled is True
    assert settings.metrics_token == SecretStr("m" * 32)
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    "secret",
    ["not-a-secret", "whsec_", "whsec_c2hvcnQ=", "whsec_!!!notbase64!!!" + "A" * 40],
)
def test_malformed_secrets_are_refused_without_being_echoed(secret: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(callback_signing_secret=SecretStr(secret))

    assert secret not in str(caught.value)


def test_settings_repr_hides_the_secrets() -> None:
    secret = generate_secret()

    settings = Settings(callback_signing_secret=SecretStr(secret), **RUNPOD)

    for hidden in (secret, "rp_secret_key"):
        assert hidden not in repr(settings)
        assert hidden not in str(settings.model_dump())


@pytest.mark.parametrize("collection", ["a/b", "__x__", ""])
def test_collection_name_must_be_a_safe_id(collection: str) -> None:
    with pytest.raises(ValidationError):
        Settings(
            callback_signing_secret=SecretStr(generate_secret()),
            **RUNPOD,
            stories_collection=collection,
        )


def test_runpod_and_reconciler_settings_and_their_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLBACK_SIGNING_SECRET", generate_secret())
    monkeypatch.setenv("RUNPOD_API_KEY", "rp_secret_key")
    monkeypatch.setenv("RUNPOD_ENDPOINT_ID", "abc123")
    defaults = Settings()
    assert defaults.runpod_endpoint_url == "https://api.runpod.ai/v2/abc123"
    assert defaults.runpod_api_base_url == "https://api.runpod.ai/v2"
    assert defaults.reconcile_stale_after_s == 300
    assert defaults.embedded_callback_max_age_s == 3600

    for name, value in {
        "RUNPOD_API_BASE_URL": "http://127.0.0.1:9000/v2/",
        "CALLBACK_API_PUBLIC_URL": "https://api.example.com",
        "RECONCILE_STALE_AFTER_S": "600",
        "EMBEDDED_CALLBACK_MAX_AGE_S": "1800",
        "RUNPOD_TIMEOUT_SECONDS": "3",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings()

    assert settings.runpod_endpoint_url == "http://127.0.0.1:9000/v2/abc123"
    assert settings.callback_api_public_url == "https://api.example.com"
    assert (settings.reconcile_stale_after_s, settings.embedded_callback_max_age_s) == (600, 1800)
    assert settings.runpod_timeout_seconds == 3
    assert "rp_secret_key" not in repr(settings)


@pytest.mark.parametrize("given", ["RUNPOD_API_KEY", "RUNPOD_ENDPOINT_ID"])
def test_runpod_needs_both_its_key_and_its_endpoint(
    monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.setenv("CALLBACK_SIGNING_SECRET", generate_secret())
    monkeypatch.setenv(given, "value")

    with pytest.raises(ValidationError, match="RUNPOD_API_KEY and RUNPOD_ENDPOINT_ID"):
        Settings()


def test_operations_settings_and_their_defaults() -> None:
    secret = SecretStr(generate_secret())
    defaults = Settings(callback_signing_secret=secret, **RUNPOD)

    assert defaults.ready_cache_seconds == 5
    assert defaults.api_docs_enabled is False
    assert defaults.metrics_token is None
    with pytest.raises(ValidationError):
        Settings(callback_signing_secret=secret, **RUNPOD, ready_cache_seconds=-1)
    with pytest.raises(ValidationError) as short:
        Settings(callback_signing_secret=secret, **RUNPOD, metrics_token=SecretStr("guessable"))
    assert "guessable" not in str(short.value)


@pytest.mark.parametrize("prefix", ["voices/narrators/", "narrators", "/narrators/", "a/../b/"])
def test_the_shared_voice_prefix_is_a_folder_outside_the_users_voices(prefix: str) -> None:
    with pytest.raises(ValidationError, match="shared_voice_prefix"):
        Settings(
            callback_signing_secret=SecretStr(generate_secret()),
            **RUNPOD,
            shared_voice_prefix=prefix,
        )
    settings = Settings(
        callback_signing_secret=SecretStr(generate_secret()),
        **RUNPOD,
        shared_voice_prefix="narrators/",
    )
    assert settings.shared_voice_prefix == "narrators/"


def test_an_embedded_callback_stays_valid_as_long_as_runpod_keeps_it() -> None:
    """The reconciler may read a job's output until RunPod forgets it: a shorter age limit
    would refuse a signed success there and fail a story whose audio is stored."""
    secret = SecretStr(generate_secret())
    too_short = RUNPOD_RESULT_RETENTION_S - 1
    with pytest.raises(ValidationError, match="embedded_callback_max_age_s"):
        Settings(callback_signing_secret=secret, **RUNPOD, embedded_callback_max_age_s=too_short)
    limit = RUNPOD_RESULT_RETENTION_S
    settings = Settings(callback_signing_secret=secret, **RUNPOD, embedded_callback_max_age_s=limit)
    assert settings.embedded_callback_max_age_s == RUNPOD_RESULT_RETENTION_S
