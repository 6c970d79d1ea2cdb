"""The pure state rules: properties over any delivery order, and the rules for failures the
API infers (no Firestore involved)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud.firestore_v1 import DELETE_FIELD, SERVER_TIMESTAMP
from hypothesis import given, settings
from hypothesis import strategies as st

from callback_api.services.inferred_failure_rules import decide_interrupted
from callback_api.services.rules import (
    Decision,
    InferredSource,
    Outcome,
    decide,
    without_passthrough,
)
from callback_api.services.submission_rules import decide_submission
from shared.callbacks import TTSCallbackRequest, TTSErrorCallbackRequest
from shared.errors import JobTimedOutError
from tests.helpers.callback_api import error, progress, success


def apply_updates(story: dict[str, Any], decision: Decision) -> Outcome:
    """Apply one decision to a plain dict the way Firestore applies the update."""
    for key, value in decision.updates.items():
        if value is DELETE_FIELD:
            story.pop(key, None)
        else:
            story[key] = "now" if value is SERVER_TIMESTAMP else value
    assert (decision.outcome is Outcome.APPLIED) == bool(decision.updates)
    return decision.outcome


def deliver(story: dict[str, Any], callback: TTSCallbackRequest) -> Outcome:
    return apply_updates(story, decide(callback, story))


@st.composite
def job_histories(draw: st.DrawFn) -> tuple[list[TTSCallbackRequest], int, bool]:
    """Callbacks of several jobs (each: progress, one terminal, repeats), shuffled."""
    jobs = draw(st.integers(min_value=1, max_value=4))
    callbacks: list[TTSCallbackRequest] = []
    outcomes = [draw(st.booleans()) for _ in range(jobs)]
    for job, succeeded in enumerate(outcomes):
        job_id = f"job-{job}"
        done = draw(st.lists(st.integers(min_value=0, max_value=4), max_size=4))
        callbacks += [progress("s", job_id=job_id, at=job, done=n) for n in done]
        terminal = success("s", job_id, job) if succeeded else error("s", job_id, job)
        callbacks += [terminal] * draw(st.integers(min_value=1, max_value=3))
    return draw(st.permutations(callbacks)), jobs - 1, outcomes[-1]


@settings(max_examples=300, deadline=None)
@given(job_histories())
def test_the_newest_jobs_terminal_callback_always_decides(
    history: tuple[list[TTSCallbackRequest], int, bool],
) -> None:
    callbacks, newest, succeeded = history
    story: dict[str, Any] = {"audioStatus": "pending"}

    for callback in callbacks:
        deliver(story, callback)

    assert story["audioJobId"] == f"job-{newest}"
    assert story["audioStatus"] == ("ready" if succeeded else "failed")
    if succeeded:
        assert story["audioUrl"] == f"https://audio.example/s/job-{newest}.mp3"
        assert not {"audioError", "audioErrorDetails", "audioErrorMetadata"} & set(story)
    else:
        assert story["audioErrorMetadata"]["error_type"] == "voice_profile_missing"


@settings(max_examples=300, deadline=None)
@given(job_histories(), st.data())
def test_inferred_failures_anywhere_never_outlast_the_newest_jobs_signed_callback(
    history: tuple[list[TTSCallbackRequest], int, bool], data: st.DataObject
) -> None:
    callbacks, newest, succeeded = history
    events: list[TTSCallbackRequest | str] = list(callbacks)
    for job in data.draw(st.lists(st.integers(min_value=0, max_value=newest), max_size=4)):
        events.insert(data.draw(st.integers(min_value=0, max_value=len(events))), f"job-{job}")
    story: dict[str, Any] = {"audioStatus": "pending"}

    for event in events:
        if isinstance(event, str):
            apply_updates(story, _interrupted(event, story))
        else:
            deliver(story, event)

    assert story["audioJobId"] == f"job-{newest}"
    assert story["audioStatus"] == ("ready" if succeeded else "failed")
    assert "source" not in story.get("audioErrorMetadata", {})


@settings(max_examples=200, deadline=None)
@given(job_histories())
def test_redelivering_everything_changes_nothing(
    history: tuple[list[TTSCallbackRequest], int, bool],
) -> None:
    callbacks, _, _ = history
    story: dict[str, Any] = {"audioStatus": "pending"}
    for callback in callbacks:
        deliver(story, callback)
    settled = dict(story)

    outcomes = [deliver(story, callback) for callback in callbacks]

    assert Outcome.APPLIED not in outcomes
    assert story == settled


@st.composite
def numbered_histories(draw: st.DrawFn) -> tuple[list[Any], int, bool]:
    """Submissions 1..n of a story, each callback of job k after submission k began, with
    workers' clocks anywhere in the last hour: only the numbers order the jobs."""
    count = draw(st.integers(min_value=1, max_value=4))
    events: list[Any] = [("begin", n) for n in range(1, count + 1)]
    outcomes = {n: draw(st.booleans()) for n in range(1, count + 1)}
    for n in range(1, count + 1):
        job = {"job_id": f"job-{n}", "at": draw(st.integers(-50, 50)), "submission": n}
        own: list[Any] = [progress("s", done=d, **job) for d in draw(st.lists(st.integers(0, 4)))]
        terminal = success("s", **job) if outcomes[n] else error("s", **job)
        own += [terminal] * draw(st.integers(min_value=1, max_value=3))
        for event in own:
            after = events.index(("begin", n)) + 1
            events.insert(draw(st.integers(min_value=after, max_value=len(events))), event)
    return events, count, outcomes[count]


