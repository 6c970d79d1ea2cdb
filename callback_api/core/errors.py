"""Errors the API raises on purpose, each with its HTTP answer.

Every error of every route is answered in one JSON shape (`main.py`):

    {"success": false, "error": "<what to do>", "error_type": "<code>", "field": "<if any>"}

These are the API's own failures (transport, storage, who may call); the job failures that the
worker reports travel inside error callbacks and are described by `shared.errors`. The app's
endpoints refuse bad text or voices with the worker's own `error_type` (`InputRefusedError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar


class CallbackAPIError(Exception):
    status_code: ClassVar[int] = 500
    public_message: ClassVar[str] = "internal error"
    error_type: ClassVar[str] = "internal_error"
    outcome: ClassVar[str] = "error"
    headers: Mapping[str, str] | None = None

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail
        super().__init__(detail or self.public_message)

    @property
    def message(self) -> str:
        """What the answer says: the public message (the detail may hold internals)."""
        return self.public_message

    @property
    def field(self) -> str | None:
        return None


class PayloadTooLargeError(CallbackAPIError):
    status_code = 413
    public_message = "payload too large"
    error_type = "payload_too_large"
    outcome = "rejected"


class StoryNotFoundError(CallbackAPIError):
    status_code = 404
    public_message = "story not found"
    error_type = "story_not_found"
    outcome = "rejected"


class FirestoreUnavailableError(CallbackAPIError):
    """Firestore did not answer in time or refused for a transient reason; retry later."""

    status_code = 503
    public_message = "firestore unavailable, retry later"
    error_type = "firestore_unavailable"
    outcome = "unavailable"

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(kind)


class FirestoreRequestError(CallbackAPIError):
    """Firestore refused the write itself, even without the callback's pass-through metadata;
    retrying the same callback will not help."""

    status_code = 422
    public_message = "the story could not be written"
    error_type = "firestore_refused"

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(kind)


class RunPodUnavailableError(CallbackAPIError):
    """RunPod's API could not confirm a job's status (unreachable, 5xx, refused our key)."""

    status_code = 503
    public_message = "runpod unavailable, retry later"
    error_type = "runpod_unavailable"
    outcome = "unavailable"


class UnauthenticatedError(CallbackAPIError):
    """No credentials, or an ID token that is malformed, expired or of another project."""

    status_code = 401
    public_message = "please sign in again"
    error_type = "unauthenticated"
    outcome = "rejected"
    headers = MappingProxyType({"WWW-Authenticate": "Bearer"})


class AuthUnavailableError(CallbackAPIError):
    """Firebase Auth's public keys could not be fetched to check a token; retry later."""

    status_code = 503
    public_message = "sign-in could not be checked right now, retry later"
    error_type = "auth_unavailable"
    outcome = "unavailable"


class InvalidRequestError(CallbackAPIError):
    """The request itself is wrong (not the story's text or voice): a developer's mistake."""

    status_code = 422
    public_message = "invalid request"
    error_type = "invalid_request"
    outcome = "rejected"

    def __init__(self, message: str, field: str | None = None) -> None:
        self._message, self._field = message, field
        super().__init__(message)

    @property
    def message(self) -> str:
        return self._message

    @property
    def field(self) -> str | None:
        return self._field


class RateLimitedError(CallbackAPIError):
    """A per-user limit is reached; `Retry-After` says when the next request may pass."""

    status_code = 429
    error_type = "rate_limited"
    outcome = "rejected"

    def __init__(self, message: str, retry_after_s: int) -> None:
        self._message = message
        self.retry_after_s = max(1, retry_after_s)
        self.headers = {"Retry-After": str(self.retry_after_s)}
        super().__init__(message)

    @property
    def message(self) -> str:
        return self._message
