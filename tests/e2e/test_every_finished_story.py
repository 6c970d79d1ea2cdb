"""Every finished story reaches its listener: the story job with Piper, its signed callbacks
into the real callback API, the story's Firestore document (emulator) checked at the end.

- The deadline judges the work left, not the first chunk. Three shapes that once failed with
  `job_timed_out` right after their first chunk (a long opening then many short lines; the
  opening generated twice; the opening edited, the rest reusable from checkpoints) each finish
  with a deadline of 1.5 times what the same work was just measured to need.
- A three-second storage outage (moto's S3 behind a proxy that drops every connection) during
  the final upload is waited out: the story ends `ready`.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from shared.signing import generate_secret
from tests.helpers import servers
from tests.helpers.callback_api import Stories, dev_api
from tests.helpers.servers import FaultPlan, fault_proxy, s3_server
from worker.config import ServiceSettings, SynthesisSettings
from worker.delivery.sender import CallbackSender
from worker.engines.base import Engine, EngineAudio, SynthesisParams, Voice, VoiceSource
from worker.engines.piper import PiperEngine
from worker.jobs.common import Loaded
from worker.jobs.story import TTSJobRunner
from worker.storage import LocalObjectStore, ObjectStore, R2ObjectStore
from worker.synthesis.synthesizer import StorySynthesizer

pytestmark = pytest.mark.slow

SECRET = generate_secret()
BUCKET = "finished-stories"
OPENINGS = [
    (
        f"{start} the lighthouse keeper climbed the hundred steps of the tower, trimmed the "
        "wick, polished the great lens until it shone, and watched the fishing boats come home "
        "one by one across the grey and restless water, counting every lantern as it rounded "
        "the point below the cliffs."
    )
    for start in ("Every evening", "Each night", "On stormy nights")
]
LINES = [
    f'"{ask}, {name}?" asked the {who}.'
    for ask, name, who in itertools.islice(
        itertools.product(
            ("Is it late", "Are you cold", "Can you see", "Will it rain", "Shall we go"),
            ("Tom", "Anna", "Pip", "Rosa"),
            ("fox", "owl", "girl"),
        ),
        30,
    )
]


def story(opening: str) -> str:
    """A 280-character opening paragraph, then 30 short lines of dialogue."""
    return "\n\n".join([opening, *LINES])


class FirstTakeSilent:
    """Piper, but its first take of the opening paragraph is silence: it fails its checks
    and the opening is generated again."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.capabilities = engine.capabilities
        self.silenced = 0

    def prepare_voice(self, source: VoiceSource | None) -> Voice:
        return self._engine.prepare_voice(source)

    def synthesize(self, text: str, voice: Voice, params: SynthesisParams) -> EngineAudio:
        audio = self._engine.synthesize(text, voice, params)
        if params.attempt == 0 and "lighthouse keeper" in text:
            self.silenced += 1
            return EngineAudio(np.zeros_like(audio.samples), audio.sample_rate)
        return audio


@pytest.fixture(scope="module")
def piper() -> PiperEngine:
    return PiperEngine()


@pytest.fixture
def api(firestore_env: Any) -> Iterator[str]:
    with dev_api(SECRET) as url:
        yield url


def service(**overrides: Any) -> ServiceSettings:
    values = {
        "callback_signing_secret": SECRET,
        "callback_allow_loopback_http": True,
        "local_storage_public_url": "https://audio.example.com",
    }
    return ServiceSettings(**(values | overrides))


def runner(engine: Engine, store: ObjectStore, settings: ServiceSettings) -> TTSJobRunner:
    synthesizer = StorySynthesizer(engine, SynthesisSettings())
    return TTSJobRunner(Loaded.ready(synthesizer), store, CallbackSender(settings, store), settings)


def job(api: str, story_id: str, text: str) -> dict[str, Any]:
    return {
        "text": text,
        "story_id": story_id,
        "user_id": "u1",
        "callback_url": f"{api}/api/tts/callback",
    }


