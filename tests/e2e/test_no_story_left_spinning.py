"""Every story a job touches ends `ready` or `failed`, whatever fails: the real worker under
RunPod's local API, the real callback API behind a fault proxy, the Firestore emulator."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from google.cloud import firestore
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.core.webhooks import webhook_url
from callback_api.reconcile import run as reconcile
from shared.errors import WorkerLostError
from shared.signing import generate_secret
from tests.helpers.callback_api import submit
from tests.helpers.servers import FaultPlan, fault_proxy
from tools.stack import REPO_ROOT, callback_api, runpod_worker, runpod_worker_process

pytestmark = pytest.mark.slow

SECRET = generate_secret()
SHORT = "The lamp was lit. The harbour slept, and the boats came home one by one."
LONG = (REPO_ROOT / "samples" / "story.txt").read_text(encoding="utf-8")[:1800]


@pytest.fixture(scope="module")
def api(firestore_env_module: dict[str, str]) -> Iterator[str]:
    env = {
        **firestore_env_module,
        "CALLBACK_SIGNING_SECRET": SECRET,
        "CALLBACK_API_DEV_MODE": "true",  # no RunPod status API here: RunPod's local API only
        "LOG_LEVEL": "WARNING",
    }
    with callback_api(env) as base:
        yield base


WORKER_ENV = {
    "TTS_ENGINE": "piper",
    "WORKER_DEV_MODE": "true",
    "STORAGE_BACKEND": "local",
    "LOCAL_STORAGE_PUBLIC_URL": "https://audio.example.com",
    "CALLBACK_SIGNING_SECRET": SECRET,
    "CALLBACK_ALLOW_LOOPBACK_HTTP": "true",
    "CALLBACK_MAX_ATTEMPTS": "4",
    "CALLBACK_BACKOFF_INITIAL_S": "0.3",
    "CALLBACK_BACKOFF_MAX_S": "1",
    "CALLBACK_BREAKER_FAIL_MAX": "2",
    "PROGRESS_MIN_INTERVAL_S": "0",
}


@pytest.fixture(scope="module")
def runpod(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("worker")
    env = WORKER_ENV | {"LOCAL_STORAGE_DIR": str(root / "storage")}
    with runpod_worker(env, root / "worker.log") as base:
        yield base


def pending_story(db: firestore.Client, story_id: str) -> firestore.DocumentReference:
    doc = db.collection("stories").document(story_id)
    doc.set({"title": "The lighthouse", "audioStatus": "pending"})
    return doc


def runsync(runpod: str, story_id: str, callback_base: str, **overrides: Any) -> dict[str, Any]:
    job_input = {
        "text": SHORT,
        "story_id": story_id,
        "user_id": "user_spin",
        "callback_url": f"{callback_base}/api/tts/callback",
        **overrides,
    }
    response = requests.post(f"{runpod}/runsync", json={"input": job_input}, timeout=300)
    response.raise_for_status()
    return response.json()


def eventually(check: Callable[[], bool], timeout_s: float = 20) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def status_of(doc: firestore.DocumentReference) -> str | None:
    return (doc.get().to_dict() or {}).get("audioStatus")


def test_a_short_api_outage_while_the_story_renders_costs_nothing(db, api, runpod) -> None:
    doc = pending_story(db, "spin_outage")
    plan = FaultPlan.outage()
    result: dict[str, Any] = {}
    with fault_proxy(api, plan) as proxy:
        job = threading.Thread(
            target=lambda: result.update(runsync(runpod, "spin_outage", proxy, text=LONG))
        )
        job.start()
        assert eventually(lambda: plan.faults_served >= 2)  # progress failed: its breaker opens
        plan.recover()
        job.join(timeout=300)

    assert result["status"] == "COMPLETED", result
    assert result["output"]["callback_delivered"] is True
    story = doc.get().to_dict() or {}
    assert story["audioStatus"] == "ready"
    assert story["audioUrl"] == result["output"]["audio_url"]


def test_a_callback_the_api_missed_is_delivered_after_the_next_job(db, api, runpod) -> None:
    missed, next_story = pending_story(db, "spin_missed"), pending_story(db, "spin_next")
    plan = FaultPlan.outage()
    with fault_proxy(api, plan) as proxy:
        first = runsync(runpod, "spin_missed", proxy)
        assert first["output"]["callback_delivered"] is False
        assert status_of(missed) == "pending"
        plan.recover()
        second = runsync(runpod, "spin_next", proxy)
        assert second["output"]["callback_delivered"] is True
        assert eventually(lambda: status_of(missed) == "ready")

    story = missed.get().to_dict() or {}
    assert story["audioUrl"] == first["output"]["audio_url"]
    assert story["audioJobId"] == first["id"]
    assert status_of(next_story) == "ready"


@pytest.mark.parametrize(
    ("case", "overrides", "error_type"),
    [
        ("oversized_metadata", {"metadata": {"blob": "x" * 85_000}}, "invalid_input"),
        ("nested_array_metadata", {"metadata": {"x": [[1]]}}, "invalid_input"),
        ("overlong_language", {"language": "en" + "-abcdefgh" * 400}, "invalid_input"),
        ("bad_progress_url", {"progress_callback_url": "ftp://x.example/p"}, "invalid_input"),
        ("whitespace_id", {"voice_id": "ghost"}, "voice_profile_missing"),
    ],
)
def test_bad_input_fails_the_story_with_a_clear_error(
    db, api, runpod, case: str, overrides: dict[str, Any], error_type: str
) -> None:
    story_id = f"spin_{case}"
    doc = pending_story(db, story_id)
    sent_id = f"  {story_id} \n" if case == "whitespace_id" else story_id
    result = runsync(runpod, sent_id, api, **overrides)

    assert result["status"] == "FAILED"
    story = doc.get().to_dict() or {}
    assert story["audioStatus"] == "failed"
    assert story["audioError"] == result["error"]
    assert story["audioJobId"] == result["id"]
    assert story["audioErrorMetadata"]["error_type"] == error_type
    assert story["audioErrorMetadata"]["retryable"] is False


def runpod_status(result: dict[str, Any]) -> dict[str, Any]:
    """What RunPod POSTs to a job's webhook: the job's `/status` content."""
    return {**result, "delayTime": 1520, "executionTime": 4310}


def test_api_down_for_the_whole_job_then_runpods_webhook_delivers_the_result(
    db, api, runpod
) -> None:
    doc = pending_story(db, "spin_webhook")
    with fault_proxy(api, FaultPlan.outage()) as proxy:
        result = runsync(runpod, "spin_webhook", proxy)
    assert result["output"]["callback_delivered"] is False
    assert status_of(doc) == "pending"

    webhook = webhook_url(api, SECRET, "spin_webhook", None)  # runsync: no submission
    for _ in range(2):  # RunPod retries; a repeat changes nothing
        response = requests.post(webhook, json=runpod_status(result), timeout=30)
        assert response.status_code == 200, response.text
    story = doc.get().to_dict() or {}
    assert story["audioStatus"] == "ready"
    assert story["audioUrl"] == result["output"]["audio_url"]
    assert story["audioJobId"] == result["id"]


def test_a_worker_killed_mid_story_is_settled_by_the_reconciler(
    db, api, tmp_path, monkeypatch
) -> None:
    doc = pending_story(db, "spin_killed")
    env = WORKER_ENV | {"LOCAL_STORAGE_DIR": str(tmp_path), "PROGRESS_HEARTBEAT_S": "0.5"}
    with runpod_worker_process(env, tmp_path / "worker.log") as (runpod_url, process):
        job_id = submit(
            Settings(callback_signing_secret=SecretStr(SECRET), callback_api_dev_mode=True),
            {
                "text": LONG,
                "story_id": "spin_killed",
                "user_id": "user_spin",
                "callback_url": f"{api}/api/tts/callback",
            },
            endpoint_url=runpod_url,
            webhook_base_url=api,
            secret=SECRET,
        ).job_id
        running = threading.Thread(target=poll_quietly, args=(f"{runpod_url}/status/{job_id}",))
        running.start()  # RunPod's local API runs the job while this request waits
        assert eventually(lambda: status_of(doc) == "processing")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        running.join(timeout=30)

    assert status_of(doc) == "processing"  # nobody is left to report
    time.sleep(1.5)
    monkeypatch.setenv("CALLBACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("CALLBACK_API_DEV_MODE", "true")  # without RunPod's API: worker_lost
    monkeypatch.setenv("RECONCILE_STALE_AFTER_S", "1")
    assert asyncio.run(reconcile(Settings())) == 0
    story = doc.get().to_dict() or {}
    assert story["audioStatus"] == "failed"
    assert story["audioJobId"] == job_id
    assert story["audioErrorMetadata"]["error_type"] == "worker_lost"
    assert story["audioErrorMetadata"]["retryable"] is True
    assert story["audioError"] == WorkerLostError.default_message


def poll_quietly(url: str) -> None:
    with contextlib.suppress(requests.RequestException):
        requests.post(url, timeout=120)


def test_try_again_after_a_killed_worker_resumes_where_it_stopped(
    db, api, tmp_path, monkeypatch
) -> None:
    doc = pending_story(db, "spin_resumed")
    env = WORKER_ENV | {"LOCAL_STORAGE_DIR": str(tmp_path), "PROGRESS_HEARTBEAT_S": "0.5"}
    checkpoints = tmp_path / "chunks" / "user_spin" / "spin_resumed"
    job_input = {
        "text": LONG,
        "story_id": "spin_resumed",
        "user_id": "user_spin",
        "seed": 3,
        "callback_url": f"{api}/api/tts/callback",
    }
    settings = Settings(callback_signing_secret=SecretStr(SECRET), callback_api_dev_mode=True)
    with runpod_worker_process(env, tmp_path / "killed.log") as (runpod_url, process):
        job_id = submit(
            settings, job_input, endpoint_url=runpod_url, webhook_base_url=api, secret=SECRET
        ).job_id
        running = threading.Thread(target=poll_quietly, args=(f"{runpod_url}/status/{job_id}",))
        running.start()
        assert eventually(lambda: len(list(checkpoints.glob("*.flac"))) >= 3, timeout_s=120)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        running.join(timeout=30)
    left_behind = len(list(checkpoints.glob("*.flac")))

    with runpod_worker(env, tmp_path / "again.log") as runpod_url:
        submitted = submit(
            settings, job_input, endpoint_url=runpod_url, webhook_base_url=api, secret=SECRET
        )
        response = requests.post(f"{runpod_url}/status/{submitted.job_id}", timeout=300)
        output = response.json()["output"]

    assert output["status"] == "ready"
    assert output["chunks_reused"] >= left_behind >= 3
    assert output["chunks_generated"] == output["chunk_count"] - output["chunks_reused"] > 0
    assert output["gpu_seconds_saved"] > 0
    assert eventually(lambda: status_of(doc) == "ready")
