"""The last hop closes without luck: a story whose job finished while the callback API was down
reaches its true end soon after the API returns, and a leaked webhook URL cannot fail a story.

Real parts: the worker (Piper) under RunPod's local API, the callback API under uvicorn behind
a fault proxy (the "down" API answers 503), the Firestore emulator, the submission helper, and
the reconciler as the scheduler runs it (`python -m callback_api.reconcile --loop`). RunPod
itself cannot run here: `FakeRunPod` (`tests/helpers/runpod_fake.py`) stands in for its
`/run`, its completion webhook and its status API `GET /v2/{endpoint}/status/{id}`, and drives
each job on the real worker.

Time is scaled: one MINUTE here is 2 s, and every setting involved is scaled alike (the
worker's callback retries and heartbeat, RunPod's webhook retries and 30-minute retention,
`RECONCILE_STALE_AFTER_S`, the reconciler's interval, `DEAD_LETTER_INTERVAL_S`), so that the
same code paths run in the same order as in production, in seconds instead of minutes. The
documented bound (a story whose job finished while the API was down reaches its true end
within 6 minutes of the API's return) is checked in these minutes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from google.cloud import firestore
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.core.webhooks import webhook_url
from callback_api.services.submission import SubmittedJob
from shared.signing import generate_secret
from tests.helpers.callback_api import submit
from tests.helpers.runpod_fake import API_KEY, FakeRunPod
from tests.helpers.servers import FaultPlan, fault_proxy
from tools.stack import REPO_ROOT, callback_api, runpod_worker

pytestmark = pytest.mark.slow

MINUTE = 2.0
"""Seconds standing for a minute."""
BOUND = 6 * MINUTE
"""`RECONCILE_STALE_AFTER_S` (5 minutes) plus the reconciler's interval (1 minute)."""
SLACK = 15.0
"""Seconds for what does not scale: a pass over Firestore, a Piper job's tail on a busy CPU."""
SECRET = generate_secret()
SHORT = "The lamp was lit. The harbour slept, and the boats came home one by one."
LONG = (REPO_ROOT / "samples" / "story.txt").read_text(encoding="utf-8")[:1800]
DEAD_LETTERS = Path("callbacks") / "dead-letter"


def scaled(seconds: float) -> str:
    """A production duration in this module's time."""
    return f"{seconds * MINUTE / 60:.3f}"


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("last_hop")


@pytest.fixture(scope="module")
def worker(storage: Path) -> Iterator[str]:
    env = {
        "TTS_ENGINE": "piper",
        "WORKER_DEV_MODE": "true",  # local storage and loopback callbacks
        "STORAGE_BACKEND": "local",
        "LOCAL_STORAGE_DIR": str(storage / "bucket"),
        "LOCAL_STORAGE_PUBLIC_URL": "https://audio.example.com",
        "CALLBACK_SIGNING_SECRET": SECRET,
        "CALLBACK_ALLOW_LOOPBACK_HTTP": "true",
        "CALLBACK_BACKOFF_INITIAL_S": scaled(1),  # five attempts over ~20 s, scaled
        "CALLBACK_BACKOFF_MAX_S": scaled(30),
        "CALLBACK_BREAKER_RESET_S": scaled(60),
        "PROGRESS_MIN_INTERVAL_S": "0",
        "PROGRESS_HEARTBEAT_S": scaled(60),
        "DEAD_LETTER_BUDGET_S": "1",
        "DEAD_LETTER_INTERVAL_S": scaled(60),
    }
    with runpod_worker(env, storage / "worker.log") as base:
        yield base


@pytest.fixture(scope="module")
def runpod(worker: str) -> Iterator[FakeRunPod]:
    fake = FakeRunPod(
        worker=worker, retention_s=30 * MINUTE, webhook_retries=2, webhook_gap_s=10 * MINUTE / 60
    )
    with fake.serving():
        yield fake


@pytest.fixture(scope="module")
def api(firestore_env_module: dict[str, str], runpod: FakeRunPod) -> Iterator[str]:
    """The API as in production: a signing secret and RunPod's status API."""
    env = {
        **firestore_env_module,
        **runpod.environment(),
        "CALLBACK_SIGNING_SECRET": SECRET,
        "LOG_LEVEL": "WARNING",
    }
    with callback_api(env) as base:
        yield base


