"""Progress callbacks: throttled, never for the last chunk, a heartbeat while a chunk is slow."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from shared.signing import generate_secret
from tests.helpers.servers import Script, scripted_server
from worker.config import ServiceSettings
from worker.delivery.payloads import CallbackIdentity
from worker.delivery.progress import ProgressReporter
from worker.delivery.sender import CallbackSender
from worker.storage import LocalObjectStore

IDENTITY = CallbackIdentity("story_1", "job-1", datetime.now(UTC), "user_1", None)


def reporter(tmp_path, url: str, *, min_interval_s: float, heartbeat_s: float) -> ProgressReporter:
    settings = ServiceSettings(callback_signing_secret=generate_secret())
    sender = CallbackSender(settings, LocalObjectStore(tmp_path, "https://audio.example.com"))
    return ProgressReporter(
        sender, IDENTITY, url, min_interval_s, console=None, heartbeat_s=heartbeat_s
    )


def counts(script: Script) -> list[tuple[int, int]]:
    return [
        (body["chunks_done"], body["chunks_total"])
        for body in (json.loads(r.body) for r in script.requests)
    ]


def test_progress_is_throttled_and_never_sent_for_the_last_chunk(tmp_path) -> None:
    script = Script()
    with scripted_server(script) as base:
        progress = reporter(tmp_path, f"{base}/progress", min_interval_s=60, heartbeat_s=60)
        progress.start(4)
        for done in range(1, 5):
            progress(done, 4)
        progress.close()
    assert counts(script) == [(0, 4)]


def test_a_slow_chunk_still_sends_a_heartbeat_with_the_latest_counts(tmp_path) -> None:
    script = Script()
    with scripted_server(script) as base:
        progress = reporter(tmp_path, f"{base}/progress", min_interval_s=0, heartbeat_s=0.2)
        progress.start(3)
        progress(1, 3)
        time.sleep(0.7)  # a slow chunk: no progress of its own
        progress.close()
        sent = len(script.requests)
        time.sleep(0.3)
    assert counts(script)[:2] == [(0, 3), (1, 3)]
    assert set(counts(script)[2:]) == {(1, 3)}
    assert 3 <= sent <= 6
    assert len(script.requests) == sent  # no heartbeat after the job's generation ended
