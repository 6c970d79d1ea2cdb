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


TERMINAL = frozenset({AudioStatus.READY, AudioStatus.FAILED})
AWAITING = frozenset({AudioStatus.PENDING, AudioStatus.PROCESSING})
ERROR_FIELDS = ("audioError", "audioErrorDetails", "audioErrorMetadata")
READ_FIELDS = (
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

    @classmethod
    def of(cls, story: Mapping[str, Any]) -> _Followed:
        started_at = story.get("audioJobStartedAt")
        return cls(
            job_id=story.get("audioJobId"),
            started_at=started_at if isinstance(started_at, datetime) else None,
            status=story.get("audioStatus"),
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
    if other_job or followed.status not in AWAITING:
        return _Relation.OLDER
    return _Relation.SAME


def _ignored_within_job(callback: TTSCallbackRequest, story: Mapping[str, Any]) -> Outcome | None:
    status = story.get("audioStatus")
    if isinstance(callback, TTSProgressCallbackRequest):
        return Outcome.STALE if status in TERMINAL else _progress_ignored(callback, story)
    if status not in TERMINAL:
        return None
    return Outcome.DUPLICATE if _is_stored(_content(callback), story) else Outcome.CONFLICT


def _progress_ignored(
    callback: TTSProgressCallbackRequest, story: Mapping[str, Any]
) -> Outcome | None:
    current = story.get("audioProgress")
    if story.get("audioStatus") != AudioStatus.PROCESSING or not isinstance(current, int | float):
        return None
    if callback.fraction < current:
        return Outcome.STALE
    return Outcome.DUPLICATE if _is_stored(_content(callback), story) else None


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
