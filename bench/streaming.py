"""Live stream benchmark: `python -m bench.streaming` (also in `make bench`).

The ~13,000-character sample story as a whole story job (`TTSJobRunner`, production settings),
with local storage served as the public bucket, and its callbacks sent to the real callback API
writing to the Firestore emulator. For Piper on this CPU and for the GPU stand-in (Piper's audio
after sleeping audio_seconds / 20, a GPU at 20x real time), prints the time from the job's start
  1. to the first playable segment: the first playlist upload that lists one;
  2. to `audioStreamUrl` in the story document, as a Firestore listener sees it
     (target on the stand-in for both: under 5 s);
and the synthesizer's overhead, (total_s - engine_s) / engine_s, with publishing on and off
(target on the stand-in: <= 0.03 with publishing on).
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore
from pydantic import SecretStr

from bench.checkpoints import SAMPLE_STORY, Recording, StandIn
from shared.signing import generate_secret
from tools.firestore_emulator import FirestoreEmulator
from tools.stack import callback_api, storage_files
from worker.config import ServiceSettings, SynthesisSettings
from worker.delivery.sender import CallbackSender
from worker.engines.base import Engine
from worker.engines.piper import PiperEngine
from worker.jobs.common import Loaded
from worker.jobs.story import TTSJobRunner
from worker.storage import LocalObjectStore, StoredObject
from worker.synthesis.synthesizer import StorySynthesizer

PROJECT = "demo-bench-stream"
SECRET = generate_secret()
SETTINGS = SynthesisSettings(output_format="mp3")


class TimedStore(LocalObjectStore):
    """Local storage that notes when the first playlist listing a segment was stored."""

    def __init__(self, root: Path, public_url: str) -> None:
        super().__init__(root, public_url)
        self.first_listed: float | None = None

    def put_bytes(
        self,
        key: str,
        data: bytes,
        content_type: str,
        metadata: dict[str, str],
        *,
        cache_control: str | None = None,
    ) -> StoredObject:
        stored = super().put_bytes(key, data, content_type, metadata, cache_control=cache_control)
        if self.first_listed is None and key.endswith(".m3u8") and b"#EXTINF" in data:
            self.first_listed = time.monotonic()
        return stored


@dataclass
class Stack:
    db: firestore.Client
    api: str
    bucket: str
    root: Path


@dataclass
class Measured:
    wall_s: float
    output: dict[str, Any]
    first_segment_s: float | None
    stream_url_s: float | None


@contextmanager
def stack(root: Path) -> Iterator[Stack]:
    with FirestoreEmulator(project=PROJECT) as emulator, storage_files(root) as bucket:
        env = {
            "FIRESTORE_EMULATOR_HOST": emulator.host_port,
            "GOOGLE_CLOUD_PROJECT": PROJECT,
            "CALLBACK_SIGNING_SECRET": SECRET,
            "CALLBACK_API_DEV_MODE": "true",  # no RunPod status API: jobs run in process
            "LOG_LEVEL": "WARNING",
        }
        with callback_api(env) as api:
            db = firestore.Client(project=PROJECT, credentials=AnonymousCredentials())
            yield Stack(db, api, bucket, root)


def runner(engine: Engine, store: LocalObjectStore, *, stream: bool) -> TTSJobRunner:
    service = ServiceSettings(
        callback_signing_secret=SecretStr(SECRET),
        callback_allow_loopback_http=True,
        storage_backend="local",
        local_storage_dir=store.root,
        local_storage_public_url=store.public_url,
        stream_enabled=stream,
    )
    synthesizer = Loaded.ready(StorySynthesizer(engine, SETTINGS))
    return TTSJobRunner(synthesizer, store, CallbackSender(service, store), service)


def narrate(engine: Engine, where: Stack, story_id: str, *, stream: bool) -> Measured:
    """One story job, timed from its start; waits for the document to say `ready`."""
    store = TimedStore(where.root / story_id, where.bucket + f"/{story_id}")
    doc = where.db.collection("stories").document(story_id)
    doc.set({"title": "The bench", "audioStatus": "pending"})
    ready = threading.Event()
    announced: list[float] = []  # when the document first named its stream

    def on_change(
        snapshots: list[firestore.DocumentSnapshot[firestore.DocumentReference]], *_: object
    ) -> None:
        data = snapshots[-1].to_dict() or {}
        if data.get("audioStreamUrl") and not announced:
            announced.append(time.monotonic())
        if data.get("audioStatus") in ("ready", "failed"):
            ready.set()

    watch = doc.on_snapshot(on_change)
    job = {
        "text": SAMPLE_STORY.read_text(encoding="utf-8"),
        "story_id": story_id,
        "user_id": "bench",
        "callback_url": f"{where.api}/api/tts/callback",
    }
    started = time.monotonic()
    output = runner(engine, store, stream=stream).run(f"job-{story_id}", job)
    wall_s = time.monotonic() - started
    ready.wait(timeout=30)
    watch.unsubscribe()
    assert "error" not in output, output

    def since(at: float | None) -> float | None:
        return None if at is None else at - started

    return Measured(wall_s, output, since(store.first_listed), since(next(iter(announced), None)))


def line(label: str, m: Measured) -> None:
    t = m.output["timings"]
    overhead = (t["total_s"] - t["engine_s"]) / t["engine_s"]

    def shown(s: float | None) -> str:
        return "   -  " if s is None else f"{s:6.2f}"

    print(
        f"{label:<32} first_segment_s={shown(m.first_segment_s)} "
        f"audioStreamUrl_s={shown(m.stream_url_s)} overhead={overhead:.4f} "
        f"engine_s={t['engine_s']:7.2f} total_s={t['total_s']:7.2f} job_wall_s={m.wall_s:7.2f} "
        f"segments={m.output.get('stream_segments', 0):>3} "
        f"audio_min={m.output['duration_seconds'] / 60:.1f}",
        flush=True,
    )


def main() -> None:
    text = SAMPLE_STORY.read_text(encoding="utf-8")
    print(
        f"sample story: {len(text)} characters; targets on the stand-in: first segment and "
        "audioStreamUrl under 5 s, overhead <= 0.03 with publishing on",
        flush=True,
    )
    piper = PiperEngine()
    recording = Recording(piper)
    with tempfile.TemporaryDirectory() as tmp, stack(Path(tmp)) as where:
        line("Piper (CPU), publishing", narrate(recording, where, "piper_on", stream=True))
        stand_in = StandIn(recording.audio, piper, speedup=20)
        for run in (1, 2):
            for stream in (True, False):
                label = f"GPU stand-in, {'publishing' if stream else 'no stream'} #{run}"
                story_id = f"stand_in_{'on' if stream else 'off'}_{run}"
                line(label, narrate(stand_in, where, story_id, stream=stream))


if __name__ == "__main__":
    main()
