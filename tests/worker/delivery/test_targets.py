import pytest

from shared.errors import InvalidInputError
from worker.delivery.targets import (
    CallbackTargets,
    check_outbound_url,
    derive_error_callback_url,
    derive_progress_url,
)


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


def test_explicit_urls_win_over_derived_ones() -> None:
    targets = CallbackTargets.for_job(
        "https://api.example.com/api/tts/callback",
        "https://api.example.com/errors",
        None,
        allowed_hosts=frozenset(),
        allow_loopback_http=False,
    )
    assert targets.error == "https://api.example.com/errors"
    assert targets.progress == "https://api.example.com/api/tts/progress"


def check(url: str, allowed: frozenset[str] = frozenset(), loopback: bool = False) -> str:
    return check_outbound_url(
        url, allowed_hosts=allowed, allow_loopback_http=loopback, field="callback_url"
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://api.example.com/api/tts/callback",  # plain http off loopback
        "ftp://api.example.com/x",
        "https://user:pw@api.example.com/x",  # credentials
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://10.0.0.5/api/tts/callback",  # private network
        "https://[::1]/x",  # loopback over https, not allowed outside development
        "http://127.0.0.1:8000/api/tts/callback",  # loopback http needs the development switch
        "https:///nohost",
    ],
)
def test_refused_urls_name_the_field(url: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        check(url)
    assert "callback_url" in info.value.message
    assert info.value.context == {"fields": ["callback_url"]}


def test_loopback_http_is_allowed_only_in_development() -> None:
    assert check("http://127.0.0.1:8000/api/tts/callback", loopback=True)
    assert check("http://localhost:8000/api/tts/callback", loopback=True)
    with pytest.raises(InvalidInputError):
        check("http://10.1.1.1/api/tts/callback", loopback=True)


def test_allow_list_limits_hosts() -> None:
    allowed = frozenset({"api.example.com"})
    assert check("https://api.example.com/api/tts/callback", allowed)
    with pytest.raises(InvalidInputError) as info:
        check("https://evil.example.net/api/tts/callback", allowed)
    assert "CALLBACK_ALLOWED_HOSTS" in info.value.message


def test_public_https_is_allowed_without_an_allow_list() -> None:
    assert check("https://api.example.com/api/tts/callback")
    assert check("https://8.8.8.8/api/tts/callback")
