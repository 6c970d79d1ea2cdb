"""Liveness, readiness and metrics."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.main import create_app
from tests.helpers.callback_api import Sender, Stories, error, progress, success
from tools.firestore_emulator import free_port


def test_health_answers_while_the_process_is_up(api_client: TestClient) -> None:
    response = api_client.get("/health")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_when_firestore_answers(api_client: TestClient) -> None:
    response = api_client.get("/ready")

    assert (response.status_code, response.json()) == (200, {"status": "ready"})


def test_not_ready_when_firestore_does_not_answer(
    monkeypatch: pytest.MonkeyPatch, signing_secret: str
) -> None:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", f"127.0.0.1:{free_port()}")
    settings = Settings(
        callback_signing_secret=SecretStr(signing_secret), firestore_timeout_seconds=0.5
    )

    with TestClient(create_app(settings)) as client:
        ready = client.get("/ready")
        health = client.get("/health")

    assert (ready.status_code, ready.json()) == (503, {"status": "unavailable"})
    assert ready.headers["retry-after"] == str(settings.retry_after_seconds)
    assert health.status_code == 200


def _sample(metrics: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in metrics.splitlines():
        if line.startswith(f"{name}{{{wanted}}} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_callbacks_by_type_and_outcome(
    api_client: TestClient, sender: Sender, stories: Stories
) -> None:
    stories.create("s")
    sender.send(progress("s", done=1))
    sender.send(success("s"))
    sender.send(success("s"))
    sender.send(error("s"))
    sender.send(progress("s", done=2))
    sender.send(error("ghost"))
    api_client.post("/api/tts/callback", content=b"{}")

    metrics = api_client.get("/metrics")

    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert _sample(text, "tts_callbacks_total", type="progress", outcome="applied") == 1
    assert _sample(text, "tts_callbacks_total", type="success", outcome="applied") == 1
    assert _sample(text, "tts_callbacks_total", type="success", outcome="duplicate") == 1
    assert _sample(text, "tts_callbacks_total", type="error", outcome="conflict") == 1
    assert _sample(text, "tts_callbacks_total", type="progress", outcome="stale") == 1
    assert _sample(text, "tts_callbacks_total", type="error", outcome="rejected") == 1
    assert _sample(text, "tts_callbacks_total", type="success", outcome="rejected") == 1
    assert _sample(text, "tts_callback_duration_seconds_count", type="success") == 3
