"""Properties of the pure state rules, over any delivery order (no Firestore involved)."""

from __future__ import annotations

from typing import Any

from google.cloud.firestore_v1 import DELETE_FIELD, SERVER_TIMESTAMP
from hypothesis import given, settings
from hypothesis import strategies as st

from callback_api.services.rules import Outcome, decide
from shared.callbacks import TTSCallbackRequest
from tests.helpers.callback_api import error, progress, success


def deliver(story: dict[str, Any], callback: TTSCallbackRequest) -> Outcome:
    """Apply one decision to a plain dict the way Firestore applies the update."""
    decision = decide(callback, story)
    for key, value in decision.updates.items():
        if value is DELETE_FIELD:
            story.pop(key, None)
        else:
            story[key] = "now" if value is SERVER_TIMESTAMP else value
    assert (decision.outcome is Outcome.APPLIED) == bool(decision.updates)
    return decision.outcome


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


@given(st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=12))
def test_progress_within_a_job_only_moves_forward(done: list[int]) -> None:
    story: dict[str, Any] = {"audioStatus": "pending"}

    for n in done:
        deliver(story, progress("s", done=n, total=10))

    assert story["audioProgress"] == max(done) / 10
