"""Helpers for the callback API's tests: callbacks as the worker builds them, a signed sender,
story documents in the emulator, and the app under a real uvicorn."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from google.cloud.firestore import Client, DocumentReference, DocumentSnapshot
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.core.firestore import close_firestore, open_firestore
from callback_api.main import create_app
from callback_api.services.rules import Outcome
from callback_api.services.stories import StoryStore, opened_store
from callback_api.services.submission import SubmittedJob, submit_story_job
from shared.callbacks import (
    SignedCallback,
    TTSCallbackRequest,
    TTSErrorCallbackRequest,
    TTSProgressCallbackRequest,
    TTSSuccessCallbackRequest,
)
from shared.signing import sign
from tools.firestore_emulator import free_port

PATHS: dict[type[TTSCallbackRequest], str] = {
    TTSSuccessCallbackRequest: "/api/tts/callback",
    TTSErrorCallbackRequest: "/api/tts/error-callback",
    TTSProgressCallbackRequest: "/api/tts/progress",
}
T = TypeVar("T")
JSON = {"content-type": "application/json"}
T0 = datetime.now(UTC) - timedelta(hours=1)


def started(minutes: float = 0) -> datetime:
    """A job start time, `minutes` after a fixed reference an hour ago."""
    return T0 + timedelta(minutes=minutes)


def progress(
    story_id: str, job_id: str = "job-a", at: float = 0, done: int = 1, total: int = 4, **extra: Any
) -> TTSProgressCallbackRequest:
    extra.setdefault("job_started_at", started(at))
    return TTSProgressCallbackRequest(
        story_id=story_id,
        job_id=job_id,
        chunks_done=done,
        chunks_total=total,
        **extra,
    )


def success(
    story_id: str, job_id: str = "job-a", at: float = 0, **extra: Any
) -> TTSSuccessCallbackRequest:
    fields: dict[str, Any] = {
        "audio_url": f"https://audio.example/{story_id}/{job_id}.mp3",
        "storage_key": f"stories/{story_id}/{job_id}.mp3",
        "duration_seconds": 93.25,
        "format": "mp3",
        "sample_rate": 24000,
        "chunk_count": 4,
        "engine": "piper",
        "voice_id": "voice-1",
        "job_started_at": started(at),
    } | extra
    return TTSSuccessCallbackRequest(story_id=story_id, job_id=job_id, **fields)


def error(
    story_id: str, job_id: str | None = "job-a", at: float | None = 0, **extra: Any
) -> TTSErrorCallbackRequest:
    fields: dict[str, Any] = {
        "error": "The selected voice was not found. Please record or choose a voice again.",
        "error_details": "voice profile voice-1 missing",
        "metadata": {"error_type": "voice_profile_missing", "stage": "voice"},
        "job_started_at": None if at is None else started(at),
    } | extra
    return TTSErrorCallbackRequest(story_id=story_id, job_id=job_id, **fields)


def signed_callback(
    callback: TTSSuccessCallbackRequest | TTSErrorCallbackRequest, secret: str, age_s: float = 0
) -> dict[str, Any]:
    """The `callback` entry of a job output, as the worker builds it, signed `age_s` ago."""
    body = callback.to_body()
    return SignedCallback(
        type=callback.callback_type,
        url="https://api.example/api/tts" + PATHS[type(callback)].removeprefix("/api/tts"),
        body=body.decode(),
        headers=sign(secret, body, timestamp=time.time() - age_s),
    ).model_dump(mode="json")


@dataclass
class Sender:
    """Posts callbacks the way the worker does: JSON body, Standard Webhooks headers."""

    client: TestClient | httpx.Client
    secret: str

    def send(self, callback: TTSCallbackRequest, **header_overrides: str) -> httpx.Response:
        return self.post(PATHS[type(callback)], callback.to_body(), **header_overrides)

    def post(self, path: str, body: bytes, **header_overrides: str) -> httpx.Response:
        headers = {**JSON, **sign(self.secret, body), **header_overrides}
        return self.client.post(path, content=body, headers=headers)


@dataclass
class Stories:
    db: Client
    collection: str = "stories"

    def create(self, story_id: str, **fields: Any) -> DocumentReference:
        ref = self.db.collection(self.collection).document(story_id)
        ref.set(
            {
                "title": "The Fox and the Moon",
                "text": "Once upon a time…",
                "audioStatus": "pending",
                **fields,
            }
        )
        return ref

    def get(self, story_id: str) -> dict[str, Any]:
        snapshot = self.db.collection(self.collection).document(story_id).get()
        assert snapshot.exists, f"story {story_id} does not exist"
        return snapshot.to_dict() or {}

    def ids(self) -> set[str]:
        return {ref.id for ref in self.db.collection(self.collection).list_documents()}

    def all_documents(self) -> dict[str, dict[str, Any]]:
        """Every document of every top-level collection, to prove nothing was written."""
        return {
            snapshot.reference.path: snapshot.to_dict() or {}
            for collection in self.db.collections()
            for snapshot in collection.stream()
        }


def subset(document: Mapping[str, Any], expected: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of `document` named in `expected`, for one readable comparison."""
    return {key: document.get(key) for key in expected}


