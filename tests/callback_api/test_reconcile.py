"""The reconciler against the Firestore emulator, with RunPod's status API as a local server."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from google.cloud.firestore_v1 import SERVER_TIMESTAMP
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.core.firestore import close_firestore, open_firestore
from callback_api.reconcile import run
from callback_api.services.reconciler import Summary, opened
from callback_api.services.rules import AudioStatus, InferredSource, Outcome
from callback_api.services.stories import StoryStore, opened_store
from shared.deadlines import PROGRESS_HEARTBEAT_S
from shared.errors import SubmissionFailedError, WorkerLostError
from tests.helpers.callback_api import Stories, progress, signed_callback, success
from tests.helpers.servers import Script, scripted_server
from tools.firestore_emulator import FirestoreEmulator

REPO = Path(__file__).resolve().parents[2]
NOW = datetime.now(UTC)


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def reconcile(settings: Settings) -> Summary:
    """One pass, the way `python -m callback_api.reconcile` runs it."""

    async def one_pass() -> Summary:
        async with opened(settings) as reconciler:
            return await reconciler.run_once(NOW)

    return asyncio.run(one_pass())


def test_the_default_staleness_is_five_missed_heartbeats(api_settings: Settings) -> None:
    assert api_settings.reconcile_stale_after_s == 5 * PROGRESS_HEARTBEAT_S == 300


def test_a_silent_processing_story_fails_and_the_others_are_left_alone(
    api_settings: Settings, stories: Stories
) -> None:
    stories.create("silent", audioStatus="processing", audioJobId="job-a", updatedAt=ago(6))
    stories.create("fresh", audioStatus="processing", audioJobId="job-b", updatedAt=ago(4))
    stories.create("waiting", audioStatus="pending", audioJobId="job-c", updatedAt=ago(60))
    stories.create("ready", audioStatus="ready", audioJobId="job-d", updatedAt=ago(60))
    stories.create("failed", audioStatus="failed", audioJobId="job-e", updatedAt=ago(60))
    others = {s: stories.get(s) for s in ("fresh", "waiting", "ready", "failed")}

    summary = reconcile(api_settings)

    assert summary == Summary(checked=2, failed=1, left=1)  # "waiting" may still be queued
    story = stories.get("silent")
    assert story["audioStatus"] == "failed"
    assert story["audioError"] == WorkerLostError.default_message
    assert story["audioErrorDetails"] == "The job sent no callback for 300 s."
    assert story["audioErrorMetadata"] == {
        "error_type": "worker_lost",
        "retryable": True,
        "source": "reconciler",
    }
    assert story["updatedAt"] > ago(1)
    assert {s: stories.get(s) for s in others} == others
    assert reconcile(api_settings) == Summary(checked=1, left=1)


def test_a_numbered_story_left_pending_without_a_job_fails_until_its_job_reports(
    api_settings: Settings, stories: Stories
) -> None:
    """The submission helper numbered the story and died before RunPod answered (or could
    not record RunPod's refusal): nothing else would ever end the spinner."""
    stories.create("orphan", audioSubmission=2, updatedAt=ago(6))
    stories.create("legacy", updatedAt=ago(60))  # pending, never numbered: not ours to judge
    stories.create("recent", audioSubmission=1, updatedAt=ago(4))

    assert reconcile(api_settings) == Summary(checked=2, failed=1, left=1)

    story = stories.get("orphan")
    assert story["audioStatus"] == "failed"
    assert story["audioError"] == SubmissionFailedError.default_message
    assert story["audioErrorMetadata"] == {
        "error_type": "submission_failed",
        "retryable": True,
        "source": "reconciler",
    }
    assert stories.get("legacy")["audioStatus"] == stories.get("recent")["audioStatus"] == "pending"

    async def its_job_reports_after_all() -> Outcome:
        async with opened_store(api_settings) as store:
            return (await store.apply(success("orphan", job_id="job-z", submission=2))).outcome

    assert asyncio.run(its_job_reports_after_all()) is Outcome.APPLIED
    assert stories.get("orphan")["audioStatus"] == "ready"


def test_many_silent_stories_are_all_reached_page_by_page(
    api_settings: Settings, stories: Stories
) -> None:
    for n in range(230):
        stories.create(f"s{n}", audioStatus="processing", audioJobId="j", updatedAt=ago(10 + n))

    assert reconcile(api_settings) == Summary(checked=230, failed=230)


def test_a_signed_callback_of_the_same_job_still_wins_afterwards(
    api_settings: Settings, stories: Stories
) -> None:
    stories.create(
        "s", audioStatus="processing", audioJobId="job-a", updatedAt=ago(30), audioProgress=0.25
    )
    reconcile(api_settings)

    async def late_success() -> Outcome:
        async with opened_store(api_settings) as store:
            return (await store.apply(success("s"))).outcome

    assert asyncio.run(late_success()) is Outcome.APPLIED
    assert stories.get("s")["audioStatus"] == "ready"


def test_a_story_written_after_it_was_found_is_left(
    api_settings: Settings, stories: Stories
) -> None:
    """The write re-checks the story in its transaction: a heartbeat in between wins."""
    stories.create("s", audioStatus="processing", audioJobId="job-a", updatedAt=ago(30))

    async def found_then_heartbeat_then_interrupt() -> Outcome:
        cutoff = ago(5)
        async with opened_store(api_settings) as store:
            [found] = [story async for story in store.waiting_before(cutoff)]
            heartbeat = progress("s", job_id="job-a", done=0)
            assert (await store.apply(heartbeat)).outcome is Outcome.APPLIED
            error = WorkerLostError()
            decision = await store.interrupt(
                found.story_id, found.job_id, error, InferredSource.RECONCILER, stale_before=cutoff
            )
            return decision.outcome

    assert asyncio.run(found_then_heartbeat_then_interrupt()) is Outcome.STALE
    assert stories.get("s")["audioStatus"] == "processing"


# --- with RunPod's API ----------------------------------------------------------------------


def status(job_id: str, state: str, output: Any = None) -> tuple[int, dict[str, str], bytes]:
    body: dict[str, Any] = {"id": job_id, "status": state}
    if output is not None:
        body["output"] = output
    return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


@pytest.fixture
def runpod_script() -> Script:
    return Script()


@pytest.fixture
def runpod_settings(
    firestore_env: FirestoreEmulator, signing_secret: str, runpod_script: Script
) -> Iterator[Settings]:
    with scripted_server(runpod_script) as base:
        yield Settings(
            callback_signing_secret=SecretStr(signing_secret),
            runpod_api_key=SecretStr("rp_test_key"),
            runpod_endpoint_id="endpoint-1",
            runpod_api_base_url=f"{base}/v2",
            runpod_timeout_seconds=2,
        )


def test_runpods_status_decides_each_silent_story(
    runpod_settings: Settings, signing_secret: str, stories: Stories, runpod_script: Script
) -> None:
    # Oldest first: the scripted answers are given in that order.
    cases = [
        ("running", status("job-1", "IN_PROGRESS")),
        ("queued", status("job-2", "IN_QUEUE")),
        ("timed_out", status("job-3", "TIMED_OUT")),
        ("cancelled", status("job-4", "CANCELLED")),
        ("failed", status("job-5", "FAILED", {"error_type": "internal_error"})),
        ("done", status("job-6", "COMPLETED", {"callback": None})),
        ("forgotten", (404, {}, b'{"error": "not found"}')),
        ("signed", status("job-8", "COMPLETED", {"callback": None})),
    ]
    for n, (story_id, _) in enumerate(cases):
        stories.create(
            story_id, audioStatus="processing", audioJobId=f"job-{n + 1}", updatedAt=ago(60 - n)
        )
    embedded = signed_callback(success("signed", job_id="job-8"), signing_secret, age_s=600)
    cases[-1] = ("signed", status("job-8", "COMPLETED", {"callback": embedded}))
    runpod_script.responses = [answer for _, answer in cases]

    summary = reconcile(runpod_settings)

    assert summary == Summary(checked=8, failed=5, settled=1, left=2)
    assert [r.path for r in runpod_script.requests] == [
        f"/v2/endpoint-1/status/job-{n}" for n in range(1, 9)
    ]
    assert {r.headers["Authorization"] for r in runpod_script.requests} == {"Bearer rp_test_key"}
    final = {story_id: stories.get(story_id) for story_id, _ in cases}
    assert {s: d["audioStatus"] for s, d in final.items()} == {
        "running": "processing",
        "queued": "processing",
        "timed_out": "failed",
        "cancelled": "failed",
        "failed": "failed",
        "done": "failed",
        "forgotten": "failed",
        "signed": "ready",
    }
    kinds = {
        s: (d["audioErrorMetadata"]["error_type"], d["audioErrorMetadata"]["runpod_status"])
        for s, d in final.items()
        if d["audioStatus"] == "failed"
    }
    assert kinds == {
        "timed_out": ("job_timed_out", "TIMED_OUT"),
        "cancelled": ("job_cancelled", "CANCELLED"),
        "failed": ("worker_lost", "FAILED"),
        "done": ("worker_lost", "COMPLETED"),
        "forgotten": ("worker_lost", "NOT_FOUND"),
    }


def test_runpod_tells_a_queued_pending_story_from_a_lost_one(
    runpod_settings: Settings, stories: Stories, runpod_script: Script
) -> None:
    stories.create("queued", audioJobId="job-1", audioSubmission=1, updatedAt=ago(60))
    stories.create("lost", audioJobId="job-2", audioSubmission=1, updatedAt=ago(30))
    runpod_script.responses = [status("job-1", "IN_QUEUE"), (404, {}, b'{"error": "not found"}')]

    assert reconcile(runpod_settings) == Summary(checked=2, failed=1, left=1)

    assert stories.get("queued")["audioStatus"] == "pending"
    lost = stories.get("lost")
    assert (lost["audioStatus"], lost["audioErrorMetadata"]["runpod_status"]) == (
        "failed",
        "NOT_FOUND",
    )


def test_runpod_unreachable_leaves_the_story_and_fails_the_pass(
    runpod_settings: Settings, stories: Stories, runpod_script: Script
) -> None:
    stories.create("s", audioStatus="processing", audioJobId="job-1", updatedAt=ago(30))
    runpod_script.responses = [(502, {}, b"bad gateway")]
    before = stories.get("s")

    assert asyncio.run(run(runpod_settings)) == 1

    assert stories.get("s") == before


# --- the command and the index --------------------------------------------------------------


def test_the_command_runs_one_pass_and_logs_a_summary(
    firestore_env: FirestoreEmulator, signing_secret: str, stories: Stories
) -> None:
    stories.create("s", audioStatus="processing", audioJobId="job-a", updatedAt=ago(30))
    stories.create("t", audioStatus="processing", audioJobId="job-b", updatedAt=SERVER_TIMESTAMP)
    environment = {
        **os.environ,
        "CALLBACK_SIGNING_SECRET": signing_secret,
        "CALLBACK_API_DEV_MODE": "true",  # without RunPod's API: a silent story is lost
    }

    result = subprocess.run(
        [sys.executable, "-m", "callback_api.reconcile"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    [line] = [json.loads(x) for x in result.stdout.splitlines() if "reconciled" in x]
    assert line["message"] == "reconciled: checked=1 failed=1 settled=0 left=0 errors=0"
    assert (line["checked"], line["failed"]) == (1, 1)
    assert signing_secret not in result.stdout + result.stderr
    assert stories.get("s")["audioStatus"] == "failed"
    assert stories.get("t")["audioStatus"] == "processing"


def test_the_shipped_index_serves_the_reconcilers_query(api_settings: Settings) -> None:
    """Equality fields first, then the range field in its order: Firestore's composite rule."""
    client, app = open_firestore(api_settings)
    try:
        store = StoryStore.for_settings(client, api_settings)
        query = store.stale_query(NOW, AudioStatus.PENDING)._to_protobuf()
    finally:
        close_firestore(app)
    filters = [f.field_filter for f in query.where.composite_filter.filters]
    equality = sorted(f.field.field_path for f in filters if f.op.name == "EQUAL")
    ordered = [(o.field.field_path, o.direction.name) for o in query.order_by]
    ranged = {f.field.field_path for f in filters if f.op.name != "EQUAL"}
    assert ranged <= {field for field, _ in ordered}

    index_file = json.loads((REPO / "firestore.indexes.json").read_text())
    queried = set(equality) | {field for field, _ in ordered}
    [index] = [
        i
        for i in index_file["indexes"]
        if i["collectionGroup"] == query.from_[0].collection_id
        and {f["fieldPath"] for f in i["fields"]} == queried
    ]
    fields = [(f["fieldPath"], f["order"]) for f in index["fields"]]
    assert index["queryScope"] == "COLLECTION"
    assert sorted(field for field, _ in fields[: len(equality)]) == equality
    assert fields[len(equality) :] == ordered
