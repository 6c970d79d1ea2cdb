"""Callback delivery against real local HTTP servers."""

from __future__ import annotations

import json
import socket
import time

import pytest

from shared.callbacks import CallbackType
from shared.deadlines import CALLBACK_GRACE_S
from shared.signing import Verifier, generate_secret
from tests.helpers.servers import Script, scripted_server
from worker.bucket import DEAD_LETTER_PREFIX
from worker.config import ServiceSettings
from worker.delivery.progress import PROGRESS_ATTEMPTS
from worker.delivery.sender import CallbackSender
from worker.storage import LocalObjectStore

LOCAL_URL = "https://audio.example.com"

SECRET = generate_secret()
BODY = json.dumps({"story_id": "s1", "job_id": "j1"}).encode()


def sender(tmp_path, **overrides: object) -> CallbackSender:
    values: dict[str, object] = {
        "callback_signing_secret": SECRET,
        "callback_backoff_initial_s": 0.01,
        "callback_backoff_max_s": 0.05,
        "callback_max_attempts": 4,
        "callback_connect_timeout_s": 1,
        "callback_read_timeout_s": 2,
    }
    values.update(overrides)
    return CallbackSender(ServiceSettings(**values), LocalObjectStore(tmp_path, LOCAL_URL))


def send(s: CallbackSender, url: str, type_: CallbackType = CallbackType.SUCCESS) -> bool:
    return s.send(s.delivery(type_, url, BODY, "j1", "s1"))


def dead_letter(root, type_: str) -> dict:
    [path] = (root / DEAD_LETTER_PREFIX).glob(f"*-j1-{type_}.json")
    return json.loads(path.read_text())


def test_delivery_is_signed_with_standard_webhooks(tmp_path) -> None:
    script = Script()
    with scripted_server(script) as base:
        assert send(sender(tmp_path), f"{base}/api/tts/callback")
    [request] = script.requests
    assert request.path == "/api/tts/callback"
    assert request.body == BODY
    Verifier([SECRET]).verify(request.headers, request.body)  # raises if not authentic
    assert request.headers["Content-Type"] == "application/json"


def test_5xx_is_retried_with_the_same_webhook_id(tmp_path) -> None:
    script = Script([(500, {}, b"oops"), (502, {}, b""), (200, {}, b"{}")])
    with scripted_server(script) as base:
        assert send(sender(tmp_path), f"{base}/cb")
    assert len(script.requests) == 3
    assert len({r.headers["webhook-id"] for r in script.requests}) == 1
    assert not list(tmp_path.rglob("*.json"))


@pytest.mark.parametrize("status", [408, 429])
def test_408_and_429_are_retried_honouring_retry_after(tmp_path, status: int) -> None:
    script = Script([(status, {"Retry-After": "0.3"}, b""), (200, {}, b"{}")])
    with scripted_server(script) as base:
        started = time.monotonic()
        assert send(sender(tmp_path, callback_backoff_max_s=5), f"{base}/cb")
        waited = time.monotonic() - started
    assert len(script.requests) == 2
    assert waited >= 0.3


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_other_4xx_are_not_retried_and_are_dead_lettered(tmp_path, status: int) -> None:
    script = Script([(status, {}, b"{}")])
    with scripted_server(script) as base:
        assert not send(sender(tmp_path), f"{base}/api/tts/error-callback", CallbackType.ERROR)
    assert len(script.requests) == 1
    record = dead_letter(tmp_path, "error")
    assert record["type"] == "error"
    assert record["last_error"] == f"HTTP {status}"
    assert record["body"] == json.loads(BODY)
    assert record["webhook_id"] == script.requests[0].headers["webhook-id"]


def test_network_errors_are_retried_then_dead_lettered(tmp_path) -> None:
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    s = sender(tmp_path, callback_max_attempts=2)
    assert not send(s, f"http://127.0.0.1:{port}/cb")
    record = dead_letter(tmp_path, "success")
    assert record["attempts"] == 2
    assert "network error" in record["last_error"]


