"""The reconciler's loop inside the API: real API instances under uvicorn (threads, and one
process that is killed), the Firestore emulator with the lease in it, and RunPod's status API as
a local server (`tests/helpers/runpod_fake.py`). A pass every 0.2 s stands for one a minute."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from google.cloud.firestore import Client
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.main import create_app
from callback_api.services.reconciler import Reconciler, Summary
from tests.helpers.callback_api import LiveServer, Stories
from tests.helpers.runpod_fake import FakeRunPod
from tools.firestore_emulator import free_port
from tools.stack import wait_for_http

REPO = Path(__file__).resolve().parents[2]
INTERVAL_S = 0.2


def ago(minutes: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)


def looping(settings: Settings, lease_s: float, **overrides: Any) -> Settings:
    """`settings` with the API's loop on, a pass every INTERVAL_S, and a lease of `lease_s`."""
    loop = {"reconcile_in_api": True, "reconcile_interval_s": INTERVAL_S}
    return Settings(**settings.model_dump() | loop | {"reconcile_lease_s": lease_s} | overrides)


def passes(server_url: str) -> dict[tuple[str, str], float]:
    """The instance's `tts_reconcile_passes_total` by (trigger, outcome)."""
    text = httpx.get(f"{server_url}/metrics", timeout=10).text
    return {
        (sample.labels["trigger"], sample.labels["outcome"]): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "tts_reconcile_passes_total"
    }