def submit(settings: Settings, job_input: Mapping[str, Any], **options: Any) -> SubmittedJob:
    """`submit_story_job` as the app calls it, on the Firestore of `settings`; `options` are
    its keyword arguments but `stories` (`endpoint_url`, `webhook_base_url`, `secret`, …)."""

    async def submitted() -> SubmittedJob:
        async with opened_store(settings) as stories:
            return await submit_story_job(job_input, stories=stories, **{"api_key": None} | options)

    return asyncio.run(submitted())


class StoreHarness:
    """A `StoryStore` on its own event loop, driven from synchronous tests."""

    def __init__(self, settings: Settings) -> None:
        self._runner = asyncio.Runner()
        self._client, self._app = open_firestore(settings)
        self.store = StoryStore(
            self._client,
            settings.stories_collection,
            timeout=settings.firestore_timeout_seconds,
            transaction_attempts=settings.firestore_transaction_attempts,
        )

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(work)

    def apply(self, callback: TTSCallbackRequest) -> Outcome:
        return self.run(self.store.apply(callback)).outcome

    def close(self) -> None:
        self.run(self.store.aclose())
        close_firestore(self._app)
        self._runner.close()


class StatusListener:
    """The frontend's listener on a story: every change of `audioStatus`, in order.

    `with StatusListener(ref) as listener:` returns once the first snapshot has arrived, as
    the frontend's listener is attached before the job starts."""

    def __init__(self, ref: DocumentReference) -> None:
        self.ref = ref
        self.seen: list[str | None] = []
        self._changed = threading.Condition()

    def __enter__(self) -> StatusListener:
        self._watch = self.ref.on_snapshot(self._on_snapshot)
        with self._changed:
            assert self._changed.wait_for(lambda: self.seen, timeout=20), "no first snapshot"
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._watch.unsubscribe()

    def wait_for(self, status: str, timeout: float = 20) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: status in self.seen, timeout=timeout)

    def _on_snapshot(self, snapshots: list[DocumentSnapshot], *_: Any) -> None:
        with self._changed:
            for snapshot in snapshots:
                status = (snapshot.to_dict() or {}).get("audioStatus")
                if not self.seen or self.seen[-1] != status:
                    self.seen.append(status)
            self._changed.notify_all()


class LiveServer:
    """The app under a real uvicorn in a thread, for truly concurrent HTTP callers."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_config=None, access_log=False, lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@contextmanager
def dev_api(secret: str) -> Iterator[str]:
    """The callback API in local development mode (signed callbacks, no RunPod status API,
    which a worker's jobs never reach) under uvicorn, on the Firestore of the environment
    (`firestore_env`); yields its URL, for a worker's `callback_url`."""
    settings = Settings(callback_signing_secret=SecretStr(secret), callback_api_dev_mode=True)
    with LiveServer(create_app(settings)) as server:
        yield server.url
