"""What each event does to a voice document `voices/{voice_id}`: pure decisions, no I/O.

A voice is created or tried again by a numbered submission (`submission`, one more each time);
its job's callbacks echo the number, so a callback of a superseded job (an older number, or
another job id where the callback carries none) is `stale` and changes nothing.

    pending ──start──▶ processing ──success──▶ ready
       │                    │
       └────────error───────┴──────error──────▶ failed

A submission remembers the request that made it (`request`, a hash: `voices.py`; and
`requestedAt`): a repeat of that request joins the submission instead of starting another
(`joins`), unless it waited on it and no job came (`abandons`): then it starts another.

A failure the API inferred (RunPod refused the job, or ended it without a callback:
`errorSource` `submission`, `runpod_webhook` or `reconciler`) is provisional: a signed callback
of the same submission still replaces it. A failure the worker reported (`errorSource: worker`)
and a `ready` voice are final for their submission: a different second ending is a `conflict`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from google.cloud.firestore_v1 import DELETE_FIELD, SERVER_TIMESTAMP

from callback_api.services.rules import Outcome, SubmissionRequest
from shared.callbacks import MAX_ERROR_CHARS, MAX_ERROR_DETAILS_CHARS
from shared.errors import ErrorType, TTSError
from shared.voice_job_input import (
    VoiceProfileCallbackRequest,
    VoiceProfileErrorCallbackRequest,
    VoiceProfileProgressCallbackRequest,
)

VoiceCallback = (
    VoiceProfileCallbackRequest
    | VoiceProfileErrorCallbackRequest
    | VoiceProfileProgressCallbackRequest
)
WORKER = "worker"
"""`errorSource` of a failure the worker reported in a signed callback (final)."""
RESULT_FIELDS = ("profileKey", "sampleKey", "sampleUrl")

# What the listener reads in `error` when the API, not the worker, ends a voice's submission.
BUSY = "Creating the voice could not be started. Please try again in a few minutes."
MISCONFIGURED = (
    "Creating a voice is not available right now because of a configuration problem. "
    "Please try again later."
)
LOST = "Creating the voice stopped unexpectedly. Please try again."
TIMED_OUT = "Creating the voice took longer than allowed. Please try again."
CANCELLED = "Creating the voice was cancelled. Please try again."
ERROR_FIELDS = ("error", "errorType", "errorDetails", "errorSource")


class VoiceStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


AWAITING = frozenset({VoiceStatus.PENDING.value, VoiceStatus.PROCESSING.value})


@dataclass(frozen=True)
class VoiceDecision:
    outcome: Outcome
    updates: Mapping[str, Any] = field(default_factory=dict)

    @property
    def applied(self) -> bool:
        return self.outcome is Outcome.APPLIED


def submission_updates(
    voice: Mapping[str, Any] | None,
    user_id: str,
    name: str,
    language: str,
    request: SubmissionRequest,
) -> dict[str, Any]:
    """A new submission of the voice (`voice` None: a new voice) for `request`: pending,
    nothing of the last attempt. The caller has checked that `voice` belongs to `user_id`."""
    updates: dict[str, Any] = {
        "userId": user_id,
        "name": name,
        "language": language,
        "status": VoiceStatus.PENDING.value,
        "submission": submission_of(voice) + 1,
        "request": request.key,
        "requestedAt": request.at,
        "updatedAt": SERVER_TIMESTAMP,
    }
    if voice is None:
        return {**updates, "createdAt": SERVER_TIMESTAMP}
    cleared = ("jobId", *RESULT_FIELDS, *ERROR_FIELDS)
    return {**updates, **dict.fromkeys((key for key in cleared if key in voice), DELETE_FIELD)}


def joins(voice: Mapping[str, Any], request: SubmissionRequest, *, named_by_key: bool) -> bool:
    """Whether `request` repeats the one that made the voice's current submission. With an
    `Idempotency-Key` always, as does any repeat of a creation whose voice id derives from its
    key (`named_by_key`, even once the voice was tried again since); without one, while the
    submission is pending or processing and younger than the request's window. Never a
    submission the request `abandons`."""
    if submission_of(voice) == 0 or abandons(voice, request):
        return False
    if request.idempotent and named_by_key:
        return True
    if voice.get("request") != request.key:
        return False
    if request.idempotent:
        return True
    at = voice.get("requestedAt")
    young = isinstance(at, datetime) and (request.at - at).total_seconds() < request.window_s
    return young and voice.get("status") in AWAITING


def abandons(voice: Mapping[str, Any], request: SubmissionRequest) -> bool:
    """Whether `request` joined the voice's current submission before and found no job for
    it in time (`request.abandoned`): the request that made it died before RunPod took its job
    (or its commit landed after it was told otherwise). The repeat starts a new submission
    rather than wait on it; once a job is recorded, it joins that job after all."""
    number = submission_of(voice)
    return number != 0 and number == request.abandoned and voice.get("jobId") is None


def submission_of(voice: Mapping[str, Any] | None) -> int:
    number = (voice or {}).get("submission")
    return number if isinstance(number, int) and not isinstance(number, bool) else 0


def decide_job_recorded(voice: Mapping[str, Any], submission: int, job_id: str) -> VoiceDecision:
    """RunPod took `submission`'s job: its id, unless a newer submission followed (`stale`: the
    job is overtaken) or a callback of the job recorded it already (another job's: `conflict`)."""
    recorded = voice.get("jobId")
    if submission_of(voice) != submission:
        return VoiceDecision(Outcome.STALE)
    if recorded is not None:
        return VoiceDecision(Outcome.DUPLICATE if recorded == job_id else Outcome.CONFLICT)
    return VoiceDecision(Outcome.APPLIED, {"jobId": job_id, "updatedAt": SERVER_TIMESTAMP})


def decide_callback(callback: VoiceCallback, voice: Mapping[str, Any]) -> VoiceDecision:
    """What a signed callback of the voice's job does (the module's diagram)."""
    if voice.get("userId") != callback.user_id or not _same_job(callback, voice):
        return VoiceDecision(Outcome.STALE)
    status, final = voice.get("status"), _final(voice)
    if isinstance(callback, VoiceProfileProgressCallbackRequest):
        if status == VoiceStatus.PENDING:
            return _applied(VoiceStatus.PROCESSING, {"jobId": callback.job_id})
        outcome = Outcome.DUPLICATE if status == VoiceStatus.PROCESSING else Outcome.STALE
        return VoiceDecision(outcome)
    if isinstance(callback, VoiceProfileCallbackRequest):
        if status == VoiceStatus.READY:
            same = voice.get("profileKey") == callback.profile_key
            return VoiceDecision(Outcome.DUPLICATE if same else Outcome.CONFLICT)
        if final:
            return VoiceDecision(Outcome.CONFLICT)
        return _applied(VoiceStatus.READY, ready_fields(callback))
    if status == VoiceStatus.READY:
        return VoiceDecision(Outcome.CONFLICT)
    if final:
        same = voice.get("error") == _cut(callback.error, MAX_ERROR_CHARS)
        return VoiceDecision(Outcome.DUPLICATE if same else Outcome.CONFLICT)
    error_type = _error_type((callback.metadata or {}).get("error_type"))
    return _applied(
        VoiceStatus.FAILED,
        error_fields(callback.job_id, callback.error, error_type, callback.error_details, WORKER),
    )


def decide_interrupted(
    voice: Mapping[str, Any],
    submission: int,
    job_id: str | None,
    error: TTSError,
    source: str,
    stale_before: Any = None,
) -> VoiceDecision:
    """Fail `submission` with an inferred `error`, while it is pending or processing (with
    `job_id` when known) and, for the reconciler, silent since `stale_before`."""
    if submission_of(voice) != submission or voice.get("status") not in AWAITING:
        return VoiceDecision(Outcome.STALE)
    if job_id is not None and voice.get("jobId") not in (None, job_id):
        return VoiceDecision(Outcome.STALE)
    written = voice.get("updatedAt")
    if stale_before is not None and (written is None or written >= stale_before):
        return VoiceDecision(Outcome.STALE)
    fields = error_fields(job_id, error.message, error.error_type.value, error.details, source)
    return _applied(VoiceStatus.FAILED, fields)


def ready_fields(callback: VoiceProfileCallbackRequest) -> dict[str, Any]:
    return {
        "jobId": callback.job_id,
        "profileKey": callback.profile_key,
        "sampleKey": callback.sample_key,
        "sampleUrl": callback.sample_url,
        **dict.fromkeys(ERROR_FIELDS, DELETE_FIELD),
    }


def error_fields(
    job_id: str | None, error: str, error_type: str, details: str | None, source: str
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "error": _cut(error, MAX_ERROR_CHARS),
        "errorType": error_type,
        "errorDetails": DELETE_FIELD if details is None else _cut(details, MAX_ERROR_DETAILS_CHARS),
        "errorSource": source,
        **dict.fromkeys(RESULT_FIELDS, DELETE_FIELD),
    }
    return fields if job_id is None else {**fields, "jobId": job_id}


def _same_job(callback: VoiceCallback, voice: Mapping[str, Any]) -> bool:
    if callback.submission is None:  # a worker without submission numbers: the job id decides
        return voice.get("jobId") == callback.job_id
    recorded = voice.get("jobId")
    return callback.submission == submission_of(voice) and recorded in (None, callback.job_id)


def _final(voice: Mapping[str, Any]) -> bool:
    status = voice.get("status")
    return status == VoiceStatus.READY or (
        status == VoiceStatus.FAILED and voice.get("errorSource") == WORKER
    )


def _applied(status: VoiceStatus, fields: Mapping[str, Any]) -> VoiceDecision:
    return VoiceDecision(
        Outcome.APPLIED, {**fields, "status": status.value, "updatedAt": SERVER_TIMESTAMP}
    )


def _error_type(value: Any) -> str:
    known = {kind.value for kind in ErrorType}
    return value if isinstance(value, str) and value in known else ErrorType.INTERNAL_ERROR.value


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
