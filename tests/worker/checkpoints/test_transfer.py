"""A job's checkpoints against a real S3 server (moto) and a fault-injecting proxy: saved
behind, fetched ahead, and never a reason for the job to fail or wait."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest

from tests.helpers.fakes import speech_like
from tests.helpers.servers import FaultPlan, fault_proxy, r2_settings, s3_server
from worker.bucket import checkpoint_key
from worker.checkpoints.codec import encode, on_pcm16_grid
from worker.checkpoints.transfer import CheckpointLimits, StoryCheckpoints
from worker.storage import R2ObjectStore

BUCKET = "checkpoints"
RATE = 24_000
BUDGET_S = 5.0
"""Longer than any healthy answer here: these tests are not about slow stores."""


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with s3_server(BUCKET) as url:
        yield url


def r2(endpoint: str) -> R2ObjectStore:
    return R2ObjectStore(r2_settings(endpoint, BUCKET, storage_max_attempts=2))


def chunk(seed: int) -> np.ndarray:
    return on_pcm16_grid(speech_like(1.0 + seed / 10, RATE, seed=seed))


def saved(store: R2ObjectStore, story: str, digests: list[str]) -> StoryCheckpoints:
    checkpoints = StoryCheckpoints(store, "user_1", story)
    for seed, digest in enumerate(digests):
        checkpoints.save(digest, chunk(seed), RATE, engine_s=0.5 + seed)
    stats = checkpoints.close()
    assert (stats.saved, stats.failed, stats.dropped) == (len(digests), 0, 0)
    return checkpoints


def test_what_one_job_saved_the_next_reuses_in_story_order(endpoint: str) -> None:
    store = r2(endpoint)
    saved(store, "story_a", ["d0", "d1", "d2"])
    head = store.client.head_object(Bucket=BUCKET, Key=checkpoint_key("user_1", "story_a", "d1"))
    assert head["ContentType"] == "audio/flac"

    checkpoints = StoryCheckpoints(store, "user_1", "story_a")
    checkpoints.expect(["d0", "new", "d1", "d2"], RATE, BUDGET_S)
    for seed, digest in enumerate(["d0", "d1", "d2"]):
        found = checkpoints.take(digest, BUDGET_S)
        assert found is not None
        assert np.array_equal(found.samples, chunk(seed))
        assert found.engine_s == 0.5 + seed
    assert checkpoints.take("new", BUDGET_S) is None
    assert checkpoints.close().unusable == 0


def test_checkpoints_belong_to_their_story(endpoint: str) -> None:
    store = r2(endpoint)
    saved(store, "story_b", ["shared"])
    other = StoryCheckpoints(store, "user_1", "story_b2")
    other.expect(["shared"], RATE, BUDGET_S)
    assert other.take("shared", BUDGET_S) is None
    assert store.list_keys("chunks/user_1/story_b/") == ["chunks/user_1/story_b/shared.flac"]


def test_a_fresh_take_lists_nothing_and_reuses_nothing(endpoint: str) -> None:
    store = r2(endpoint)
    saved(store, "story_c", ["d0"])
    plan = FaultPlan()
    with fault_proxy(endpoint, plan) as proxy:
        fresh = StoryCheckpoints(r2(proxy), "user_1", "story_c", reuse=False)
        fresh.expect(["d0"], RATE, BUDGET_S)
        assert fresh.take("d0", BUDGET_S) is None
        fresh.close()
    assert plan.seen == 0


def test_a_damaged_checkpoint_is_not_used(endpoint: str) -> None:
    store = r2(endpoint)
    whole = encode(chunk(1), RATE, 1.0)
    store.put_bytes(checkpoint_key("user_1", "story_d", "cut"), whole[:-100], "audio/flac", {})
    damaged = bytearray(whole)
    damaged[len(damaged) // 2] ^= 0xFF
    store.put_bytes(checkpoint_key("user_1", "story_d", "flip"), bytes(damaged), "audio/flac", {})

    checkpoints = StoryCheckpoints(store, "user_1", "story_d")
    checkpoints.expect(["cut", "flip"], RATE, BUDGET_S)
    assert checkpoints.take("cut", BUDGET_S) is None
    assert checkpoints.take("flip", BUDGET_S) is None
    assert checkpoints.close().unusable == 2


def test_failing_uploads_are_counted_and_raise_nothing(endpoint: str) -> None:
    plan = FaultPlan(count=10**6, status=500, only=lambda method, _: method == "PUT")
    with fault_proxy(endpoint, plan) as proxy:
        checkpoints = StoryCheckpoints(r2(proxy), "user_1", "story_e")
        checkpoints.expect(["d0", "d1"], RATE, BUDGET_S)  # listing still works
        checkpoints.save("d0", chunk(0), RATE, 1.0)
        checkpoints.save("d1", chunk(1), RATE, 1.0)
        stats = checkpoints.close()
    assert (stats.saved, stats.failed) == (0, 2)
    assert plan.faults_served == 4  # two attempts each
    assert r2(endpoint).list_keys("chunks/user_1/story_e/") == []


def test_an_unreachable_store_means_generating_everything(endpoint: str) -> None:
    saved(r2(endpoint), "story_f", ["d0"])
    plan = FaultPlan.outage()
    with fault_proxy(endpoint, plan) as proxy:
        checkpoints = StoryCheckpoints(r2(proxy), "user_1", "story_f")
        checkpoints.expect(["d0"], RATE, BUDGET_S)  # the listing fails
        assert checkpoints.take("d0", BUDGET_S) is None
        checkpoints.close()
    plan = FaultPlan(count=10**6, status=503, only=lambda method, _: method == "GET" and "d0" in _)
    with fault_proxy(endpoint, plan) as proxy:
        checkpoints = StoryCheckpoints(r2(proxy), "user_1", "story_f")
        checkpoints.expect(["d0"], RATE, BUDGET_S)  # listed, but its fetch fails
        assert checkpoints.take("d0", BUDGET_S) is None
        assert checkpoints.close().unusable == 1


class StalledStore:
    """The real store, with uploads that wait until `release` (a store that has stalled)."""

    def __init__(self, store: R2ObjectStore) -> None:
        self.store = store
        self.release = threading.Event()

    def put_bytes(self, key: str, data: bytes, content_type: str, metadata: dict) -> object:
        self.release.wait(timeout=10)
        return self.store.put_bytes(key, data, content_type, metadata)

    def get_bytes(self, key: str) -> bytes | None:
        return self.store.get_bytes(key)

    def list_keys(self, prefix: str) -> list[str]:
        return self.store.list_keys(prefix)


def test_a_stalled_store_costs_checkpoints_not_time(endpoint: str) -> None:
    stalled = StalledStore(r2(endpoint))
    limits = CheckpointLimits(upload_queue=2, uploaders=1, flush_s=0.3)
    checkpoints = StoryCheckpoints(stalled, "user_1", "story_g", limits=limits)

    def generate() -> None:
        for seed in range(6):
            checkpoints.save(f"d{seed}", chunk(seed), RATE, 1.0)

    generation = threading.Thread(target=generate)
    generation.start()
    generation.join(timeout=5)
    assert not generation.is_alive()  # saving never waited on the stalled store
    stats = checkpoints.close()
    stalled.release.set()
    # queued, in flight or refused by a full queue: every checkpoint is counted dropped
    assert (stats.saved, stats.failed, stats.dropped) == (0, 0, 6)
