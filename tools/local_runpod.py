"""RunPod's serverless API for one endpoint, on 127.0.0.1, in front of the real worker running
under runpod-python's local API (`python -m worker.handler --rp_serve_api`), for `make dev`.

The worker's local API only stores a `/run` job and runs it while a `/status` call waits, one
job at a time; the API expects RunPod's endpoint instead. This stands in for it, shaped as
RunPod documents it (https://docs.runpod.io/serverless/endpoints/operations), with the API key:

- `POST /v2/{endpoint}/run` `{"input", "webhook"?, "policy"?}` → `{"id", "status": "IN_QUEUE"}`;
  the job is handed to the worker under the worker's own id (the id its callbacks carry) and run
  there in turn, one at a time; its status body is posted to `webhook` when it ends.
- `GET /v2/{endpoint}/status/{id}` → `{"id", "status", "output"?, "error"?}`, 404 if unknown.
- `POST /v2/{endpoint}/cancel/{id}` → `{"id", "status": "CANCELLED"}`: a queued job never runs;
  a running one runs on (the worker cannot be interrupted) but ends CANCELLED, with no webhook.

For trying the app's failure screens locally (and for the browser tests), `POST /dev/faults`
`{"fail_next": n}` ends the next n jobs FAILED without running them, as RunPod does when it loses
a worker, and `{"hold_next": n}` keeps the next n jobs IN_QUEUE for ever (something else plays
the worker); `GET /dev/jobs` lists every job with its input.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import requests

from tools.stack import answer_json, serving

ENDPOINT = "local"
TERMINAL = frozenset({"COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED"})
LOST_WORKER = "The worker running this job was lost (a fault injected with POST /dev/faults)."
_ROUTE = re.compile(r"^/v2/(?P<endpoint>[^/]+)/(?P<action>run|status|cancel)(?:/(?P<id>[^/?]+))?$")
LOST_AFTER_S = 1.0
WORKER_RUN_TIMEOUT_S = 900.0
"""A job's whole run on the worker (its `/status` call answers when the job has ended)."""


@dataclass
class _Job:
    id: str
    input: dict[str, Any]
    webhook: str | None
    status: str = "IN_QUEUE"
    lost: bool = False
    """A fault: the job ends FAILED without running, a moment after it started."""
    result: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def body(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, **self.result}


