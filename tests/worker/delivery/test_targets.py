"""Callback URL derivation and the outbound URL guard. Names resolve through a table here, never
through DNS; only `localhost` goes to the system resolver (it answers from /etc/hosts)."""

import socket

import pytest

from shared.errors import InvalidInputError
from worker.delivery.targets import (
    CallbackTargets,
    check_outbound_url,
    derive_error_callback_url,
    derive_progress_url,
    normalize_url,
    resolve_host,
)

DNS = {
    "api.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "evil.example.net": ["93.184.215.15"],
    "metadata.example.net": ["169.254.169.254"],  # a public name for the cloud metadata address
    "intranet.example.net": ["10.0.0.5"],
    "split.example.net": ["93.184.215.16", "192.168.1.1"],  # one public address is not enough
    "mapped.example.net": ["::ffff:169.254.169.254"],
    "localhost": ["127.0.0.1", "::1"],
}


def fake_resolve(host: str) -> list[str]:
    return DNS.get(host, [])


@pytest.mark.parametrize(
    ("callback_url", "error_url"),
    [  # the three examples of the contract
        (
            "https://api.example.com/api/tts/callback",
            "https://api.example.com/api/tts/error-callback",
        ),
        (
            "https://api.example.com/api/tts/generate",
            "https://api.example.com/api/tts/error-callback",
        ),
        ("https://api.example.com/callback", "https://api.example.com/error-callback"),
    ],
)
def test_error_callback_url_derivation(callback_url: str, error_url: str) -> None:
    assert derive_error_callback_url(callback_url) == error_url
    assert derive_error_callback_url(callback_url + "/") == error_url  # a trailing slash too


def test_progress_url_is_derived_the_same_way() -> None:
    assert (
        derive_progress_url("https://a.example/api/tts/callback")
        == "https://a.example/api/tts/progress"
    )
    assert (
        derive_progress_url("https://a.example/api/tts/x") == "https://a.example/api/tts/progress"
    )
    assert (
        derive_progress_url("https://a.example/hooks/done/") == "https://a.example/hooks/progress"
    )
    assert derive_progress_url("https://a.example") == "https://a.example/progress"
    assert derive_progress_url("https://a.example/") == "https://a.example/progress"


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("https://x.example/api/tts/callback/", "https://x.example/api/tts/callback"),
        ("https://x.example/api/tts/callback//", "https://x.example/api/tts/callback"),
        ("https://x.example/api/tts/callback/?v=1", "https://x.example/api/tts/callback?v=1"),
        ("https://x.example/api/tts/callback", "https://x.example/api/tts/callback"),
        ("https://x.example/", "https://x.example"),
    ],
)
def test_a_trailing_slash_is_dropped(url: str, normalized: str) -> None:
    assert normalize_url(url) == normalized


def targets(callback_url: str, error_url: str | None = None, progress_url: str | None = None):
    return CallbackTargets.for_job(
        callback_url,
        error_url,
        progress_url,
        allowed_hosts=frozenset(),
        allow_loopback_http=False,
        resolve=fake_resolve,
    )


def test_explicit_urls_win_over_derived_ones() -> None:
    chosen = targets("https://api.example.com/api/tts/callback", "https://api.example.com/errors")
    assert chosen.error == "https://api.example.com/errors"
    assert chosen.progress == "https://api.example.com/api/tts/progress"


def test_the_job_posts_to_urls_without_a_trailing_slash() -> None:
    """`…/callback/` would get a redirect the sender does not follow, and derive
    `…/callback/error-callback`: every URL the job posts to is normalized first."""
    chosen = targets(
        "https://api.example.com/api/tts/callback/", None, "https://api.example.com/p/"
    )
    assert chosen.success == "https://api.example.com/api/tts/callback"
    assert chosen.error == "https://api.example.com/api/tts/error-callback"
    assert chosen.progress == "https://api.example.com/p"
    generic = targets("https://api.example.com/hooks/tts/")
    assert generic.error == "https://api.example.com/hooks/error-callback"
    assert generic.progress == "https://api.example.com/hooks/progress"


def test_a_host_is_resolved_once_per_job() -> None:
    asked: list[str] = []

    def counting(host: str) -> list[str]:
        asked.append(host)
        return fake_resolve(host)

    CallbackTargets.for_job(
        "https://api.example.com/api/tts/callback",
        None,
        None,
        allowed_hosts=frozenset(),
        allow_loopback_http=False,
        resolve=counting,
    )
    assert asked == ["api.example.com"]


def check(url: str, allowed: frozenset[str] = frozenset(), loopback: bool = False) -> str:
    return check_outbound_url(
        url,
        allowed_hosts=allowed,
        allow_loopback_http=loopback,
        field="callback_url",
        resolve=fake_resolve,
    )


def refusal(url: str, allowed: frozenset[str] = frozenset(), loopback: bool = False) -> str:
    with pytest.raises(InvalidInputError) as info:
        check(url, allowed, loopback)
    assert "the callback address is not allowed" in info.value.message
    assert info.value.context == {"fields": ["callback_url"]}
    assert info.value.details is not None
    assert info.value.details.startswith("callback_url: ")
    return info.value.details