@pytest.fixture(scope="module")
def reconciler(
    firestore_env_module: dict[str, str], runpod: FakeRunPod, storage: Path
) -> Iterator[None]:
    """`python -m callback_api.reconcile --loop`, a pass every MINUTE, as scheduled."""
    env = {
        **os.environ,
        **firestore_env_module,
        **runpod.environment(),
        "CALLBACK_SIGNING_SECRET": SECRET,
        "RECONCILE_STALE_AFTER_S": str(round(5 * MINUTE)),
    }
    command = [sys.executable, "-m", "callback_api.reconcile", "--loop", "--interval", str(MINUTE)]
    with (storage / "reconciler.log").open("wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture
def plan() -> FaultPlan:
    return FaultPlan()


@pytest.fixture
def proxy(api: str, plan: FaultPlan) -> Iterator[str]:
    """The API as the worker and RunPod reach it; `plan.fail_all()` takes it down."""
    with fault_proxy(api, plan) as base:
        yield base


def story(db: firestore.Client, story_id: str) -> firestore.DocumentReference:
    doc = db.collection("stories").document(story_id)
    doc.set({"title": "The lighthouse", "audioStatus": "pending"})
    return doc


def submitted(runpod: FakeRunPod, proxy: str, story_id: str, **job: Any) -> SubmittedJob:
    """The app's submission: the story numbered in Firestore, the job sent to RunPod's `/run`
    with its webhook; the worker's callbacks go to the API through `proxy`."""
    settings = Settings(callback_signing_secret=SecretStr(SECRET), **runpod.settings())
    job_input = {
        "text": SHORT,
        "story_id": story_id,
        "user_id": "user_last_hop",
        "callback_url": f"{proxy}/api/tts/callback",
        **job,
    }
    return submit(
        settings,
        job_input,
        endpoint_url=runpod.endpoint_url,
        api_key=API_KEY,
        webhook_base_url=proxy,
        secret=SECRET,
    )


def eventually(check: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def status_of(doc: firestore.DocumentReference) -> str | None:
    return (doc.get().to_dict() or {}).get("audioStatus")


def dead_letters(storage: Path) -> list[Path]:
    letters = (storage / "bucket" / DEAD_LETTERS).glob("*.json")
    return sorted(p for p in letters if not p.name.endswith(".meta.json"))  # not the sidecars


def assert_ready_as_the_job_said(doc: firestore.DocumentReference, job: dict[str, Any]) -> None:
    story = doc.get().to_dict() or {}
    assert story["audioStatus"] == "ready", story
    assert story["audioUrl"] == job["output"]["audio_url"]
    assert story["audioJobId"] == job["id"]
    assert story["audioSubmission"] == 1
    assert not {"audioError", "audioErrorMetadata", "audioStreamUrl"} & set(story)


def test_the_api_down_for_60_s_at_a_jobs_end(db, runpod, proxy, plan, storage, reconciler):
    """The API is down from the job's last progress to 60 s after its end: the success
    callback (about 20 s of retries) and RunPod's webhook (20 s) are lost, and the worker,
    still up between jobs, redelivers its dead letter within a minute of the API's return.
    (Progress gets through until the end, so that the story never looks silent to the
    reconciler: the worker's own redelivery is what this test watches.)"""
    doc = story(db, "hop_60s")
    plan.only = lambda method, path: not path.startswith("/api/tts/progress")
    plan.fail_all()
    job = submitted(runpod, proxy, "hop_60s", text=LONG)
    assert eventually(lambda: status_of(doc) == "processing", 120)
    ended = runpod.wait_until_ended(job.job_id)
    time.sleep(1 * MINUTE)
    assert ended["output"]["callback_delivered"] is False
    assert len(dead_letters(storage)) == 1
    assert status_of(doc) == "processing"  # nothing reached the story meanwhile
    plan.only = None
    plan.recover()
    returned = time.monotonic()

    assert eventually(lambda: status_of(doc) == "ready", BOUND + SLACK)
    # Within DEAD_LETTER_INTERVAL_S and a pass: before the reconciler could find it silent
    # (RECONCILE_STALE_AFTER_S after its last progress, 4 minutes after the API's return).
    assert time.monotonic() - returned <= 3 * MINUTE
    # The worker deletes the letter once the API has answered, which is just after the write.
    assert eventually(lambda: not dead_letters(storage), SLACK)
    assert_ready_as_the_job_said(doc, ended)


def test_a_failed_job_ends_failed_with_its_own_error_after_the_outage(
    db, runpod, proxy, plan, storage, reconciler
):
    """The API down for the whole of a job that truly fails (no such voice), then back: the
    story fails with the worker's signed error, not with an inferred one."""
    doc = story(db, "hop_failed")
    plan.fail_all()
    job = submitted(runpod, proxy, "hop_failed", voice_id="ghost")
    ended = runpod.wait_until_ended(job.job_id)
    time.sleep(1 * MINUTE)
    assert ended["status"] == "FAILED"
    assert status_of(doc) == "pending"
    plan.recover()

    assert eventually(lambda: status_of(doc) == "failed", BOUND + SLACK)
    assert eventually(lambda: not dead_letters(storage), 2 * MINUTE)
    final = doc.get().to_dict() or {}
    assert final["audioJobId"] == job.job_id
    assert final["audioErrorMetadata"]["error_type"] == "voice_profile_missing"
    assert "source" not in final["audioErrorMetadata"]  # the worker's signed error


def test_the_api_down_for_10_minutes_over_a_whole_job(db, runpod, proxy, plan, storage, reconciler):
    """The API down from before the job to 10 minutes after its end: the story stays `pending`
    with its job id (every callback and the webhook were lost). The reconciler reads RunPod's
    status of the job, whose output carries the signed success, and the story becomes `ready`
    inside the bound, well inside RunPod's 30 minutes. The dead letter delivered after the API's
    return is then a duplicate: it changes nothing."""
    doc = story(db, "hop_10min")
    plan.fail_all()
    job = submitted(runpod, proxy, "hop_10min")
    ended = runpod.wait_until_ended(job.job_id)
    job_end = time.monotonic()
    assert ended["status"] == "COMPLETED"

    assert eventually(lambda: status_of(doc) == "ready", BOUND + SLACK)
    settled_after = time.monotonic() - job_end
    assert settled_after <= BOUND + SLACK < 30 * MINUTE
    assert job.job_id in runpod.asked  # RunPod's status API told the reconciler
    assert_ready_as_the_job_said(doc, ended)
    settled = doc.get().to_dict()

    time.sleep(max(0.0, 10 * MINUTE - settled_after))
    assert len(dead_letters(storage)) == 1  # the worker kept it while the API was down
    plan.recover()
    assert eventually(lambda: not dead_letters(storage), 2 * MINUTE)
    assert doc.get().to_dict() == settled


def test_a_forged_failed_webhook_for_a_running_job_changes_nothing(
    db, api, runpod, proxy, reconciler
):
    """Whoever holds the story's webhook URL posts RunPod's FAILED status for its running job:
    the API asks RunPod, which says the job is running, and nothing changes. The job then
    ends `ready` as usual."""
    doc = story(db, "hop_forged")
    job = submitted(runpod, proxy, "hop_forged", text=LONG)
    assert eventually(lambda: status_of(doc) == "processing", 120)
    url = webhook_url(api, SECRET, "hop_forged", job.submission)
    before = doc.get().to_dict() or {}

    forged = [
        ({"id": job.job_id, "status": "FAILED", "error": "boom"}, "job_running"),
        ({"id": job.job_id, "status": "CANCELLED"}, "job_running"),
        ({"status": "FAILED"}, "no_job_id"),
        ({"id": "some-other-job", "status": "FAILED"}, "unconfirmed"),
    ]
    for body, reason in forged:
        response = requests.post(url, json=body, timeout=30)
        assert response.status_code == 200, response.text
        assert response.json() == {"success": True, "applied": False, "reason": reason}
    during = doc.get().to_dict() or {}
    assert during["audioStatus"] == "processing"
    assert not {"audioError", "audioErrorMetadata"} & set(during)
    assert during["audioJobId"] == before["audioJobId"] == job.job_id

    ended = runpod.wait_until_ended(job.job_id)
    assert eventually(lambda: status_of(doc) == "ready", 30)
    assert_ready_as_the_job_said(doc, ended)
