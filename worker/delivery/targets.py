"""Callback URLs: derivation rules from the contract, and the outbound allow-list.

Job input must not be able to make the worker post to arbitrary internal addresses: outbound
URLs are https (http only to loopback, and only when allowed for development), never carry
credentials, never point at private, link-local or metadata addresses by IP, and, when an
allow-list is configured, name one of its hosts.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from shared.errors import InvalidInputError

SUCCESS_PATH = "/api/tts/callback"
LOOPBACK_NAMES = frozenset({"localhost"})


def derive_sibling_url(callback_url: str, name: str) -> str:
    """The contract's three rules, for `error-callback` (and likewise `progress`).

    The contract's third example (`…/callback` → `…/error-callback`) replaces the last path
    segment; its sample code appended instead. The examples are what the app relies on.
    """
    if SUCCESS_PATH in callback_url:
        return callback_url.replace(SUCCESS_PATH, f"/api/tts/{name}")
    if "/api/tts/" in callback_url:
        return callback_url.rsplit("/", 1)[0] + f"/{name}"
    parts = urlsplit(callback_url.rstrip("/"))
    parent = parts.path.rsplit("/", 1)[0] if parts.path else ""
    return urlunsplit((parts.scheme, parts.netloc, f"{parent}/{name}", "", ""))


def derive_error_callback_url(callback_url: str) -> str:
    return derive_sibling_url(callback_url, "error-callback")


def derive_progress_url(callback_url: str) -> str:
    return derive_sibling_url(callback_url, "progress")


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_internal_ip(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


def check_outbound_url(
    url: str, *, allowed_hosts: Collection[str], allow_loopback_http: bool, field: str
) -> str:
    """Return `url` if the worker may post to it; else raise `invalid_input` naming `field`."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()

    def refuse(reason: str) -> InvalidInputError:
        return InvalidInputError(
            f"The narration request is invalid: {field}: {reason}.", context={"fields": [field]}
        )

    if not host or parts.username or parts.password:
        raise refuse("must be an absolute URL without credentials")
    loopback = _is_loopback(host)
    if parts.scheme == "http" and not (loopback and allow_loopback_http):
        raise refuse("must use https")
    if parts.scheme not in {"http", "https"}:
        raise refuse("must use https")
    if allowed_hosts and host not in allowed_hosts:
        raise refuse("its host is not in CALLBACK_ALLOWED_HOSTS")
    if not allowed_hosts and _is_internal_ip(host) and not (loopback and allow_loopback_http):
        raise refuse("must not point at a private or internal address")
    return url


@dataclass(frozen=True)
class CallbackTargets:
    success: str
    error: str
    progress: str

    @classmethod
    def for_job(
        cls,
        callback_url: str,
        error_callback_url: str | None,
        progress_callback_url: str | None,
        *,
        allowed_hosts: Collection[str],
        allow_loopback_http: bool,
    ) -> CallbackTargets:
        candidates = {
            "callback_url": callback_url,
            "error_callback_url": error_callback_url or derive_error_callback_url(callback_url),
            "progress_callback_url": progress_callback_url or derive_progress_url(callback_url),
        }
        checked = {
            field: check_outbound_url(
                url,
                allowed_hosts=allowed_hosts,
                allow_loopback_http=allow_loopback_http,
                field=field,
            )
            for field, url in candidates.items()
        }
        return cls(
            checked["callback_url"], checked["error_callback_url"], checked["progress_callback_url"]
        )
