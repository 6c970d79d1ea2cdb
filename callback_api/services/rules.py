"""The state rules: what one callback does to one story.

`decide()` is pure; `stories.py` calls it inside a Firestore transaction with the story as read
there. A story follows one attempt: its submission number (`audioSubmission`, given by the
submission helper in the transaction that hands the story to a new submission), the job of
that submission (`audioJobId`) and the job's start (`audioJobStartedAt`).

- **By submission**, when both the story and the callback carry a number: an older submission
  is stale, a newer one takes over, and the followed one applies by the rules within a job,
  unless it names a job other than the one recorded for it (one submission is one job).
- A story on a numbered submission follows only its own job: a callback without a number
  applies only if it names that job (or names no job at all: the contract's minimal payload).
- **Without numbers** (stories and callbacks from before them), jobs are ordered by their
  workers' clocks: a callback of a job that started strictly later takes over; a tie keeps the
  followed job. A story whose job id has no start time was handed to that job by the app: no
  other job takes it.
- Within the followed job: progress never leaves `ready`/`failed` and never goes backwards; the
  first terminal callback wins; an identical repeat is a duplicate; a different late terminal
  callback is a conflict. Ignored callbacks write nothing.
- A callback without `job_started_at` (the original minimal payload) applies only while the
  story is `pending` or `processing`, and is stale if it names a job other than the followed one.
- A progress callback that repeats the stored fraction is a heartbeat: it refreshes `updatedAt`.
- Fields tell one story: progress clears earlier error and audio fields, success clears error
  fields, an error clears the audio fields of an earlier success. The finished file's
  read-along track (`audioTimingsUrl`) is one of the audio fields: a success sets it when it
  carries one and removes it otherwise.
- The live stream (`audioStreamUrl`, `audioStreamSegments`, and its read-along track
  `audioStreamTimingsUrl`) exists only while the story is `processing`: a progress that carries
  the stream sets it (the track, or removes it when the progress reports none), success and
  error remove it (the final file, or the error, is what the story shows then). A progress that
  repeats the stored fraction with fewer segments is stale.

`decide_interrupted()` (`inferred_failure_rules.py`) is the rule for a failure inferred without a
signed callback; `decide_submission()` and `decide_job_recorded()` (`submission_rules.py`) are
the submission helper's two writes. They share this module's statuses, fields and `Decision`.
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


class AudioStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class InferredSource(StrEnum):
    """Who inferred a failure (`audioErrorMetadata.source`); signed callbacks never carry one."""

    RUNPOD_WEBHOOK = "runpod_webhook"
    RECONCILER = "reconciler"
    SUBMISSION = "submission"


TERMINAL = frozenset({AudioStatus.READY, AudioStatus.FAILED})
AWAITING = frozenset({AudioStatus.PENDING, AudioStatus.PROCESSING})
ERROR_FIELDS = ("audioError", "audioErrorDetails", "audioErrorMetadata")
AUDIO_FIELDS = ("audioUrl", "audioDuration", "audioMetadata", "audioTimingsUrl")
PROGRESS_FIELDS = ("audioProgress", "audioProgressStage")
STREAM_FIELDS = ("audioStreamUrl", "audioStreamSegments", "audioStreamTimingsUrl")
JOB_FIELDS = ("audioJobId", "audioJobStartedAt")
ATTEMPT_FIELDS = (*JOB_FIELDS, *PROGRESS_FIELDS, *STREAM_FIELDS, *ERROR_FIELDS, *AUDIO_FIELDS)
"""Everything an attempt writes but its status and number: a new submission clears them."""
KEPT_ERROR_METADATA = ("error_type", "retryable", "stage")
"""What a lean error callback keeps of its metadata (see `without_passthrough`)."""
REQUEST_FIELDS = ("audioRequest", "audioSubmittedAt")
"""The request that made the current submission (a hash, never its text) and when: a click
arriving with the same request joins that submission rather than starting another."""
READ_FIELDS = ("updatedAt", "audioStatus", "audioSubmission", *ATTEMPT_FIELDS, *REQUEST_FIELDS)
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
class SubmissionRequest:
    """Who asks for a submission: `key` hashes the request (or its `Idempotency-Key`)."""

    key: str
    at: datetime
    idempotent: bool
    """A client's `Idempotency-Key`: a repeat joins whatever became of the submission."""
    window_s: float
    """Without one, an identical request joins a submission still pending and this young."""
    abandoned: int | None = None
    """A submission this request joined and found without a job: never joined again."""


@dataclass(frozen=True)
class _Followed:
    submission: int | None
    job_id: str | None
    started_at: datetime | None
    status: str | None
    inferred_failure: bool

    @classmethod
    def of(cls, story: Mapping[str, Any]) -> _Followed:
        started_at = story.get("audioJobStartedAt")
        return cls(
            submission=submission_of(story),
            job_id=story.get("audioJobId"),
            started_at=started_at if isinstance(started_at, datetime) else None,
            status=story.get("audioStatus"),
            inferred_failure=is_inferred_failure(story),
        )


def submission_of(story: Mapping[str, Any]) -> int | None:
    """The story's submission number, None when it has none (or something else is stored)."""
    number = story.get("audioSubmission")
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def is_inferred_failure(story: Mapping[str, Any]) -> bool:
    """Whether the story failed by inference rather than by a signed callback."""
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
    return Decision(Outcome.APPLIED, _updates(callback, story, relation))


