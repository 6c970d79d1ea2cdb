"""The submission helper's two writes to a story: a new submission, and the job RunPod accepted.

Both are pure, like `rules.decide()`; `stories.py` calls them inside a Firestore transaction
with the story as read there. A request that repeats the one that made the story's current
submission (`joins`) writes nothing: it joins that submission.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from google.cloud.firestore_v1 import SERVER_TIMESTAMP

from callback_api.services.rules import (
    ATTEMPT_FIELDS,
    REQUEST_FIELDS,
    AudioStatus,
    Decision,
    Outcome,
    SubmissionRequest,
    changes,
    deletions,
    submission_of,
)


def joins(story: Mapping[str, Any], request: SubmissionRequest) -> bool:
    """Whether `request` repeats the one that made the story's current submission."""
    number = submission_of(story)
    if story.get("audioRequest") != request.key or number in (None, request.abandoned):
        return False
    if request.idempotent:
        return True
    at = story.get("audioSubmittedAt")
    young = isinstance(at, datetime) and (request.at - at).total_seconds() < request.window_s
    return young and story.get("audioStatus") == AudioStatus.PENDING


def decide_submission(
    story: Mapping[str, Any], request: SubmissionRequest | None = None
) -> Decision:
    """Hand the story to a new submission: the next number, `pending`, nothing of the last
    attempt left (its job, progress, error and audio). A repeat of the request that made the
    current submission (`joins`) is a duplicate and writes nothing."""
    if request is not None and joins(story, request):
        return Decision(Outcome.DUPLICATE)
    previous = submission_of(story)
    updates = {
        **deletions(ATTEMPT_FIELDS + REQUEST_FIELDS),
        "audioStatus": AudioStatus.PENDING.value,
        "audioSubmission": 1 if previous is None else previous + 1,
        "updatedAt": SERVER_TIMESTAMP,
    }
    if request is not None:
        updates |= {"audioRequest": request.key, "audioSubmittedAt": request.at}
    return Decision(Outcome.APPLIED, changes(updates, story))


def decide_job_recorded(submission: int, job_id: str, story: Mapping[str, Any]) -> Decision:
    """Record the job RunPod accepted for `submission`, unless a newer submission followed or
    a callback of the job already recorded it."""
    recorded = story.get("audioJobId")
    if submission_of(story) != submission:
        return Decision(Outcome.STALE)
    if recorded is not None:
        return Decision(Outcome.DUPLICATE if recorded == job_id else Outcome.CONFLICT)
    return Decision(Outcome.APPLIED, {"audioJobId": job_id, "updatedAt": SERVER_TIMESTAMP})
