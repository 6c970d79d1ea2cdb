"""The fault matrix: one story per fault, each run for real and checked in Firestore.

    python -m bench.faults

Starts a Firestore emulator and the callback API behind a fault proxy, runs the story job
runner in process (a fast stand-in engine instead of the GPU model, the real delivery, dead
letters and deadline), and injects one fault per story: API outages, bad input, a job past its
deadline, a worker that dies mid-story, a misconfigured worker, RunPod's own timeout and
cancellation. RunPod's completion webhook is simulated with its documented payload built from
the runner's real output, and RunPod's status API (which the webhook and the reconciler ask)
says the same (`tests/helpers/runpod_fake.py`); the reconciler runs as the scheduler would.
Prints, per fault, the story's final state; then the faults injected, the stories that ended
terminal, and the callbacks lost (a story whose final state is not what its job reported).
Exits 1 unless every story is terminal and nothing was lost.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore

from callback_api.core.config import Settings
from callback_api.core.webhooks import webhook_url
from callback_api.reconcile import run as reconcile
from shared.errors import WorkerMisconfiguredError
from shared.signing import generate_secret
from tests.helpers.fakes import ToneEngine
from tests.helpers.runpod_fake import FakeRunPod
from tests.helpers.servers import FaultPlan, fault_proxy
from tools.firestore_emulator import FirestoreEmulator
from tools.stack import callback_api
from worker.config import ServiceSettings, SynthesisSettings
from worker.delivery.dead_letters import DeadLetters
from worker.delivery.sender import CallbackSender
from worker.jobs.common import Loaded, unavailable_output
from worker.jobs.story import TTSJobRunner
from worker.storage import LocalObjectStore
from worker.synthesis.synthesizer import StorySynthesizer

PROJECT = "demo-faults"
SECRET = generate_secret()
TEXT = "The lamp was lit. The harbour slept.\n\nThe boats came home, one by one, at dawn.\n\n" * 3


class Killed(BaseException):
    """The worker process dies: nothing after this point runs, no callback is sent."""


class SlowEngine(ToneEngine):
    """A stand-in that takes `delay_s` per chunk, and can die or hang on request."""

    def __init__(self, delay_s: float = 0.05) -> None:
        super().__init__()
        self.delay_s = delay_s
        self.die = threading.Event()

    def synthesize(self, text: str, voice: Any, params: Any) -> Any:
        time.sleep(self.delay_s)
        if self.die.is_set():
            raise Killed
        return super().synthesize(text, voice, params)


@dataclass(frozen=True)
class Row:
    fault: str
    expected: str
    final: str

    @property
    def terminal(self) -> bool:
        return self.final.split(" ")[0] in ("ready", "failed")

    @property
    def lost(self) -> bool:
        return self.final != self.expected


@dataclass
class Stack:
    db: firestore.Client
    api: str
    plan: FaultPlan
    proxy: str
    workdir: Path
    runpod: FakeRunPod

    def story(self, story_id: str, **fields: Any) -> firestore.DocumentReference:
        doc = self.db.collection("stories").document(story_id)
        doc.set({"title": story_id, "audioStatus": "pending", **fields})
        return doc

    def runner(self, engine: ToneEngine | None = None, **settings: Any) -> TTSJobRunner:
        service = ServiceSettings(
            callback_signing_secret=SECRET,
            callback_allow_loopback_http=True,
            callback_max_attempts=3,
            callback_backoff_initial_s=0.05,
            callback_backoff_max_s=0.2,
            callback_breaker_fail_max=2,
            progress_min_interval_s=0,
            progress_heartbeat_s=0.2,
            **settings,
        )
        store = LocalObjectStore(self.workdir / "bucket", "https://audio.example.com")
        synthesizer = StorySynthesizer(
            engine or SlowEngine(), SynthesisSettings(chunk_max_chars=60)
        )
        sender = CallbackSender(service, store)
        return TTSJobRunner(Loaded.ready(synthesizer), store, sender, service)

    def job(self, story_id: str, **overrides: Any) -> dict[str, Any]:
        return {
            "text": TEXT,
            "story_id": story_id,
            "user_id": "user_faults",
            "callback_url": f"{self.proxy}/api/tts/callback",
            **overrides,
        }

    def webhook(
        self, story_id: str, job_id: str, output: dict[str, Any] | None, status: str
    ) -> None:
        """RunPod's completion webhook: the job's `/status` content, as its worker ended it."""
        body: dict[str, Any] = {"id": job_id, "status": status, "delayTime": 900}
        if output is not None:
            rest = {k: v for k, v in output.items() if k not in ("error", "refresh_worker")}
            body |= {"output": rest} | ({"error": output["error"]} if "error" in output else {})
        self.runpod.report(body)  # what RunPod's status API says of the job, when asked
        url = webhook_url(self.api, SECRET, story_id, None)  # these jobs carry no submission
        requests.post(url, json=body, timeout=30).raise_for_status()


def final_state(doc: firestore.DocumentReference) -> str:
    story = doc.get().to_dict() or {}
    status = story.get("audioStatus")
    error_type = (story.get("audioErrorMetadata") or {}).get("error_type")
    return f"{status} {error_type}" if status == "failed" else str(status)


Case = Callable[[Stack, str], None]


def no_fault(stack: Stack, story: str) -> None:
    stack.runner().run(f"job-{story}", stack.job(story))


def outage_while_rendering(stack: Stack, story: str) -> None:
    stack.plan.fail_all()
    recover = threading.Thread(target=_recover_after, args=(stack.plan, 2))
    recover.start()
    stack.runner(SlowEngine(0.15)).run(f"job-{story}", stack.job(story))
    recover.join()


def _recover_after(plan: FaultPlan, faults: int) -> None:
    while plan.faults_served < faults:
        time.sleep(0.01)
    plan.recover()


def outage_whole_job_then_webhook(stack: Stack, story: str) -> None:
    with stack_down(stack):
        output = stack.runner().run(f"job-{story}", stack.job(story))
    stack.webhook(story, f"job-{story}", output, "COMPLETED")


def failure_during_outage_then_webhook(stack: Stack, story: str) -> None:
    with stack_down(stack):
        output = stack.runner().run(f"job-{story}", stack.job(story, exaggeration=9))
    stack.webhook(story, f"job-{story}", output, "FAILED")


def outage_then_next_job_redelivers(stack: Stack, story: str) -> None:
    runner = stack.runner()
    with stack_down(stack):
        runner.run(f"job-{story}", stack.job(story))
    stack.story(f"{story}_next")
    runner.run(f"job-{story}-next", stack.job(f"{story}_next"))
    DeadLetters(runner.sender, runner.store).redeliver(budget_s=10)  # as the handler does


def bad_input(**overrides: Any) -> Case:
    def case(stack: Stack, story: str) -> None:
        stack.runner().run(f"job-{story}", stack.job(story, **overrides))

    return case


def whitespace_id(stack: Stack, story: str) -> None:
    job = stack.job(story, exaggeration=9) | {"story_id": f"  {story}\n"}
    stack.runner().run(f"job-{story}", job)


def deadline(stack: Stack, story: str) -> None:
    stack.runner(SlowEngine(0.1), job_deadline_s=0.3).run(f"job-{story}", stack.job(story))


def misconfigured_worker(stack: Stack, story: str) -> None:
    stack.db.collection("stories").document(story).update({"audioJobId": f"job-{story}"})
    output = unavailable_output(WorkerMisconfiguredError(), stack.job(story))
    stack.webhook(story, f"job-{story}", output, "FAILED")


def runpod_ended(status: str) -> Case:
    def case(stack: Stack, story: str) -> None:
        stack.db.collection("stories").document(story).update({"audioJobId": f"job-{story}"})
        stack.webhook(story, f"job-{story}", None, status)

    return case


def worker_dies_mid_story(stack: Stack, story: str) -> None:
    engine = SlowEngine(0.1)
    runner = stack.runner(engine)
    job = threading.Thread(target=_run_until_killed, args=(runner, story, stack))
    job.start()
    doc = stack.db.collection("stories").document(story)
    while (doc.get().to_dict() or {}).get("audioStatus") != "processing":
        time.sleep(0.05)
    engine.die.set()
    job.join()
    time.sleep(1.2)  # longer than RECONCILE_STALE_AFTER_S: the story went silent
    asyncio.run(reconcile(Settings()))


def _run_until_killed(runner: TTSJobRunner, story: str, stack: Stack) -> None:
    with suppress(Killed):
        runner.run(f"job-{story}", stack.job(story))


@contextmanager
def stack_down(stack: Stack) -> Iterator[None]:
    stack.plan.fail_all()
    try:
        yield
    finally:
        stack.plan.recover()


CASES: list[tuple[str, Case, str]] = [
    ("none", no_fault, "ready"),
    ("API answers 503 while the story renders", outage_while_rendering, "ready"),
    ("API down for the whole job, then RunPod's webhook", outage_whole_job_then_webhook, "ready"),
    ("API down for a failing job, then RunPod's webhook", failure_during_outage_then_webhook,
     "failed invalid_input"),
    ("API down, then the next job redelivers", outage_then_next_job_redelivers, "ready"),
    ("85 KB of metadata", bad_input(metadata={"blob": "x" * 85_000}), "failed invalid_input"),
    ("metadata with a nested array", bad_input(metadata={"x": [[1]]}), "failed invalid_input"),
    ("story id with surrounding whitespace", whitespace_id, "failed invalid_input"),
    ("overlong language", bad_input(language="en" + "-abcdefgh" * 400), "failed invalid_input"),
    ("invalid progress URL", bad_input(progress_callback_url="ftp://x.example/p"),
     "failed invalid_input"),
    ("deadline reached", deadline, "failed job_timed_out"),
    ("misconfigured worker, RunPod's webhook", misconfigured_worker, "failed worker_lost"),
    ("RunPod's execution timeout", runpod_ended("TIMED_OUT"), "failed job_timed_out"),
    ("job cancelled in RunPod", runpod_ended("CANCELLED"), "failed job_cancelled"),
    ("worker dies mid-story, then the reconciler", worker_dies_mid_story, "failed worker_lost"),
]  # fmt: skip


def run_matrix(emulator: FirestoreEmulator) -> list[Row]:
    env = {
        "FIRESTORE_EMULATOR_HOST": emulator.host_port,
        "GOOGLE_CLOUD_PROJECT": emulator.project,
        "CALLBACK_SIGNING_SECRET": SECRET,
        "RECONCILE_STALE_AFTER_S": "1",
        "LOG_LEVEL": "ERROR",
    }
    plan = FaultPlan()
    rows = []
    with (
        FakeRunPod().serving() as runpod,
        callback_api(env | runpod.environment()) as api,
        fault_proxy(api, plan) as proxy,
        tempfile.TemporaryDirectory() as workdir,
    ):
        db = firestore.Client(project=emulator.project, credentials=AnonymousCredentials())
        stack = Stack(db, api, plan, proxy, Path(workdir), runpod)
        for index, (fault, case, expected) in enumerate(CASES):
            story = f"fault_{index:02d}"
            doc = stack.story(story)
            case(stack, story)
            rows.append(Row(fault, expected, final_state(doc)))
    return rows


def report(rows: list[Row]) -> str:
    width = max(len(row.fault) for row in rows)
    lines = [f"{'fault':<{width}}  {'expected':<22} {'final':<22} lost"]
    lines += [
        f"{row.fault:<{width}}  {row.expected:<22} {row.final:<22} {int(row.lost)}" for row in rows
    ]
    faults = sum(row.fault != "none" for row in rows)
    terminal = sum(row.terminal for row in rows)
    lost = sum(row.lost for row in rows)
    lines.append(
        f"faults injected: {faults}; stories terminal: {terminal}/{len(rows)}; "
        f"callbacks lost: {lost}"
    )
    return "\n".join(lines)


def main() -> int:
    with FirestoreEmulator(project=PROJECT) as emulator:
        rows = run_matrix(emulator)
    print(report(rows))
    return 0 if all(row.terminal and not row.lost for row in rows) else 1


if __name__ == "__main__":
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    sys.exit(main())