@settings(max_examples=500, deadline=None)
@given(numbered_histories())
def test_the_newest_submission_decides_whatever_the_clocks_say(
    history: tuple[list[Any], int, bool],
) -> None:
    events, newest, succeeded = history
    story: dict[str, Any] = {"audioStatus": "failed", "audioError": "an earlier take"}

    for event in events:
        if isinstance(event, tuple):
            apply_updates(story, decide_submission(story))
        else:
            deliver(story, event)

    assert (story["audioSubmission"], story["audioJobId"]) == (newest, f"job-{newest}")
    assert story["audioStatus"] == ("ready" if succeeded else "failed")
    if succeeded:
        assert not {"audioError", "audioErrorDetails", "audioErrorMetadata"} & set(story)
    else:
        assert story["audioErrorMetadata"]["error_type"] == "voice_profile_missing"
        assert not {"audioUrl", "audioDuration", "audioMetadata"} & set(story)


@pytest.mark.parametrize("kind", ["progress", "success", "error"])
def test_a_numbered_story_ignores_other_jobs_in_every_state(kind: str) -> None:
    make = {"progress": progress, "success": success, "error": error}[kind]
    for status in ("pending", "processing", "ready", "failed"):
        for story in (
            {"audioStatus": status, "audioSubmission": 2},
            {"audioStatus": status, "audioSubmission": 2, "audioJobId": "job-b"},
        ):
            assert decide(make("s", job_id="job-a", at=50, submission=1), story).outcome is (
                Outcome.STALE
            )
            assert decide(make("s", job_id="job-a", at=50), story).outcome is Outcome.STALE
        same_number = {"audioStatus": status, "audioSubmission": 2, "audioJobId": "job-b"}
        late = make("s", job_id="job-a", submission=2)
        assert decide(late, same_number).outcome is Outcome.STALE


@given(st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=12))
def test_progress_within_a_job_only_moves_forward(done: list[int]) -> None:
    story: dict[str, Any] = {"audioStatus": "pending"}

    for n in done:
        deliver(story, progress("s", done=n, total=10))

    assert story["audioProgress"] == max(done) / 10


def _interrupted(job_id: str | None, story: dict[str, Any], **kwargs: Any) -> Decision:
    error = JobTimedOutError(context={"runpod_status": "TIMED_OUT"})
    return decide_interrupted(job_id, error, story, InferredSource.RUNPOD_WEBHOOK, **kwargs)


@pytest.mark.parametrize("status", ["pending", "processing"])
def test_an_inferred_failure_fails_the_story_that_follows_the_job(status: str) -> None:
    story: dict[str, Any] = {"audioStatus": status, "audioJobId": "job-a", "audioProgress": 0.5}

    decision = _interrupted("job-a", story)

    assert decision.outcome is Outcome.APPLIED
    assert decision.updates == {
        "audioStatus": "failed",
        "audioError": JobTimedOutError.default_message,
        "audioErrorDetails": None,
        "audioErrorMetadata": {
            "runpod_status": "TIMED_OUT",
            "error_type": "job_timed_out",
            "retryable": True,
            "source": "runpod_webhook",
        },
        "updatedAt": SERVER_TIMESTAMP,
    }