@dataclass
class Stage:
    api: str
    stories: Stories
    store: LocalObjectStore

    def run(self, engine: Engine, story_id: str, text: str, **settings: Any) -> dict[str, Any]:
        self.stories.create(story_id)
        return runner(engine, self.store, service(**settings)).run(
            f"job-{story_id}", job(self.api, story_id, text)
        )

    def need_s(self, engine: Engine, story_id: str, text: str) -> float:
        """How long the job takes without a tight deadline (it must end `ready`)."""
        started = time.monotonic()
        output = self.run(engine, story_id, text)
        assert output["status"] == "ready", output
        return time.monotonic() - started

    def ready(self, story_id: str, output: dict[str, Any]) -> dict[str, Any]:
        assert output["status"] == "ready", output
        document = self.stories.get(story_id)
        assert document["audioStatus"] == "ready"
        assert document["audioUrl"] == output["audio_url"]
        return document


@pytest.fixture
def stage(tmp_path: Path, api: str, stories: Stories) -> Stage:
    return Stage(api, stories, LocalObjectStore(tmp_path / "bucket", "https://audio.example.com"))


def test_a_long_opening_then_many_short_lines_finishes_in_time(stage: Stage, piper) -> None:
    text = story(OPENINGS[0])
    need = stage.need_s(piper, "lines_measured", text)
    output = stage.run(piper, "lines", text, job_deadline_s=1.5 * need)
    stage.ready("lines", output)
    assert output["chunk_count"] == 1 + len(LINES)


def test_an_opening_generated_twice_finishes_in_time(stage: Stage, piper) -> None:
    engine = FirstTakeSilent(piper)
    text = story(OPENINGS[0])
    need = stage.need_s(engine, "retried_measured", text)
    output = stage.run(engine, "retried", text, job_deadline_s=1.5 * need)
    stage.ready("retried", output)
    assert output["retries"] >= 1
    assert engine.silenced == 2  # once in each job


def test_an_edited_opening_with_the_rest_reusable_finishes_in_time(stage: Stage, piper) -> None:
    first = stage.run(piper, "edited", story(OPENINGS[0]))
    assert first["chunks_reused"] == 0
    need = stage.need_s(piper, "edited", story(OPENINGS[1]))  # the lines come from checkpoints
    output = stage.run(piper, "edited", story(OPENINGS[2]), job_deadline_s=1.5 * need)
    stage.ready("edited", output)
    assert (output["chunks_generated"], output["chunks_reused"]) == (1, len(LINES))


@dataclass
class Outage:
    """Every request is dropped for `seconds` from the first upload of a story's audio."""

    seconds: float
    began: float | None = None

    def __call__(self, method: str, path: str) -> bool:
        if self.began is None and method == "PUT" and f"/{BUCKET}/audio/" in path:
            self.began = time.monotonic()
        return self.began is not None and time.monotonic() - self.began < self.seconds


def test_a_three_second_storage_outage_during_the_final_upload_is_waited_out(
    api: str, stories: Stories, piper
) -> None:
    outage = Outage(3.0)
    plan = FaultPlan(only=outage, drop=True)
    plan.fail_all()
    stories.create("outage")
    with s3_server(BUCKET) as s3, fault_proxy(s3, plan) as proxy:
        settings = servers.r2_settings(
            proxy, BUCKET, callback_signing_secret=SECRET, callback_allow_loopback_http=True
        )
        output = runner(piper, R2ObjectStore(settings), settings).run(
            "job-outage", job(api, "outage", "\n\n".join([OPENINGS[0], *LINES[:4]]))
        )
        stored = R2ObjectStore(servers.r2_settings(s3, BUCKET)).get_bytes(output["storage_key"])
    assert output["status"] == "ready", output
    assert outage.began is not None
    assert plan.faults_served >= 4
    assert output["timings"]["upload_s"] >= 3.0
    assert stored is not None
    assert len(stored) == output["size_bytes"]
    document = stories.get("outage")
    assert document["audioStatus"] == "ready"
    assert document["audioUrl"] == output["audio_url"]
