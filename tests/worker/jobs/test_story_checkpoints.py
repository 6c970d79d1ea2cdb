"""The story job with checkpoints on R2 (moto's S3 server): a retried story pays only for what
the failed attempt left undone, says so, and no checkpoint trouble ever fails a job."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from shared.signing import generate_secret
from tests.helpers.fakes import SeededToneEngine
from tests.helpers.servers import (
    FaultPlan,
    Script,
    fault_proxy,
    r2_settings,
    s3_server,
    scripted_server,
)
from worker.config import SynthesisSettings
from worker.delivery.sender import CallbackSender
from worker.jobs.common import Loaded
from worker.jobs.story import TTSJobRunner
from worker.storage import R2ObjectStore
from worker.synthesis.speech import split_pauses
from worker.synthesis.synthesizer import StorySynthesizer

SECRET = generate_secret()
BUCKET = "story-checkpoints"
SETTINGS = SynthesisSettings(chunk_max_chars=80, output_format="mp3")
STORY = "\n\n".join(
    f"Night {n} came to the harbour. The boats rocked, and the gulls went quiet one by one."
    for n in range(1, 9)
)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with s3_server(BUCKET) as url:
        yield url


def runner(endpoint: str, engine: SeededToneEngine) -> TTSJobRunner:
    service = r2_settings(
        endpoint,
        BUCKET,
        storage_max_attempts=2,
        callback_signing_secret=SECRET,
        callback_allow_loopback_http=True,
        callback_backoff_initial_s=0.01,
        callback_max_attempts=2,
        progress_min_interval_s=0,
    )
    store = R2ObjectStore(service)
    synthesizer = Loaded.ready(StorySynthesizer(engine, SETTINGS))
    return TTSJobRunner(synthesizer, store, CallbackSender(service, store), service)


def job_input(base: str, story_id: str, **overrides: object) -> dict[str, object]:
    return {
        "text": STORY,
        "story_id": story_id,
        "user_id": "user_1",
        "voice_id": "granny",
        "seed": 5,
        "callback_url": f"{base}/api/tts/callback",
    } | overrides


def pieces() -> list[str]:
    """What the engine is asked to say, in story order; every paragraph has the refrain."""
    plan = StorySynthesizer(SeededToneEngine(), SETTINGS).prepare(STORY, "en")
    return [speech for chunk in plan.chunks for speech, _ in split_pauses(chunk.speech)]


def first_said(said: list[str]) -> list[str]:
    return list(dict.fromkeys(said))


def success(script: Script) -> dict:
    [body] = [json.loads(r.body) for r in script.requests if r.path == "/api/tts/callback"]
    return body


def test_try_again_after_a_failure_generates_only_the_rest_and_says_so(endpoint: str) -> None:
    said = pieces()
    k = len(said) * 4 // 5
    k -= k % 2  # a paragraph's first piece, never said before
    script = Script()
    with scripted_server(script) as base:
        broken = SeededToneEngine(fail_on=lambda text: text == said[k])
        failed = runner(endpoint, broken).run("job-1", job_input(base, "story_k"))
        engine = SeededToneEngine()
        output = runner(endpoint, engine).run("job-2", job_input(base, "story_k"))

    assert failed["error_type"] == "model_unavailable"
    new = [piece for piece in first_said(said) if piece not in said[:k]]
    assert engine.calls == new  # the refrain is not narrated again
    reused = len(said) - len(new)
    assert (output["chunks_reused"], output["chunks_generated"]) == (reused, len(new))
    assert output["gpu_seconds_saved"] > 0
    assert output["checkpoints_saved"] == len(new)
    assert output["checkpoint_failures"] == 0
    tts = success(script)["metadata"]["tts"]
    assert (tts["chunks_reused"], tts["chunks_generated"]) == (reused, len(new))
    assert tts["gpu_seconds_saved"] == output["gpu_seconds_saved"]


def test_reuse_chunks_false_renders_a_fresh_take(endpoint: str) -> None:
    with scripted_server(Script()) as base:
        runner(endpoint, SeededToneEngine()).run("job-1", job_input(base, "story_fresh"))
        engine = SeededToneEngine()
        output = runner(endpoint, engine).run(
            "job-2", job_input(base, "story_fresh", reuse_chunks=False)
        )
    assert output["chunks_reused"] == 0
    assert engine.calls == pieces()  # the refrain too: every piece a new take


def test_a_story_says_its_refrain_once(endpoint: str) -> None:
    engine = SeededToneEngine()
    with scripted_server(Script()) as base:
        output = runner(endpoint, engine).run("job-1", job_input(base, "story_refrain"))
    assert engine.calls == first_said(pieces())
    assert output["chunks_reused"] == len(pieces()) - len(first_said(pieces())) == 7


def test_failing_checkpoint_uploads_never_fail_the_story(endpoint: str) -> None:
    plan = FaultPlan(count=10**6, status=500, only=lambda method, path: "/chunks/" in path)
    script = Script()
    with fault_proxy(endpoint, plan) as proxy, scripted_server(script) as base:
        output = runner(proxy, SeededToneEngine()).run("job-1", job_input(base, "story_down"))

    assert "error" not in output
    assert output["audio_url"].endswith("/audio/user_1/story_down/job-1.mp3")
    assert output["checkpoints_saved"] == 0
    assert output["checkpoint_failures"] == len(first_said(pieces()))
    assert success(script)["audio_url"] == output["audio_url"]
