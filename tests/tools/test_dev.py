"""The pieces of `make dev`'s stack that are ours, without the emulators or the worker (those
run in tests/e2e/test_front_door.py): the frontend's server (its config.json, and `/api` passed
on to the API as it is, refusals included) and RunPod's API in front of a worker's local API
(run, status, cancel, the webhook, the faults), and `dev.env`."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests

from tools.dev import frontend_config, write_env
from tools.local_runpod import ENDPOINT, LOST_WORKER, LocalRunPod
from tools.stack import REPO_ROOT, frontend, serving

KEY = "local-key"


class Recorder(BaseHTTPRequestHandler):
    """Answers every POST with 418 and the request it saw (a refusal, passed on as it is)."""

    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.seen.append({"path": self.path, "headers": dict(self.headers), "body": body})
        payload = json.dumps({"success": False, "error": "no", "error_type": "teapot"}).encode()
        self.send_response(418)
        self.send_header("Content-Type", "application/json")
        self.send_header("Retry-After", "7")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


def test_the_frontend_serves_the_app_its_config_and_passes_api_calls_on() -> None:
    config = frontend_config("demo-local", "127.0.0.1:1", "127.0.0.1:2")
    Recorder.seen = []
    with serving(Recorder) as api, frontend(REPO_ROOT / "player", api, config) as site:
        assert requests.get(f"{site}/config.json", timeout=5).json() == config
        assert 'src="./dist/app.js"' in requests.get(f"{site}/", timeout=5).text
        answer = requests.post(
            f"{site}/api/tts/stories/s1/narration",
            json={"voice_id": "v1"},
            headers={"Authorization": "Bearer token", "Idempotency-Key": "s1.0.new"},
            timeout=5,
        )
    assert answer.status_code == 418
    assert answer.headers["Retry-After"] == "7"
    assert answer.json()["error_type"] == "teapot"
    (seen,) = Recorder.seen
    assert seen["path"] == "/api/tts/stories/s1/narration"
    assert seen["headers"]["Authorization"] == "Bearer token"
    assert seen["headers"]["Idempotency-Key"] == "s1.0.new"
    assert json.loads(seen["body"]) == {"voice_id": "v1"}


def test_the_frontend_says_when_the_api_does_not_answer() -> None:
    with frontend(REPO_ROOT / "player", "http://127.0.0.1:9", {}) as site:
        answer = requests.post(f"{site}/api/tts/voices", data=b"x", timeout=10)
    assert answer.status_code == 502
    assert answer.json()["success"] is False


class FakeWorker(BaseHTTPRequestHandler):
    """runpod-python's local API: `/run` stores a job, `/status/{id}` runs it (a while)."""

    runs: ClassVar[list[str]] = []
    release = threading.Event()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/run":
            job_id = f"test-{len(self.runs)}"
            self.runs.append(job_id)
            body: dict[str, Any] = {"id": job_id, "status": "IN_PROGRESS"}
        else:
            self.release.wait(10)
            body = {"id": self.path.rsplit("/", 1)[-1], "status": "COMPLETED", "output": {"n": 1}}
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


class Webhooks(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        self.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def runpod() -> Iterator[tuple[LocalRunPod, str, str]]:
    FakeWorker.runs, Webhooks.received = [], []
    FakeWorker.release = threading.Event()
    with (
        serving(FakeWorker) as worker,
        serving(Webhooks) as hooks,
        LocalRunPod(worker, KEY).serving() as local,
    ):
        try:
            yield local, f"{local.base_url}/v2/{ENDPOINT}", hooks
        finally:
            FakeWorker.release.set()  # a job still running ends, and the driver with it


def call(method: str, url: str, body: dict[str, Any] | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {KEY}"}
    return requests.request(method, url, json=body, headers=headers, timeout=10)


def wait_for(check: Any, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_runpod_runs_jobs_in_turn_reports_them_and_posts_the_webhook(
    runpod: tuple[LocalRunPod, str, str],
) -> None:
    local, endpoint, hooks = runpod
    assert local.environment()["RUNPOD_API_BASE_URL"] == f"{local.base_url}/v2"
    first = call("POST", f"{endpoint}/run", {"input": {"a": 1}, "webhook": hooks}).json()
    second = call("POST", f"{endpoint}/run", {"input": {"a": 2}}).json()
    assert first == {"id": "test-0", "status": "IN_QUEUE"}  # the worker's own id
    wait_for(lambda: call("GET", f"{endpoint}/status/test-0").json()["status"] == "IN_PROGRESS")
    assert call("GET", f"{endpoint}/status/{second['id']}").json()["status"] == "IN_QUEUE"
    FakeWorker.release.set()
    wait_for(lambda: call("GET", f"{endpoint}/status/test-1").json()["status"] == "COMPLETED")
    done = call("GET", f"{endpoint}/status/test-0").json()
    assert done["status"] == "COMPLETED"
    assert done["output"] == {"n": 1}
    wait_for(lambda: Webhooks.received)
    assert Webhooks.received[0]["id"] == "test-0"
    assert [job["input"] for job in local.jobs()] == [{"a": 1}, {"a": 2}]


def test_runpod_cancels_a_queued_job_before_it_runs(runpod: tuple[LocalRunPod, str, str]) -> None:
    _, endpoint, _ = runpod
    call("POST", f"{endpoint}/run", {"input": {}})
    queued = call("POST", f"{endpoint}/run", {"input": {}}).json()["id"]
    assert call("POST", f"{endpoint}/cancel/{queued}").json()["status"] == "CANCELLED"
    FakeWorker.release.set()
    wait_for(lambda: call("GET", f"{endpoint}/status/test-0").json()["status"] == "COMPLETED")
    time.sleep(0.2)
    assert call("GET", f"{endpoint}/status/{queued}").json()["status"] == "CANCELLED"


def test_runpod_faults_lose_or_hold_the_next_job(runpod: tuple[LocalRunPod, str, str]) -> None:
    local, endpoint, hooks = runpod
    requests.post(f"{local.base_url}/dev/faults", json={"fail_next": 1, "hold_next": 1}, timeout=5)
    lost = call("POST", f"{endpoint}/run", {"input": {}, "webhook": hooks}).json()["id"]
    held = call("POST", f"{endpoint}/run", {"input": {}}).json()["id"]
    wait_for(lambda: call("GET", f"{endpoint}/status/{lost}").json()["status"] == "FAILED")
    assert call("GET", f"{endpoint}/status/{lost}").json()["error"] == LOST_WORKER
    wait_for(lambda: Webhooks.received)
    assert Webhooks.received[0]["status"] == "FAILED"
    assert call("GET", f"{endpoint}/status/{held}").json()["status"] == "IN_QUEUE"
    assert FakeWorker.runs == []  # neither reached the worker


def test_runpod_wants_its_key_and_knows_only_its_jobs(
    runpod: tuple[LocalRunPod, str, str],
) -> None:
    _, endpoint, _ = runpod
    assert requests.post(f"{endpoint}/run", json={"input": {}}, timeout=5).status_code == 401
    assert call("GET", f"{endpoint}/status/nope").status_code == 404
    assert call("POST", f"{endpoint}/cancel/nope").status_code == 404


def test_dev_env_is_written_whole(tmp_path: Path) -> None:
    path = tmp_path / "dev.env"
    write_env(path, {"API_URL": "http://127.0.0.1:1", "GOOGLE_CLOUD_PROJECT": "demo-local"})
    assert path.read_text() == "API_URL=http://127.0.0.1:1\nGOOGLE_CLOUD_PROJECT=demo-local\n"
    assert list(tmp_path.iterdir()) == [path]