def test_failed_progress_opens_its_own_breaker_and_then_fails_fast(tmp_path) -> None:
    script = Script([(503, {}, b"")])
    s = sender(tmp_path, callback_breaker_fail_max=3, callback_max_attempts=2)
    with scripted_server(script) as base:
        assert not send(s, f"{base}/progress", CallbackType.PROGRESS)  # 2 failures
        assert not send(s, f"{base}/progress", CallbackType.PROGRESS)  # the 3rd opens it
        calls = len(script.requests)
        started = time.monotonic()
        assert not send(s, f"{base}/progress", CallbackType.PROGRESS)
        assert time.monotonic() - started < 0.5
    assert calls == 3
    assert len(script.requests) == calls  # no request while open
    assert s.progress_breaker.current_state == "open"
    assert s.terminal_breaker.current_state == "closed"


def test_a_short_outage_seen_by_progress_does_not_cost_the_result(tmp_path) -> None:
    script = Script([(503, {}, b"")] * 3 + [(200, {}, b"{}")])
    s = sender(tmp_path, callback_breaker_fail_max=2, callback_max_attempts=2)
    with scripted_server(script) as base:
        for _ in range(2):
            send(s, f"{base}/progress", CallbackType.PROGRESS)
        assert s.progress_breaker.current_state == "open"
        assert send(s, f"{base}/callback", CallbackType.SUCCESS)
    assert [r.path for r in script.requests][-1] == "/callback"
    assert not list(tmp_path.rglob("*.json"))


def test_terminal_callbacks_reach_the_network_while_their_breaker_is_open(tmp_path) -> None:
    script = Script([(503, {}, b"")] * 2 + [(200, {}, b"{}")])
    s = sender(tmp_path, callback_breaker_fail_max=2, callback_max_attempts=1)
    with scripted_server(script) as base:
        for _ in range(2):
            assert not send(s, f"{base}/cb", CallbackType.ERROR)
        assert s.terminal_breaker.current_state == "open"
        assert s.api_looks_down
        assert send(s, f"{base}/cb", CallbackType.SUCCESS)  # a real attempt, which succeeds
    assert len(script.requests) == 3
    assert s.terminal_breaker.current_state == "closed"


def test_client_errors_do_not_trip_the_breaker(tmp_path) -> None:
    script = Script([(400, {}, b"")])
    s = sender(tmp_path, callback_breaker_fail_max=2)
    with scripted_server(script) as base:
        for _ in range(4):
            send(s, f"{base}/cb")
    assert len(script.requests) == 4
    assert s.terminal_breaker.current_state == "closed"


def test_the_signed_copy_verifies_and_keeps_the_webhook_id(tmp_path) -> None:
    script = Script()
    s = sender(tmp_path)
    with scripted_server(script) as base:
        announcement = s.announce(CallbackType.SUCCESS, f"{base}/cb", BODY, "j1", "s1")
    assert announcement.delivered
    signed = announcement.callback
    assert signed.body.encode() == BODY
    assert signed.headers["webhook-id"] == script.requests[0].headers["webhook-id"]
    Verifier([SECRET]).verify(signed.headers, signed.body.encode())
    assert announcement.output_fields()["callback"]["type"] == "success"


def test_sender_refuses_to_start_without_a_secret(tmp_path) -> None:
    with pytest.raises(ValueError, match="CALLBACK_SIGNING_SECRET"):
        CallbackSender(ServiceSettings(), LocalObjectStore(tmp_path, LOCAL_URL))


def test_after_the_deadline_there_is_time_for_every_attempt_of_the_last_callbacks() -> None:
    """RunPod kills the job `CALLBACK_GRACE_S` after the worker's deadline: by then, with the
    default settings, an in-flight progress has drained and the terminal callback has had its
    whole retry schedule (every attempt timing out, every backoff at its longest)."""
    s = ServiceSettings()

    def longest(attempts: int) -> float:
        per_attempt = s.callback_connect_timeout_s + s.callback_read_timeout_s
        backoffs = [
            min(s.callback_backoff_initial_s * (2**n + 1), s.callback_backoff_max_s)
            for n in range(attempts - 1)
        ]
        return attempts * per_attempt + sum(backoffs)

    finishing = longest(PROGRESS_ATTEMPTS) + longest(s.callback_max_attempts)
    assert finishing + 60 <= CALLBACK_GRACE_S  # and a minute to upload
