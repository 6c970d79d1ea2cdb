"""Redelivery of dead-lettered callbacks against real local HTTP servers."""

from __future__ import annotations

import json
import time

from shared.callbacks import CallbackType
from shared.signing import Verifier, generate_secret
from tests.helpers.servers import Script, scripted_server
from worker.bucket import DEAD_LETTER_PREFIX, REJECTED_PREFIX
from worker.config import ServiceSettings
from worker.delivery.dead_letters import DeadLetters
from worker.delivery.sender import CallbackSender
from worker.storage import LocalObjectStore

SECRET = generate_secret()


def letters(tmp_path) -> tuple[DeadLetters, LocalObjectStore]:
    store = LocalObjectStore(tmp_path, "https://audio.example.com")
    settings = ServiceSettings(
        callback_signing_secret=SECRET,
        callback_backoff_initial_s=0.01,
        callback_backoff_max_s=0.02,
        callback_max_attempts=1,
        callback_connect_timeout_s=1,
        callback_read_timeout_s=2,
    )
    return DeadLetters(CallbackSender(settings, store), store), store


def fail_to_deliver(dead: DeadLetters, url: str, *jobs: str) -> None:
    """Dead-letter one success callback per job, in this order."""
    for job in jobs:
        body = json.dumps({"story_id": f"story_{job}", "job_id": job}).encode()
        assert not dead.sender.post(CallbackType.SUCCESS, url, body, job, f"story_{job}")


def test_redelivery_sends_oldest_first_with_the_original_webhook_id(tmp_path) -> None:
    dead, store = letters(tmp_path)
    down = Script([(503, {}, b"")])
    with scripted_server(down) as base:
        fail_to_deliver(dead, f"{base}/cb", "job-1", "job-2", "job-3")
        url = f"{base}/cb"
    up = Script()
    with scripted_server(up) as base:
        for key in store.list_keys(DEAD_LETTER_PREFIX):  # the API came back on another port
            record = json.loads(store.get_bytes(key) or b"{}")
            store.put_bytes(key, json.dumps(record | {"url": f"{base}/cb"}).encode(), "", {})
        outcome = dead.redeliver(budget_s=10)
    assert url != f"{base}/cb"
    assert (outcome.sent, outcome.left, outcome.rejected) == (3, 0, 0)
    assert [json.loads(r.body)["job_id"] for r in up.requests] == ["job-1", "job-2", "job-3"]
    assert [r.headers["webhook-id"] for r in up.requests] == [
        r.headers["webhook-id"] for r in down.requests
    ]
    for request in up.requests:
        Verifier([SECRET]).verify(request.headers, request.body)  # re-signed, fresh timestamp
    assert store.list_keys(DEAD_LETTER_PREFIX) == []


def test_automatic_redelivery_stops_at_the_first_transient_failure(tmp_path) -> None:
    dead, store = letters(tmp_path)
    script = Script([(503, {}, b"")])
    with scripted_server(script) as base:
        fail_to_deliver(dead, f"{base}/cb", "job-1", "job-2", "job-3")
        tried = len(script.requests)
        outcome = dead.redeliver(budget_s=10)
    assert len(script.requests) == tried + 1  # one probe, then it waits for a later pass
    assert (outcome.sent, outcome.left) == (0, 3)
    assert len(store.list_keys(DEAD_LETTER_PREFIX)) == 3


def test_an_operator_replay_tries_every_letter(tmp_path) -> None:
    dead, _ = letters(tmp_path)
    script = Script([(503, {}, b"")])
    with scripted_server(script) as base:
        fail_to_deliver(dead, f"{base}/cb", "job-1", "job-2")
        tried = len(script.requests)
        outcome = dead.redeliver(attempts=1)
    assert len(script.requests) == tried + 2
    assert (outcome.sent, outcome.left) == (0, 2)


def test_a_spent_budget_leaves_the_rest_for_later(tmp_path) -> None:
    dead, _ = letters(tmp_path)
    with scripted_server(Script([(503, {}, b"")])) as base:
        fail_to_deliver(dead, f"{base}/cb", "job-1", "job-2")
    outcome = dead.redeliver(budget_s=0)
    assert (outcome.sent, outcome.left) == (0, 2)


def test_letters_refused_for_good_move_aside_and_auth_failures_stay(tmp_path) -> None:
    dead, store = letters(tmp_path)
    with scripted_server(Script([(503, {}, b"")])) as base:
        fail_to_deliver(dead, f"{base}/cb", "job-1", "job-2")
    first, second = store.list_keys(DEAD_LETTER_PREFIX)
    refusals = Script([(404, {}, b"{}"), (401, {}, b"{}")])
    with scripted_server(refusals) as base:
        for key in (first, second):
            record = json.loads(store.get_bytes(key) or b"{}")
            store.put_bytes(key, json.dumps(record | {"url": f"{base}/cb"}).encode(), "", {})
        outcome = dead.redeliver(budget_s=10)
    assert (outcome.sent, outcome.left, outcome.rejected) == (0, 1, 1)
    assert store.list_keys(DEAD_LETTER_PREFIX) == [second]  # a 401 is fixed by configuration
    [rejected] = store.list_keys(REJECTED_PREFIX)
    assert rejected.endswith(first.removeprefix(DEAD_LETTER_PREFIX))


def test_background_redelivery_runs_one_pass_at_a_time(tmp_path) -> None:
    dead, store = letters(tmp_path)
    slow = Script([(503, {}, b"")])
    with scripted_server(slow) as base:
        fail_to_deliver(dead, f"{base}/cb", "job-1")
    up = Script()
    with scripted_server(up) as base:
        key = store.list_keys(DEAD_LETTER_PREFIX)[0]
        record = json.loads(store.get_bytes(key) or b"{}")
        store.put_bytes(key, json.dumps(record | {"url": f"{base}/cb"}).encode(), "", {})
        threads = [dead.redeliver_in_background(10) for _ in range(3)]
        deadline = time.monotonic() + 10
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert store.list_keys(DEAD_LETTER_PREFIX) == []
    assert len(up.requests) == 1


def test_a_damaged_letter_moves_aside_and_the_rest_are_still_delivered(tmp_path) -> None:
    dead, store = letters(tmp_path)
    store.put_bytes(f"{DEAD_LETTER_PREFIX}00000000T000000000000Z-x-success.json", b"{not", "", {})
    up = Script()
    with scripted_server(up) as base:
        fail_to_deliver(dead, "http://127.0.0.1:9/cb", "job-1")
        key = next(k for k in store.list_keys(DEAD_LETTER_PREFIX) if "job-1" in k)
        record = json.loads(store.get_bytes(key) or b"{}")
        store.put_bytes(key, json.dumps(record | {"url": f"{base}/cb"}).encode(), "", {})
        outcome = dead.redeliver(budget_s=10)
    assert (outcome.sent, outcome.left, outcome.rejected) == (1, 0, 1)
    assert len(up.requests) == 1
    assert store.list_keys(REJECTED_PREFIX) == [
        f"{REJECTED_PREFIX}00000000T000000000000Z-x-success.json"
    ]
