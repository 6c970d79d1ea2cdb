"""The rule for a failure inferred without a signed callback: what it does to one story.

`decide_interrupted()` is pure, like `rules.decide()`, and `stories.py` calls it inside a
Firestore transaction with the story as read there. The failure was inferred because RunPod
reported the job ended without a callback, the reconciler found it silent, or RunPod did not
accept the job: it fails only the story that follows that attempt, and only while it is pending
or processing. Such a failure is provisional: a signed success or error callback of the same
attempt supersedes it (`rules.is_inferred_failure`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from google.cloud.firestore_v1 import SERVER_TIMESTAMP

from callback_api.services.rules import (
    AUDIO_FIELDS,
    AWAITING,
    STREAM_FIELDS,
    AudioStatus,
    Decision,
    InferredSource,
    Outcome,
    changes,
    deletions,
    is_stored,
    submission_of,
)
from shared.errors import JobInterruptedError


def decide_interrupted(
    job_id: str | None,
    error: JobInterruptedError,
    story: Mapping[str, Any],
    source: InferredSource,
    *,
    submission: int | None = None,
    stale_before: datetime | None = None,
) -> Decision:
    """Fail the story with `error`, inferred for job `job_id` of `submission` (when known).

    Only the story that follows that attempt, only while it is pending or processing, and,
    when `stale_before` is given (the reconciler), only if it was last written before then.
    A numbered story follows the job of its submission: the failure of that submission fails
    it (and records the job id, when the story has none yet); without a number, only the job
    it names. A story without a number that is `pending` and follows no job yet is failed
    without being claimed: RunPod's webhook can arrive before the app recorded the job id, and
    any job's signed callback still takes such a story over.
    """
    content = _interrupted_content(error, source)
    claim = _interrupted_claim(job_id, submission, story)
    if claim is None:
        return Decision(Outcome.STALE)
    if story.get("audioStatus") not in AWAITING:
        return Decision(Outcome.DUPLICATE if is_stored(content, story) else Outcome.STALE)
    updated_at = story.get("updatedAt")
    if stale_before is not None and isinstance(updated_at, datetime) and updated_at >= stale_before:
        return Decision(Outcome.STALE)
    return Decision(
        Outcome.APPLIED, changes({**content, **claim, "updatedAt": SERVER_TIMESTAMP}, story)
    )


def _interrupted_claim(
    job_id: str | None, submission: int | None, story: Mapping[str, Any]
) -> dict[str, Any] | None:
    """None if the failure is not the followed attempt's; else what it records of the job."""
    followed, number = story.get("audioJobId"), submission_of(story)
    if number is not None and submission is not None:
        if submission != number or followed not in (None, job_id):
            return None
        return {"audioJobId": job_id} if followed is None and job_id is not None else {}
    if number is not None:
        return {} if job_id is not None and followed == job_id else None
    unclaimed = followed is None and story.get("audioStatus") == AudioStatus.PENDING
    return {} if followed == job_id or (unclaimed and job_id is not None) else None


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
        **deletions(AUDIO_FIELDS + STREAM_FIELDS),
    }
