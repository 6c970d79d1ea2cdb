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
The faults of `bench/fault_cases.py` follow: a deadline judged by the work left, the API down
at a job's end or for all of it, a forged webhook, R2 and the checkpoint store slow or gone, a
Firestore answer lost after its commit, text in another script, another user's voice.

Exits 1 unless every story is terminal and nothing was lost.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
import threading
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore

from bench.fault_cases import LISTENER_CASES
from bench.fault_stack import (
    BUCKET,
    PROJECT,
    SECRET,
    Case,
    Killed,
    Row,
    SlowEngine,
    Stack,
    final_state,
    stack_down,
)
from callback_api.core.config import Settings
from callback_api.reconcile import run as reconcile
from shared.errors import WorkerMisconfiguredError
from tests.helpers.grpc_proxy import GrpcProxy
from tests.helpers.runpod_fake import FakeRunPod
from tests.helpers.servers import FaultPlan, fault_proxy, s3_server
from tools.firestore_emulator import FirestoreEmulator
from tools.stack import callback_api
from worker.delivery.dead_letters import DeadLetters
from worker.jobs.common import unavailable_output
from worker.jobs.story import TTSJobRunner


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
CASES += LISTENER_CASES


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
        GrpcProxy(emulator.host_port) as firestore_proxy,
        FakeRunPod().serving() as runpod,
        callback_api(
            env | runpod.environment() | {"FIRESTORE_EMULATOR_HOST": firestore_proxy.host_port}
        ) as api,
        fault_proxy(api, plan) as proxy,
        s3_server(BUCKET) as s3,
        tempfile.TemporaryDirectory() as workdir,
    ):
        db = firestore.Client(project=emulator.project, credentials=AnonymousCredentials())
        stack = Stack(db, api, plan, proxy, Path(workdir), runpod, s3, firestore_proxy)
        for index, (fault, case, expected) in enumerate(CASES):
            story = f"fault_{index:02d}"
            doc = stack.story(story)
            started = time.monotonic()
            case(stack, story)
            rows.append(Row(fault, expected, final_state(doc), time.monotonic() - started))
    return rows


def report(rows: list[Row]) -> str:
    width = max(len(row.fault) for row in rows)
    states = max(len(state) for row in rows for state in (row.expected, row.final))
    lines = [f"{'fault':<{width}}  {'expected':<{states}}  {'final':<{states}}  lost  seconds"]
    lines += [
        f"{row.fault:<{width}}  {row.expected:<{states}}  {row.final:<{states}}  "
        f"{int(row.lost):>4}  {row.seconds:7.1f}"
        for row in rows
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
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's S3 logs every request
    sys.exit(main())
