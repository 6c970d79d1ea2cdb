"""The work a render has left, as its deadline sees it: pieces counted reusable cost nothing
only while they may still come from a checkpoint, against a real (local) store whose listing
and fetches can be held back like a slow one's."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shared.deadlines import JobDeadline
from shared.errors import JobTimedOutError
from tests.helpers.fakes import speech_like
from worker.checkpoints.codec import on_pcm16_grid
from worker.checkpoints.transfer import StoryCheckpoints
from worker.storage import LocalObjectStore
from worker.synthesis.work import WorkLeft

RATE = 24_000
LATE_S = 0.02
"""A lookup's budget: the held-back store never answers within it."""


class SlowStore(LocalObjectStore):
    """A local bucket whose listing and fetches wait until their gate opens."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, "https://audio.example.com")
        self.listing, self.fetches = threading.Event(), threading.Event()
        self.listing.set()
        self.fetches.set()

    def list_keys(self, prefix: str) -> list[str]:
        self.listing.wait()
        return super().list_keys(prefix)

    def get_bytes(self, key: str) -> bytes | None:
        self.fetches.wait()
        return super().get_bytes(key)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SlowStore]:
    store = SlowStore(tmp_path)
    yield store
    store.listing.set()  # lets the fetching threads end
    store.fetches.set()


def speech(digest: str) -> str:
    return digest.ljust(100, ".")  # every piece is 100 spoken characters


def saved(store: SlowStore, digests: list[str]) -> StoryCheckpoints:
    """What an earlier job saved; returns this job's checkpoints, told the story's pieces."""
    earlier = StoryCheckpoints(store, "user_1", "story_1")
    for seed, digest in enumerate(digests):
        samples = on_pcm16_grid(speech_like(0.5, RATE, seed=seed))
        earlier.save(digest, samples, RATE, engine_s=1.0)
    assert earlier.close().saved == len(digests)
    return StoryCheckpoints(store, "user_1", "story_1")


def work_left(checkpoints: StoryCheckpoints, digests: list[str], counted: int) -> WorkLeft:
    """How the synthesizer starts a render: the lookup started, then the work counted."""
    assert checkpoints.expect(digests, RATE, LATE_S) == counted
    return WorkLeft([[(speech(digest), 0.0)] for digest in digests], checkpoints.reusable_left)


def take(checkpoints: StoryCheckpoints, work: WorkLeft, digest: str, seconds: float = 1.0) -> bool:
    """One piece, from its checkpoint or generated (`seconds`); whether it was generated."""
    generated = checkpoints.take(digest, LATE_S) is None
    work.piece(speech(digest), generated, seconds)
    return generated


def test_a_render_with_nothing_saved_has_everything_to_generate(store: SlowStore) -> None:
    checkpoints = saved(store, [])
    work = work_left(checkpoints, ["a", "b"], counted=0)
    assert work.chars_to_generate() == 200
    assert take(checkpoints, work, "a")
    assert work.chars_to_generate() == 100


def test_while_the_listing_is_out_every_piece_counts_as_work(store: SlowStore) -> None:
    digests = ["d0", "d1", "d2", "d3"]
    checkpoints = saved(store, digests)
    store.listing.clear()
    work = work_left(checkpoints, digests, counted=4)  # any of them may be reusable…
    assert work.chars_to_generate() == 400  # …but the deadline does not count on it
    assert take(checkpoints, work, "d0")  # the listing is not back: generated
    assert work.chars_to_generate() == 300
    store.listing.set()  # back: what it lists is reused
    wait_until(lambda: work.chars_to_generate() == 0)
    assert not take(checkpoints, work, "d1")
    assert work.chars_to_generate() == 0


def test_a_rejected_checkpoint_is_work_again(store: SlowStore) -> None:
    digests = ["d0", "d1", "new2", "new3"]
    checkpoints = saved(store, digests[:2])
    work = work_left(checkpoints, digests, counted=2)
    assert work.chars_to_generate() == 200
    assert checkpoints.take("d0", 1.0) is not None
    checkpoints.reject("d0", "no longer passes the checks")  # generated after all
    work.piece(speech("d0"), generated=True, seconds=1.0)
    # of the three pieces left one has a checkpoint, and none counted so far came from one
    assert work.chars_to_generate() == 300
    assert not take(checkpoints, work, "d1")  # then one does: half of those counted are used
    assert work.chars_to_generate() == 200


def test_checkpoints_not_back_in_budget_are_work(store: SlowStore) -> None:
    digests = ["d0", "d1", "d2", "d3"]
    checkpoints = saved(store, digests)
    store.fetches.clear()
    work = work_left(checkpoints, digests, counted=4)  # listed in time
    assert work.chars_to_generate() == 0
    assert take(checkpoints, work, "d0")  # its fetch is late: generated
    # the rest have checkpoints, but the store has missed for every one counted so far
    assert work.chars_to_generate() == 300


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.parametrize("held_back", ["listing", "fetches"])
def test_the_deadline_stops_a_job_whose_reusable_pieces_are_all_generated(
    store: SlowStore, held_back: str
) -> None:
    """Ten pieces with checkpoints, none of which come back in time: each is generated in
    10 s. With 60 s, three pieces show the other seven need 70 s: the job stops at 30 s, not
    once it is past its deadline."""
    digests = [f"d{n}" for n in range(10)]
    checkpoints = saved(store, digests)
    getattr(store, held_back).clear()
    now = [0.0]
    deadline = JobDeadline(60, clock=lambda: now[0])
    work = work_left(checkpoints, digests, counted=10)

    def render() -> None:
        for done, digest in enumerate(digests, start=1):
            assert take(checkpoints, work, digest, seconds=10.0)
            now[0] += 10.0
            deadline.check(work.progress(done, len(digests)))

    with pytest.raises(JobTimedOutError) as stopped:
        render()
    assert stopped.value.context["chunks_done"] == 3
    assert now[0] == 30.0  # well before the deadline
