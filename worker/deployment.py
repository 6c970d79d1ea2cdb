"""The deployment policy: what a worker needs before it takes a job, checked once at start-up.

An incomplete or unsafe configuration (no signing secret, no storage, local storage or loopback
callbacks outside development, an `audioUrl` that would expire) does not crash the worker at
import, which RunPod would restart in a loop: the worker stays up and fails every job fast with
`worker_misconfigured`, naming the variables to fix and never their values.

`WORKER_DEV_MODE=true` is for local runs only (`make demo`, the tests): it allows local storage,
loopback callbacks, plain-http audio URLs and no `CALLBACK_ALLOWED_HOSTS`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from pydantic import SecretStr, ValidationError
from pydantic_core import ErrorDetails

from shared.errors import WorkerMisconfiguredError
from shared.signing import SigningSecretError, parse_secret
from worker.config import (
    ServiceSettings,
    SynthesisSettings,
    get_service_settings,
    get_settings,
)

T = TypeVar("T")
DEV_MODE = "WORKER_DEV_MODE=true"


def load_settings() -> tuple[SynthesisSettings, ServiceSettings]:
    """The worker's settings, if they may run; else `WorkerMisconfiguredError` naming them all."""
    problems: list[str] = []
    settings = _read(get_settings, problems)
    service = _read(get_service_settings, problems)
    if service is not None:
        problems.extend(configuration_problems(service))
    require(problems)
    assert settings is not None
    assert service is not None
    return settings, service


def require(problems: list[str]) -> None:
    if problems:
        raise WorkerMisconfiguredError(details="; ".join(problems))


def configuration_problems(service: ServiceSettings) -> list[str]:
    """Everything that stops `service` from running jobs, in the words of the docs' tables."""
    return [*secret_problems(service), *storage_problems(service), *callback_problems(service)]


def secret_problems(service: ServiceSettings) -> list[str]:
    secret = service.callback_signing_secret
    if not _is_set(secret):
        return ["CALLBACK_SIGNING_SECRET is not set"]
    assert secret is not None
    try:
        parse_secret(secret.get_secret_value())
    except SigningSecretError as exc:  # its message never holds the secret
        return [f"CALLBACK_SIGNING_SECRET is malformed: {exc}"]
    return []


def storage_problems(service: ServiceSettings) -> list[str]:
    if service.storage_backend is None:
        return [f"STORAGE_BACKEND is not set (r2; local only with {DEV_MODE})"]
    if service.storage_backend == "local":
        return [] if service.worker_dev_mode else [f"STORAGE_BACKEND=local needs {DEV_MODE}"]
    return _r2_problems(service)


def callback_problems(service: ServiceSettings) -> list[str]:
    problems = [
        f"CALLBACK_ALLOWED_HOSTS lists {entry!r}, which is not a host name"
        for entry in sorted(service.callback_allowed_hosts)
        if not _is_host_name(entry)
    ]
    if service.worker_dev_mode:
        return problems
    if service.callback_allow_loopback_http:
        problems.append(f"CALLBACK_ALLOW_LOOPBACK_HTTP=true needs {DEV_MODE}")
    if not service.callback_allowed_hosts:
        problems.append("CALLBACK_ALLOWED_HOSTS is not set (the callback API's host names)")
    return problems


def _r2_problems(service: ServiceSettings) -> list[str]:
    required = {
        "R2_ACCOUNT_ID (or R2_ENDPOINT_URL)": service.r2_account_id or service.r2_endpoint_url,
        "R2_ACCESS_KEY_ID": service.r2_access_key_id,
        "R2_SECRET_ACCESS_KEY": service.r2_secret_access_key,
        "R2_BUCKET": service.r2_bucket,
    }
    missing = [name for name, value in required.items() if not _is_set(value)]
    problems = [f"STORAGE_BACKEND=r2 needs {', '.join(missing)}"] if missing else []
    public, presigned = service.r2_public_base_url, service.r2_presigned_urls
    if public and presigned:
        problems.append("set R2_PUBLIC_BASE_URL or R2_PRESIGNED_URLS=true, not both")
    elif presigned:
        pass  # chosen explicitly: audio URLs expire after R2_PRESIGN_EXPIRY_S
    elif not public:
        problems.append(
            "R2_PUBLIC_BASE_URL is not set (a story's audioUrl must not expire; "
            "R2_PRESIGNED_URLS=true opts into URLs that do, after at most 7 days)"
        )
    elif not _is_public_base_url(public, allow_http=service.worker_dev_mode):
        problems.append("R2_PUBLIC_BASE_URL must be an https URL without query or credentials")
    return problems


def _is_public_base_url(url: str, *, allow_http: bool) -> bool:
    parts = urlsplit(url)
    schemes = {"https", "http"} if allow_http else {"https"}
    return (
        parts.scheme in schemes
        and bool(parts.hostname)
        and not (parts.username or parts.password or parts.query or parts.fragment)
    )


def _is_host_name(entry: str) -> bool:
    """A bare host (`api.example.com`, an IP address), not a URL, `host:port` or a path."""
    if any(mark in entry for mark in "/@?# "):
        return False
    if ":" not in entry:
        return True
    try:
        ipaddress.IPv6Address(entry)
    except ValueError:
        return False
    return True


def _is_set(value: str | SecretStr | None) -> bool:
    if isinstance(value, SecretStr):
        return bool(value.get_secret_value().strip())
    return bool(value and value.strip())


def _read(read: Callable[[], T], problems: list[str]) -> T | None:
    """Settings from the environment; an invalid value becomes a problem naming its variable."""
    try:
        return read()
    except ValidationError as exc:
        problems.extend(_invalid(error) for error in exc.errors(include_input=False))
        return None


def _invalid(error: ErrorDetails) -> str:
    if not error["loc"]:
        return error["msg"].removeprefix("Value error, ")
    return f"{str(error['loc'][0]).upper()} is invalid: {error['msg']}"
