"""The state rules: what one callback does to one story.

`decide()` is pure; `stories.py` calls it inside a Firestore transaction with the story as read
there. A story follows one job (`audioJobId`, `audioJobStartedAt`); jobs are ordered by
`(job_started_at, job_id)`.

- A callback from an older job is stale. A callback from a newer job takes over.
- Within the followed job: progress never leaves `ready`/`failed` and never goes backwards; the
  first terminal callback wins; an identical repeat is a duplicate; a different late terminal
  callback is a conflict. Ignored callbacks write nothing.
- A callback without `job_started_at` (the original minimal payload) applies only while the
  story is `pending` or `processing`, and is stale if it names a job other than the followed one.
- When the story knows a job id but not its start time (it was written by a minimal callback or
  by the app), a callback from another job takes over only while the story is pending/processing.
- A progress callback that repeats the stored fraction is a heartbeat: it refreshes `updatedAt`.

`decide_interrupted()` is the rule for a failure the API infers itself (RunPod reported the job
ended without a callback, or the reconciler found it silent): it fails only the story that
follows that job, and only while it is pending or processing. Such a failure is provisional: a
signed success or error callback of the same job supersedes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any

from google.cloud.firestore_v1 import DELETE_FIELD, SERVER_TIMESTAMP

from shared.callbacks import (
    IgnoredReason,
    TTSCallbackRequest,
    TTSErrorCallbackRequest,
    TTSProgressCallbackRequest,
    TTSSuccessCallbackRequest,
)
from shared.errors import JobInterruptedError


class AudioStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class InferredSource(StrEnum):
    """Who inferred a failure (`audioErrorMetadata.source`); signed callbacks never carry one."""

    RUNPOD_WEBHOOK = "runpod_webhook"
    RECONCILER = "reconciler"


TERMINAL = frozenset({AudioStatus.READY, AudioStatus.FAILED})
AWAITING = frozenset({AudioStatus.PENDING, AudioStatus.PROCESSING})
ERROR_FIELDS = ("audioError", "audioErrorDetails", "audioErrorMetadata")
KEPT_ERROR_METADATA = ("error_type", "retryable", "stage")
"""What a lean error callback keeps of its metadata (see `without_passthrough`)."""
READ_FIELDS = (
    "updatedAt",
    "audioStatus",
    "audioJobId",
    "audioJobStartedAt",
    "audioProgress",
    "audioProgressStage",
    "audioUrl",
    "audioDuration",
    "audioMetadata",
    *ERROR_FIELDS,
)
"""Every field `decide()` looks at: the transaction reads only these, never the story's text."""


class Outcome(StrEnum):
    APPLIED = "applied"
    STALE = IgnoredReason.STALE.value
    DUPLICATE = IgnoredReason.DUPLICATE.value
    CONFLICT = IgnoredReason.CONFLICT.value


class _Relation(Enum):
    NEWER = "newer"
    SAME = "same"
    OLDER = "older"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    updates: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Followed:
    job_id: str | None
    started_at: datetime | None
    status: str | None
    inferred_failure: bool

    @classmethod
    def of(cls, story: Mapping[str, Any]) -> _Followed:
        started_at = story.get("audioJobStartedAt")
        return cls(
            job_id=story.get("audioJobId"),
            started_at=started_at if isinstance(started_at, datetime) else None,
            status=story.get("audioStatus"),
            inferred_failure=is_inferred_failure(story),
        )


def is_inferred_failure(story: Mapping[str, Any]) -> bool:
    """Whether the story failed by the API's inference rather than by a signed callback."""
    metadata = story.get("audioErrorMetadata")
    return (
        story.get("audioStatus") == AudioStatus.FAILED
        and isinstance(metadata, Mapping)
        and metadata.get("source") in set(InferredSource)
    )


def decide(callback: TTSCallbackRequest, story: Mapping[str, Any]) -> Decision:
    followed = _Followed.of(story)
    relation = _relation(callback, followed)
    if relation is _Relation.OLDER:
        return Decision(Outcome.STALE)
    if relation is _Relation.SAME and (ignored := _ignored_within_job(callback, story)):
        return Decision(ignored)
    return Decision(Outcome.APPLIED, _updates(callback, story, followed, relation))


def _relation(callback: TTSCallbackRequest, followed: _Followed) -> _Relation:
    if callback.job_started_at is None:
        return _minimal_payload_relation(callback, followed)
    if callback.job_id == followed.job_id:
        return _Relation.SAME
    if followed.started_at is None:
        awaiting = followed.job_id is None or followed.status in AWAITING
        return _Relation.NEWER if awaiting else _Relation.OLDER
    ours = (callback.job_started_at, callback.job_id or "")
    theirs = (followed.started_at, str(followed.job_id or ""))
    return _Relation.NEWER if ours > theirs else _Relation.OLDER


def _minimal_payload_relation(callback: TTSCallbackRequest, followed: _Followed) -> _Relation:
    other_job = callback.job_id is not None and followed.job_id not in (None, callback.job_id)
    superseding = followed.inferred_failure and callback.job_id == followed.job_id
    if other_job or (followed.status not in AWAITING and not superseding):
        return _Relation.OLDER
    return _Relation.SAME


def _ignored_within_job(callback: TTSCallbackRequest, story: Mapping[str, Any]) -> Outcome | None:
    status = story.get("audioStatus")
    if isinstance(callback, TTSProgressCallbackRequest):
        return Outcome.STALE if status in TERMINAL else _progress_ignored(callback, story)
    if status not in TERMINAL or is_inferred_failure(story):
        return None
    # Stored in full, or lean because Firestore refused the full write: a repeat either way.
    repeat = any(_is_stored(_content(c), story) for c in (callback, without_passthrough(callback)))
    return Outcome.DUPLICATE if repeat else Outcome.CONFLICT


