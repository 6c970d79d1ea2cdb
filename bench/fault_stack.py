"""What every fault of the matrix (`bench/faults.py`) runs against: the callback API behind a
fault proxy and in front of a Firestore proxy, RunPod's status API, moto's S3, and the story
job runner in process with a fast stand-in engine."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from google.cloud import firestore

from callback_api.core.webhooks import webhook_url
from shared.signing import generate_secret
from tests.helpers.fakes import ToneEngine
from tests.helpers.grpc_proxy import GrpcProxy
from tests.helpers.runpod_fake import FakeRunPod
from tests.helpers.servers import FaultPlan, r2_settings
from worker.config import ServiceSettings, SynthesisSettings
from worker.delivery.sender import CallbackSender
from worker.engines.base import Engine
from worker.jobs.common import Loaded
from worker.jobs.story import TTSJobRunner
from worker.storage import LocalObjectStore, ObjectStore, R2ObjectStore
from worker.synthesis.synthesizer import StorySynthesizer

PROJECT = "demo-faults"
SECRET = generate_secret()
BUCKET = "fault-audio"
WORKER_SETTINGS: dict[str, Any] = {
    "callback_signing_secret": SECRET,
    "callback_allow_loopback_http": True,
    "callback_max_attempts": 3,
    "callback_backoff_initial_s": 0.05,
    "callback_backoff_max_s": 0.2,
    "callback_breaker_fail_max": 2,
    "progress_min_interval_s": 0,
    "progress_heartbeat_s": 0.2,
}
"""The worker's settings in every case: fast retries, so that an outage is over in seconds."""
TEXT = "The lamp was lit. The harbour slept.\n\nThe boats came home, one by one, at dawn.\n\n" * 3


class Killed(BaseException):
    """The worker process dies: nothing after this point runs, no callback is sent."""


class SlowEngine(ToneEngine):
    """A stand-in that takes `delay_s` per chunk, and can die or hang on request."""

    def __init__(self, delay_s: float = 0.05) -> None:
        super().__init__()
        self.delay_s = delay_s
        self.die = threading.Event()

    def synthesize(self, text: str, voice: Any, params: Any) -> Any:
        time.sleep(self.delay_s)
        if self.die.is_set():
            raise Killed
        return super().synthesize(text, voice, params)


@dataclass(frozen=True)
class Row:
    fault: str
    expected: str
    final: str
    seconds: float = 0.0

    @property
    def terminal(self) -> bool:
        return self.final.split(" ")[0] in ("ready", "failed")

    @property
    def lost(self) -> bool:
        return self.final != self.expected


@dataclass
class Stack:
    db: firestore.Client
    api: str
    plan: FaultPlan
    proxy: str
    workdir: Path
    runpod: FakeRunPod
    s3: str
    """moto's S3, for the faults of a real object store (`s3_store`)."""
    firestore_proxy: GrpcProxy
    """Between the callback API and the emulator: it can lose a commit's answer."""

    def story(self, story_id: str, **fields: Any) -> firestore.DocumentReference:
        doc = self.db.collection("stories").document(story_id)
        doc.set({"title": story_id, "audioStatus": "pending", **fields})
        return doc

    def runner(
        self,
        engine: Engine | None = None,
        *,
        store: ObjectStore | None = None,
        synthesis: SynthesisSettings | None = None,
        **settings: Any,
    ) -> TTSJobRunner:
        service = ServiceSettings(**(WORKER_SETTINGS | settings))
        store = store or LocalObjectStore(self.workdir / "bucket", "https://audio.example.com")
        synthesizer = StorySynthesizer(
            engine or SlowEngine(), synthesis or SynthesisSettings(chunk_max_chars=60)
        )
        sender = CallbackSender(service, store)
        return TTSJobRunner(Loaded.ready(synthesizer), store, sender, service)

    def s3_store(self, endpoint: str | None = None) -> R2ObjectStore:
        """The bucket on moto's S3, reached at `endpoint` (a fault proxy in front of it)."""
        return R2ObjectStore(
            r2_settings(endpoint or self.s3, BUCKET, storage_backoff_max_s=0.5, **WORKER_SETTINGS)
        )

    def document(self, story_id: str) -> firestore.DocumentReference:
        return self.db.collection("stories").document(story_id)

    def job(self, story_id: str, **overrides: Any) -> dict[str, Any]:
        return {
            "text": TEXT,
            "story_id": story_id,
            "user_id": "user_faults",
            "callback_url": f"{self.proxy}/api/tts/callback",
            **overrides,
        }

    def webhook(
        self, story_id: str, job_id: str, output: dict[str, Any] | None, status: str
    ) -> None:
        """RunPod's completion webhook: the job's `/status` content, as its worker ended it."""
        body: dict[str, Any] = {"id": job_id, "status": status, "delayTime": 900}
        if output is not None:
            rest = {k: v for k, v in output.items() if k not in ("error", "refresh_worker")}
            body |= {"output": rest} | ({"error": output["error"]} if "error" in output else {})
        self.runpod.report(body)  # what RunPod's status API says of the job, when asked
        url = webhook_url(self.api, SECRET, story_id, None)  # these jobs carry no submission
        requests.post(url, json=body, timeout=30).raise_for_status()


def final_state(doc: firestore.DocumentReference) -> str:
    story = doc.get().to_dict() or {}
    status = story.get("audioStatus")
    error_type = (story.get("audioErrorMetadata") or {}).get("error_type")
    return f"{status} {error_type}" if status == "failed" else str(status)


Case = Callable[[Stack, str], None]


@contextmanager
def stack_down(stack: Stack) -> Iterator[None]:
    stack.plan.fail_all()
    try:
        yield
    finally:
        stack.plan.recover()
