"""What a RunPod job's end means for its story, for the webhook route and the reconciler.

A job output may carry the worker's signed terminal callback (`output.callback`); it counts
only if its signature verifies against the API's secrets, it is at most
`EMBEDDED_CALLBACK_MAX_AGE_S` old (a redelivered output is older than the 5 minutes allowed
to a direct callback) and it names the story in question. A job that ended without one yields
the interrupted-job error its RunPod status implies.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import ValidationError

from callback_api.core.config import Settings
from callback_api.services.runpod_api import JobReport, JobStatus
from shared.callbacks import SignedCallback, TTSErrorCallbackRequest, TTSSuccessCallbackRequest
from shared.errors import (
    JobCancelledError,
    JobInterruptedError,
    JobTimedOutError,
    WorkerLostError,
)
from shared.signing import SignatureVerificationError, Verifier

TerminalCallback = TTSSuccessCallbackRequest | TTSErrorCallbackRequest

_INTERRUPTIONS: dict[str, type[JobInterruptedError]] = {
    JobStatus.FAILED: WorkerLostError,
    JobStatus.TIMED_OUT: JobTimedOutError,
    JobStatus.CANCELLED: JobCancelledError,
}


class EmbeddedCallbackError(Exception):
    """The output's callback does not count; `reason` says why (never its content)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class EmbeddedCallbacks:
    """Reads the signed callback a job output carries; build once, use per report."""

    def __init__(self, verifier: Verifier, max_age: timedelta) -> None:
        self._verifier = verifier
        self._max_age = max_age

    @classmethod
    def for_settings(cls, settings: Settings) -> EmbeddedCallbacks | None:
        """None without a secret (local development mode): nothing could be verified."""
        if not settings.signing_secrets:
            return None
        max_age = timedelta(seconds=settings.embedded_callback_max_age_s)
        return cls(Verifier(settings.signing_secrets), max_age)

    def of(self, report: JobReport, story_id: str) -> TerminalCallback | None:
        """The authentic callback for `story_id` in `report`, None if it carries none;
        raises `EmbeddedCallbackError` when it carries one that does not count."""
        raw = report.embedded_callback
        if raw is None:
            return None
        try:
            signed = SignedCallback.model_validate(raw)
            self._verifier.verify(signed.headers, signed.body.encode(), max_age=self._max_age)
            callback = signed.request()
        except (ValidationError, UnicodeEncodeError):
            raise EmbeddedCallbackError("invalid_callback") from None
        except SignatureVerificationError as exc:
            raise EmbeddedCallbackError(f"signature_{exc.failure.value}") from None
        if callback.story_id != story_id:
            raise EmbeddedCallbackError("other_story")
        return callback


def interruption(status: str | None) -> JobInterruptedError | None:
    """The error a job that ended with `status` and no callback implies: FAILED `worker_lost`,
    TIMED_OUT `job_timed_out`, CANCELLED `job_cancelled`; None for any other status."""
    kind = _INTERRUPTIONS.get(status or "")
    if kind is None:
        return None
    return kind(
        details=f"RunPod reported the job {status} without a signed callback.",
        context={"runpod_status": status},
    )
