"""`POST /api/tts/reconcile` over HTTP, against the Firestore emulator and RunPod's status API as
a local server (`tests/helpers/runpod_fake.py`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from google.cloud.firestore import Client
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.main import create_app
from tests.helpers.callback_api import LiveServer, Stories, signed_callback, success
from tests.helpers.runpod_fake import FakeRunPod
from tools.firestore_emulator import free_port

TOKEN = "reconcile-token-0123456789abcdef"
PATH = "/api/tts/reconcile"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
UNAUTHENTICATED = {
    "success": False,
    "error": "invalid or missing reconcile token",
    "error_type": "unauthenticated",
}


def ago(minutes: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)


def with_token(settings: Settings, **overrides: Any) -> Settings:
    """`settings` with the endpoint on, and no loop of the API's own in the way."""
    fields = settings.model_dump() | {"reconcile_token": SecretStr(TOKEN)}
    return Settings(**fields | {"reconcile_in_api": False} | overrides)


@pytest.fixture
def client(production_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(with_token(production_settings))) as client:
        yield client


def passes(metrics: str) -> dict[tuple[str, str], float]:
    """`tts_reconcile_passes_total` by (trigger, outcome)."""
    return {
        (sample.labels["trigger"], sample.labels["outcome"]): sample.value
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
        if sample.name == "tts_reconcile_passes_total"
    }


def lease_document(db: Client) -> dict[str, Any] | None:
    snapshot = db.collection("_leases").document("reconciler").get()
    return snapshot.to_dict() if snapshot.exists else None


def test_a_pass_settles_the_silent_stories_and_says_what_it_did(
    client: TestClient,
    runpod: FakeRunPod,
    stories: Stories,
    signing_secret: str,
    firestore_db: Client,
) -> None:
    stories.create("lost", audioStatus="processing", audioJobId="job-1", updatedAt=ago(30))
    stories.create("signed", audioStatus="processing", audioJobId="job-2", updatedAt=ago(20))
    stories.create("running", audioStatus="processing", audioJobId="job-3", updatedAt=ago(10))
    stories.create("fresh", audioStatus="processing", audioJobId="job-4", updatedAt=ago(1))
    runpod.report({"id": "job-1", "status": "FAILED", "error": "worker died"})
    embedded = signed_callback(success("signed", job_id="job-2"), signing_secret, age_s=600)
    runpod.report({"id": "job-2", "status": "COMPLETED", "output": {"callback": embedded}})
    runpod.report({"id": "job-3", "status": "IN_PROGRESS"})
    silent_voice = {"userId": "u1", "status": "processing", "submission": 1, "jobId": "job-5"}
    firestore_db.collection("voices").document("v1").set(silent_voice | {"updatedAt": ago(30)})
    runpod.report({"id": "job-5", "status": "TIMED_OUT"})

    response = client.post(PATH, headers=BEARER)

    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "ran": True,
        "checked": 3,
        "failed": 1,
        "settled": 1,
        "left": 1,
        "errors": 0,
        "voices": {"failed": 1, "settled": 0, "left": 0, "errors": 0},
    }
    assert stories.get("lost")["audioErrorMetadata"] == {
        "error_type": "worker_lost",
        "retryable": True,
        "source": "reconciler",
        "runpod_status": "FAILED",
    }
    assert stories.get("signed")["audioStatus"] == "ready"
    assert {stories.get(s)["audioStatus"] for s in ("running", "fresh")} == {"processing"}
    voice = firestore_db.collection("voices").document("v1").get().to_dict() or {}
    assert (voice["status"], voice["errorType"]) == ("failed", "job_timed_out")
    assert sorted(runpod.asked) == ["job-1", "job-2", "job-3", "job-5"]
    assert passes(client.get("/metrics").text) == {("endpoint", "ok"): 1}
    assert (lease_document(firestore_db) or {}).get("holder")  # held as the loop would


def test_the_api_gives_its_lease_back_when_it_stops(
    production_settings: Settings, firestore_db: Client
) -> None:
    with TestClient(create_app(with_token(production_settings))) as client:
        assert client.post(PATH, headers=BEARER).json()["ran"] is True
        assert lease_document(firestore_db) is not None

    assert lease_document(firestore_db) is None


def test_a_pass_while_another_holds_the_lease_is_busy_and_touches_nothing(
    client: TestClient, runpod: FakeRunPod, stories: Stories, firestore_db: Client
) -> None:
    stories.create("lost", audioStatus="processing", audioJobId="job-1", updatedAt=ago(30))
    lease = {"holder": "another-replica", "expiresAt": ago(-1), "renewedAt": ago(0)}
    firestore_db.collection("_leases").document("reconciler").set(lease)
    before = stories.all_documents()

    response = client.post(PATH, headers=BEARER)

    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "ran": False,
        "reason": "busy",
        "checked": 0,
        "failed": 0,
        "settled": 0,
        "left": 0,
        "errors": 0,
        "voices": {"failed": 0, "settled": 0, "left": 0, "errors": 0},
    }
    assert stories.all_documents() == before
    assert runpod.asked == []
    assert passes(client.get("/metrics").text) == {("endpoint", "skipped"): 1}