def ran(server_url: str) -> float:
    return passes(server_url).get(("loop", "ok"), 0)


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> float:
    """Seconds until `condition` held."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout_s:
            raise AssertionError(f"not within {timeout_s} s: {what}")
        time.sleep(0.05)
    return time.monotonic() - started


def lease_document(db: Client) -> dict[str, Any] | None:
    snapshot = db.collection("_leases").document("reconciler").get()
    return snapshot.to_dict() if snapshot.exists else None


@pytest.fixture
def running_stories(stories: Stories, runpod: FakeRunPod) -> list[str]:
    """Silent stories whose jobs RunPod reports running: every pass asks about each, and
    leaves it."""
    job_ids = [f"job-{n}" for n in range(3)]
    for n, job_id in enumerate(job_ids):
        stories.create(f"s{n}", audioStatus="processing", audioJobId=job_id, updatedAt=ago(30))
        runpod.report({"id": job_id, "status": "IN_PROGRESS"})
    return job_ids


def test_two_api_instances_run_one_reconciler_and_hand_it_over_when_one_stops(
    production_settings: Settings,
    runpod: FakeRunPod,
    running_stories: list[str],
    firestore_db: Client,
) -> None:
    settings = looping(production_settings, lease_s=60)  # handed over by release, not expiry
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(LiveServer(create_app(settings))) for _ in range(2)]
        urls = [server.url for server in servers]
        wait_until(lambda: sum(ran(url) for url in urls) >= 5, 30, "five passes")

        counts = [passes(url) for url in urls]
        asked = len(runpod.asked)
        [holder] = [n for n, count in enumerate(counts) if count.get(("loop", "ok"))]
        other = 1 - holder
        assert counts[other].get(("loop", "ok"), 0) == 0
        assert counts[other][("loop", "skipped")] >= 3
        # Each pass asks about every story, one pass after another (at most one in flight).
        stories_n = len(running_stories)
        assert counts[holder][("loop", "ok")] * stories_n <= asked
        assert asked <= (ran(urls[holder]) + 1) * stories_n
        assert set(runpod.asked) == set(running_stories)
        holder_id = (lease_document(firestore_db) or {})["holder"]

        stopped_in = _timed(lambda: servers[holder].__exit__(None, None, None))
        assert stopped_in < 5
        wait_until(lambda: ran(urls[other]) > 0, 10, "the other instance takes over")
        assert (lease_document(firestore_db) or {})["holder"] != holder_id


def test_a_killed_holders_lease_is_taken_over_once_it_expires_and_not_before(
    production_settings: Settings,
    runpod: FakeRunPod,
    running_stories: list[str],
    firestore_db: Client,
    signing_secret: str,
) -> None:
    lease_s = 3.0
    with _api_process(runpod, signing_secret, lease_s) as process:
        wait_until(
            lambda: f":{process.pid}:" in str((lease_document(firestore_db) or {}).get("holder")),
            30,
            "the process holds the lease",
        )
        with LiveServer(create_app(looping(production_settings, lease_s=lease_s))) as survivor:
            wait_until(lambda: passes(survivor.url).get(("loop", "skipped"), 0) >= 3, 10, "skips")
            process.send_signal(signal.SIGKILL)  # no shutdown: the lease stays, unreleased
            process.wait(timeout=10)
            time.sleep(0.3)  # a renewal in flight at the kill has landed or never will
            expires_at = (lease_document(firestore_db) or {})["expiresAt"]
            assert f":{process.pid}:" in (lease_document(firestore_db) or {})["holder"]

            while datetime.now(UTC) < expires_at - timedelta(seconds=0.2):
                assert ran(survivor.url) == 0, "the lease was taken before it expired"
                time.sleep(0.1)
            wait_until(lambda: ran(survivor.url) > 0, 2 * INTERVAL_S + 5, "takeover after expiry")
            assert f":{process.pid}:" not in (lease_document(firestore_db) or {})["holder"]


def test_a_pass_that_crashes_does_not_stop_the_loop(
    production_settings: Settings,
    runpod: FakeRunPod,
    stories: Stories,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stories.create("lost", audioStatus="processing", audioJobId="job-1", updatedAt=ago(30))
    runpod.report({"id": "job-1", "status": "FAILED", "error": "worker died"})
    real_pass = Reconciler.run_once
    crashes = iter([RuntimeError("a bug in one pass")])

    async def crashing_once(self: Reconciler, now: datetime | None = None) -> Summary:
        crash = next(crashes, None)
        if crash is not None:
            raise crash
        return await real_pass(self, now)

    monkeypatch.setattr(Reconciler, "run_once", crashing_once)

    with LiveServer(create_app(looping(production_settings, lease_s=60))) as server:
        wait_until(lambda: ran(server.url) >= 1, 10, "the next pass")
        counts = passes(server.url)

    assert counts[("loop", "failed")] == 1
    assert stories.get("lost")["audioErrorMetadata"]["error_type"] == "worker_lost"


def test_shutdown_is_prompt_while_a_pass_waits_on_runpod(
    production_settings: Settings,
    runpod: FakeRunPod,
    stories: Stories,
    firestore_db: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stories.create("s", audioStatus="processing", audioJobId="job-1", updatedAt=ago(30))
    runpod.report({"id": "job-1", "status": "IN_PROGRESS"})
    answer, unblock = runpod.status, threading.Event()

    def stuck(job_id: str) -> dict[str, Any] | None:
        unblock.wait(30)
        return answer(job_id)

    monkeypatch.setattr(runpod, "status", stuck)
    settings = looping(production_settings, lease_s=60, runpod_timeout_seconds=60)
    try:
        with LiveServer(create_app(settings)) as server:
            wait_until(lambda: runpod.asked, 10, "a pass asks RunPod")
            stopped_in = _timed(lambda: server.__exit__(None, None, None))
    finally:
        unblock.set()

    assert stopped_in < 3
    assert lease_document(firestore_db) is None  # released on the way out
    assert stories.get("s")["audioStatus"] == "processing"


def test_without_reconcile_in_api_no_loop_runs(
    production_settings: Settings,
    runpod: FakeRunPod,
    running_stories: list[str],
    firestore_db: Client,
) -> None:
    settings = looping(production_settings, lease_s=60, reconcile_in_api=False)
    with LiveServer(create_app(settings)) as server:
        time.sleep(10 * INTERVAL_S)
        assert passes(server.url) == {}

    assert runpod.asked == []
    assert lease_document(firestore_db) is None


def test_the_endpoint_and_the_loop_of_one_instance_never_overlap(
    production_settings: Settings,
    runpod: FakeRunPod,
    running_stories: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Same process, same lease holder: the in-process lock keeps them apart."""
    answer = runpod.status

    def slowly(job_id: str) -> dict[str, Any] | None:
        time.sleep(0.3)
        return answer(job_id)

    monkeypatch.setattr(runpod, "status", slowly)
    token = "reconcile-token-0123456789abcdef"
    settings = looping(production_settings, lease_s=60, reconcile_token=SecretStr(token))
    with LiveServer(create_app(settings)) as server:
        wait_until(lambda: runpod.asked, 10, "the loop's pass asks RunPod")
        response = httpx.post(
            f"{server.url}/api/tts/reconcile",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        counts = passes(server.url)

    assert response.json()["reason"] == "busy"
    assert counts[("endpoint", "skipped")] == 1


def _timed(work: Callable[[], object]) -> float:
    started = time.monotonic()
    work()
    return time.monotonic() - started


@contextlib.contextmanager
def _api_process(
    runpod: FakeRunPod, signing_secret: str, lease_s: float
) -> Iterator[subprocess.Popen[bytes]]:
    """The API as its own process (uvicorn), its loop on: a replica that can be killed."""
    port = free_port()
    env = {
        **os.environ,  # the emulator's FIRESTORE_EMULATOR_HOST and GOOGLE_CLOUD_PROJECT
        **runpod.environment(),
        "CALLBACK_SIGNING_SECRET": signing_secret,
        "RECONCILE_INTERVAL_S": str(INTERVAL_S),
        "RECONCILE_LEASE_S": str(lease_s),
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "uvicorn", "callback_api.main:app", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", 60, process)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
