"""`POST /api/tts/voices`, the voice job's signed callbacks and its RunPod webhook, against the
real Firestore and Auth emulators with RunPod faked (`tests/helpers/runpod_fake.py`)."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from google.cloud.firestore import Client

from callback_api.core.config import Settings
from callback_api.main import create_app
from callback_api.services.voice_rules import BUSY, LOST, MISCONFIGURED
from callback_api.services.voices import (
    MAX_RECORDING_BYTES,
    VoiceRequest,
    candidate_ids,
    request_key,
)
from tests.helpers.callback_api import Stories
from tests.helpers.grpc_proxy import COMMIT, GrpcProxy
from tests.helpers.narration import PUBLIC_URL, narrate, narration_settings, refusal
from tests.helpers.runpod_fake import FakeRunPod
from tests.helpers.voices import Voices, failed, ready, send, started, tone_wav, upload
from tools.auth_emulator import AuthEmulator, User
from tools.firestore_emulator import FirestoreEmulator

APP_KEY = "voices-app-key-" + "k" * 24
RECORDING = tone_wav(6)


@pytest.fixture
def settings(auth_env: AuthEmulator, signing_secret: str, fake: FakeRunPod) -> Settings:
    return narration_settings(signing_secret, fake, app_api_keys=APP_KEY)


@pytest.fixture
def voices(firestore_db: Client) -> Voices:
    return Voices(firestore_db)


def created(client: TestClient, user: User, **fields: str) -> dict[str, str]:
    response = upload(client, user.id_token, RECORDING, **fields)
    assert response.status_code == 202, response.text
    return dict(response.json())


def test_a_signed_in_user_creates_a_voice_and_the_job_carries_the_recording(
    client: TestClient, fake: FakeRunPod, voices: Voices, ana: User
) -> None:
    answer = created(client, ana, language="de")

    voice_id = answer["voice_id"]
    assert answer == {"voice_id": voice_id, "job_id": "job-1"}
    [run] = fake.runs
    assert run["input"] == {
        "action": "create_voice_profile",
        "user_id": ana.uid,
        "voice_id": voice_id,
        "name": "Grandma",
        "language": "de",
        "reference_audio_base64": base64.b64encode(RECORDING).decode(),
        "submission": 1,
        "callback_url": f"{PUBLIC_URL}/api/tts/voices/callback",
        "error_callback_url": f"{PUBLIC_URL}/api/tts/voices/error-callback",
        "progress_callback_url": f"{PUBLIC_URL}/api/tts/voices/progress",
    }
    assert run["webhook"].startswith(f"{PUBLIC_URL}/api/tts/voices/webhook/{voice_id}/1/")
    assert run["policy"] == {"executionTimeout": 600_000}
    voice = voices.get(voice_id)
    assert {k: voice[k] for k in ("userId", "name", "language", "status", "jobId")} == {
        "userId": ana.uid,
        "name": "Grandma",
        "language": "de",
        "status": "pending",
        "jobId": "job-1",
    }
    assert voice["createdAt"]
    assert voice["updatedAt"]


def test_without_a_token_nothing_is_written_or_submitted(
    client: TestClient, fake: FakeRunPod, voices: Voices
) -> None:
    refusal(upload(client, None, RECORDING), 401, "unauthenticated")
    refusal(upload(client, "not-a-token", RECORDING), 401, "unauthenticated")
    assert fake.runs == []
    assert voices.ids() == set()


def test_an_app_key_acts_for_the_user_it_names(
    client: TestClient, fake: FakeRunPod, voices: Voices
) -> None:
    refusal(upload(client, APP_KEY, RECORDING), 422, "invalid_request")
    refusal(upload(client, APP_KEY, RECORDING, user_id="a/b"), 422, "invalid_request")
    response = upload(client, APP_KEY, RECORDING, user_id="user-7")
    assert response.status_code == 202, response.text
    assert voices.get(response.json()["voice_id"])["userId"] == "user-7"
    assert fake.runs[0]["input"]["user_id"] == "user-7"


@pytest.mark.parametrize(
    ("recording", "sentence"),
    [
        (b"", "The voice recording is empty. Please record it again."),
        (b"just some text, not audio" * 10, "The voice recording could not be read."),
        (tone_wav(3), "The voice recording is too short. Please record at least 5 seconds"),
        (tone_wav(61, rate=8000), "The voice recording is too long. Please record at most 60"),
        (b"RIFF" + b"\0" * (MAX_RECORDING_BYTES + 10), "The voice recording is too large"),
        (b"RIFF" + b"\0" * (MAX_RECORDING_BYTES + 10**5), "The voice recording is too large"),
    ],
    ids=["empty", "not-audio", "too-short", "too-long", "too-large", "body-too-large"],
)
def test_a_recording_the_worker_would_refuse_is_refused_before_any_work(
    client: TestClient,
    fake: FakeRunPod,
    voices: Voices,
    ana: User,
    recording: bytes,
    sentence: str,
) -> None:
    body = refusal(upload(client, ana.id_token, recording), 422, "voice_profile_invalid")
    assert body["error"].startswith(sentence)
    assert body["field"] == "recording"
    assert fake.runs == []
    assert voices.ids() == set()


@pytest.mark.parametrize(
    ("fields", "status", "error_type", "field"),
    [
        ({"name": "   "}, 422, "invalid_input", "name"),
        ({"language": "xx"}, 422, "unsupported_language", "language"),
        ({"voice_id": "../other"}, 404, "voice_not_found", None),
        ({"voice_id": "no-such-voice"}, 404, "voice_not_found", None),
    ],
)
def test_a_bad_field_is_refused_before_any_job(
    client: TestClient,
    fake: FakeRunPod,
    voices: Voices,
    ana: User,
    fields: dict[str, str],
    status: int,
    error_type: str,
    field: str | None,
) -> None:
    body = refusal(upload(client, ana.id_token, RECORDING, **fields), status, error_type)
    assert body.get("field") == field
    assert fake.runs == []
    assert voices.ids() == set()


def test_no_recording_or_no_form_is_an_invalid_request(client: TestClient, ana: User) -> None:
    refusal(upload(client, ana.id_token, None), 422, "invalid_request")
    auth = {"Authorization": f"Bearer {ana.id_token}"}
    refusal(
        client.post("/api/tts/voices", json={"name": "x"}, headers=auth), 422, "invalid_request"
    )


def test_the_jobs_callbacks_take_the_voice_to_processing_then_ready(
    client: TestClient, signing_secret: str, voices: Voices, ana: User
) -> None:
    voice_id = created(client, ana)["voice_id"]

    first = send(client, signing_secret, started(ana.uid, voice_id, "job-1", 1))
    assert first.json() == {"success": True, "applied": True}
    assert voices.get(voice_id)["status"] == "processing"
    done = send(client, signing_secret, ready(ana.uid, voice_id, "job-1", 1))
    assert done.json() == {"success": True, "applied": True}

    voice = voices.get(voice_id)
    assert voice["status"] == "ready"
    stem = f"voices/{ana.uid}/{voice_id}/1"  # the submission's own keys
    assert voice["sampleUrl"] == f"https://cdn.example.com/{stem}_sample.mp3"
    assert (voice["profileKey"], voice["sampleKey"]) == (f"{stem}.pt", f"{stem}_sample.mp3")
    repeat = send(client, signing_secret, ready(ana.uid, voice_id, "job-1", 1))
    assert repeat.json() == {"success": True, "applied": False, "reason": "duplicate"}


def test_an_error_callback_fails_the_voice_with_the_workers_sentence(
    client: TestClient, signing_secret: str, voices: Voices, ana: User
) -> None:
    voice_id = created(client, ana)["voice_id"]
    send(client, signing_secret, failed(ana.uid, voice_id, "job-1", 1))
    voice = voices.get(voice_id)
    assert (voice["status"], voice["errorType"], voice["errorSource"]) == (
        "failed",
        "voice_profile_invalid",
        "worker",
    )
    assert voice["error"] == "The voice recording is silent. Please record it again."
    assert voice["errorDetails"] == "reference recording is below -50 dBFS"


def test_an_unsigned_callback_is_refused(client: TestClient, voices: Voices, ana: User) -> None:
    voice_id = created(client, ana)["voice_id"]
    body = ready(ana.uid, voice_id, "job-1", 1).to_body()
    response = client.post("/api/tts/voices/callback", content=body)
    refusal(response, 401, "invalid_signature")
    assert voices.get(voice_id)["status"] == "pending"


def test_trying_again_supersedes_the_last_job_whose_callbacks_are_then_stale(
    client: TestClient, fake: FakeRunPod, signing_secret: str, voices: Voices, ana: User
) -> None:
    voice_id = created(client, ana)["voice_id"]
    again = created(client, ana, voice_id=voice_id, name="Grandma Rose")

    assert again == {"voice_id": voice_id, "job_id": "job-2"}
    assert fake.cancelled == ["job-1"]  # still pending: RunPod need not run it
    assert fake.runs[1]["input"]["submission"] == 2
    late = send(client, signing_secret, ready(ana.uid, voice_id, "job-1", 1))
    assert late.json() == {"success": True, "applied": False, "reason": "stale"}
    voice = voices.get(voice_id)
    assert (voice["status"], voice["name"], voice["jobId"]) == ("pending", "Grandma Rose", "job-2")


def test_a_superseded_submissions_late_success_leaves_the_newer_profile(
    client: TestClient, signing_secret: str, voices: Voices, ana: User
) -> None:
    voice_id = created(client, ana)["voice_id"]
    created(client, ana, voice_id=voice_id)  # submission 2, job-2
    send(client, signing_secret, ready(ana.uid, voice_id, "job-2", 2))

    late = ready(ana.uid, voice_id, "job-1", 1)  # cancelled too late, it finished anyway
    answer = send(client, signing_secret, late).json()

    assert answer == {"success": True, "applied": False, "reason": "stale"}
    voice = voices.get(voice_id)
    newer = f"voices/{ana.uid}/{voice_id}/2"
    assert (voice["status"], voice["profileKey"]) == ("ready", f"{newer}.pt")
    assert voice["sampleKey"] == f"{newer}_sample.mp3"
    assert late.profile_key == f"voices/{ana.uid}/{voice_id}/1.pt"  # its own file: 2.pt intact


def test_a_story_is_narrated_in_the_profile_its_voices_submission_stored(
    client: TestClient,
    fake: FakeRunPod,
    signing_secret: str,
    stories: Stories,
    ana: User,
) -> None:
    voice_id = created(client, ana)["voice_id"]
    send(client, signing_secret, ready(ana.uid, voice_id, "job-1", 1))
    stories.create("story-1", userId=ana.uid, text="The fox looked up at the moon.")

    response = narrate(client, "story-1", ana.id_token, {"voice_id": voice_id})

    assert response.status_code == 202, response.text
    job = fake.runs[-1]["input"]
    assert job["voice_storage_key"] == f"voices/{ana.uid}/{voice_id}/1.pt"


def test_a_repeat_with_the_same_idempotency_key_is_the_same_voice_and_job(
    client: TestClient,
    auth_env: AuthEmulator,
    fake: FakeRunPod,
    signing_secret: str,
    voices: Voices,
    ana: User,
) -> None:
    first = created(client, ana, idempotency_key="upload-1")

    assert created(client, ana, idempotency_key="upload-1") == first
    other = upload(client, ana.id_token, tone_wav(7), idempotency_key="upload-1")
    assert other.json() == first  # the key decides, as for narrations
    send(client, signing_secret, failed(ana.uid, first["voice_id"], "job-1", 1))
    assert created(client, ana, idempotency_key="upload-1") == first  # whatever became of it
    assert len(fake.runs) == 1
    assert voices.ids() == {first["voice_id"]}

    second = created(client, ana, idempotency_key="upload-2")
    ben = auth_env.sign_up("ben@example.com", "secret-password")
    theirs = created(client, ben, idempotency_key="upload-1")
    assert len({first["voice_id"], second["voice_id"], theirs["voice_id"]}) == 3
    assert voices.get(theirs["voice_id"])["userId"] == ben.uid
    assert len(fake.runs) == 3


def test_an_identical_upload_while_its_voice_starts_is_the_same_voice(
    client: TestClient, fake: FakeRunPod, signing_secret: str, voices: Voices, ana: User
) -> None:
    first = created(client, ana)
    assert created(client, ana) == first
    assert len(fake.runs) == 1
    renamed = created(client, ana, name="Grandpa")
    assert renamed["voice_id"] != first["voice_id"]

    send(client, signing_secret, ready(ana.uid, first["voice_id"], "job-1", 1))
    later = created(client, ana)  # the first voice is over: this is another voice
    assert later["voice_id"] not in {first["voice_id"], renamed["voice_id"]}
    assert created(client, ana) == later  # and a repeat of it joins it in turn
    assert len(fake.runs) == 3
    assert voices.ids() == {first["voice_id"], renamed["voice_id"], later["voice_id"]}
    assert voices.get(first["voice_id"])["status"] == "ready"


@pytest.mark.parametrize("key", [None, "upload-1"], ids=["no-key", "idempotency-key"])
def test_simultaneous_uploads_make_one_voice_and_one_job(
    client: TestClient, fake: FakeRunPod, voices: Voices, ana: User, key: str | None
) -> None:
    fake.run_delay_s = 0.5  # the others arrive while the first waits for RunPod

    def send_one(_: int) -> Any:
        return upload(client, ana.id_token, RECORDING, idempotency_key=key)

    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(send_one, range(3)))

    assert [answer.status_code for answer in answers] == [202, 202, 202], answers[0].text
    assert [answer.json() for answer in answers] == [answers[0].json()] * 3
    assert len(fake.runs) == 1
    assert voices.ids() == {answers[0].json()["voice_id"]}


def test_a_repeated_try_again_joins_its_submission(
    client: TestClient, fake: FakeRunPod, signing_secret: str, voices: Voices, ana: User
) -> None:
    voice_id = created(client, ana)["voice_id"]
    send(client, signing_secret, failed(ana.uid, voice_id, "job-1", 1))

    again = created(client, ana, voice_id=voice_id, idempotency_key="retry-1")
    assert created(client, ana, voice_id=voice_id, idempotency_key="retry-1") == again
    assert voices.get(voice_id)["submission"] == 2
    clicked = created(client, ana, voice_id=voice_id, name="Nana")
    assert created(client, ana, voice_id=voice_id, name="Nana") == clicked
    assert voices.get(voice_id)["submission"] == 3
    assert fake.cancelled == ["job-2"]  # superseded once, by the new request, not by a repeat
    assert len(fake.runs) == 3


def test_a_repeat_of_a_submission_runpod_refused_is_refused_alike(
    client: TestClient, fake: FakeRunPod, voices: Voices, ana: User
) -> None:
    fake.run_status = 500
    refusal(upload(client, ana.id_token, RECORDING, idempotency_key="k"), 502, "submission_failed")
    fake.run_status = None

    body = refusal(
        upload(client, ana.id_token, RECORDING, idempotency_key="k"), 502, "submission_failed"
    )

    assert body["error"] == BUSY
    assert fake.runs == []
    [voice_id] = voices.ids()
    assert created(client, ana, idempotency_key="k-2")["voice_id"] != voice_id


def left_starting(voices: Voices, user: User, key: str | None = None) -> str:
    """The voice a first upload (of `RECORDING`, with `key`) left when its request died after
    the voice was written and before RunPod took the job: pending, submission 1, no job."""
    first = request_key(VoiceRequest(user.uid, "Grandma", "en", RECORDING, idempotency_key=key))
    voice_id = next(candidate_ids(first.key))
    voices.create(
        voice_id,
        userId=user.uid,
        name="Grandma",
        language="en",
        status="pending",
        submission=1,
        request=first.key,
        requestedAt=first.at,
    )
    return voice_id


QUICK = {"runpod_timeout_seconds": 0.5, "firestore_timeout_seconds": 1.0}
"""A repeat waits 2.5 s for the job of the submission it joined."""


def later(seconds: float, work: Any) -> threading.Timer:
    timer = threading.Timer(seconds, work)
    timer.start()
    return timer


def test_a_repeat_waits_for_the_first_requests_job(
    settings: Settings, fake: FakeRunPod, voices: Voices, ana: User
) -> None:
    voice_id = left_starting(voices, ana)
    ref = voices.db.collection("voices").document(voice_id)
    with TestClient(create_app(Settings(**{**settings.model_dump(), **QUICK}))) as client:
        recorded = later(0.5, lambda: ref.update({"jobId": "job-7"}))  # the first, slow
        answered = upload(client, ana.id_token, RECORDING)
        recorded.join()

    assert answered.json() == {"voice_id": voice_id, "job_id": "job-7"}
    assert fake.runs == []


@pytest.mark.parametrize("key", [None, "upload-1"], ids=["no-key", "idempotency-key"])
def test_a_repeat_whose_first_request_died_starts_the_voice_anew(
    settings: Settings, fake: FakeRunPod, voices: Voices, ana: User, key: str | None
) -> None:
    """No job comes for the submission joined: rather than 503 until the reconciler fails the
    voice, the repeat starts the same voice's next submission, and later repeats join that."""
    voice_id = left_starting(voices, ana, key)
    with TestClient(create_app(Settings(**{**settings.model_dump(), **QUICK}))) as client:
        answered = upload(client, ana.id_token, RECORDING, idempotency_key=key)
        again = upload(client, ana.id_token, RECORDING, idempotency_key=key)

    assert answered.status_code == 202, answered.text
    assert answered.json() == again.json() == {"voice_id": voice_id, "job_id": "job-1"}
    [run] = fake.runs
    assert (run["input"]["voice_id"], run["input"]["submission"]) == (voice_id, 2)
    voice = voices.get(voice_id)
    assert (voice["status"], voice["submission"], voice["jobId"]) == ("pending", 2, "job-1")
    assert voices.ids() == {voice_id}
    assert fake.cancelled == []  # the abandoned submission had no job