def _progress_ignored(
    callback: TTSProgressCallbackRequest, story: Mapping[str, Any]
) -> Outcome | None:
    """Only a step backwards; a repeat of the stored fraction is a heartbeat and applies."""
    current = story.get("audioProgress")
    if story.get("audioStatus") != AudioStatus.PROCESSING or not isinstance(current, int | float):
        return None
    return Outcome.STALE if callback.fraction < current else None


def _is_stored(content: Mapping[str, Any], story: Mapping[str, Any]) -> bool:
    """Whether writing `content` would change nothing (a deleted field reads as absent)."""
    return all(
        story.get(key) is None if value is DELETE_FIELD else story.get(key) == value
        for key, value in content.items()
    )


def _content(callback: TTSCallbackRequest) -> dict[str, Any]:
    """The story fields a callback sets, without the job fields and `updatedAt`."""
    if isinstance(callback, TTSSuccessCallbackRequest):
        return {
            "audioStatus": AudioStatus.READY.value,
            "audioUrl": callback.audio_url,
            "audioDuration": callback.duration_seconds,
            "audioMetadata": _audio_metadata(callback),
            "audioProgress": 1.0,
            **dict.fromkeys(ERROR_FIELDS, DELETE_FIELD),
        }
    if isinstance(callback, TTSErrorCallbackRequest):
        return {
            "audioStatus": AudioStatus.FAILED.value,
            "audioError": callback.error,
            "audioErrorDetails": callback.error_details,
            "audioErrorMetadata": callback.metadata or DELETE_FIELD,
        }
    return {
        "audioStatus": AudioStatus.PROCESSING.value,
        "audioProgress": callback.fraction,
        "audioProgressStage": callback.stage or DELETE_FIELD,
    }


def _audio_metadata(callback: TTSSuccessCallbackRequest) -> dict[str, Any]:
    known = {
        "storageKey": callback.storage_key,
        "format": callback.format,
        "sampleRate": callback.sample_rate,
        "chunkCount": callback.chunk_count,
        "engine": callback.engine,
        "voiceId": callback.voice_id,
    }
    return {**(callback.metadata or {}), **{k: v for k, v in known.items() if v is not None}}


def _updates(
    callback: TTSCallbackRequest,
    story: Mapping[str, Any],
    followed: _Followed,
    relation: _Relation,
) -> dict[str, Any]:
    updates = {**_content(callback), "updatedAt": SERVER_TIMESTAMP}
    if callback.job_id is not None:
        updates["audioJobId"] = callback.job_id
    if callback.job_started_at is not None and (
        relation is _Relation.NEWER or followed.started_at is None
    ):
        updates["audioJobStartedAt"] = callback.job_started_at
    if relation is _Relation.NEWER and isinstance(callback, TTSProgressCallbackRequest):
        updates.update(dict.fromkeys(ERROR_FIELDS, DELETE_FIELD))
    # Deleting a field that is not there changes nothing; leave it out of the write.
    return {k: v for k, v in updates.items() if v is not DELETE_FIELD or k in story}


def decide_interrupted(
    job_id: str | None,
    error: JobInterruptedError,
    story: Mapping[str, Any],
    source: InferredSource,
    *,
    stale_before: datetime | None = None,
) -> Decision:
    """Fail the story with `error`, which the API inferred for job `job_id`.

    Only the story that follows that job (or a `pending` story that follows none yet: its
    webhook can arrive before the app recorded the job id; such a story is failed without being
    claimed, so that any job's signed callback still takes it over), only while it is pending
    or processing, and, when `stale_before` is given (the reconciler), only if it was last
    written before then.
    """
    content = _interrupted_content(error, source)
    followed = story.get("audioJobId")
    unclaimed = followed is None and story.get("audioStatus") == AudioStatus.PENDING
    if followed != job_id and not (unclaimed and job_id is not None):
        return Decision(Outcome.STALE)
    if story.get("audioStatus") not in AWAITING:
        return Decision(Outcome.DUPLICATE if _is_stored(content, story) else Outcome.STALE)
    updated_at = story.get("updatedAt")
    if stale_before is not None and isinstance(updated_at, datetime) and updated_at >= stale_before:
        return Decision(Outcome.STALE)
    return Decision(Outcome.APPLIED, {**content, "updatedAt": SERVER_TIMESTAMP})


def _interrupted_content(error: JobInterruptedError, source: InferredSource) -> dict[str, Any]:
    return {
        "audioStatus": AudioStatus.FAILED.value,
        "audioError": error.message,
        "audioErrorDetails": error.details,
        "audioErrorMetadata": {
            **error.context,
            "error_type": error.error_type.value,
            "retryable": error.retryable,
            "source": source.value,
        },
    }


def without_passthrough(callback: TTSCallbackRequest) -> TTSCallbackRequest:
    """The callback with only what the story needs, for when Firestore refuses the full write
    (the document would exceed its size limit): no pass-through metadata, no error details."""
    if isinstance(callback, TTSSuccessCallbackRequest):
        return callback.model_copy(update={"metadata": None})
    if isinstance(callback, TTSErrorCallbackRequest):
        metadata = {k: v for k, v in (callback.metadata or {}).items() if k in KEPT_ERROR_METADATA}
        return callback.model_copy(update={"metadata": metadata or None, "error_details": None})
    return callback
