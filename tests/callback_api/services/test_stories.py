"""The state rules, applied by `StoryStore` in Firestore transactions on the emulator."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import TypeVar

import pytest

from callback_api.core.config import Settings
from callback_api.core.errors import FirestoreUnavailableError, StoryNotFoundError
from callback_api.services.rules import Outcome
from callback_api.services.transactions import KeyedLock
from shared.callbacks import TTSCallbackRequest
from tests.helpers.callback_api import StoreHarness, Stories, error, progress, started, success

T = TypeVar("T")


@pytest.fixture
def harness(api_settings: Settings) -> Iterator[StoreHarness]:
    harness = StoreHarness(api_settings)
    yield harness
    harness.close()


def test_first_callback_of_a_job_is_applied(harness: StoreHarness, stories: Stories) -> None:
    stories.create("s")

    assert harness.apply(progress("s", job_id="job-a", at=0)) is Outcome.APPLIED

    story = stories.get("s")
    assert (story["audioJobId"], story["audioJobStartedAt"]) == ("job-a", started(0))


@pytest.mark.parametrize(
    "late",
    [
        progress("s", job_id="job-a", at=0, done=3),
        success("s", job_id="job-a", at=0),
        error("s", job_id="job-a", at=0),
    ],
    ids=["progress", "success", "error"],
)
def test_callback_of_an_older_job_is_stale_and_writes_nothing(
    harness: StoreHarness, stories: Stories, late: TTSCallbackRequest
) -> None:
    stories.create("s")
    harness.apply(progress("s", job_id="job-b", at=5, done=1))
    before = stories.get("s")

    assert harness.apply(late) is Outcome.STALE
    assert stories.get("s") == before


@pytest.mark.parametrize("first", ["success", "error"])
def test_a_newer_job_takes_over_whatever_the_state(
    harness: StoreHarness, stories: Stories, first: str
) -> None:
    stories.create("s")
    harness.apply(success("s", "job-a", 0) if first == "success" else error("s", "job-a", 0))

    assert harness.apply(progress("s", job_id="job-b", at=5, done=1, total=2)) is Outcome.APPLIED
    story = stories.get("s")
    assert (story["audioStatus"], story["audioProgress"]) == ("processing", 0.5)
    assert (story["audioJobId"], story["audioJobStartedAt"]) == ("job-b", started(5))
    assert "audioError" not in story

    assert harness.apply(success("s", job_id="job-b", at=5)) is Outcome.APPLIED
    assert stories.get("s")["audioUrl"] == "https://audio.example/s/job-b.mp3"


def test_a_newer_job_may_fail_a_ready_story(harness: StoreHarness, stories: Stories) -> None:
    stories.create("s")
    harness.apply(success("s", job_id="job-a", at=0))

    assert harness.apply(error("s", job_id="job-b", at=5)) is Outcome.APPLIED
    assert stories.get("s")["audioStatus"] == "failed"


@pytest.mark.parametrize("terminal", ["success", "error"])
def test_progress_never_leaves_a_terminal_state(
    harness: StoreHarness, stories: Stories, terminal: str
) -> None:
    stories.create("s")
    harness.apply(success("s") if terminal == "success" else error("s"))
    before = stories.get("s")

    assert harness.apply(progress("s", done=4, total=4)) is Outcome.STALE
    assert stories.get("s") == before


def test_progress_never_goes_backwards(harness: StoreHarness, stories: Stories) -> None:
    stories.create("s")
    assert harness.apply(progress("s", done=3)) is Outcome.APPLIED

    assert harness.apply(progress("s", done=2)) is Outcome.STALE
    assert stories.get("s")["audioProgress"] == 0.75
    assert harness.apply(progress("s", done=3, stage="encoding")) is Outcome.APPLIED
    assert harness.apply(progress("s", done=4)) is Outcome.APPLIED
    assert stories.get("s")["audioProgress"] == 1.0


def test_a_repeated_progress_is_a_heartbeat_that_refreshes_updated_at(
    harness: StoreHarness, stories: Stories
) -> None:
    stories.create("s")
    harness.apply(progress("s", done=3))
    before = stories.get("s")

    assert harness.apply(progress("s", done=3)) is Outcome.APPLIED

    after = stories.get("s")
    assert after["updatedAt"] > before["updatedAt"]
    assert {k: v for k, v in after.items() if k != "updatedAt"} == {
        k: v for k, v in before.items() if k != "updatedAt"
    }


@pytest.mark.parametrize("terminal", ["success", "error"])
def test_a_heartbeat_after_the_end_is_still_stale(
    harness: StoreHarness, stories: Stories, terminal: str
) -> None:
    stories.create("s")
    harness.apply(progress("s", done=4, total=4))
    harness.apply(success("s") if terminal == "success" else error("s"))
    before = stories.get("s")

    assert harness.apply(progress("s", done=4, total=4)) is Outcome.STALE
    assert stories.get("s") == before


@pytest.mark.parametrize(
    ("first", "second"),
    [("success", "error"), ("error", "success")],
)
def test_first_terminal_callback_of_a_job_wins(
    harness: StoreHarness, stories: Stories, first: str, second: str
) -> None:
    make = {"success": success, "error": error}
    stories.create("s")
    assert harness.apply(make[first]("s")) is Outcome.APPLIED
    before = stories.get("s")

    assert harness.apply(make[second]("s")) is Outcome.CONFLICT
    assert stories.get("s") == before


@pytest.mark.parametrize("kind", ["success", "error"])
def test_identical_terminal_repeat_is_a_duplicate(
    harness: StoreHarness, stories: Stories, kind: str
) -> None:
    make = {"success": success, "error": error}
    stories.create("s")
    harness.apply(make[kind]("s"))
    before = stories.get("s")

    assert harness.apply(make[kind]("s")) is Outcome.DUPLICATE
    assert stories.get("s") == before


def test_same_job_different_success_is_a_conflict(harness: StoreHarness, stories: Stories) -> None:
    stories.create("s")
    harness.apply(success("s"))

    assert harness.apply(success("s", audio_url="https://audio.example/other.mp3")) is (
        Outcome.CONFLICT
    )
    assert stories.get("s")["audioUrl"] == "https://audio.example/s/job-a.mp3"


@pytest.mark.parametrize("status", ["pending", "processing"])
def test_minimal_payload_applies_while_pending_or_processing(
    harness: StoreHarness, stories: Stories, status: str
) -> None:
    stories.create("s", audioStatus=status)

    assert harness.apply(error("s", job_id=None, at=None, metadata=None)) is Outcome.APPLIED
    assert stories.get("s")["audioStatus"] == "failed"


@pytest.mark.parametrize("status", ["ready", "failed"])
def test_minimal_payload_is_stale_once_finished(
    harness: StoreHarness, stories: Stories, status: str
) -> None:
    stories.create("s", audioStatus=status)
    before = stories.get("s")

    assert harness.apply(error("s", job_id=None, at=None)) is Outcome.STALE
    assert stories.get("s") == before


def test_minimal_payload_naming_another_job_is_stale(
    harness: StoreHarness, stories: Stories
) -> None:
    stories.create("s")
    harness.apply(progress("s", job_id="job-b", at=5))

    assert harness.apply(error("s", job_id="job-a", at=None)) is Outcome.STALE
    assert harness.apply(error("s", job_id="job-b", at=None)) is Outcome.APPLIED
    assert stories.get("s")["audioJobStartedAt"] == started(5)


def test_job_recorded_by_the_app_is_followed(harness: StoreHarness, stories: Stories) -> None:
    stories.create("s", audioJobId="job-b")

    assert harness.apply(progress("s", job_id="job-b", at=5)) is Outcome.APPLIED
    assert stories.get("s")["audioJobStartedAt"] == started(5)
    assert harness.apply(progress("s", job_id="job-a", at=0)) is Outcome.STALE


@pytest.mark.parametrize("status", ["pending", "processing", "failed", "ready"])
def test_a_job_the_app_recorded_is_the_storys_in_every_state(
    harness: StoreHarness, stories: Stories, status: str
) -> None:
    """A job id without a start time was written by the app: no other job takes the story."""
    stories.create("s", audioJobId="job-b", audioStatus=status)

    for late in (progress("s", job_id="job-a", at=9), error("s", job_id="job-a", at=9)):
        assert harness.apply(late) is Outcome.STALE
    assert stories.get("s")["audioStatus"] == status


def test_a_tie_of_start_times_keeps_the_followed_job(
    harness: StoreHarness, stories: Stories
) -> None:
    """The app wrote job-b over job-a and left job-a's start: job-a's late callback is the
    one with that start, and must not take the story back."""
    stories.create("s")
    harness.apply(error("s", job_id="job-z", at=5))
    stories.db.collection("stories").document("s").update(
        {"audioJobId": "job-b", "audioStatus": "pending"}
    )

    assert harness.apply(error("s", job_id="job-z", at=5)) is Outcome.STALE
    assert harness.apply(progress("s", job_id="job-b", at=6)) is Outcome.APPLIED
    story = stories.get("s")
    assert (story["audioJobStartedAt"], "audioError" in story) == (started(6), False)


def test_a_later_job_still_takes_over_a_story_without_numbers(
    harness: StoreHarness, stories: Stories
) -> None:
    stories.create("s")
    harness.apply(success("s", job_id="job-a", at=0))

    assert harness.apply(error("s", job_id="job-b", at=5)) is Outcome.APPLIED
    story = stories.get("s")
    assert (story["audioStatus"], story["audioJobId"]) == ("failed", "job-b")
    assert not {"audioUrl", "audioDuration", "audioMetadata"} & set(story)


# --- submissions ------------------------------------------------------------------------------


def test_a_submission_numbers_the_story_and_clears_the_last_attempt(
    harness: StoreHarness, stories: Stories
) -> None:
    stories.create("s")
    harness.apply(progress("s", job_id="job-a", done=2))
    harness.apply(success("s", job_id="job-a"))

    assert harness.run(harness.store.begin_submission("s")) == 1
    assert harness.run(harness.store.begin_submission("s")) == 2

    story = stories.get("s")
    assert {k: v for k, v in story.items() if k.startswith("audio")} == {
        "audioStatus": "pending",
        "audioSubmission": 2,
    }
    assert story["title"] == "The Fox and the Moon"  # the app's own fields are left alone


def test_a_missing_story_gets_no_submission(harness: StoreHarness, stories: Stories) -> None:
    with pytest.raises(StoryNotFoundError):
        harness.run(harness.store.begin_submission("ghost"))

    assert stories.ids() == set()


def test_submissions_from_two_stores_at_once_get_different_numbers(
    api_settings: Settings, stories: Stories
) -> None:
    # The emulator resolves each conflict by a 2 s lock timeout, so a few writers suffice.
    # With one attempt per transaction, only the store's backoff gets them all through.
    stories.create("s")
    patient = api_settings.model_copy(
        update={"firestore_timeout_seconds": 60, "firestore_transaction_attempts": 1}
    )
    harnesses = [StoreHarness(patient) for _ in range(3)]
    numbers: list[int] = []
    barrier = threading.Barrier(len(harnesses))

    def submit(harness: StoreHarness) -> None:
        barrier.wait()
        numbers.extend(harness.run(harness.store.begin_submission("s")) for _ in range(2))

    threads = [threading.Thread(target=submit, args=(h,)) for h in harnesses]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        for harness in harnesses:
            harness.close()

    assert sorted(numbers) == list(range(1, 7))
    assert stories.get("s")["audioSubmission"] == 6


def test_the_job_is_recorded_for_its_own_submission_only(
    harness: StoreHarness, stories: Stories
) -> None:
    stories.create("s")
    store = harness.store
    first = harness.run(store.begin_submission("s"))
    second = harness.run(store.begin_submission("s"))

    assert harness.run(store.record_job("s", first, "job-a")).outcome is Outcome.STALE
    assert harness.run(store.record_job("s", second, "job-b")).outcome is Outcome.APPLIED
    assert harness.run(store.record_job("s", second, "job-b")).outcome is Outcome.DUPLICATE
    assert stories.get("s")["audioJobId"] == "job-b"


def test_a_callback_of_the_submission_may_record_its_job_first(
    harness: StoreHarness, stories: Stories
) -> None:
    stories.create("s")
    number = harness.run(harness.store.begin_submission("s"))

    assert harness.apply(progress("s", job_id="job-b", submission=number)) is Outcome.APPLIED
    recorded = harness.run(harness.store.record_job("s", number, "job-b"))

    assert recorded.outcome is Outcome.DUPLICATE
    assert stories.get("s")["audioJobId"] == "job-b"


def test_unknown_story_raises_and_creates_nothing(harness: StoreHarness, stories: Stories) -> None:
    with pytest.raises(StoryNotFoundError):
        harness.apply(success("ghost"))

    assert stories.ids() == set()


def test_unreachable_firestore_is_unavailable_within_the_deadline(
    unreachable_firestore: Settings,
) -> None:
    settings = unreachable_firestore
    harness = StoreHarness(settings)
    try:
        started_at = time.monotonic()
        with pytest.raises(FirestoreUnavailableError):
            harness.apply(success("s"))
        with pytest.raises(FirestoreUnavailableError):
            harness.run(harness.store.ping())
        assert time.monotonic() - started_at < 3
    finally:
        harness.close()


def test_two_stores_on_one_story_still_agree(api_settings: Settings, stories: Stories) -> None:
    """Without the in-process lock between them, only the transaction keeps them consistent."""
    stories.create("s")
    # The emulator makes one transaction wait for the other's lock: on a loaded machine that
    # can outlast the 5 s default, which would be a 503, not the disagreement this looks for.
    patient = api_settings.model_copy(update={"firestore_timeout_seconds": 60})
    first, second = StoreHarness(patient), StoreHarness(patient)
    try:
        outcomes = _concurrently(
            [
                (first, success("s", job_id="job-a", at=0)),
                (second, error("s", job_id="job-a", at=0)),
            ]
        )
    finally:
        first.close()
        second.close()

    assert sorted(outcomes) == sorted([Outcome.APPLIED, Outcome.CONFLICT])
    story = stories.get("s")
    winner = "ready" if outcomes[0] is Outcome.APPLIED else "failed"
    assert story["audioStatus"] == winner
    assert ("audioUrl" in story) == (winner == "ready")
    assert ("audioError" in story) == (winner == "failed")


def _concurrently(work: list[tuple[StoreHarness, TTSCallbackRequest]]) -> list[Outcome]:
    results: list[Outcome | None] = [None] * len(work)
    barrier = threading.Barrier(len(work))

    def run(index: int) -> None:
        harness, callback = work[index]
        barrier.wait()
        results[index] = harness.apply(callback)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(result is not None for result in results)
    return [result for result in results if result is not None]


def test_keyed_lock_serializes_one_key_and_forgets_it() -> None:
    lock = KeyedLock()
    order: list[str] = []

    async def hold(key: str, name: str, delay: float) -> None:
        async with lock.hold(key):
            order.append(f"{name}+")
            await asyncio.sleep(delay)
            order.append(f"{name}-")

    async def main() -> None:
        await asyncio.gather(hold("a", "1", 0.05), hold("a", "2", 0), hold("b", "3", 0))

    asyncio.run(main())
    assert order.index("1-") < order.index("2+")
    assert order.index("3+") < order.index("1-")
    assert len(lock) == 0