def _relation(callback: TTSCallbackRequest, followed: _Followed) -> _Relation:
    if callback.submission is not None and (number := followed.submission) is not None:
        return _by_submission(callback.submission, callback.job_id, number, followed.job_id)
    if followed.submission is not None and callback.job_id not in (None, followed.job_id):
        return _Relation.OLDER  # a numbered story follows its own job only
    if callback.job_started_at is None:
        return _minimal_payload_relation(callback, followed)
    return _by_clock(callback.job_id, callback.job_started_at, followed)


def _by_submission(
    submission: int, job_id: str | None, followed: int, followed_job: str | None
) -> _Relation:
    if submission != followed:
        return _Relation.NEWER if submission > followed else _Relation.OLDER
    # One submission is one job: the first recorded for it (by the helper or a callback).
    return _Relation.SAME if followed_job in (None, job_id) else _Relation.OLDER


def _by_clock(job_id: str | None, started_at: datetime, followed: _Followed) -> _Relation:
    """Before submission numbers: the job whose worker says it started later."""
    if job_id == followed.job_id:
        return _Relation.SAME
    if followed.job_id is None:
        return _Relation.NEWER
    if followed.started_at is None:
        return _Relation.OLDER  # the app handed the story to that job
    # A tie keeps the followed job: it is how a job id the app wrote over an older job's, with
    # that job's start left in place, looks to a late callback of the older job.
    return _Relation.NEWER if started_at > followed.started_at else _Relation.OLDER


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
    repeat = any(is_stored(_content(c), story) for c in (callback, without_passthrough(callback)))
    return Outcome.DUPLICATE if repeat else Outcome.CONFLICT


def _progress_ignored(
    callback: TTSProgressCallbackRequest, story: Mapping[str, Any]
) -> Outcome | None:
    """Only a step backwards; a repeat of the stored fraction is a heartbeat and applies."""
    current = story.get("audioProgress")
    if story.get("audioStatus") != AudioStatus.PROCESSING or not isinstance(current, int | float):
        return None
    if callback.fraction != current:
        return Outcome.STALE if callback.fraction < current else None
    segments = story.get("audioStreamSegments")
    behind = isinstance(segments, int) and (callback.stream_segments or 0) < segments
    return Outcome.STALE if behind else None


def is_stored(content: Mapping[str, Any], story: Mapping[str, Any]) -> bool:
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
            # Deleted when absent, so that a success without a track is told from one with it.
            "audioTimingsUrl": callback.timings_url or DELETE_FIELD,
            "audioProgress": 1.0,
            **deletions(ERROR_FIELDS + STREAM_FIELDS),
        }
    if isinstance(callback, TTSErrorCallbackRequest):
        return {
            "audioStatus": AudioStatus.FAILED.value,
            "audioError": callback.error,
            "audioErrorDetails": callback.error_details,
            "audioErrorMetadata": callback.metadata or DELETE_FIELD,
            **deletions(AUDIO_FIELDS + STREAM_FIELDS),
        }
    stream = (
        {
            "audioStreamUrl": callback.stream_url,
            "audioStreamSegments": callback.stream_segments,
            "audioStreamTimingsUrl": callback.stream_timings_url or DELETE_FIELD,
        }
        if callback.stream_url is not None
        else {}
    )
    return {
        "audioStatus": AudioStatus.PROCESSING.value,
        "audioProgress": callback.fraction,
        "audioProgressStage": callback.stage or DELETE_FIELD,
        **deletions(ERROR_FIELDS + AUDIO_FIELDS),
        **stream,
    }


def deletions(fields: tuple[str, ...]) -> dict[str, Any]:
    """The updates that delete `fields`."""
    return dict.fromkeys(fields, DELETE_FIELD)


def changes(updates: Mapping[str, Any], story: Mapping[str, Any]) -> dict[str, Any]:
    """`updates` without deletions of fields that are not there (they would change nothing)."""
    return {k: v for k, v in updates.items() if v is not DELETE_FIELD or k in story}


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
    callback: TTSCallbackRequest, story: Mapping[str, Any], relation: _Relation
) -> dict[str, Any]:
    # A newer attempt leaves nothing of the one before it that it does not set itself.
    previous = deletions(ATTEMPT_FIELDS) if relation is _Relation.NEWER else {}
    updates = {**previous, **_content(callback), "updatedAt": SERVER_TIMESTAMP}
    if callback.job_id is not None:
        updates["audioJobId"] = callback.job_id
    if callback.job_started_at is not None:
        updates["audioJobStartedAt"] = callback.job_started_at  # the followed job's own
    if callback.submission is not None:
        updates["audioSubmission"] = callback.submission
    return changes(updates, story)


def without_passthrough(callback: TTSCallbackRequest) -> TTSCallbackRequest:
    """The callback with only what the story needs, for when Firestore refuses the full write
    (the document would exceed its size limit): no pass-through metadata, no error details."""
    if isinstance(callback, TTSSuccessCallbackRequest):
        return callback.model_copy(update={"metadata": None})
    if isinstance(callback, TTSErrorCallbackRequest):
        metadata = {k: v for k, v in (callback.metadata or {}).items() if k in KEPT_ERROR_METADATA}
        return callback.model_copy(update={"metadata": metadata or None, "error_details": None})
    return callback
