"""RunPod adapter: build the runners once at import, then hand each job to its runner.

Run locally with `WORKER_DEV_MODE=true STORAGE_BACKEND=local CALLBACK_SIGNING_SECRET=whsec_…
python -m worker.handler --rp_serve_api --rp_api_port 8000`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("RUNPOD_LOG_LEVEL", "INFO")  # the SDK's DEBUG level logs whole inputs

import runpod

from shared.errors import TTSError
from shared.voice_job_input import VOICE_PROFILE_ACTION
from worker.bucket import CHECKPOINT_PREFIX, STREAM_PREFIX
from worker.config import ServiceSettings
from worker.delivery.dead_letters import DeadLetters, IdleRedelivery
from worker.delivery.sender import CallbackSender
from worker.deployment import load_settings
from worker.engines import load_engine
from worker.jobs.common import Loaded, unavailable_output
from worker.jobs.story import TTSJobRunner
from worker.jobs.voice_profile import VoiceProfileJobRunner
from worker.logs import configure_logging
from worker.storage import LocalObjectStore, make_store
from worker.synthesis.synthesizer import StorySynthesizer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runners:
    story: TTSJobRunner
    voice: VoiceProfileJobRunner
    dead_letters: DeadLetters
    dead_letter_budget_s: float
    idle: IdleRedelivery

    def redeliver_dead_letters(self) -> None:
        """In the background, so that neither start-up nor the next job waits for it."""
        if self.dead_letter_budget_s > 0:
            self.dead_letters.redeliver_in_background(self.dead_letter_budget_s)


def expire_local(store: LocalObjectStore, service: ServiceSettings) -> None:
    for prefix, days in (
        (CHECKPOINT_PREFIX, service.checkpoint_max_age_days),
        (STREAM_PREFIX, service.stream_max_age_days),
    ):
        expired = store.prune(prefix, days * 86_400)
        logger.info("expired objects deleted", extra={"prefix": prefix, "count": expired})


def build_runners() -> Runners:
    """Raises `worker_misconfigured` when the deployment is incomplete (`worker/deployment.py`);
    an engine that fails to load is kept as the error every job then reports."""
    settings, service = load_settings()
    store = make_store(service)
    if isinstance(store, LocalObjectStore):  # on R2, the bucket's lifecycle rules do this
        expire_local(store, service)
    sender = CallbackSender(service, store)
    engine = Loaded.attempt(lambda: load_engine(settings.tts_engine, store), "engine")
    dead_letters = DeadLetters(sender, store)
    runners = Runners(
        story=TTSJobRunner(
            engine.map(lambda e: StorySynthesizer(e, settings)), store, sender, service
        ),
        voice=VoiceProfileJobRunner(engine, store, sender, service, settings),
        dead_letters=dead_letters,
        dead_letter_budget_s=service.dead_letter_budget_s,
        idle=IdleRedelivery(
            dead_letters,
            interval_s=service.dead_letter_interval_s,
            budget_s=service.dead_letter_budget_s,
        ),
    )
    runners.redeliver_dead_letters()  # what an earlier worker could not deliver
    runners.idle.start()  # what this one could not, once the API is back, between jobs
    return runners


configure_logging()
RUNNERS: Loaded[Runners] = Loaded.attempt(build_runners, "worker")


def handler(job: dict[str, Any]) -> dict[str, Any]:
    job_id = str(job.get("id", "unknown"))
    raw_input = job.get("input")
    try:
        runners = RUNNERS.get()
    except TTSError as error:
        return unavailable_output(error, raw_input)
    try:
        with runners.idle.job():
            if isinstance(raw_input, dict) and raw_input.get("action") == VOICE_PROFILE_ACTION:
                return runners.voice.run(job_id, raw_input)
            return runners.story.run(
                job_id,
                raw_input,
                console=lambda progress: runpod.serverless.progress_update(job, progress),
            )
    except Exception:  # the runners report their own failures; this is the last line of defence
        logger.exception("handler failed", extra={"job_id": job_id})
        return {"error": "Something went wrong while creating the audio.", "refresh_worker": True}
    finally:
        runners.redeliver_dead_letters()


if __name__ == "__main__":
    runpod.serverless.start({"handler": handler})
