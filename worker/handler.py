"""RunPod adapter: load the engine once at import, then hand each job to its runner.

Run locally with `python -m worker.handler --rp_serve_api --rp_api_port 8000`.
"""

from __future__ import annotations

import logging
import os
from typing import Any

os.environ.setdefault("RUNPOD_LOG_LEVEL", "INFO")  # the SDK's DEBUG level logs whole inputs

import runpod

from shared.voice_job_input import VOICE_PROFILE_ACTION
from worker.config import get_service_settings, get_settings
from worker.delivery.dead_letters import DeadLetters
from worker.delivery.sender import CallbackSender
from worker.engines import load_engine
from worker.jobs.common import Loaded
from worker.jobs.story import TTSJobRunner
from worker.jobs.voice_profile import VoiceProfileJobRunner
from worker.logs import configure_logging
from worker.storage import make_store
from worker.synthesis.synthesizer import StorySynthesizer

logger = logging.getLogger(__name__)


def build_runners() -> tuple[TTSJobRunner, VoiceProfileJobRunner, DeadLetters]:
    settings, service = get_settings(), get_service_settings()
    store = make_store(service)
    sender = CallbackSender(service, store)
    engine = Loaded.attempt(lambda: load_engine(settings.tts_engine, store), "engine")
    return (
        TTSJobRunner(engine.map(lambda e: StorySynthesizer(e, settings)), store, sender, service),
        VoiceProfileJobRunner(engine, store, sender, service, settings),
        DeadLetters(sender, store),
    )


def redeliver_dead_letters() -> None:
    """In the background, so that neither start-up nor the next job waits for it."""
    budget = get_service_settings().dead_letter_budget_s
    if budget > 0:
        DEAD_LETTERS.redeliver_in_background(budget)


configure_logging()
STORY_RUNNER, VOICE_RUNNER, DEAD_LETTERS = build_runners()
redeliver_dead_letters()


def handler(job: dict[str, Any]) -> dict[str, Any]:
    job_id = str(job.get("id", "unknown"))
    raw_input = job.get("input")
    try:
        if isinstance(raw_input, dict) and raw_input.get("action") == VOICE_PROFILE_ACTION:
            return VOICE_RUNNER.run(job_id, raw_input)
        return STORY_RUNNER.run(
            job_id,
            raw_input,
            console=lambda progress: runpod.serverless.progress_update(job, progress),
        )
    except Exception:  # the runners report their own failures; this is the last line of defence
        logger.exception("handler failed", extra={"job_id": job_id})
        return {"error": "Something went wrong while creating the audio.", "refresh_worker": True}
    finally:
        redeliver_dead_letters()


if __name__ == "__main__":
    runpod.serverless.start({"handler": handler})
