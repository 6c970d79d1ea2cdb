"""Liveness, readiness and metrics."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.main import create_app
from callback_api.services.stories import StoryStore
from tests.helpers.callback_api import Sender, Stories, error, progress, success
from tools.firestore_emulator import FirestoreEmulator


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """When each `StoryStore.ping` began; every one still does its real Firestore read."""
    started: list[float] = []
    real_ping = StoryStore.ping

    async def counted(store: StoryStore) -> None:
        started.append(time.monotonic())
        await real_ping(store)

    monkeypatch.setattr(StoryStore, "ping", counted)
    return started


def test_health_answers_while_the_process_is_up(api_client: TestClient) -> None:
    response = api_client.get("/health")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_when_firestore_answers(api_client: TestClient) -> None:
    response = api_client.get("/ready")

    assert (response.status_code, response.json()) == (200, {"status": "ready"})


def test_not_ready_when_firestore_does_not_answer(unreachable_firestore: Settings) -> None:
    settings = unreachable_firestore

    with TestClient(create_app(settings)) as client:
        ready = client.get("/ready")
        health = client.get("/health")

    assert (ready.status_code, ready.json()) == (503, {"status": "unavailable"})
    assert ready.headers["retry-after"] == str(settings.retry_after_seconds)
    assert health.status_code == 200


def test_a_burst_of_ready_calls_costs_one_read(
    firestore_env: FirestoreEmulator, signing_secret: str, pings: list[float]
) -> None:
    settings = Settings(
        callback_signing_secret=SecretStr(signing_secret),
        callback_api_dev_mode=True,
        ready_cache_seconds=60,
    )

    with TestClient(create_app(settings)) as client:
        answers = [client.get("/ready") for _ in range(25)]

    assert {(a.status_code, a.text) for a in answers} == {(200, '{"status":"ready"}')}
    assert len(pings) == 1


def test_ready_reads_again_once_its_answer_is_older_than_the_window(
    firestore_env: FirestoreEmulator, signing_secret: str, pings: list[float]
) -> None:
    settings = Settings(
        callback_signing_secret=SecretStr(signing_secret),
        callback_api_dev_mode=True,
        ready_cache_seconds=0.2,
    )

    with TestClient(create_app(settings)) as client:
        first = client.get("/ready")
        time.sleep(0.3)
        second = client.get("/ready")

    assert (first.status_code, second.status_code) == (200, 200)
    assert len(pings) == 2
    assert pings[1] - pings[0] >= 0.2


def test_an_unavailable_answer_is_kept_too_with_its_retry_after(
    unreachable_firestore: Settings, pings: list[float]
) -> None:
    settings = unreachable_firestore.model_copy(update={"ready_cache_seconds": 60})

    with TestClient(create_app(settings)) as client:
        answers = [client.get("/ready") for _ in range(5)]

    for answer in answers:
        assert (answer.status_code, answer.json()) == (503, {"status": "unavailable"})
        assert answer.headers["retry-after"] == str(settings.retry_after_seconds)
    assert len(pings) == 1


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


def test_metrics_want_the_token_when_one_is_set(
    firestore_env: FirestoreEmulator, signing_secret: str
) -> None:
    token = "metrics-" + "t" * 24
    settings = Settings(
        callback_signing_secret=SecretStr(signing_secret),
        callback_api_dev_mode=True,
        metrics_token=SecretStr(token),
    )

    with TestClient(create_app(settings)) as client:
        missing = client.get("/metrics")
        wrong = client.get("/metrics", headers={"Authorization": f"Bearer {token}x"})
        basic = client.get("/metrics", headers={"Authorization": f"Basic {token}"})
        right = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        health = client.get("/health")

    for refused in (missing, wrong, basic):
        assert (refused.status_code, refused.json()["error"]) == (401, "invalid or missing token")
        assert refused.headers["www-authenticate"] == "Bearer"
        assert token not in refused.text
    assert right.status_code == 200
    assert "tts_callbacks_total" in right.text
    assert health.status_code == 200