def test_an_inferred_failure_fails_a_pending_story_that_follows_no_job_yet() -> None:
    """RunPod's webhook of a job that failed at once can beat the app's write of its id; the
    story fails without following that job, so any job's signed callback still takes it over."""
    story: dict[str, Any] = {"audioStatus": "pending"}

    apply_updates(story, _interrupted("job-a", story))
    assert story["audioStatus"] == "failed"
    assert "audioJobId" not in story

    assert deliver(story, success("s", job_id="job-b")) is Outcome.APPLIED
    assert (story["audioStatus"], story["audioJobId"]) == ("ready", "job-b")


@pytest.mark.parametrize(
    "story",
    [
        {"audioStatus": "processing", "audioJobId": "job-b"},
        {"audioStatus": "processing"},
        {"audioStatus": "ready", "audioJobId": "job-a"},
        {"audioStatus": "failed", "audioJobId": "job-a", "audioError": "signed"},
    ],
    ids=["another job", "no job", "ready", "failed"],
)
def test_an_inferred_failure_leaves_other_jobs_and_finished_stories(story: dict[str, Any]) -> None:
    assert _interrupted("job-a", story).outcome is Outcome.STALE


def test_an_inferred_failure_repeated_is_a_duplicate() -> None:
    story: dict[str, Any] = {"audioStatus": "processing", "audioJobId": "job-a"}
    apply_updates(story, _interrupted("job-a", story))

    assert _interrupted("job-a", story).outcome is Outcome.DUPLICATE


def test_the_reconciler_leaves_a_story_written_since_it_looked() -> None:
    looked = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    story: dict[str, Any] = {"audioStatus": "processing", "audioJobId": "job-a"}

    fresh = _interrupted("job-a", story | {"updatedAt": looked}, stale_before=looked)
    stale = _interrupted(
        "job-a", story | {"updatedAt": looked - timedelta(seconds=1)}, stale_before=looked
    )

    assert (fresh.outcome, stale.outcome) == (Outcome.STALE, Outcome.APPLIED)


@pytest.mark.parametrize("later", ["success", "error", "minimal error"])
def test_a_signed_terminal_callback_of_the_same_job_supersedes_an_inferred_failure(
    later: str,
) -> None:
    story: dict[str, Any] = {"audioStatus": "pending"}
    deliver(story, progress("s", job_id="job-a", done=1))
    apply_updates(story, _interrupted("job-a", story))
    callback = {
        "success": success("s"),
        "error": error("s"),
        "minimal error": error("s", at=None),
    }[later]

    assert deliver(story, callback) is Outcome.APPLIED
    assert story["audioStatus"] == ("ready" if later == "success" else "failed")
    assert "source" not in story.get("audioErrorMetadata", {})
    assert deliver(story, callback) is not Outcome.APPLIED  # a repeat: duplicate, or stale


@pytest.mark.parametrize(
    "late",
    [progress("s", job_id="job-a", done=2), success("s", job_id="job-0", at=-1)],
    ids=["progress of the job", "another job"],
)
def test_an_inferred_failure_is_kept_against_progress_and_other_jobs(
    late: TTSCallbackRequest,
) -> None:
    story: dict[str, Any] = {"audioStatus": "pending"}
    deliver(story, progress("s", job_id="job-a", done=1))
    apply_updates(story, _interrupted("job-a", story))

    assert deliver(story, late) is Outcome.STALE


def test_a_signed_failure_is_not_superseded() -> None:
    story: dict[str, Any] = {"audioStatus": "pending"}
    deliver(story, error("s"))

    assert deliver(story, success("s")) is Outcome.CONFLICT


def test_a_repeated_progress_is_a_heartbeat() -> None:
    story: dict[str, Any] = {"audioStatus": "pending"}
    deliver(story, progress("s", done=2))
    story["updatedAt"] = "before"

    assert deliver(story, progress("s", done=2)) is Outcome.APPLIED
    assert story["updatedAt"] == "now"
    assert deliver(story, progress("s", done=1)) is Outcome.STALE


def test_without_passthrough_keeps_only_what_the_story_needs() -> None:
    lean_success = without_passthrough(success("s", metadata={"pad": "x"}))
    lean_error = without_passthrough(
        error("s", metadata={"error_type": "internal_error", "stage": "voice", "pad": "x"})
    )

    assert lean_success.metadata is None
    assert isinstance(lean_error, TTSErrorCallbackRequest)
    assert lean_error.metadata == {"error_type": "internal_error", "stage": "voice"}
    assert lean_error.error_details is None
    assert without_passthrough(progress("s")) == progress("s")