@dataclass
class LocalRunPod:
    """One endpoint in front of `worker` (the local API's base URL); serve with `serving()`."""

    worker: str
    api_key: str
    base_url: str = ""
    queue_delay_s: float = 0.5
    """How long a job waits in the queue at least, as on RunPod (where it is seconds or more):
    the app's "pending" screen shows before the worker's first callback."""
    fail_next: int = 0
    hold_next: int = 0
    _jobs: dict[str, _Job] = field(default_factory=dict)
    _queue: queue.Queue[str | None] = field(default_factory=queue.Queue)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def environment(self) -> dict[str, str]:
        """The API's settings for this endpoint."""
        return {
            "RUNPOD_API_KEY": self.api_key,
            "RUNPOD_ENDPOINT_ID": ENDPOINT,
            "RUNPOD_API_BASE_URL": f"{self.base_url}/v2",
            # /run waits while the worker finishes the job it runs (one at a time, as here).
            "RUNPOD_TIMEOUT_SECONDS": "120",
        }

    def jobs(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{**job.body(), "input": job.input} for job in self._jobs.values()]

    @contextmanager
    def serving(self, port: int | None = None) -> Iterator[LocalRunPod]:
        driver = threading.Thread(target=self._drive_all, name="local-runpod", daemon=True)
        driver.start()
        try:
            with serving(_handler(self), port) as base:
                self.base_url = base
                yield self
        finally:
            self._queue.put(None)
            driver.join(timeout=5)

    def run(self, request: Mapping[str, Any]) -> str:
        job_input = dict(request.get("input") or {})
        with self._lock:
            fail, hold = self.fail_next > 0, self.fail_next <= 0 and self.hold_next > 0
            self.fail_next -= fail
            self.hold_next -= hold
        job_id = f"local-{uuid.uuid4()}" if fail or hold else self._hand_to_worker(job_input)
        job = _Job(job_id, job_input, request.get("webhook"), lost=fail)
        with self._lock:
            self._jobs[job_id] = job
        if not hold:
            self._queue.put(job_id)
        return job_id

    def status(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return None if job is None else job.body()

    def cancel(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.status not in TERMINAL:
                job.status = "CANCELLED"
            return job.body()

    def _hand_to_worker(self, job_input: dict[str, Any]) -> str:
        answer = requests.post(f"{self.worker}/run", json={"input": job_input}, timeout=900)
        answer.raise_for_status()
        return str(answer.json()["id"])

    def _drive_all(self) -> None:
        while (job_id := self._queue.get()) is not None:
            with self._lock:
                job = self._jobs[job_id]
                if job.status == "CANCELLED":
                    continue
            time.sleep(max(0.0, job.started + self.queue_delay_s - time.monotonic()))
            with self._lock:
                if job.status == "CANCELLED":
                    continue
                job.status, job.started = "IN_PROGRESS", time.monotonic()
            self._end(job, self._run_on_worker(job))

    def _run_on_worker(self, job: _Job) -> dict[str, Any]:
        if job.lost:
            time.sleep(LOST_AFTER_S)
            return {"status": "FAILED", "error": LOST_WORKER}
        try:
            url = f"{self.worker}/status/{job.id}"
            answer: dict[str, Any] = requests.post(url, timeout=WORKER_RUN_TIMEOUT_S).json()
            return answer
        except requests.RequestException as exc:
            return {"status": "FAILED", "error": f"the worker did not answer: {exc}"}

    def _end(self, job: _Job, result: Mapping[str, Any]) -> None:
        with self._lock:
            cancelled = job.status == "CANCELLED"
            if not cancelled:
                job.status = str(result.get("status", "FAILED"))
            job.result = {
                "delayTime": 0,
                "executionTime": round((time.monotonic() - job.started) * 1000),
                **{key: result[key] for key in ("output", "error") if key in result},
            }
            body = job.body()
        if job.webhook and not cancelled:
            threading.Thread(target=_post_webhook, args=(job.webhook, body), daemon=True).start()


def _post_webhook(url: str, body: dict[str, Any]) -> None:
    """As RunPod: the status body, tried again twice, 10 s apart, on anything but 200."""
    for attempt in range(3):
        if attempt:
            time.sleep(10)
        try:
            if requests.post(url, json=body, timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass


def _handler(runpod: LocalRunPod) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/dev/jobs":
                answer_json(self, 200, {"jobs": runpod.jobs()})
                return
            self._route("GET")

        def do_POST(self) -> None:
            if self.path == "/dev/faults":
                faults = self._body()
                with runpod._lock:
                    runpod.fail_next = int(faults.get("fail_next", runpod.fail_next))
                    runpod.hold_next = int(faults.get("hold_next", runpod.hold_next))
                answer_json(
                    self, 200, {"fail_next": runpod.fail_next, "hold_next": runpod.hold_next}
                )
                return
            self._route("POST")

        def _route(self, method: str) -> None:
            match = _ROUTE.match(self.path)
            if match is None or match["endpoint"] != ENDPOINT:
                answer_json(self, 404, {"error": "not found"})
                return
            if self.headers.get("Authorization") != f"Bearer {runpod.api_key}":
                answer_json(self, 401, {"error": "unauthorized"})
                return
            action, job_id = match["action"], match["id"]
            if action == "run" and method == "POST" and job_id is None:
                try:
                    answer_json(self, 200, {"id": runpod.run(self._body()), "status": "IN_QUEUE"})
                except requests.RequestException:
                    answer_json(self, 502, {"error": "the local worker did not take the job"})
                return
            known = {
                ("status", "GET"): runpod.status,
                ("cancel", "POST"): runpod.cancel,
            }.get((action, method))
            body = known(job_id) if known and job_id else None
            if body is None:
                answer_json(self, 404, {"error": "request does not exist"})
            else:
                answer_json(self, 200, body)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length", 0) or 0)
            body: dict[str, Any] = json.loads(self.rfile.read(length) or b"{}")
            return body

        def log_message(self, *args: object) -> None:
            pass

    return Handler