@pytest.mark.parametrize(
    "url",
    [
        "http://api.example.com/api/tts/callback",  # plain http off loopback
        "ftp://api.example.com/x",
        "https://user:pw@api.example.com/x",  # credentials
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://10.0.0.5/api/tts/callback",  # private network
        "https://100.64.0.1/x",  # carrier-grade NAT
        "https://0.0.0.0/x",
        "https://224.0.0.1/x",  # multicast
        "https://[::1]/x",  # loopback over https, not allowed outside development
        "http://127.0.0.1:8000/api/tts/callback",  # loopback http needs the development switch
        "https:///nohost",
        "https://api.example.com:99999/x",  # a port out of range
        "https://[::1/x",  # an unbalanced bracket
    ],
)
def test_refused_urls_name_the_field(url: str) -> None:
    refusal(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://2852039166/",  # 169.254.169.254 as one integer
        "https://0xA9FEA9FE/",  # … in hex
        "https://0xa9.0xfe.0xa9.0xfe/",  # … in hex, per byte
        "https://0251.0376.0251.0376/",  # … in octal
        "https://169.254.43518/",  # … with its last two bytes as one number
        "https://0x7f.1/",  # 127.0.0.1
        "https://127.1/",
        "https://0177.0.0.1/",
        "https://127.0.0.1.api.example.com.1/",  # ends in a number: an address, not a name
        "https://127%2E0%2E0%2E1/",  # percent-encoded dots
    ],
)
def test_ip_addresses_in_uncommon_forms_are_refused(url: str) -> None:
    assert "IP address in its usual form" in refusal(url)
    assert "IP address in its usual form" in refusal(url, loopback=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://[::ffff:169.254.169.254]/",  # IPv4-mapped
        "https://[::ffff:a9fe:a9fe]/",  # the same, in hex
        "https://[::169.254.169.254]/",  # IPv4-compatible (deprecated, still parsed)
        "https://[64:ff9b::169.254.169.254]/",  # NAT64
        "https://[64:ff9b:1::a9fe:a9fe]/",  # local-use NAT64
        "https://[2002:a9fe:a9fe::1]/",  # 6to4
        "https://[fe80::1%25eth0]/",  # link-local with a zone
        "https://[fc00::1]/",  # unique local
        "https://[::]/",
    ],
)
def test_ipv6_forms_of_internal_addresses_are_refused(url: str) -> None:
    assert "private or internal" in refusal(url)


@pytest.mark.parametrize(
    "host",
    ["metadata.example.net", "intranet.example.net", "split.example.net", "mapped.example.net"],
)
def test_names_that_resolve_to_internal_addresses_are_refused(host: str) -> None:
    assert "private or internal" in refusal(f"https://{host}/api/tts/callback")
    assert "private or internal" in refusal(f"https://{host}/api/tts/callback", loopback=True)


def test_a_name_that_does_not_resolve_is_refused() -> None:
    assert "does not resolve" in refusal("https://nowhere.example.org/api/tts/callback")


def test_the_system_resolver_answers_for_localhost(monkeypatch) -> None:
    assert "127.0.0.1" in resolve_host("localhost")

    def unknown(*args: object, **kwargs: object) -> list[object]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    assert resolve_host("api.example.com") == []


def test_loopback_is_allowed_only_in_development() -> None:
    assert check("http://127.0.0.1:8000/api/tts/callback", loopback=True)
    assert check("http://localhost:8000/api/tts/callback", loopback=True)
    assert check("https://[::1]:8443/api/tts/callback", loopback=True)
    assert "private or internal" in refusal("https://localhost/api/tts/callback")
    assert "https" in refusal("http://localhost:8000/api/tts/callback")
    assert refusal("http://10.1.1.1/api/tts/callback", loopback=True)
    assert refusal("http://api.example.com/api/tts/callback", loopback=True)  # not loopback


def test_allow_list_limits_hosts_and_its_hosts_are_still_resolved() -> None:
    allowed = frozenset({"api.example.com", "intranet.example.net"})
    assert check("https://api.example.com/api/tts/callback", allowed)
    assert check("https://API.example.com./api/tts/callback", allowed)  # case, final dot
    assert "CALLBACK_ALLOWED_HOSTS" in refusal("https://evil.example.net/x", allowed)
    assert "private or internal" in refusal("https://intranet.example.net/x", allowed)


def test_public_https_is_allowed_without_an_allow_list() -> None:
    assert check("https://api.example.com/api/tts/callback")
    assert check("https://8.8.8.8/api/tts/callback")
    assert check("https://[2606:4700:4700::1111]/api/tts/callback")


def test_the_checked_url_is_normalized() -> None:
    assert check("https://api.example.com/api/tts/callback/") == (
        "https://api.example.com/api/tts/callback"
    )
