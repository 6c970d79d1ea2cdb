"""Dead letters redelivered on a timer while the worker waits between jobs, against real local
HTTP servers: a result the API missed goes out once the API is back, with no job to wake it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from shared.callbacks import CallbackType
from shared.signing import generate_secret
from tests.helpers.servers import Script, scripted_server
from worker.bucket import DEAD_LETTER_PREFIX
from worker.config import ServiceSettings
from worker.delivery.dead_letters import DeadLetters, IdleRedelivery
from worker.delivery.sender import CallbackSender
from worker.storage import LocalObjectStore

SECRET = generate_secret()


def dead_letters(tmp_path: Path) -> tuple[DeadLetters, LocalObjectStore]:
    store = LocalObjectStore(tmp_path, "https://audio.example.com")
    settings = ServiceSettings(
        callback_signing_secret=SECRET,
        callback_max_attempts=1,
        callback_connect_timeout_s=1,
        callback_read_timeout_s=2,
    )
    return DeadLetters(CallbackSender(settings, store), store), store


def dead_letter(letters: DeadLetters, url: str, job: str) -> None:
    body = json.dumps({"story_id": f"story_{job}", "job_id": job}).encode()
    assert not letters.sender.post(CallbackType.SUCCESS, url, body, job, f"story_{job}")


def eventually(check: Callable[[], bool], timeout_s: float = 10) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def test_an_idle_worker_redelivers_once_the_api_is_back(tmp_path: Path) -> None:
    letters, store = dead_letters(tmp_path)
    script = Script([(503, {}, b"")])
    with scripted_server(script) as base:
        dead_letter(letters, f"{base}/cb", "job-1")
        idle = IdleRedelivery(letters, interval_s=0.2, budget_s=5)
        idle.start()
        try:
            assert eventually(lambda: len(script.requests) >= 3)  # tried while still down
            assert store.list_keys(DEAD_LETTER_PREFIX) != []
            script.responses = [(200, {}, b'{"success": true}')]  # the API is back
            assert eventually(lambda: store.list_keys(DEAD_LETTER_PREFIX) == [])
        finally:
            idle.stop()

    delivered = [json.loads(r.body)["job_id"] for r in script.requests]
    assert set(delivered) == {"job-1"}


def test_the_timer_leaves_the_api_to_a_running_job(tmp_path: Path) -> None:
    letters, store = dead_letters(tmp_path)
    down = Script([(503, {}, b"")])
    with scripted_server(down) as base:
        dead_letter(letters, f"{base}/cb", "job-1")
    up = Script()
    with scripted_server(up) as base:
        for key in store.list_keys(DEAD_LETTER_PREFIX):  # the API came back on another port
            record = json.loads(store.get_bytes(key) or b"{}")
            store.put_bytes(key, json.dumps(record | {"url": f"{base}/cb"}).encode(), "", {})
        idle = IdleRedelivery(letters, interval_s=0.1, budget_s=5)
        idle.start()
        try:
            with idle.job():
                time.sleep(0.6)  # six wake-ups, all during the job
                assert up.requests == []
            assert eventually(lambda: len(up.requests) == 1)
        finally:
            idle.stop()

    assert store.list_keys(DEAD_LETTER_PREFIX) == []


def test_no_timer_without_an_interval_or_a_budget(tmp_path: Path) -> None:
    letters, _ = dead_letters(tmp_path)

    assert not IdleRedelivery(letters, interval_s=0, budget_s=20).enabled
    assert not IdleRedelivery(letters, interval_s=60, budget_s=0).enabled
    assert IdleRedelivery(letters, interval_s=60, budget_s=20).enabled
    assert ServiceSettings().dead_letter_interval_s == 60
