"""The faults of "every finished story reaches its listener": each story below once ended
`failed` although it had not, never ended, or was narrated with parts missing.

Each case runs against `fault_stack.Stack` and leaves its story for `bench/faults.py` to read.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import requests
from google.cloud import firestore

from bench.fault_stack import SECRET, Case, SlowEngine, Stack, stack_down
from callback_api.core.config import Settings
from callback_api.core.webhooks import webhook_url
from callback_api.reconcile import run as reconcile
from tests.helpers.fakes import SeededToneEngine, ToneEngine
from tests.helpers.grpc_proxy import COMMIT
from tests.helpers.servers import FaultPlan, fault_proxy
from worker.config import SynthesisSettings
from worker.delivery.dead_letters import DeadLetters, IdleRedelivery
from worker.engines.base import EngineAudio, SynthesisParams, Voice

OPENING = (
    "The storm had been building over the harbour since noon, and by the time the lamps "
    "were lit the whole town had gathered at the sea wall to watch the boats come home, "
    "one after another, their sails torn and their crews soaked, while the old keeper "
    "counted them aloud and the children held their breath at every gap in the line."
)
LINES = "\n\n".join(f'"Boat {n}," she said.' for n in range(1, 41))
SHORT_LINES_STORY = f"{OPENING}\n\n{LINES}"
"""A long opening, then short lines: judged by its first chunk, it looked several times
longer than it is."""
MIXED_SCRIPT = (
    "The fox ran home. Лиса бежала домой через тёмный лес. Она очень устала и хотела спать. "
    "Утром она снова пошла к реке."
)
"""An English story three quarters in Cyrillic: once narrated as its first sentence alone."""


class PacedEngine(ToneEngine):
    """Takes time in proportion to the text, as a real engine does."""

    def __init__(self, seconds_per_char: float) -> None:
        super().__init__()
        self.seconds_per_char = seconds_per_char

    def synthesize(self, text: str, voice: Voice, params: SynthesisParams) -> EngineAudio:
        time.sleep(len(text) * self.seconds_per_char)
        return super().synthesize(text, voice, params)


def long_opening_then_short_lines(stack: Stack, story: str) -> None:
    """Given 1.5 times what the story measurably needs, it must finish."""
    synthesis = SynthesisSettings(chunk_max_chars=300)

    def run(story_id: str, deadline_s: float | None = None) -> float:
        limit: dict[str, Any] = {} if deadline_s is None else {"job_deadline_s": deadline_s}
        runner = stack.runner(PacedEngine(0.002), synthesis=synthesis, **limit)
        started = time.monotonic()
        runner.run(f"job-{story_id}", stack.job(story_id, text=SHORT_LINES_STORY))
        return time.monotonic() - started

    stack.story(f"{story}_measured")
    need = run(f"{story}_measured")
    run(story, deadline_s=1.5 * need)


def api_down_at_the_end_then_idle_redelivery(stack: Stack, story: str) -> None:
    """The API redeploys as the job ends; the worker, idle, delivers the success itself."""
    runner = stack.runner()
    with stack_down(stack):
        runner.run(f"job-{story}", stack.job(story))
    idle = IdleRedelivery(DeadLetters(runner.sender, runner.store), interval_s=0.1, budget_s=5)
    idle.start()
    try:
        _wait_for(stack.document(story), ("ready", "failed"), timeout_s=20)
    finally:
        idle.stop()


def api_down_for_the_whole_job_then_reconciler(stack: Stack, story: str) -> None:
    """No callback and no webhook reached the API: the reconciler reads the signed success
    from RunPod's status of the job."""
    job_id = f"job-{story}"
    doc = stack.document(story)
    doc.update({"audioJobId": job_id, "updatedAt": firestore.SERVER_TIMESTAMP})
    with stack_down(stack):
        output = stack.runner().run(job_id, stack.job(story))
    stack.runpod.report({"id": job_id, "status": "COMPLETED", "output": output})
    time.sleep(1.2)  # longer than RECONCILE_STALE_AFTER_S: the story went silent
    asyncio.run(reconcile(Settings()))


