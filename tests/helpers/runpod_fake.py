"""RunPod's serverless API as the callback API sees it, on 127.0.0.1: a stand-in for what cannot
run here, shaped as RunPod documents it (https://docs.runpod.io/serverless/endpoints/operations).

- `GET /v2/{endpoint}/status/{job_id}` with `Authorization: Bearer {key}`: the job's status
  body, `{"id", "status", "delayTime", "executionTime", "output"?, "error"?}`; 401 for another
  key, 404 `{"error": …}` for a job it does not know, or whose result it no longer keeps
  (`retention_s` after the job ended: RunPod keeps a `/run` result for 30 minutes).
- `POST /v2/{endpoint}/run` `{"input", "webhook"?, "policy"?}`, when a worker is given (the real
  worker under runpod-python's local API, `--rp_serve_api`): the job is handed to the worker's
  `/run`, under the local API's job id, and driven there (its `/status` runs it), IN_QUEUE,
  then IN_PROGRESS, then COMPLETED or FAILED as the worker's answer says. When the job ends,
  its status body is posted to its `webhook`, retried `webhook_retries` times `webhook_gap_s`
  apart on anything but 200, as RunPod does (twice, 10 s apart).

- `POST /v2/{endpoint}/run` without a worker, when `queue_only` is set: the job is taken under
  a new id and stays IN_QUEUE (the API's narration endpoint, nothing to run). `run_status` set:
  `/run` answers that status instead (a refusal); `run_delay_s`: it answers that much later.
- `POST /v2/{endpoint}/cancel/{job_id}`: recorded in `cancelled`; a known job turns CANCELLED.

Tests may also set what RunPod says of a job (`report`), e.g. the status a webhook claims.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import requests

from tools.stack import answer_json, serving

API_KEY = "rp_test_key"
ENDPOINT = "endpoint-1"
TERMINAL = frozenset({"COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED"})
_STATUS = re.compile(r"^/v2/([^/]+)/status/([^/?]+)$")
_RUN = re.compile(r"^/v2/([^/]+)/run$")
_CANCEL = re.compile(r"^/v2/([^/]+)/cancel/([^/?]+)$")


@dataclass
class _Job:
    body: dict[str, Any]
    webhook: str | None = None
    ended_at: float | None = None


@dataclass
class FakeRunPod:
    """One endpoint's jobs; serve with `with fake.serving():` (then `base_url` is set)."""

    worker: str | None = None
    retention_s: float = 30 * 60
    webhook_retries: int = 2
    webhook_gap_s: float = 10.0
    base_url: str = ""
    asked: list[str] = field(default_factory=list)
    """The job ids `/status` was asked about, in order."""
    webhook_answers: list[int] = field(default_factory=list)
    queue_only: bool = False
    run_status: int | None = None
    run_delay_s: float = 0.0
    runs: list[dict[str, Any]] = field(default_factory=list)
    """The `/run` bodies taken, in order."""
    cancelled: list[str] = field(default_factory=list)
    """The job ids `/cancel` was asked for, in order."""
    _jobs: dict[str, _Job] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def settings(self) -> dict[str, Any]:
        """The callback API's settings for this endpoint."""
        return {
            "runpod_api_key": API_KEY,
            "runpod_endpoint_id": ENDPOINT,
            "runpod_api_base_url": f"{self.base_url}/v2",
            "runpod_timeout_seconds": 5,
        }

    def environment(self) -> dict[str, str]:
        return {key.upper(): str(value) for key, value in self.settings().items()}

    @property
    def endpoint_url(self) -> str:
        """What the submission helper posts `/run` to."""
        return f"{self.base_url}/v2/{ENDPOINT}"

    def report(self, body: Mapping[str, Any]) -> None:
        """From now on, RunPod describes job `body["id"]` as `body`."""
        job_id = str(body["id"])
        with self._lock:
            ended = time.monotonic() if body.get("status") in TERMINAL else None
            self._jobs[job_id] = _Job(dict(body), ended_at=ended)

    def status(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.ended_at is not None and time.monotonic() - job.ended_at > self.retention_s:
                return None  # RunPod no longer keeps the result
            return dict(job.body)

    def wait_until_ended(self, job_id: str, timeout_s: float = 300) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                job = self._jobs.get(job_id)
                if job is not None and job.ended_at is not None:
                    return dict(job.body)
            time.sleep(0.1)
        raise TimeoutError(f"job {job_id} did not end within {timeout_s:.0f} s")

    @contextmanager
    def serving(self) -> Iterator[FakeRunPod]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                match = _STATUS.match(self.path)
                if match is None or match.group(1) != ENDPOINT:
                    answer_json(self, 404, {"error": "not found"})
                elif fake._authorised(self):
                    fake.asked.append(match.group(2))
                    body = fake.status(match.group(2))
                    if body is None:
                        answer_json(self, 404, {"error": "request does not exist"})
                    else:
                        answer_json(self, 200, body)

            def do_POST(self) -> None:
                match = _RUN.match(self.path)
                length = int(self.headers.get("Content-Length", 0) or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                if (cancel := _CANCEL.match(self.path)) and cancel.group(1) == ENDPOINT:
                    if fake._authorised(self):
                        fake._cancel(self, cancel.group(2))
                elif match is None or match.group(1) != ENDPOINT or not fake._takes_runs:
                    answer_json(self, 404, {"error": "not found"})
                elif fake._authorised(self):
                    time.sleep(fake.run_delay_s)
                    if fake.run_status is not None:
                        answer_json(self, fake.run_status, {"error": "refused"})
                    else:
                        answer_json(self, 200, {"id": fake._run(request), "status": "IN_QUEUE"})

            def log_message(self, *args: object) -> None:
                pass

        with serving(Handler) as base:
            self.base_url = base
            yield self

    def _authorised(self, handler: BaseHTTPRequestHandler) -> bool:
        if handler.headers.get("Authorization") != f"Bearer {API_KEY}":
            answer_json(handler, 401, {"error": "unauthorized"})
            return False
        return True

    @property
    def _takes_runs(self) -> bool:
        return self.worker is not None or self.queue_only

    def _cancel(self, handler: BaseHTTPRequestHandler, job_id: str) -> None:
        with self._lock:
            self.cancelled.append(job_id)
            job = self._jobs.get(job_id)
            if job is not None and job.ended_at is None:
                job.body, job.ended_at = {"id": job_id, "status": "CANCELLED"}, time.monotonic()
        if job is None:
            answer_json(handler, 404, {"error": "request does not exist"})
        else:
            answer_json(handler, 200, {"id": job_id, "status": "CANCELLED"})

    def _run(self, request: dict[str, Any]) -> str:
        if self.worker is None:  # queue_only
            with self._lock:
                job_id = f"job-{len(self.runs) + 1}"
                self.runs.append(request)
                self._jobs[job_id] = _Job(
                    {"id": job_id, "status": "IN_QUEUE"}, request.get("webhook")
                )
            return job_id
        self.runs.append(request)
        answer = requests.post(f"{self.worker}/run", json={"input": request["input"]}, timeout=30)
        answer.raise_for_status()
        job_id = str(answer.json()["id"])
        with self._lock:
            self._jobs[job_id] = _Job({"id": job_id, "status": "IN_QUEUE"}, request.get("webhook"))
        threading.Thread(target=self._drive, args=(job_id,), daemon=True).start()
        return job_id

    def _drive(self, job_id: str) -> None:
        """Runs the job on the worker (its local API runs a job while `/status` waits)."""
        started = time.monotonic()
        self._update(job_id, {"id": job_id, "status": "IN_PROGRESS", "delayTime": 20})
        try:
            result = requests.post(f"{self.worker}/status/{job_id}", timeout=600).json()
        except requests.RequestException:
            result = {"status": "FAILED", "error": "worker lost"}
        body = {
            "id": job_id,
            "status": result.get("status", "FAILED"),
            "delayTime": 20,
            "executionTime": round((time.monotonic() - started) * 1000),
            **{key: result[key] for key in ("output", "error") if key in result},
        }
        webhook = self._update(job_id, body, ended=True)
        if webhook is not None:
            self._post_webhook(webhook, body)

    def _update(self, job_id: str, body: dict[str, Any], *, ended: bool = False) -> str | None:
        with self._lock:
            job = self._jobs[job_id]
            job.body = body
            if ended:
                job.ended_at = time.monotonic()
            return job.webhook

    def _post_webhook(self, url: str, body: dict[str, Any]) -> None:
        for attempt in range(1 + self.webhook_retries):
            if attempt:
                time.sleep(self.webhook_gap_s)
            try:
                status = requests.post(url, json=body, timeout=10).status_code
            except requests.RequestException:
                status = 0
            self.webhook_answers.append(status)
            if status == 200:
                return
