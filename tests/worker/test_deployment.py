"""The deployment policy: which configurations may run jobs, and what the refusal says."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shared.errors import WorkerMisconfiguredError
from shared.signing import generate_secret
from worker.config import ServiceSettings, SynthesisSettings, get_service_settings, get_settings
from worker.deployment import configuration_problems, load_settings

SECRET = generate_secret()
PRODUCTION: dict[str, Any] = {
    "callback_signing_secret": SECRET,
    "callback_allowed_hosts": "api.example.com",
    "storage_backend": "r2",
    "r2_account_id": "0123456789abcdef",
    "r2_access_key_id": "AKIA-very-private",
    "r2_secret_access_key": "r2-secret-value",
    "r2_bucket": "story-audio",
    "r2_public_base_url": "https://audio.example.com",
}
DEVELOPMENT: dict[str, Any] = {
    "worker_dev_mode": True,
    "callback_signing_secret": SECRET,
    "callback_allow_loopback_http": True,
    "storage_backend": "local",
}


def problems(**values: Any) -> str:
    return "; ".join(configuration_problems(ServiceSettings(**values)))


def without(config: dict[str, Any], *names: str, **changes: Any) -> dict[str, Any]:
    return {**{k: v for k, v in config.items() if k not in names}, **changes}


def test_a_production_configuration_runs() -> None:
    assert configuration_problems(ServiceSettings(**PRODUCTION)) == []


def test_a_development_configuration_runs() -> None:
    assert configuration_problems(ServiceSettings(**DEVELOPMENT)) == []


def test_nothing_configured_names_every_missing_piece() -> None:
    found = problems()
    assert "CALLBACK_SIGNING_SECRET is not set" in found
    assert "STORAGE_BACKEND is not set" in found
    assert "CALLBACK_ALLOWED_HOSTS is not set" in found


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("callback_signing_secret", "CALLBACK_SIGNING_SECRET"),
        ("r2_account_id", "R2_ACCOUNT_ID (or R2_ENDPOINT_URL)"),
        ("r2_access_key_id", "R2_ACCESS_KEY_ID"),
        ("r2_secret_access_key", "R2_SECRET_ACCESS_KEY"),
        ("r2_bucket", "R2_BUCKET"),
        ("r2_public_base_url", "R2_PUBLIC_BASE_URL"),
        ("callback_allowed_hosts", "CALLBACK_ALLOWED_HOSTS"),
        ("storage_backend", "STORAGE_BACKEND"),
    ],
)
def test_each_missing_production_variable_is_named(missing: str, named: str) -> None:
    found = problems(**without(PRODUCTION, missing))
    assert named in found
    for secret in (SECRET, "AKIA-very-private", "r2-secret-value"):
        assert secret not in found  # names, never values


def test_blank_values_count_as_missing() -> None:
    found = problems(**without(PRODUCTION, r2_secret_access_key="  ", callback_signing_secret=""))
    assert "R2_SECRET_ACCESS_KEY" in found
    assert "CALLBACK_SIGNING_SECRET is not set" in found


def test_an_endpoint_url_stands_in_for_the_account_id() -> None:
    config = without(PRODUCTION, "r2_account_id", r2_endpoint_url="https://s3.example.com")
    assert problems(**config) == ""


def test_a_malformed_secret_is_named_without_its_value() -> None:
    found = problems(**without(PRODUCTION, callback_signing_secret="whsec_not*base64"))
    assert "CALLBACK_SIGNING_SECRET is malformed" in found
    assert "not*base64" not in found


def test_local_storage_and_loopback_callbacks_need_development_mode() -> None:
    found = problems(**without(DEVELOPMENT, "worker_dev_mode", callback_allowed_hosts="a.example"))
    assert "STORAGE_BACKEND=local needs WORKER_DEV_MODE=true" in found
    assert "CALLBACK_ALLOW_LOOPBACK_HTTP=true needs WORKER_DEV_MODE=true" in found


def test_presigned_urls_are_an_explicit_choice() -> None:
    presigned = without(PRODUCTION, "r2_public_base_url", r2_presigned_urls=True)
    assert problems(**presigned) == ""
    assert "not both" in problems(**without(PRODUCTION, r2_presigned_urls=True))
    assert "R2_PRESIGNED_URLS=true" in problems(**without(PRODUCTION, "r2_public_base_url"))


@pytest.mark.parametrize(
    "url", ["http://audio.example.com", "audio.example.com", "https://a.example/x?sig=1"]
)
def test_the_public_base_url_is_a_plain_https_url(url: str) -> None:
    assert "R2_PUBLIC_BASE_URL must be" in problems(**without(PRODUCTION, r2_public_base_url=url))


def test_development_mode_allows_a_plain_http_bucket_url() -> None:
    config = without(PRODUCTION, r2_public_base_url="http://127.0.0.1:9000/b", worker_dev_mode=True)
    assert problems(**config) == ""


@pytest.mark.parametrize("entry", ["https://api.example.com", "api.example.com:443", "a/b"])
def test_allowed_hosts_are_host_names(entry: str) -> None:
    found = problems(**without(PRODUCTION, callback_allowed_hosts=f"api.example.com,{entry}"))
    assert "CALLBACK_ALLOWED_HOSTS lists" in found


# --- from the environment -------------------------------------------------------------------

SETTINGS_VARIABLES = [
    name.upper() for model in (SynthesisSettings, ServiceSettings) for name in model.model_fields
]


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    get_service_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()
    get_service_settings.cache_clear()


def test_load_settings_returns_a_configuration_that_may_run(environment) -> None:
    for name, value in DEVELOPMENT.items():
        environment.setenv(name.upper(), str(value))
    settings, service = load_settings()
    assert service.storage_backend == "local"
    assert settings.max_text_chars == 50_000


def test_load_settings_refuses_with_worker_misconfigured(environment) -> None:
    environment.setenv("STORAGE_BACKEND", "local")
    with pytest.raises(WorkerMisconfiguredError) as info:
        load_settings()
    error = info.value
    assert error.error_type.value == "worker_misconfigured"
    assert error.retryable
    assert "configuration problem" in error.message
    assert "CALLBACK_SIGNING_SECRET is not set" in str(error.details)
    assert "STORAGE_BACKEND=local needs WORKER_DEV_MODE=true" in str(error.details)


def test_invalid_values_are_named_with_every_other_problem_but_not_shown(environment) -> None:
    environment.setenv("MAX_TEXT_CHARS", "fifty-thousand-private")
    environment.setenv("STORAGE_BACKEND", "s3-private")
    with pytest.raises(WorkerMisconfiguredError) as info:
        load_settings()
    details = str(info.value.details)
    assert "MAX_TEXT_CHARS is invalid" in details
    assert "STORAGE_BACKEND is invalid" in details
    assert "private" not in details


def test_inconsistent_values_are_named(environment) -> None:
    environment.setenv("QA_MIN_CHARS_PER_SECOND", "40")
    with pytest.raises(WorkerMisconfiguredError) as info:
        load_settings()
    assert "QA_MIN_CHARS_PER_SECOND must be below QA_MAX_CHARS_PER_SECOND" in str(
        info.value.details
    )
    assert "CALLBACK_SIGNING_SECRET is not set" in str(info.value.details)
