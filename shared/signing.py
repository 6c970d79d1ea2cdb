"""Standard Webhooks signatures for callbacks, over the `standardwebhooks` package.

The worker signs each callback body with `sign()` and sends the returned headers; the API checks
them with a `Verifier`, built once, which accepts any of the active secrets so that a secret can
be rotated without downtime. Timestamps more than five minutes off are refused (the standard's
tolerance); a callback delivered later, inside a job's output, may be checked with a larger
`max_age` for the past (never for the future).

`derive_key()` gives keys for other purposes (the RunPod webhook tokens), so that nothing but
callbacks is ever signed with the secret itself.

Secrets look like `whsec_<base64 of 24 to 64 random bytes>`; `generate_secret()` makes one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from standardwebhooks.webhooks import Webhook

HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"
SIGNATURE_HEADERS = (HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE)
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format prefix, not a secret
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64
TOLERANCE = timedelta(minutes=5)
"""How far a signed timestamp may be from now, either way, unless `max_age` allows more."""


class SigningSecretError(ValueError):
    """A configured secret is not a `whsec_` secret of 24 to 64 bytes."""


class SignatureFailure(StrEnum):
    MISSING = "missing"
    EXPIRED = "expired"
    INVALID = "invalid"


class SignatureVerificationError(Exception):
    """The callback is not authentic; `failure` says why (never the signature itself)."""

    def __init__(self, failure: SignatureFailure) -> None:
        self.failure = failure
        super().__init__(f"signature {failure.value}")


def generate_secret(size: int = 32) -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(size)).decode()


def new_message_id() -> str:
    """A fresh `webhook-id`; a retried delivery of the same callback should reuse its id."""
    return f"msg_{uuid.uuid4().hex}"


def parse_secret(secret: str) -> Webhook:
    """A `Webhook` for a well-formed secret; raises `SigningSecretError` (without the secret)."""
    return Webhook(secret_key(secret))


def secret_key(secret: str) -> bytes:
    """The key bytes of a well-formed secret; raises `SigningSecretError` (without the secret)."""
    if not secret.startswith(SECRET_PREFIX):
        raise SigningSecretError(f"a signing secret must start with {SECRET_PREFIX!r}")
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error as exc:
        raise SigningSecretError("a signing secret must be base64 after 'whsec_'") from exc
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise SigningSecretError(
            f"a signing secret must hold {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes"
        )
    return key


def derive_key(secret: str, purpose: str) -> bytes:
    """A key for `purpose`, derived from the secret (HMAC-SHA256 of a label naming it).

    Keys of different purposes are independent, and none of them can sign a callback.
    """
    label = f"story-tts/{purpose}".encode()
    return hmac.new(secret_key(secret), label, hashlib.sha256).digest()


def _utc(timestamp: datetime | float) -> datetime:
    if isinstance(timestamp, datetime):
        if timestamp.tzinfo is None:
            raise ValueError("timestamp must be timezone-aware")
        return timestamp.astimezone(UTC)
    return datetime.fromtimestamp(timestamp, tz=UTC)


def sign(
    secret: str,
    body: bytes,
    msg_id: str | None = None,
    timestamp: datetime | float | None = None,
) -> dict[str, str]:
    """The three Standard Webhooks headers for `body` (UTF-8 JSON), sent at `timestamp`."""
    msg_id = msg_id or new_message_id()
    moment = _utc(timestamp if timestamp is not None else datetime.now(UTC))
    signature = parse_secret(secret).sign(msg_id=msg_id, timestamp=moment, data=body.decode())
    return {
        HEADER_ID: msg_id,
        HEADER_TIMESTAMP: str(int(moment.timestamp())),
        HEADER_SIGNATURE: signature,
    }


class Verifier:
    """Checks signatures against every active secret; build it once, use it per request."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._webhooks = [parse_secret(secret) for secret in secrets]
        if not self._webhooks:
            raise SigningSecretError("at least one signing secret is required")

    def verify(
        self, headers: Mapping[str, str], body: bytes, *, max_age: timedelta = TOLERANCE
    ) -> None:
        """Raise `SignatureVerificationError` unless `body` was signed by an active secret at
        most `max_age` ago (and at most `TOLERANCE` in the future)."""
        lowered = {name.lower(): value for name, value in headers.items()}
        present = {name: lowered[name] for name in SIGNATURE_HEADERS if lowered.get(name)}
        if len(present) != len(SIGNATURE_HEADERS):
            raise SignatureVerificationError(SignatureFailure.MISSING)
        moment = _signed_moment(present[HEADER_TIMESTAMP])
        now = datetime.now(UTC)
        if moment < now - max(max_age, TOLERANCE) or moment > now + TOLERANCE:
            raise SignatureVerificationError(SignatureFailure.EXPIRED)
        try:
            text = body.decode()
        except UnicodeDecodeError:
            raise SignatureVerificationError(SignatureFailure.INVALID) from None
        given = _signatures(present[HEADER_SIGNATURE])
        for webhook in self._webhooks:
            try:
                expected = _signature_bytes(webhook.sign(present[HEADER_ID], moment, text))
            except UnicodeEncodeError:  # a lone surrogate, e.g. from a JSON-embedded callback
                break
            if any(hmac.compare_digest(expected, candidate) for candidate in given):
                return
        raise SignatureVerificationError(SignatureFailure.INVALID)


def _signed_moment(header: str) -> datetime:
    try:
        return datetime.fromtimestamp(float(header), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise SignatureVerificationError(SignatureFailure.INVALID) from None


def _signature_bytes(versioned: str) -> bytes:
    return base64.b64decode(versioned.partition(",")[2])


def _signatures(header: str) -> list[bytes]:
    """The `v1` signatures of a `webhook-signature` header; malformed ones are skipped."""
    found = []
    for versioned in header.split(" "):
        version, _, encoded = versioned.partition(",")
        if version != "v1":
            continue
        try:
            found.append(base64.b64decode(encoded, validate=True))
        except binascii.Error:
            continue
    return found