def forged_failed_webhook_while_rendering(stack: Stack, story: str) -> None:
    """Whoever holds the submission's webhook URL posts FAILED while the job runs."""
    job_id = f"job-{story}"
    stack.runpod.report({"id": job_id, "status": "IN_PROGRESS"})
    job = threading.Thread(
        target=stack.runner(SlowEngine(0.15)).run, args=(job_id, stack.job(story))
    )
    job.start()
    _wait_for(stack.document(story), ("processing",), timeout_s=20)
    url = webhook_url(stack.api, SECRET, story, None)
    requests.post(url, json={"id": job_id, "status": "FAILED"}, timeout=30).raise_for_status()
    job.join()


def storage_outage_during_the_final_upload(stack: Stack, story: str) -> None:
    """R2 unreachable for 3 s as the finished file goes up."""
    began: list[float] = []

    def during_the_outage(method: str, path: str) -> bool:
        if not began and method == "PUT" and "/audio/" in path:
            began.append(time.monotonic())
        return bool(began) and time.monotonic() - began[0] < 3.0

    plan = FaultPlan(only=during_the_outage, drop=True)
    plan.fail_all()
    with fault_proxy(stack.s3, plan) as proxy:
        stack.runner(store=stack.s3_store(proxy)).run(f"job-{story}", stack.job(story))


def checkpoints_through_a_3_s_store(stack: Stack, story: str) -> None:
    """A retry whose checkpoints answer in 3 s each: generated instead, never waited for."""
    job = stack.job(story, voice_id="granny", seed=5)
    stack.runner(SeededToneEngine(), store=stack.s3_store()).run(f"job-{story}-1", job)
    plan = FaultPlan(only=lambda method, path: "/chunks/" in path, delay_s=3.0)
    with fault_proxy(stack.s3, plan) as proxy:
        stack.runner(SeededToneEngine(), store=stack.s3_store(proxy)).run(f"job-{story}-2", job)


def connection_reset_after_commit(stack: Stack, story: str) -> None:
    """Firestore commits the callback's write, and the API's connection is reset before the
    answer arrives."""
    stack.firestore_proxy.arm(COMMIT, count=1)
    stack.runner().run(f"job-{story}", stack.job(story))


def bad_input(**overrides: Any) -> Case:
    def case(stack: Stack, story: str) -> None:
        stack.runner().run(f"job-{story}", stack.job(story, **overrides))

    return case


def _wait_for(doc: firestore.DocumentReference, states: tuple[str, ...], timeout_s: float) -> None:
    ends = time.monotonic() + timeout_s
    while (doc.get().to_dict() or {}).get("audioStatus") not in states:
        if time.monotonic() > ends:
            return  # the row will show where it stopped
        time.sleep(0.05)


LISTENER_CASES: list[tuple[str, Case, str]] = [
    ("long opening, short lines, 1.5x the need", long_opening_then_short_lines, "ready"),
    ("API down at the job's end, the idle worker redelivers",
     api_down_at_the_end_then_idle_redelivery, "ready"),
    ("API down for the whole job, the reconciler asks RunPod",
     api_down_for_the_whole_job_then_reconciler, "ready"),
    ("forged FAILED webhook while the story renders", forged_failed_webhook_while_rendering,
     "ready"),
    ("R2 unreachable 3 s during the final upload", storage_outage_during_the_final_upload,
     "ready"),
    ("checkpoint store answering in 3 s", checkpoints_through_a_3_s_store, "ready"),
    ("Firestore connection reset after a commit", connection_reset_after_commit, "ready"),
    ("an English story mostly in Cyrillic", bad_input(text=MIXED_SCRIPT),
     "failed unsupported_language"),
    ("another user's voice", bad_input(voice_storage_key="voices/someone_else/v1.pt"),
     "failed invalid_input"),
]  # fmt: skip
