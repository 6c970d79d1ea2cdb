"""Voice decisions (pure) and the reconciler's `settle_stale_voices` on the Firestore emulator
with RunPod's status API faked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud.firestore import Client
from google.cloud.firestore_v1 import DELETE_FIELD

from callback_api.core.config import Settings
from callback_api.core.firestore import close_firestore, open_firestore
from callback_api.services.rules import Outcome, SubmissionRequest
from callback_api.services.runpod_api import RunPodClient
from callback_api.services.voice_rules import (
    LOST,
    decide_callback,
    decide_interrupted,
    decide_job_recorded,
    joins,
)
from callback_api.services.voice_settle import VoiceSweep, settle_stale_voices
from callback_api.services.voice_store import VoiceStore
from callback_api.services.voices import (
    MAX_DERIVED_IDS,
    VOICE_JOIN_WINDOW_S,
    VoiceRequest,
    candidate_ids,
    request_key,
)
from shared.errors import WorkerLostError
from tests.helpers.runpod_fake import API_KEY, FakeRunPod
from tests.helpers.voices import Voices, failed, ready, started, tone_wav
from tools.firestore_emulator import FirestoreEmulator

OLD = datetime.now(UTC) - timedelta(hours=1)


def voice(status: str, **fields: Any) -> dict[str, Any]:
    return {"userId": "u1", "status": status, "submission": 2, "jobId": "job-2", **fields}


@pytest.mark.parametrize(
    ("stored", "callback", "outcome"),
    [
        (voice("pending"), started("u1", "v1", "job-2", 2), Outcome.APPLIED),
        (voice("processing"), started("u1", "v1", "job-2", 2), Outcome.DUPLICATE),
        (voice("ready"), started("u1", "v1", "job-2", 2), Outcome.STALE),
        (voice("pending"), ready("u1", "v1", "job-2", 1), Outcome.STALE),
        (voice("pending"), ready("u1", "v1", "job-9", 2), Outcome.STALE),
        (voice("pending"), ready("u2", "v1", "job-2", 2), Outcome.STALE),
        (voice("processing"), ready("u1", "v1", "job-2", None), Outcome.APPLIED),
        (voice("processing"), ready("u1", "v1", "job-1", None), Outcome.STALE),
        (voice("failed", errorSource="worker"), ready("u1", "v1", "job-2", 2), Outcome.CONFLICT),
        (voice("failed", errorSource="reconciler"), ready("u1", "v1", "job-2", 2), Outcome.APPLIED),
        (voice("ready", profileKey="other"), ready("u1", "v1", "job-2", 2), Outcome.CONFLICT),
        (voice("ready"), failed("u1", "v1", "job-2", 2), Outcome.CONFLICT),
        (voice("failed", errorSource="runpod_webhook"), failed("u1", "v1", "job-2", 2), "applied"),
    ],
)
def test_a_callback_changes_only_its_own_submission_and_never_a_final_ending(
    stored: dict[str, Any], callback: Any, outcome: str
) -> None:
    assert decide_callback(callback, stored).outcome == outcome


def test_a_success_replaces_an_inferred_failure_and_clears_it() -> None:
    stored = voice("failed", errorSource="reconciler", error=LOST, errorType="worker_lost")
    updates = decide_callback(ready("u1", "v1", "job-2", 2), stored).updates
    assert updates["status"] == "ready"
    assert updates["error"] is DELETE_FIELD
    assert updates["errorType"] is DELETE_FIELD


def test_an_inferred_failure_waits_for_silence_and_the_same_submission() -> None:
    error = WorkerLostError(LOST)
    now = datetime.now(UTC)
    written = voice("processing", updatedAt=now)
    assert not decide_interrupted(written, 2, "job-2", error, "reconciler", now).applied
    assert not decide_interrupted(written, 1, "job-2", error, "reconciler").applied
    assert not decide_interrupted(written, 2, "job-1", error, "reconciler").applied
    later = now + timedelta(seconds=1)
    decision = decide_interrupted(written, 2, "job-2", error, "reconciler", later)
    assert decision.updates["errorType"] == "worker_lost"
    assert decision.updates["errorSource"] == "reconciler"


NOW = datetime.now(UTC)
JUST = NOW - timedelta(seconds=5)
LONG_AGO = NOW - timedelta(seconds=VOICE_JOIN_WINDOW_S + 1)


def asked(
    key: str = "r1", *, idempotent: bool = False, abandoned: int | None = None
) -> SubmissionRequest:
    return SubmissionRequest(key, NOW, idempotent, VOICE_JOIN_WINDOW_S, abandoned)


@pytest.mark.parametrize(
    ("stored", "repeat", "named_by_key", "joined"),
    [
        (voice("pending", request="r1", requestedAt=JUST), asked(), False, True),
        (voice("processing", request="r1", requestedAt=JUST), asked(), False, True),
        (voice("pending", request="r1", requestedAt=LONG_AGO), asked(), False, False),
        (voice("ready", request="r1", requestedAt=JUST), asked(), False, False),
        (voice("failed", request="r1", requestedAt=JUST), asked(), False, False),
        (voice("pending", request="r2", requestedAt=JUST), asked(), False, False),
        (voice("failed", request="r1", requestedAt=LONG_AGO), asked(idempotent=True), False, True),
        (voice("ready", request="r2"), asked(idempotent=True), False, False),
        (voice("ready", request="r2"), asked(idempotent=True), True, True),
        (voice("ready", request="r2"), asked(), True, False),
        ({"userId": "u1", "request": "r1"}, asked(idempotent=True), True, False),
        (
            voice("pending", request="r1", requestedAt=JUST, jobId=None),
            asked(abandoned=2),
            False,
            False,
        ),
        (
            voice("pending", request="r1", jobId=None),
            asked(idempotent=True, abandoned=2),
            True,
            False,
        ),
        (voice("pending", request="r1", requestedAt=JUST), asked(abandoned=2), False, True),
        (
            voice("pending", request="r1", requestedAt=JUST, jobId=None),
            asked(abandoned=1),
            False,
            True,
        ),
    ],
    ids=[
        "young-pending",
        "young-processing",
        "past-the-window",
        "ready",
        "failed",
        "another-request",
        "key-whatever-became",
        "key-of-another-submission",
        "key-that-named-the-voice",
        "no-key-named-voice-over",
        "no-submission",
        "abandoned-without-a-job",
        "abandoned-named-by-key",
        "abandoned-but-its-job-came",
        "abandoned-an-older-one",
    ],
)
def test_a_repeat_joins_the_submission_its_request_made(
    stored: dict[str, Any], repeat: SubmissionRequest, named_by_key: bool, joined: bool
) -> None:
    assert joins(stored, repeat, named_by_key=named_by_key) is joined


@pytest.mark.parametrize(
    ("stored", "outcome"),
    [
        (voice("pending", jobId=None), Outcome.APPLIED),
        (voice("processing", jobId="job-2"), Outcome.DUPLICATE),
        (voice("processing", jobId="job-9"), Outcome.CONFLICT),
        (voice("pending", jobId=None, submission=3), Outcome.STALE),
    ],
    ids=["recorded", "its-callback-was-first", "another-job", "overtaken"],
)
def test_a_job_id_is_recorded_for_its_own_submission_only(
    stored: dict[str, Any], outcome: Outcome
) -> None:
    """`stale` and `conflict` tell `submit_voice` the job was overtaken: it is cancelled."""
    assert decide_job_recorded(stored, 2, "job-2").outcome == outcome


def test_a_requests_key_hashes_the_upload_or_its_idempotency_key() -> None:
    recording = tone_wav(6)
    upload = VoiceRequest("u1", "Grandma", "en", recording)
    same = request_key(upload).key
    assert request_key(VoiceRequest("u1", "Grandma", "en", bytes(recording))).key == same
    others = [
        VoiceRequest("u2", "Grandma", "en", recording),
        VoiceRequest("u1", "Grandpa", "en", recording),
        VoiceRequest("u1", "Grandma", "de", recording),
        VoiceRequest("u1", "Grandma", "en", recording + b"\0"),
        VoiceRequest("u1", "Grandma", "en", recording, voice_id="v1"),
    ]
    assert same not in {request_key(other).key for other in others}
    keyed = request_key(VoiceRequest("u1", "Grandma", "en", recording, idempotency_key="k"))
    assert keyed.idempotent
    assert keyed.key == request_key(VoiceRequest("u1", "X", "fr", b"", idempotency_key="k")).key
    assert keyed.key != request_key(VoiceRequest("u2", "X", "fr", b"", idempotency_key="k")).key
    assert len(same) == 64  # a SHA-256: the voice stores no part of the recording
    assert not request_key(upload).idempotent
    assert request_key(upload).window_s == VOICE_JOIN_WINDOW_S


def test_a_new_voices_ids_derive_from_its_request_then_one_is_random() -> None:
    first, second = list(candidate_ids("k")), list(candidate_ids("k"))
    assert first[:MAX_DERIVED_IDS] == second[:MAX_DERIVED_IDS]
    assert first[MAX_DERIVED_IDS] != second[MAX_DERIVED_IDS]
    assert len(set(first)) == MAX_DERIVED_IDS + 1
    assert next(candidate_ids("other")) != first[0]


@pytest.fixture
def settings(firestore_env: FirestoreEmulator) -> Settings:
    return Settings(callback_api_dev_mode=True, firestore_emulator_host=firestore_env.host_port)


@pytest.fixture
def voices(firestore_db: Client) -> Voices:
    return Voices(firestore_db)


def sweep(settings: Settings, runpod: FakeRunPod | None) -> VoiceSweep:
    """One `settle_stale_voices` pass, as the reconciler runs it."""

    async def go() -> VoiceSweep:
        client, app = open_firestore(settings)
        status = None if runpod is None else RunPodClient(runpod.endpoint_url, API_KEY, timeout=5)
        try:
            store = VoiceStore(client, settings.voices_collection, timeout=5)
            return await settle_stale_voices(store, status, stale_after_s=300)
        finally:
            if status is not None:
                await status.aclose()
            close_firestore(app)

    return asyncio.run(go())


def test_silent_voices_are_settled_from_runpods_word(
    settings: Settings, runpod: FakeRunPod, voices: Voices
) -> None:
    output = ready("u1", "done", "job-c", None).model_dump(exclude={"job_id"})
    runpod.report({"id": "job-b", "status": "IN_PROGRESS"})
    runpod.report({"id": "job-c", "status": "COMPLETED", "output": output})
    runpod.report({"id": "job-d", "status": "TIMED_OUT"})
    voices.create("forgotten", **voice("pending", jobId="job-a", updatedAt=OLD))
    voices.create("running", **voice("processing", jobId="job-b", updatedAt=OLD))
    voices.create("unsubmitted", **voice("pending", jobId=None, updatedAt=OLD))
    voices.create("done", **voice("processing", jobId="job-c", updatedAt=OLD))
    voices.create("slow", **voice("processing", jobId="job-d", updatedAt=OLD))
    voices.create("recent", **voice("pending", jobId="job-e", updatedAt=datetime.now(UTC)))
    voices.create("over", **voice("ready", jobId="job-f", updatedAt=OLD))

    assert sweep(settings, runpod) == VoiceSweep(failed=3, settled=1, left=1, errors=0)

    def state(voice_id: str) -> tuple[Any, ...]:
        found = voices.get(voice_id)
        return found["status"], found.get("errorType"), found.get("errorSource")

    assert state("forgotten") == ("failed", "worker_lost", "reconciler")
    assert state("running") == ("processing", None, None)
    assert state("unsubmitted") == ("failed", "submission_failed", "reconciler")
    assert state("done") == ("ready", None, None)
    assert voices.get("done")["sampleUrl"] == output["sample_url"]
    assert state("slow") == ("failed", "job_timed_out", "reconciler")
    assert state("recent") == ("pending", None, None)
    assert sorted(runpod.asked) == ["job-a", "job-b", "job-c", "job-d"]


def test_without_runpods_api_only_a_silent_running_voice_is_failed(
    settings: Settings, voices: Voices
) -> None:
    voices.create("running", **voice("processing", updatedAt=OLD))
    voices.create("queued", **voice("pending", updatedAt=OLD))
    assert sweep(settings, None) == VoiceSweep(failed=1, left=1)
    assert voices.get("running")["errorType"] == "worker_lost"
    assert voices.get("queued")["status"] == "pending"


def test_api_instances_beginning_one_voice_at_once_make_one_submission(
    settings: Settings, voices: Voices
) -> None:
    """Three API instances (each its own client) take the same repeated request together."""
    repeat = request_key(VoiceRequest("u1", "Grandma", "en", tone_wav(6)))

    async def go() -> list[Any]:
        opened = [open_firestore(settings) for _ in range(3)]
        try:
            # The emulator resolves each conflict by a 2 s lock timeout: a patient deadline.
            stores = [VoiceStore(client, "voices", timeout=60) for client, _ in opened]
            return await asyncio.gather(
                *(
                    store.begin("v1", "u1", "Grandma", "en", repeat, new=True, named_by_key=True)
                    for store in stores
                )
            )
        finally:
            for _, app in opened:
                close_firestore(app)

    begun = asyncio.run(go())

    assert sorted(one.joined for one in begun) == [False, True, True]
    assert {one.submission for one in begun} == {1}
    assert voices.get("v1")["submission"] == 1
