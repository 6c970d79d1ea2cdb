"""A slow checkpoint store never costs more than generating: the listing and each fetch are
awaited only within their budget (counted from when the job first asked), a piece not back by
then is generated, and it is not saved again. moto's S3 behind a proxy that delays requests."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import numpy as np
import pytest

from shared.signing import generate_secret
from tests.helpers.fakes import SeededToneEngine, speech_like
from tests.helpers.servers import (
    FaultPlan,
    Script,
    fault_proxy,
    r2_settings,
    s3_server,
    scripted_server,
)
from worker.checkpoints.codec import on_pcm16_grid
from worker.checkpoints.transfer import StoryCheckpoints
from worker.config import SynthesisSettings
from worker.delivery.sender import CallbackSender
from worker.jobs.common import Loaded
from worker.jobs.story import TTSJobRunner
from worker.storage import R2ObjectStore
from worker.synthesis.speech import split_pauses
from worker.synthesis.synthesizer import StorySynthesizer

BUCKET = "slow-checkpoints"
RATE = 24_000
STORE_S = 3.0
"""How long the slow store takes to answer each checkpoint request."""


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with s3_server(BUCKET) as url:
        yield url


class Requests:
    """Which checkpoint requests are slow; records every request the proxy saw."""

    def __init__(self, slow: str) -> None:
        self.slow = slow
        self.seen: list[tuple[str, str]] = []

    def __call__(self, method: str, path: str) -> bool:
        self.seen.append((method, path))
        listing = "list-type" in path
        return {"all": "/chunks/" in path or listing, "listing": listing}.get(
            self.slow, method == "GET" and path.endswith(".flac")
        )

    def puts(self) -> list[str]:
        return [path for method, path in self.seen if method == "PUT" and "/chunks/" in path]


def slow_plan(slow: str, delay_s: float = STORE_S) -> tuple[FaultPlan, Requests]:
    requests = Requests(slow)
    return FaultPlan(only=requests, delay_s=delay_s), requests


def r2(endpoint: str) -> R2ObjectStore:
    return R2ObjectStore(r2_settings(endpoint, BUCKET, storage_max_attempts=1))


def chunk(seed: int) -> np.ndarray:
    return on_pcm16_grid(speech_like(1.0, RATE, seed=seed))


def saved(endpoint: str, story: str, digests: list[str]) -> None:
    checkpoints = StoryCheckpoints(r2(endpoint), "user_1", story)
    for seed, digest in enumerate(digests):
        checkpoints.save(digest, chunk(seed), RATE, engine_s=1.0)
    assert checkpoints.close().saved == len(digests)


def timed(call):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_a_fetch_not_back_in_budget_is_generated_and_not_saved_again(endpoint: str) -> None:
    saved(endpoint, "story_a", ["d0", "d1"])
    plan, requests = slow_plan("fetches")
    with fault_proxy(endpoint, plan) as proxy:
        checkpoints = StoryCheckpoints(r2(proxy), "user_1", "story_a")
        assert checkpoints.expect(["d0", "d1"], RATE, budget_s=1.0) == 2  # listed in time
        found, waited = timed(lambda: checkpoints.take("d0", budget_s=0.3))
        assert found is None
        assert waited < 1.0  # not the store's 3 s
        checkpoints.save("d0", chunk(0), RATE, engine_s=0.3)  # generated instead
        stats = checkpoints.close()
    assert (stats.late, stats.saved, stats.dropped, stats.unusable) == (1, 0, 0, 0)
    assert requests.puts() == []  # the store has it already


def test_a_checkpoint_fetched_ahead_is_used_however_slow_the_store(endpoint: str) -> None:
    saved(endpoint, "story_b", ["d0", "d1"])
    plan, _ = slow_plan("fetches", delay_s=0.5)
    with fault_proxy(endpoint, plan) as proxy:
        checkpoints = StoryCheckpoints(r2(proxy), "user_1", "story_b")
        checkpoints.expect(["d0", "d1"], RATE, budget_s=1.0)
        time.sleep(0.8)  # generating what comes before: the fetches run meanwhile
        found, waited = timed(lambda: checkpoints.take("d0", budget_s=0.05))
        assert found is not None
        assert np.array_equal(found.samples, chunk(0))
        assert waited < 0.3
        assert checkpoints.close().late == 0


def test_a_late_listing_is_not_awaited_and_read_when_it_comes(endpoint: str) -> None:
    saved(endpoint, "story_c", ["d0", "d1", "d2"])
    plan, requests = slow_plan("listing", delay_s=1.0)
    with fault_proxy(endpoint, plan) as proxy:
        checkpoints = StoryCheckpoints(r2(proxy), "user_1", "story_c")
        digests = ["d0", "new", "d1", "d2"]
        reusable, waited = timed(lambda: checkpoints.expect(digests, RATE, budget_s=0.2))
        assert reusable == 4  # unknown yet: any of them may be
        assert waited < 0.6
        assert checkpoints.take("d0", budget_s=0.2) is None  # still listing
        checkpoints.save("d0", chunk(0), RATE, engine_s=0.2)
        time.sleep(1.2)  # generating "d0": the listing comes back meanwhile
        assert checkpoints.take("new", budget_s=0.2) is None
        checkpoints.save("new", chunk(9), RATE, engine_s=0.2)
        for seed, digest in ((1, "d1"), (2, "d2")):
            found = checkpoints.take(digest, budget_s=1.0)
            assert found is not None
            assert np.array_equal(found.samples, chunk(seed))
        stats = checkpoints.close()
    assert (stats.late, stats.saved, stats.dropped) == (1, 1, 0)
    assert [path.rsplit("/", 1)[-1] for path in requests.puts()] == ["new.flac"]


# --- the story job ------------------------------------------------------------------------

SECRET = generate_secret()
SETTINGS = SynthesisSettings(chunk_max_chars=80, output_format="mp3")
STORY = "\n\n".join(
    f"Night {n} came to the harbour. The boats rocked, and the gulls went quiet one by one."
    for n in range(1, 9)
)
PIECE_S = 0.05
"""What the engine takes to generate one piece."""


def runner(endpoint: str, engine: SeededToneEngine) -> TTSJobRunner:
    service = r2_settings(
        endpoint,
        BUCKET,
        storage_max_attempts=1,
        callback_signing_secret=SECRET,
        callback_allow_loopback_http=True,
        progress_min_interval_s=0,
    )
    store = R2ObjectStore(service)
    synthesizer = Loaded.ready(StorySynthesizer(engine, SETTINGS))
    return TTSJobRunner(synthesizer, store, CallbackSender(service, store), service)


def job_input(base: str) -> dict[str, object]:
    return {
        "text": STORY,
        "story_id": "story_job",
        "user_id": "user_1",
        "voice_id": "granny",
        "seed": 5,
        "callback_url": f"{base}/api/tts/callback",
    }


def pieces() -> list[str]:
    plan = StorySynthesizer(SeededToneEngine(), SETTINGS).prepare(STORY, "en")
    return [speech for chunk in plan.chunks for speech, _ in split_pauses(chunk.speech)]


def test_a_story_reused_through_a_3_s_store_is_ready_without_waiting_for_it(
    endpoint: str,
) -> None:
    said = pieces()
    script = Script()
    plan, requests = slow_plan("all")
    with scripted_server(script) as base:
        first = runner(endpoint, SeededToneEngine()).run("job-1", job_input(base))
        assert first["checkpoints_saved"] == len(set(said))
        engine = SeededToneEngine(delay_s=PIECE_S)
        with fault_proxy(endpoint, plan) as proxy:
            output, took = timed(lambda: runner(proxy, engine).run("job-2", job_input(base)))

    assert output["status"] == "ready"
    successes = [json.loads(r.body) for r in script.requests if r.path == "/api/tts/callback"]
    assert successes[-1]["audio_url"] == output["audio_url"]
    # Nothing came back from the store within its budget: every piece was generated (the
    # refrain once), after waiting no longer than generating them took.
    assert engine.calls == list(dict.fromkeys(said))
    assert output["timings"]["checkpoint_wait_s"] < 0.5 + len(said) * PIECE_S
    # One answer of the store at the end (the uploaders' listing), never one per piece.
    assert took < 2 * STORE_S < len(said) * STORE_S
    assert (output["checkpoints_saved"], output["checkpoint_failures"]) == (0, 0)
    assert requests.puts() == []  # what the store has is not saved again
