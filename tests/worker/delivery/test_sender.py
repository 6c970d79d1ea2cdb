"""Callback delivery against real local HTTP servers."""

from __future__ import annotations

import json
import socket
import time

import pytest

from shared.callbacks import CallbackType
from shared.signing import Verifier, generate_secret
from tests.helpers.servers import Script, scripted_server
from worker.config import ServiceSettings
from worker.delivery.sender import DEAD_LETTER_PREFIX, CallbackSender
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
    record = json.loads((tmp_path / DEAD_LETTER_PREFIX / "j1-error.json").read_text())
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
    record = json.loads((tmp_path / DEAD_LETTER_PREFIX / "j1-success.json").read_text())
    assert record["attempts"] == 2
    assert "network error" in record["last_error"]


def test_open_breaker_fails_fast_without_calling_the_api(tmp_path) -> None:
    script = Script([(503, {}, b"")])
    s = sender(tmp_path, callback_breaker_fail_max=3, callback_max_attempts=2)
    with scripted_server(script) as base:
        assert not send(s, f"{base}/cb")  # 2 failures
        assert not send(s, f"{base}/cb")  # the 3rd failure opens the breaker
        calls = len(script.requests)
        started = time.monotonic()
        assert not send(s, f"{base}/cb")
        assert time.monotonic() - started < 0.5
    assert calls == 3
    assert len(script.requests) == calls  # no request while open
    assert s.breaker.current_state == "open"


def test_client_errors_do_not_trip_the_breaker(tmp_path) -> None:
    script = Script([(400, {}, b"")])
    s = sender(tmp_path, callback_breaker_fail_max=2)
    with scripted_server(script) as base:
        for _ in range(4):
            send(s, f"{base}/cb")
    assert len(script.requests) == 4
    assert s.breaker.current_state == "closed"


def test_replay_resends_dead_letters_and_removes_delivered_ones(tmp_path) -> None:
    failing = Script([(503, {}, b"")])
    with scripted_server(failing) as base:
        s = sender(tmp_path, callback_max_attempts=1)
        assert not send(s, f"{base}/cb", CallbackType.SUCCESS)
        assert not send(s, f"{base}/cb", CallbackType.ERROR)
    store = LocalObjectStore(tmp_path, LOCAL_URL)
    assert len(store.list_keys(DEAD_LETTER_PREFIX)) == 2

    working = Script()
    with scripted_server(working) as base:
        for key in store.list_keys(DEAD_LETTER_PREFIX):  # the API moved: point records at it
            record = json.loads(store.get_bytes(key) or b"{}")
            record["url"] = f"{base}/cb"
            store.put_bytes(key, json.dumps(record).encode(), "application/json", {})
        assert sender(tmp_path).replay_dead_letters() == (2, 0)
    assert store.list_keys(DEAD_LETTER_PREFIX) == []
    assert {r.headers["webhook-id"] for r in working.requests} == {
        r.headers["webhook-id"] for r in failing.requests
    }
    for request in working.requests:
        Verifier([SECRET]).verify(request.headers, request.body)  # re-signed with a fresh timestamp


def test_sender_refuses_to_start_without_a_secret(tmp_path) -> None:
    with pytest.raises(ValueError, match="CALLBACK_SIGNING_SECRET"):
        CallbackSender(ServiceSettings(), LocalObjectStore(tmp_path, LOCAL_URL))