def test_a_repeat_whose_submission_was_superseded_meanwhile_is_told_to_retry(
    settings: Settings, fake: FakeRunPod, voices: Voices, ana: User
) -> None:
    voice_id = left_starting(voices, ana)
    ref = voices.db.collection("voices").document(voice_id)
    with TestClient(create_app(Settings(**{**settings.model_dump(), **QUICK}))) as client:
        tried_again = later(0.5, lambda: ref.update({"submission": 2, "request": "another"}))
        waited = upload(client, ana.id_token, RECORDING)
        tried_again.join()

    refusal(waited, 503, "voice_pending")
    assert waited.headers["Retry-After"]
    assert fake.runs == []


@pytest.fixture
def proxy(
    voices: Voices, firestore_env: FirestoreEmulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[GrpcProxy]:
    """The API's way to the emulator; `voices` keeps its own direct client for checking."""
    with GrpcProxy(firestore_env.host_port) as proxy:
        monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", proxy.host_port)
        yield proxy


@pytest.mark.parametrize("drop", [False, True], ids=["reset", "dropped"])
def test_a_new_voice_whose_commit_answer_was_lost_is_read_back_and_submitted(
    settings: Settings, proxy: GrpcProxy, fake: FakeRunPod, voices: Voices, ana: User, drop: bool
) -> None:
    """The commit that wrote the voice went through and its answer never came back: the voice
    is read back, found written, and its job submitted (not 503 with the voice left pending)."""
    through_proxy = {"firestore_emulator_host": proxy.host_port, "firestore_timeout_seconds": 2}
    with TestClient(create_app(Settings(**{**settings.model_dump(), **through_proxy}))) as client:
        plan = proxy.arm(COMMIT, drop=drop)
        answered = upload(client, ana.id_token, RECORDING)

    assert answered.status_code == 202, answered.text
    assert plan.done == 1  # the commit went through; its answer was lost
    voice_id = answered.json()["voice_id"]
    assert answered.json() == {"voice_id": voice_id, "job_id": "job-1"}
    assert len(fake.runs) == 1
    assert voices.ids() == {voice_id}
    voice = voices.get(voice_id)
    assert (voice["status"], voice["submission"], voice["jobId"]) == ("pending", 1, "job-1")


def test_a_voice_tried_again_whose_commit_answer_was_lost_is_read_back(
    settings: Settings, proxy: GrpcProxy, fake: FakeRunPod, voices: Voices, ana: User
) -> None:
    voices.create(
        "v1",
        userId=ana.uid,
        name="Grandma",
        language="en",
        status="failed",
        submission=1,
        jobId="job-0",
        error="x",
        errorSource="worker",
    )
    through_proxy = {"firestore_emulator_host": proxy.host_port, "firestore_timeout_seconds": 2}
    with TestClient(create_app(Settings(**{**settings.model_dump(), **through_proxy}))) as client:
        plan = proxy.arm(COMMIT)
        answered = upload(client, ana.id_token, RECORDING, voice_id="v1")

    assert answered.json() == {"voice_id": "v1", "job_id": "job-1"}, answered.text
    assert plan.done == 1
    voice = voices.get("v1")
    assert (voice["status"], voice["submission"], voice["jobId"]) == ("pending", 2, "job-1")
    assert "error" not in voice


@pytest.mark.parametrize(
    "unset",
    [
        {"callback_api_public_url": None},
        {"runpod_api_key": None, "runpod_endpoint_id": None, "callback_api_dev_mode": True},
        {"callback_signing_secret": None, "callback_api_dev_mode": True},
    ],
    ids=["public-url", "runpod", "signing-secret"],
)
def test_without_runpod_a_public_url_or_a_secret_voices_are_unavailable_and_nothing_written(
    settings: Settings, fake: FakeRunPod, voices: Voices, ana: User, unset: dict[str, Any]
) -> None:
    with TestClient(create_app(Settings(**{**settings.model_dump(), **unset}))) as client:
        response = upload(client, ana.id_token, RECORDING)

    refusal(response, 503, "narration_unavailable")  # narration's code: no jobs can be sent
    assert response.headers["Retry-After"]
    assert fake.runs == []
    assert voices.ids() == set()


@pytest.mark.parametrize("voice_id", [" v1", "v1 ", "\tv1", "v1\n"])
def test_a_voice_id_with_surrounding_whitespace_is_not_read_as_another(
    client: TestClient, fake: FakeRunPod, voices: Voices, ana: User, voice_id: str
) -> None:
    voices.create(
        "v1", userId=ana.uid, name="Grandma", language="en", status="failed", submission=1
    )
    refusal(upload(client, ana.id_token, RECORDING, voice_id=voice_id), 404, "voice_not_found")
    assert voices.get("v1")["submission"] == 1
    assert fake.runs == []


@pytest.mark.parametrize("user_id", [" user-7", "user-7 ", "\tuser-7"])
def test_a_user_id_with_surrounding_whitespace_is_refused(
    client: TestClient, fake: FakeRunPod, voices: Voices, ana: User, user_id: str
) -> None:
    body = refusal(upload(client, APP_KEY, RECORDING, user_id=user_id), 422, "invalid_request")
    assert body["field"] == "user_id"
    mine = refusal(
        upload(client, ana.id_token, RECORDING, user_id=f" {ana.uid}"), 422, "invalid_request"
    )
    assert mine["field"] == "user_id"
    assert fake.runs == []
    assert voices.ids() == set()


def test_an_idempotency_key_past_255_characters_is_refused(
    client: TestClient, fake: FakeRunPod, voices: Voices, ana: User
) -> None:
    response = upload(client, ana.id_token, RECORDING, idempotency_key="k" * 256)
    refusal(response, 422, "invalid_request")
    assert fake.runs == []
    assert voices.ids() == set()


def test_a_failed_voice_tried_again_forgets_its_error(
    client: TestClient, fake: FakeRunPod, signing_secret: str, voices: Voices, ana: User
) -> None:
    voice_id = created(client, ana)["voice_id"]
    send(client, signing_secret, failed(ana.uid, voice_id, "job-1", 1))
    created(client, ana, voice_id=voice_id)
    voice = voices.get(voice_id)
    assert voice["status"] == "pending"
    assert not {"error", "errorType", "errorDetails", "errorSource"} & set(voice)
    assert fake.cancelled == []  # the failed job was over


def test_another_users_voice_is_not_found(
    client: TestClient, auth_env: AuthEmulator, fake: FakeRunPod, voices: Voices, ana: User
) -> None:
    voice_id = created(client, ana)["voice_id"]
    ben = auth_env.sign_up("ben@example.com", "secret-password")
    refusal(upload(client, ben.id_token, RECORDING, voice_id=voice_id), 404, "voice_not_found")
    assert voices.get(voice_id)["userId"] == ana.uid
    assert len(fake.runs) == 1


@pytest.mark.parametrize(("status", "sentence"), [(500, BUSY), (401, MISCONFIGURED)])
def test_runpod_refusing_fails_the_voice(
    client: TestClient, fake: FakeRunPod, voices: Voices, ana: User, status: int, sentence: str
) -> None:
    fake.run_status = status
    body = refusal(upload(client, ana.id_token, RECORDING), 502, "submission_failed")
    assert body["error"] == sentence
    [voice_id] = voices.ids()
    voice = voices.get(voice_id)
    assert (voice["status"], voice["errorType"], voice["errorSource"]) == (
        "failed",
        "submission_failed",
        "submission",
    )
    assert voice["error"] == sentence


def test_the_webhook_fails_a_voice_whose_job_ended_without_a_callback(
    client: TestClient, fake: FakeRunPod, voices: Voices, ana: User
) -> None:
    voice_id = created(client, ana)["voice_id"]
    webhook = fake.runs[0]["webhook"].removeprefix(PUBLIC_URL)
    refusal(client.post(webhook + "x", json={}), 404, "not_found")

    claimed = {"id": "job-1", "status": "FAILED"}
    unconfirmed = client.post(webhook, json=claimed)  # RunPod still says IN_QUEUE
    assert unconfirmed.json() == {"success": True, "applied": False, "reason": "job_running"}
    fake.report(claimed)
    answer = client.post(webhook, json=claimed).json()
    assert answer == {"success": True, "applied": True, "error_type": "worker_lost"}
    voice = voices.get(voice_id)
    assert (voice["status"], voice["error"], voice["errorSource"]) == (
        "failed",
        LOST,
        "runpod_webhook",
    )


def test_the_webhook_makes_a_voice_ready_from_runpods_report_of_the_output(
    client: TestClient, fake: FakeRunPod, voices: Voices, ana: User
) -> None:
    voice_id = created(client, ana)["voice_id"]
    output = ready(ana.uid, voice_id, "job-1", None).model_dump(exclude={"job_id"})
    fake.report({"id": "job-1", "status": "COMPLETED", "output": output})
    webhook = fake.runs[0]["webhook"].removeprefix(PUBLIC_URL)
    answer = client.post(webhook, json={"id": "job-1", "status": "COMPLETED"}).json()
    assert answer == {"success": True, "applied": True}
    assert voices.get(voice_id)["sampleUrl"] == output["sample_url"]


def test_an_error_callback_naming_no_voice_is_not_found(
    client: TestClient, signing_secret: str, ana: User
) -> None:
    callback = failed(ana.uid, "v1", "job-1", 1).model_copy(update={"voice_id": None})
    refusal(send(client, signing_secret, callback), 404, "voice_not_found")


def test_the_endpoint_is_documented_as_a_multipart_upload(settings: Settings) -> None:
    documented = Settings(**{**settings.model_dump(), "api_docs_enabled": True})
    operation = create_app(documented).openapi()["paths"]["/api/tts/voices"]["post"]
    form = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["recording", "name"]
    assert set(form["properties"]) == {"recording", "name", "language", "voice_id", "user_id"}
    assert {"202", "401", "404", "422", "502", "503"} <= set(operation["responses"])
