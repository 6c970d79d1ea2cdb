"""Callback URLs: derivation rules from the contract, and the outbound URL guard.

Job input must not be able to make the worker post to internal addresses. An outbound URL is
https (plain http only to loopback, and only when allowed for development), carries no
credentials, names its host by name or by an IP address in canonical form (never `2852039166`,
`0x7f.1`, `127.1` or `0177.0.0.1`), and, when an allow-list is configured, names one of its
hosts. Then the host is resolved and every address it resolves to must be public (loopback
only when allowed): a name that points at a private, link-local, metadata or IPv4-embedding
IPv6 address is refused as if it were that address, and a name that does not resolve is refused.
Allowed hosts are resolved and checked too: the list says whose API it is, the addresses say
where the post would go.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
from collections.abc import Callable, Collection
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

from shared.errors import InvalidInputError
from shared.job_input import field_label

SUCCESS_PATH = "/api/tts/callback"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Collection[str]]
"""A host name to the addresses it resolves to; empty when it does not resolve."""

_HOST_NAME = re.compile(r"[\w-]+(\.[\w-]+)*")
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def resolve_host(host: str) -> list[str]:
    """Every address `host` resolves to (IPv4 and IPv6), through the system resolver."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):  # socket.gaierror is an OSError
        return []
    return sorted({str(info[4][0]) for info in infos})


def normalize_url(url: str) -> str:
    """`url` without a trailing slash on its path: the callback API answers `…/callback/` with
    a redirect that the worker, rightly, does not follow."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    return url if path == parts.path else urlunsplit(parts._replace(path=path))


def derive_sibling_url(callback_url: str, name: str) -> str:
    """The contract's three rules, for `error-callback` (and likewise `progress`).

    The contract's third example (`…/callback` → `…/error-callback`) replaces the last path
    segment; its sample code appended instead. The examples are what the app relies on.
    """
    callback_url = normalize_url(callback_url)
    if SUCCESS_PATH in callback_url:
        return callback_url.replace(SUCCESS_PATH, f"/api/tts/{name}")
    if "/api/tts/" in callback_url:
        return callback_url.rsplit("/", 1)[0] + f"/{name}"
    parts = urlsplit(callback_url)
    parent = parts.path.rsplit("/", 1)[0] if parts.path else ""
    return urlunsplit((parts.scheme, parts.netloc, f"{parent}/{name}", "", ""))


def derive_error_callback_url(callback_url: str) -> str:
    return derive_sibling_url(callback_url, "error-callback")


def derive_progress_url(callback_url: str) -> str:
    return derive_sibling_url(callback_url, "progress")


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries: mapped, 6to4, Teredo, NAT64, compatible."""
    found = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    if address in _NAT64 or address in _IPV4_COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF))
    return [ipv4 for ipv4 in found if ipv4 is not None]


def is_public(address: Address) -> bool:
    """Globally reachable unicast, and so is every IPv4 address it carries."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _LOCAL_NAT64:
            return False
        if not all(is_public(ipv4) for ipv4 in embedded_ipv4(address)):
            return False
    return address.is_global and not address.is_multicast


def check_outbound_url(
    url: str,
    *,
    allowed_hosts: Collection[str],
    allow_loopback_http: bool,
    field: str,
    resolve: Resolver | None = None,
) -> str:
    """`url`, normalized, if the worker may post to it; else `invalid_input` naming `field`.

    `resolve` defaults to the system resolver (`resolve_host`); tests pass their own.
    """

    def refuse(reason: str) -> InvalidInputError:
        return InvalidInputError(
            f"The request could not be accepted: the {field_label(field)} is not allowed. "
            "Please try again, and contact support if it happens again.",
            details=f"{field}: {reason}",
            context={"fields": [field]},
        )

    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().removesuffix(".")
        parts.port  # noqa: B018 - raises for a port that is not a number in range
    except ValueError:
        raise refuse("is not a valid URL") from None
    if not host or parts.username or parts.password:
        raise refuse("must be an absolute URL without credentials")
    if parts.scheme not in {"http", "https"} or (
        parts.scheme == "http" and not allow_loopback_http
    ):
        raise refuse("must use https")
    if allowed_hosts and host not in allowed_hosts:
        raise refuse("its host is not in CALLBACK_ALLOWED_HOSTS")
    addresses = _addresses(host, parts, resolve or resolve_host)
    if addresses is None:
        raise refuse("must name its host, or an IP address in its usual form")
    if not addresses:
        raise refuse("its host does not resolve")
    loopback = allow_loopback_http and all(a.is_loopback for a in addresses)
    if parts.scheme == "http" and not loopback:
        raise refuse("must use https")
    if not loopback and not all(is_public(a) for a in addresses):
        raise refuse("must not point at a private or internal address")
    return normalize_url(url)


def _addresses(host: str, parts: SplitResult, resolve: Resolver) -> list[Address] | None:
    """The addresses behind `host`; None for a host written in an ambiguous numeric form."""
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        bracketed = "[" in parts.netloc
        return [literal] if bracketed == isinstance(literal, ipaddress.IPv6Address) else None
    if not _HOST_NAME.fullmatch(host) or _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
        return None  # not a name, or an IPv4 address in a form that parsers disagree on
    addresses: list[Address] = []
    for text in resolve(host):
        try:
            addresses.append(ipaddress.ip_address(text.split("%", 1)[0]))
        except ValueError:
            return []
    return addresses


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
        resolve: Resolver | None = None,
    ) -> CallbackTargets:
        """The job's three URLs, checked; a host shared by them is resolved once."""
        candidates = {
            "callback_url": callback_url,
            "error_callback_url": error_callback_url or derive_error_callback_url(callback_url),
            "progress_callback_url": progress_callback_url or derive_progress_url(callback_url),
        }
        once = functools.cache(resolve or resolve_host)
        checked = {
            field: check_outbound_url(
                url,
                allowed_hosts=allowed_hosts,
                allow_loopback_http=allow_loopback_http,
                field=field,
                resolve=once,
            )
            for field, url in candidates.items()
        }
        return cls(
            checked["callback_url"], checked["error_callback_url"], checked["progress_callback_url"]
        )
