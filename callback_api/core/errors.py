"""Errors the callback API raises on purpose, each with its HTTP answer.

These are transport and storage failures of the API itself; the job failures that the worker
reports travel inside error callbacks and are described by `shared.errors`.
"""

from __future__ import annotations

from typing import ClassVar


class CallbackAPIError(Exception):
    status_code: ClassVar[int] = 500
    public_message: ClassVar[str] = "internal error"
    outcome: ClassVar[str] = "error"

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail
        super().__init__(detail or self.public_message)


class PayloadTooLargeError(CallbackAPIError):
    status_code = 413
    public_message = "payload too large"
    outcome = "rejected"


class StoryNotFoundError(CallbackAPIError):
    status_code = 404
    public_message = "story not found"
    outcome = "rejected"


class FirestoreUnavailableError(CallbackAPIError):
    """Firestore did not answer in time or refused for a transient reason; retry later."""

    status_code = 503
    public_message = "firestore unavailable, retry later"
    outcome = "unavailable"

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(kind)


class FirestoreRequestError(CallbackAPIError):
    """Firestore refused the write itself, even without the callback's pass-through metadata;
    retrying the same callback will not help."""

    status_code = 422
    public_message = "the story could not be written"

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(kind)


class RunPodUnavailableError(CallbackAPIError):
    """RunPod's API could not confirm a job's status (unreachable, 5xx, refused our key)."""

    status_code = 503
    public_message = "runpod unavailable, retry later"
    outcome = "unavailable"