def test_runpod_unreachable_is_counted_and_the_story_left_for_the_next_pass(
    production_settings: Settings, stories: Stories
) -> None:
    stories.create("lost", audioStatus="processing", audioJobId="job-1", updatedAt=ago(30))
    before = stories.get("lost")
    down = f"http://127.0.0.1:{free_port()}/v2"
    settings = with_token(production_settings, runpod_api_base_url=down, runpod_timeout_seconds=1)

    with TestClient(create_app(settings)) as client:
        response = client.post(PATH, headers=BEARER)
        metrics = client.get("/metrics").text

    assert response.status_code == 200
    body = response.json()
    assert (body["ran"], body["checked"], body["errors"], body["failed"]) == (True, 1, 1, 0)
    assert stories.get("lost") == before
    assert passes(metrics) == {("endpoint", "errors"): 1}


def test_firestore_unreachable_is_503_with_retry_after(unreachable_firestore: Settings) -> None:
    with TestClient(create_app(with_token(unreachable_firestore))) as client:
        response = client.post(PATH, headers=BEARER)
        metrics = client.get("/metrics").text

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.json() == {
        "success": False,
        "error": "firestore unavailable, retry later",
        "error_type": "firestore_unavailable",
    }
    assert passes(metrics) == {("endpoint", "failed"): 1}


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer ",
        "Bearer wrong-token-0123456789abcdef",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        f"Basic {TOKEN}",
        TOKEN,
    ],
    ids=["missing", "empty", "bearer-nothing", "wrong", "longer", "shorter", "basic", "no-scheme"],
)
def test_without_the_right_token_nothing_runs(
    client: TestClient, runpod: FakeRunPod, stories: Stories, authorization: str | None
) -> None:
    stories.create("lost", audioStatus="processing", audioJobId="job-1", updatedAt=ago(30))
    runpod.report({"id": "job-1", "status": "FAILED"})
    before = stories.all_documents()
    headers = {} if authorization is None else {"Authorization": authorization}

    response = client.post(PATH, headers=headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == UNAUTHENTICATED
    assert stories.all_documents() == before
    assert runpod.asked == []


def test_without_a_reconcile_token_the_route_is_not_found(
    api_settings: Settings, stories: Stories
) -> None:
    """An API whose scheduler is not set up shows no endpoint to try tokens on."""
    stories.create("lost", audioStatus="processing", audioJobId="job-1", updatedAt=ago(30))
    before = stories.all_documents()

    with TestClient(create_app(api_settings)) as client:
        answers = [client.post(PATH, headers=h) for h in ({}, BEARER)]

    assert {r.status_code for r in answers} == {404}
    assert {tuple(r.json().items()) for r in answers} == {
        (("success", False), ("error", "not found"), ("error_type", "not_found"))
    }
    assert stories.all_documents() == before


def test_only_post_runs_a_pass(client: TestClient) -> None:
    response = client.get(PATH, headers=BEARER)

    assert response.status_code == 405
    assert response.json()["error_type"] == "method_not_allowed"


def test_the_endpoint_is_documented_with_its_token_and_answers(
    production_settings: Settings,
) -> None:
    settings = with_token(production_settings, api_docs_enabled=True)
    with TestClient(create_app(settings)) as client:
        spec = client.get("/openapi.json").json()

    operation = spec["paths"][PATH]["post"]
    assert {"200", "401", "404", "503"} <= set(operation["responses"])
    assert operation["security"] == [{"HTTPBearer": []}]
    examples = operation["responses"]["200"]["content"]["application/json"]["examples"]
    assert set(examples) == {"ran", "busy"}


def test_a_scheduler_calling_twice_at_once_gets_one_pass(
    production_settings: Settings,
    runpod: FakeRunPod,
    stories: Stories,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cloud Scheduler may retry a call that is still running: the second one is `busy`."""
    for n in range(10):
        stories.create(f"s{n}", audioStatus="processing", audioJobId=f"job-{n}", updatedAt=ago(30))
        runpod.report({"id": f"job-{n}", "status": "IN_PROGRESS"})
    answer = runpod.status

    def slowly(job_id: str) -> dict[str, Any] | None:
        time.sleep(0.1)  # a pass of a second: the second call surely arrives during it
        return answer(job_id)

    monkeypatch.setattr(runpod, "status", slowly)

    app = create_app(with_token(production_settings))
    with LiveServer(app) as server, httpx.Client() as http, ThreadPoolExecutor(2) as pool:
        calls = [pool.submit(http.post, server.url + PATH, headers=BEARER) for _ in range(2)]
        answers = sorted((c.result().json() for c in calls), key=lambda a: a["ran"])

    assert [a["ran"] for a in answers] == [False, True]
    assert answers[0]["reason"] == "busy"
    assert answers[1]["checked"] == answers[1]["left"] == 10
    assert len(runpod.asked) == 10
