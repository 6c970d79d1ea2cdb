"""RunPod adapter: load the engine once at import, then hand each job to the runner.

Run locally with `python -m worker.handler --rp_serve_api --rp_api_port 8000`.
"""

from __future__ import annotations

import logging
import os
from typing import Any

os.environ.setdefault("RUNPOD_LOG_LEVEL", "INFO")  # the SDK's DEBUG level logs whole inputs

import runpod

from shared.errors import TTSError, as_tts_error
from worker.callbacks import CallbackSender
from worker.config import get_service_settings, get_settings
from worker.engines import load_engine
from worker.jobs import TTSJobRunner
from worker.logs import configure_logging
from worker.pipeline import StorySynthesizer
from worker.storage import make_store

logger = logging.getLogger(__name__)


def build_runner() -> TTSJobRunner:
    settings, service = get_settings(), get_service_settings()
    store = make_store(service)
    sender = CallbackSender(service, store)
    synthesizer: StorySynthesizer | TTSError
    try:
        synthesizer = StorySynthesizer(load_engine(settings.tts_engine, store), settings)
    except Exception as exc:  # reported through every job, not a crash loop
        synthesizer = as_tts_error(exc)
        logger.error("engine failed to load", extra={"error_type": synthesizer.error_type.value})
    return TTSJobRunner(synthesizer, store, sender, service)


configure_logging()
RUNNER = build_runner()


def handler(job: dict[str, Any]) -> dict[str, Any]:
    job_id = str(job.get("id", "unknown"))
    try:
        return RUNNER.run(
            job_id,
            job.get("input"),
            console=lambda progress: runpod.serverless.progress_update(job, progress),
        )
    except Exception:  # the runner reports its own failures; this is the last line of defence
        logger.exception("handler failed", extra={"job_id": job_id})
        return {"error": "Something went wrong while creating the audio.", "refresh_worker": True}


if __name__ == "__main__":
    runpod.serverless.start({"handler": handler})
