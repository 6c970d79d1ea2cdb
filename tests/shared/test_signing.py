"""Standard Webhooks signing, interoperable with the `standardwebhooks` package."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook

from shared.signing import (
    SignatureFailure,
    SignatureVerificationError,
    SigningSecretError,
    Verifier,
    derive_key,
    generate_secret,
    new_message_id,
    parse_secret,
    sign,
)

SECRET = generate_secret()
BODY = b'{"story_id":"s1","error":"boom"}'


def _failure(secrets: list[str], headers: dict[str, str], body: bytes) -> SignatureFailure:
    with pytest.raises(SignatureVerificationError) as caught:
        Verifier(secrets).verify(headers, body)
    return caught.value.failure


def test_sign_then_verify() -> None:
    headers = sign(SECRET, BODY, "msg_1", datetime.now(UTC))

    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert headers["webhook-id"] == "msg_1"
    assert headers["webhook-signature"].startswith("v1,")
    Verifier([SECRET]).verify(headers, BODY)


def test_signature_is_the_standard_hmac_of_id_timestamp_body() -> None:
    headers = sign(SECRET, BODY, "msg_1", 1_700_000_000)
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    expected = hmac.new(key, b"msg_1.1700000000." + BODY, hashlib.sha256).digest()

    assert headers["webhook-timestamp"] == "1700000000"
    assert headers["webhook-signature"] == "v1," + base64.b64encode(expected).decode()


def test_interoperates_with_the_library_directly() -> None:
    headers = sign(SECRET, BODY)

    Webhook(SECRET).verify(BODY, headers)
    library_headers = {
        "webhook-id": "msg_2",
        "webhook-timestamp": str(int(time.time())),
        "webhook-signature": Webhook(SECRET).sign("msg_2", datetime.now(UTC), BODY.decode()),
    }
    Verifier([SECRET]).verify(library_headers, BODY)


def test_non_utc_timestamps_are_signed_as_the_same_instant() -> None:
    moment = datetime.now(timezone(timedelta(hours=-7)))

    headers = sign(SECRET, BODY, "msg_1", moment)

    assert headers["webhook-timestamp"] == str(int(moment.timestamp()))
    Verifier([SECRET]).verify(headers, BODY)


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        sign(SECRET, BODY, "msg_1", datetime.now())


def test_either_active_secret_verifies_for_rotation() -> None:
    old, new = generate_secret(), generate_secret()

    Verifier([new, old]).verify(sign(old, BODY), BODY)
    Verifier([new, old]).verify(sign(new, BODY), BODY)
    assert _failure([new, old], sign(generate_secret(), BODY), BODY) is SignatureFailure.INVALID


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("webhook-id", "msg_other"),
        ("webhook-timestamp", "a second earlier"),
        ("webhook-signature", "v1,AAAA"),
        ("webhook-signature", "v1"),
        ("webhook-signature", "v1,not*base64"),
        ("webhook-signature", "v2,abc"),
        ("webhook-timestamp", "soon"),
    ],
)
def test_altered_headers_are_invalid(name: str, value: str) -> None:
    headers = sign(SECRET, BODY)
    if value == "a second earlier":  # taken when the test runs: collection may be minutes ago
        value = str(int(headers[name]) - 1)
    headers[name] = value

    assert _failure([SECRET], headers, BODY) is SignatureFailure.INVALID


def test_altered_or_undecodable_body_is_invalid() -> None:
    headers = sign(SECRET, BODY)

    assert _failure([SECRET], headers, BODY + b" ") is SignatureFailure.INVALID
    assert _failure([SECRET], headers, b"\xff\xfe") is SignatureFailure.INVALID


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_headers(missing: str) -> None:
    headers = sign(SECRET, BODY)
    del headers[missing]

    assert _failure([SECRET], headers, BODY) is SignatureFailure.MISSING
    assert _failure([SECRET], {**headers, missing: ""}, BODY) is SignatureFailure.MISSING


@pytest.mark.parametrize("offset", [-301, 301, -86400])
def test_timestamps_more_than_five_minutes_off_are_expired(offset: int) -> None:
    headers = sign(SECRET, BODY, timestamp=time.time() + offset)

    assert _failure([SECRET], headers, BODY) is SignatureFailure.EXPIRED


@pytest.mark.parametrize("offset", [-290, 290])
def test_timestamps_within_five_minutes_are_accepted(offset: int) -> None:
    Verifier([SECRET]).verify(sign(SECRET, BODY, timestamp=time.time() + offset), BODY)


@pytest.mark.parametrize("age", [-301, -3500])
def test_a_larger_max_age_accepts_older_callbacks(age: int) -> None:
    headers = sign(SECRET, BODY, timestamp=time.time() + age)

    Verifier([SECRET]).verify(headers, BODY, max_age=timedelta(hours=1))


@pytest.mark.parametrize("offset", [-3700, 301])
def test_max_age_bounds_the_past_and_never_widens_the_future(offset: int) -> None:
    headers = sign(SECRET, BODY, timestamp=time.time() + offset)

    with pytest.raises(SignatureVerificationError) as caught:
        Verifier([SECRET]).verify(headers, BODY, max_age=timedelta(hours=1))
    assert caught.value.failure is SignatureFailure.EXPIRED


def test_an_old_callback_with_a_wrong_signature_is_still_invalid() -> None:
    headers = sign(generate_secret(), BODY, timestamp=time.time() - 1800)

    with pytest.raises(SignatureVerificationError) as caught:
        Verifier([SECRET]).verify(headers, BODY, max_age=timedelta(hours=1))
    assert caught.value.failure is SignatureFailure.INVALID


def test_a_lone_surrogate_in_a_header_is_invalid_not_a_crash() -> None:
    headers = sign(SECRET, BODY) | {"webhook-id": "msg_\ud800"}

    assert _failure([SECRET], headers, BODY) is SignatureFailure.INVALID


def test_derived_keys_differ_by_purpose_and_secret_and_are_not_the_secret() -> None:
    key = derive_key(SECRET, "runpod-webhook")

    assert len(key) == 32
    assert key == derive_key(SECRET, "runpod-webhook")
    assert key != derive_key(SECRET, "other")
    assert key != derive_key(generate_secret(), "runpod-webhook")
    assert key != base64.b64decode(SECRET.removeprefix("whsec_"))


def test_header_names_are_case_insensitive() -> None:
    headers = {name.upper(): value for name, value in sign(SECRET, BODY).items()}

    Verifier([SECRET]).verify(headers, BODY)


def test_several_signatures_in_one_header() -> None:
    headers = sign(SECRET, BODY)
    headers["webhook-signature"] = "v1,AAAA " + headers["webhook-signature"]

    Verifier([SECRET]).verify(headers, BODY)


@pytest.mark.parametrize(
    "secret",
    [
        "",
        "abc",
        "whsec_",
        "whsec_%%%%",
        "whsec_" + base64.b64encode(b"x" * 8).decode(),
        "whsec_" + base64.b64encode(b"x" * 65).decode(),
    ],
)
def test_malformed_secrets_are_refused_without_echo(secret: str) -> None:
    with pytest.raises(SigningSecretError) as caught:
        parse_secret(secret)

    if len(secret) > len("whsec_"):
        assert secret.removeprefix("whsec_") not in str(caught.value)


def test_a_verifier_needs_a_secret() -> None:
    with pytest.raises(SigningSecretError):
        Verifier([])


def test_generated_secrets_and_message_ids() -> None:
    first, second = generate_secret(), generate_secret()

    assert first != second
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32
    assert new_message_id().startswith("msg_")
    assert new_message_id() != new_message_id()


def test_errors_never_carry_the_signature() -> None:
    headers = sign(SECRET, BODY)

    with pytest.raises(SignatureVerificationError) as caught:
        Verifier([generate_secret()]).verify(headers, BODY)

    assert headers["webhook-signature"] not in str(caught.value)
    assert str(caught.value) == "signature invalid"


@given(st.text(max_size=500), st.text(alphabet="abc123_", min_size=1, max_size=40))
def test_any_utf8_body_round_trips(text: str, msg_id: str) -> None:
    body = text.encode()

    Verifier([SECRET]).verify(sign(SECRET, body, msg_id), body)
