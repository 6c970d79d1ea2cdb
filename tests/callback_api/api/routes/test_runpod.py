"""RunPod's completion webhook over HTTP, against the Firestore emulator and, for RunPod's
own status API, a real local HTTP server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.core.webhooks import webhook_token, webhook_url
from callback_api.main import create_app
from shared.errors import JobCancelledError, JobTimedOutError, WorkerLostError
from shared.signing import generate_secret
from tests.helpers.callback_api import (
    Sender,
    Stories,
    error,
    progress,
    signed_callback,
    started,
    success,
)
from tests.helpers.runpod_fake import FakeRunPod
from tests.helpers.servers import Script, scripted_server
from tools.firestore_emulator import FirestoreEmulator

JOB = "job-a"


@dataclass
class Post:
    runpod: FakeRunPod

    def __call__(
        self,
        client: TestClient,
        secret: str,
        story_id: str,
        body: Any,
        submission: int | None = None,
        *,
        runpod_says: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """RunPod's post to the story's webhook; without `submission`, the URL of a job
        submitted before submission numbers (most cases below hold for both forms). RunPod's
        status API says what the body says, unless told otherwise (`runpod_says`): RunPod
        posts the job's status."""
        told = runpod_says or body
        if isinstance(told, dict) and "id" in told:
            self.runpod.report(told)
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return client.post(webhook_url("", secret, story_id, submission), content=content)


@pytest.fixture
def api_settings(production_settings: Settings) -> Settings:
    return production_settings


@pytest.fixture
def post(runpod: FakeRunPod) -> Post:
    return Post(runpod)


def completed(output: dict[str, Any], job_id: str = JOB) -> dict[str, Any]:
    return {"id": job_id, "status": "COMPLETED", "output": output, "executionTime": 1200}


def ended(status: str, job_id: str = JOB, **output: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": job_id, "status": status, "delayTime": 10}
    if status == "FAILED":
        body["error"] = "The narration could not be generated. Please try again."
    if output:
        body["output"] = output
    return body


# --- embedded signed callbacks ------------------------------------------------------------


def test_completed_job_with_its_signed_success_makes_the_story_ready(
    api_client: TestClient, signing_secret: str, stories: Stories, post: Post
) -> None:
    stories.create("s", audioStatus="processing")
    output = {"audio_url": "…", "callback": signed_callback(success("s"), signing_secret)}

    response = post(api_client, signing_secret, "s", completed(output))

    assert response.status_code == 200
    assert response.json() == {"success": True, "applied": True, "callback_type": "success"}
    story = stories.get("s")
    assert story["audioStatus"] == "ready"
    assert story["audioUrl"] == "https://audio.example/s/job-a.mp3"
    assert (story["audioJobId"], story["audioJobStartedAt"]) == (JOB, started(0))


def test_the_signed_success_carries_the_read_along_track(
    api_client: TestClient, signing_secret: str, stories: Stories, post: Post
) -> None:
    stories.create("s", audioStatus="processing")
    track = "https://audio.example/s/job-a.timings.json"
    output = {"callback": signed_callback(success("s", timings_url=track), signing_secret)}

    assert post(api_client, signing_secret, "s", completed(output)).json()["applied"] is True

    story = stories.get("s")
    assert (story["audioStatus"], story["audioTimingsUrl"]) == ("ready", track)


def test_failed_job_with_its_signed_error_fails_the_story_with_that_error(
    api_client: TestClient, signing_secret: str, stories: Stories, post: Post
) -> None:
    stories.create("s", audioStatus="processing")
    embedded = signed_callback(error("s"), signing_secret)
    body = ended("FAILED", error_type="voice_profile_missing", callback=embedded)

    response = post(api_client, signing_secret, "s", body)

    assert response.json() == {"success": True, "applied": True, "callback_type": "error"}
    story = stories.get("s")
    assert story["audioStatus"] == "failed"
    assert story["audioErrorMetadata"] == {"error_type": "voice_profile_missing", "stage": "voice"}


def test_the_local_api_form_without_id_or_status_is_enough(
    api_client: TestClient, signing_secret: str, stories: Stories, post: Post
) -> None:
    stories.create("s")
    body = {
        "output": {"status": "ready", "callback": signed_callback(success("s"), signing_secret)}
    }

    response = post(api_client, signing_secret, "s", body)

    assert response.json()["applied"] is True
    assert stories.get("s")["audioStatus"] == "ready"


def test_a_redelivered_callback_is_a_duplicate(
    api_client: TestClient, sender: Sender, signing_secret: str, stories: Stories, post: Post
) -> None:
    stories.create("s")
    sender.send(success("s"))
    before = stories.get("s")

    output = {"callback": signed_callback(success("s"), signing_secret)}

    response = post(api_client, signing_secret, "s", completed(output))

    assert response.json() == {
        "success": True,
        "applied": False,
        "reason": "duplicate",
        "callback_type": "success",
    }
    assert stories.get("s") == before


@pytest.mark.parametrize(("age_s", "applied"), [(1800, True), (3700, False)])
def test_embedded_callbacks_may_be_an_hour_old(
    api_client: TestClient,
    signing_secret: str,
    stories: Stories,
    age_s: int,
    applied: bool,
    post: Post,
) -> None:
    stories.create("s", audioStatus="processing")
    output = {"callback": signed_callback(success("s"), signing_secret, age_s=age_s)}

    response = post(api_client, signing_secret, "s", completed(output))

    assert response.json()["applied"] is applied
    assert stories.get("s")["audioStatus"] == ("ready" if applied else "processing")
    if not applied:
        assert response.json()["reason"] == "signature_expired"


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ("other secret", "signature_invalid"),
        ("other body", "signature_invalid"),
        ("no signature", "signature_missing"),
        ("not a callback", "invalid_callback"),
        ("lone surrogate in the body", "invalid_callback"),
        ("lone surrogate in a header", "signature_invalid"),
    ],
)
def test_an_unsigned_or_badly_signed_callback_changes_nothing(
    api_client: TestClient,
    signing_secret: str,
    stories: Stories,
    tamper: str,
    reason: str,
    post: Post,
) -> None:
    stories.create("s", audioStatus="processing")
    embedded = signed_callback(success("s"), signing_secret)
    if tamper == "other secret":
        embedded = signed_callback(success("s"), generate_secret())
    elif tamper == "other body":
        embedded["body"] = success("s", audio_url="https://evil.example/a.mp3").to_body().decode()
    elif tamper == "no signature":
        embedded["headers"] = {}
    elif tamper == "lone surrogate in the body":
        embedded["body"] = '{"story_id": "s\ud800"}'
    elif tamper == "lone surrogate in a header":
        embedded["headers"]["webhook-id"] = "msg_\ud800"
    else:
        embedded = {"type": "success", "body": "{}"}
    before = stories.get("s")

    for body in (completed({"callback": embedded}), {"output": {"callback": embedded}}):
        response = post(api_client, signing_secret, "s", body)
        assert response.status_code == 200
        assert response.json() == {"success": True, "applied": False, "reason": reason}

    assert stories.get("s") == before


def test_a_callback_for_another_story_changes_neither(
    api_client: TestClient, signing_secret: str, stories: Stories, post: Post
) -> None:
    stories.create("a", audioStatus="processing")
    stories.create("b", audioStatus="processing")
    before = stories.all_documents()
    output = {"callback": signed_callback(success("b"), signing_secret)}

    response = post(api_client, signing_secret, "a", completed(output))

    assert response.json() == {"success": True, "applied": False, "reason": "other_story"}
    assert stories.all_documents() == before


# --- jobs that ended without a callback ---------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("FAILED", WorkerLostError),
        ("TIMED_OUT", JobTimedOutError),
        ("CANCELLED", JobCancelledError),
    ],
)
@pytest.mark.parametrize("audio_status", ["pending", "processing"])
def test_a_job_that_ended_without_a_callback_fails_the_story_that_follows_it(
    api_client: TestClient,
    signing_secret: str,
    stories: Stories,
    status: str,
    expected: type[WorkerLostError],
    audio_status: str,
    post: Post,
) -> None:
    stories.create("s", audioStatus=audio_status, audioJobId=JOB, audioProgress=0.5)

    response = post(api_client, signing_secret, "s", ended(status))

    error_type = expected.error_type.value
    assert response.json() == {"success": True, "applied": True, "error_type": error_type}
    story = stories.get("s")
    assert story["audioStatus"] == "failed"
    assert story["audioError"] == expected.default_message
    assert story["audioErrorMetadata"] == {
        "error_type": error_type,
        "retryable": True,
        "source": "runpod_webhook",
        "runpod_status": status,
    }
    assert story["audioJobId"] == JOB
    assert post(api_client, signing_secret, "s", ended(status)).json()["reason"] == "duplicate"


@pytest.mark.parametrize(
    "fields",
    [
        {"audioStatus": "processing", "audioJobId": "job-b"},
        {"audioStatus": "processing"},
        {"audioStatus": "ready", "audioJobId": JOB},
        {"audioStatus": "failed", "audioJobId": JOB, "audioError": "signed"},
    ],
    ids=["another job", "no job", "ready", "failed"],
)
def test_an_inferred_failure_touches_no_other_job_and_no_finished_story(
    api_client: TestClient,
    signing_secret: str,
    stories: Stories,
    fields: dict[str, Any],
    post: Post,
) -> None:
    stories.create("s", **fields)
    before = stories.get("s")

    response = post(api_client, signing_secret, "s", ended("FAILED"))

    assert response.json()["applied"] is False
    assert response.json()["reason"] == "stale"
    assert stories.get("s") == before


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (completed({"audio_url": "https://audio.example/a.mp3"}), "no_callback"),
        ({"output": {"audio_url": "https://audio.example/a.mp3"}}, "no_callback"),
        (ended("IN_PROGRESS"), "job_running"),
        (ended("SOMETHING_NEW"), "unknown_status"),
        ({"status": "FAILED", "error": "boom"}, "no_job_id"),
        ([1, 2], "invalid_body"),
        (b"{not json", "invalid_body"),
        (b'{"output": "\xff"}', "invalid_body"),
        (b'{"output": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "invalid_body"),
    ],
    ids=[
        "completed",
        "local completed",
        "running",
        "unknown",
        "no id",
        "array",
        "not json",
        "not utf-8",
        "too deep",
    ],
)
def test_reports_that_settle_nothing_change_nothing(
    api_client: TestClient,
    signing_secret: str,
    stories: Stories,
    body: Any,
    reason: str,
    post: Post,
) -> None:
    stories.create("s", audioStatus="processing", audioJobId=JOB)
    before = stories.get("s")

    response = post(api_client, signing_secret, "s", body)

    assert response.status_code == 200
    assert response.json() == {"success": True, "applied": False, "reason": reason}
    assert stories.get("s") == before


def test_a_failed_job_whose_callback_does_not_count_is_still_a_lost_worker(
    api_client: TestClient, signing_secret: str, stories: Stories, post: Post
) -> None:
    stories.create("s", audioStatus="processing", audioJobId=JOB)
    body = ended("FAILED", callback=signed_callback(error("s"), generate_secret()))

    response = post(api_client, signing_secret, "s", body)

    assert response.json()["error_type"] == "worker_lost"
    assert stories.get("s")["audioErrorMetadata"]["source"] == "runpod_webhook"


# --- inferred failures are provisional ----------------------------------------------------


@pytest.mark.parametrize("later", ["success", "error"])
def test_a_later_signed_callback_of_the_same_job_supersedes_an_inferred_failure(
    api_client: TestClient,
    sender: Sender,
    signing_secret: str,
    stories: Stories,
    later: str,
    post: Post,
) -> None:
    stories.create("s")
    sender.send(progress("s", done=1))
    post(api_client, signing_secret, "s", ended("TIMED_OUT"))
    assert stories.get("s")["audioStatus"] == "failed"

    response = sender.send(success("s") if later == "success" else error("s"))

    assert response.json() == {"success": True, "applied": True}
    story = stories.get("s")
    if later == "success":
        assert story["audioStatus"] == "ready"
        assert not {"audioError", "audioErrorDetails", "audioErrorMetadata"} & set(story)
    else:
        assert story["audioErrorMetadata"] == {
            "error_type": "voice_profile_missing",
            "stage": "voice",
        }
    other = error("s", error="Another") if later == "success" else success("s")
    assert sender.send(other).json()["reason"] == "conflict"  # signed ones: the first wins


def test_an_inferred_failure_is_not_superseded_by_another_job_or_by_progress(
    api_client: TestClient, sender: Sender, signing_secret: str, stories: Stories, post: Post
) -> None:
    stories.create("s")
    sender.send(progress("s", job_id="job-b", at=5))
    post(api_client, signing_secret, "s", ended("FAILED", job_id="job-b"))
    before = stories.get("s")

    assert sender.send(success("s", job_id="job-a", at=0)).json()["reason"] == "stale"
    assert sender.send(progress("s", job_id="job-b", at=5, done=2)).json()["reason"] == "stale"
    assert stories.get("s") == before


# --- numbered submissions -------------------------------------------------------------------


def test_a_submissions_webhook_fails_its_story_before_the_job_id_is_recorded(
    api_client: TestClient, signing_secret: str, stories: Stories, post: Post
) -> None:
    """A worker that fails at once can end before the helper records its job id."""
    stories.create("s", audioSubmission=3)

    response = post(api_client, signing_secret, "s", ended("FAILED"), submission=3)

    assert response.json()["applied"] is True
    story = stories.get("s")
    assert (story["audioStatus"], story["audioJobId"], story["audioSubmission"]) == (
        "failed",
        JOB,
        3,
    )
    assert story["audioErrorMetadata"]["error_type"] == "worker_lost"


@pytest.mark.parametrize(
    "fields",
    [
        {"audioStatus": "pending", "audioSubmission": 4},
        {"audioStatus": "processing", "audioSubmission": 4, "audioJobId": "job-b"},
        {"audioStatus": "pending", "audioSubmission": 3, "audioJobId": "job-b"},
    ],
    ids=["newer submission pending", "newer submission processing", "another job of it"],
)
def test_a_webhook_of_another_submission_or_job_changes_nothing(
    api_client: TestClient,
    signing_secret: str,
    stories: Stories,
    fields: dict[str, Any],
    post: Post,
) -> None:
    stories.create("s", **fields)
    before = stories.get("s")

    response = post(api_client, signing_secret, "s", ended("FAILED"), submission=3)

    assert response.json()["reason"] == "stale"
    assert stories.get("s") == before


def test_an_unnumbered_webhook_cannot_fail_a_numbered_story_it_does_not_name(
    api_client: TestClient, signing_secret: str, stories: Stories, post: Post
) -> None:
    """The old job's webhook, arriving while the new submission waits for its job id."""
    stories.create("s", audioSubmission=2)
    before = stories.get("s")

    assert post(api_client, signing_secret, "s", ended("FAILED")).json()["reason"] == "stale"
    assert stories.get("s") == before


@pytest.mark.parametrize("submission", ["03", "0", "+3", "3.0", "٣", "9" * 5000, "9" * 20])
def test_a_submission_in_any_other_form_is_404(
    api_client: TestClient, signing_secret: str, stories: Stories, submission: str
) -> None:
    stories.create("s", audioStatus="processing", audioJobId=JOB, audioSubmission=3)
    token = webhook_token(signing_secret, "s", 3)

    response = api_client.post(f"/api/runpod/webhook/s/{submission}/{token}", json=ended("FAILED"))

    assert response.status_code == 404
    assert stories.get("s")["audioStatus"] == "processing"


def test_one_submissions_token_opens_no_other_submission(
    api_client: TestClient, signing_secret: str, stories: Stories
) -> None:
    stories.create("s", audioStatus="processing", audioJobId=JOB, audioSubmission=4)
    forged = [
        f"s/4/{webhook_token(signing_secret, 's', 3)}",  # an older submission's token
        f"s/4/{webhook_token(signing_secret, 's')}",  # the unnumbered token
        f"s/4/{webhook_token(signing_secret, 't', 4)}",  # another story's
    ]

    for path in forged:
        response = api_client.post(f"/api/runpod/webhook/{path}", json=ended("FAILED"))
        assert response.status_code == 404, path
    assert stories.get("s")["audioStatus"] == "processing"


# --- the token ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/runpod/webhook/s/forged",
        "/api/runpod/webhook/s/",
        "/api/runpod/webhook/s",
        "/api/runpod/webhook/__x__/t",
    ],
)
def test_a_wrong_token_is_404_without_detail_and_changes_nothing(
    api_client: TestClient, signing_secret: str, stories: Stories, path: str
) -> None:
    stories.create("s", audioStatus="processing", audioJobId=JOB)
    before = stories.get("s")

    response = api_client.post(path, json=ended("FAILED"))

    assert response.status_code == 404
    assert stories.get("s") == before


def test_one_storys_token_opens_no_other_story(
    api_client: TestClient, signing_secret: str, stories: Stories
) -> None:
    stories.create("a", audioStatus="processing", audioJobId=JOB)
    stories.create("b", audioStatus="processing", audioJobId=JOB)
    before = stories.all_documents()
    token_of_a = webhook_token(signing_secret, "a")

    response = api_client.post(f"/api/runpod/webhook/b/{token_of_a}", json=ended("FAILED"))

    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "not found", "error_type": "not_found"}
    assert stories.all_documents() == before


def test_a_token_of_another_secret_is_refused(
    api_client: TestClient, signing_secret: str, stories: Stories, post: Post
) -> None:
    stories.create("s", audioStatus="processing", audioJobId=JOB)

    response = post(api_client, generate_secret(), "s", ended("FAILED"))

    assert response.status_code == 404
    assert stories.get("s")["audioStatus"] == "processing"


def test_tokens_of_the_previous_secret_still_work_during_rotation(
    firestore_env: FirestoreEmulator, stories: Stories, post: Post, runpod: FakeRunPod
) -> None:
    old, new = generate_secret(), generate_secret()
    settings = Settings(
        callback_signing_secret=SecretStr(new),
        callback_signing_secret_previous=SecretStr(old),
        **runpod.settings(),
    )
    stories.create("s", audioStatus="processing", audioJobId=JOB)

    with TestClient(create_app(settings)) as client:
        assert post(client, old, "s", ended("FAILED")).json()["applied"] is True


def test_a_wrong_token_is_refused_before_the_body_is_read(
    api_client: TestClient, signing_secret: str, post: Post
) -> None:
    huge = b"x" * (2 * 1024 * 1024)

    assert api_client.post("/api/runpod/webhook/s/forged", content=huge).status_code == 404
    assert post(api_client, signing_secret, "s", huge).status_code == 413


def test_an_unknown_story_is_404(api_client: TestClient, signing_secret: str, post: Post) -> None:
    response = post(api_client, signing_secret, "ghost", ended("FAILED"))

    assert response.status_code == 404
    assert response.json() == {
        "success": False,
        "error": "story not found",
        "error_type": "story_not_found",
    }


def test_without_a_secret_no_webhook_url_is_valid(
    firestore_env: FirestoreEmulator, stories: Stories, post: Post
) -> None:
    stories.create("s", audioStatus="processing", audioJobId=JOB)

    with TestClient(create_app(Settings(callback_api_dev_mode=True))) as client:
        response = post(client, generate_secret(), "s", ended("FAILED"))

    assert response.status_code == 404
    assert stories.get("s")["audioStatus"] == "processing"


# --- a forged webhook ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("runpod_says", "reason"),
    [
        (ended("IN_PROGRESS"), "job_running"),
        (ended("IN_QUEUE"), "job_running"),
        (None, "unconfirmed"),
    ],
    ids=["running", "queued", "unknown to RunPod"],
)
def test_a_forged_failed_webhook_for_a_running_job_changes_nothing(
    api_client: TestClient,
    signing_secret: str,
    stories: Stories,
    runpod: FakeRunPod,
    runpod_says: dict[str, Any] | None,
    reason: str,
) -> None:
    """Whoever holds a submission's webhook URL can post anything to it: only RunPod's own
    status API decides that a job failed."""
    stories.create("s", audioStatus="processing", audioJobId=JOB, audioSubmission=3)
    if runpod_says is not None:
        runpod.report(runpod_says)
    before = stories.get("s")

    for forged in (ended("FAILED"), ended("CANCELLED"), ended("TIMED_OUT")):
        url = webhook_url("", signing_secret, "s", 3)
        response = api_client.post(url, json=forged)  # not reported to RunPod: forged
        assert response.json() == {"success": True, "applied": False, "reason": reason}
    assert runpod.asked == [JOB] * 3
    assert stories.get("s") == before


def test_without_runpods_api_no_failure_is_inferred_from_a_webhook(
    firestore_env: FirestoreEmulator, signing_secret: str, stories: Stories, post: Post
) -> None:
    """Local development without RunPod's API: the body alone is never believed; an embedded
    signed callback still counts."""
    settings = Settings(
        callback_signing_secret=SecretStr(signing_secret), callback_api_dev_mode=True
    )
    stories.create("s", audioStatus="processing", audioJobId=JOB)
    stories.create("t", audioStatus="processing", audioJobId=JOB)
    before = stories.get("s")

    with TestClient(create_app(settings)) as client:
        failed = post(client, signing_secret, "s", ended("FAILED"))
        signed = {"callback": signed_callback(success("t"), signing_secret)}
        succeeded = post(client, signing_secret, "t", completed(signed))

    assert failed.json() == {"success": True, "applied": False, "reason": "unconfirmed"}
    assert stories.get("s") == before
    assert succeeded.json()["applied"] is True
    assert stories.get("t")["audioStatus"] == "ready"


# --- confirmation with RunPod's API -------------------------------------------------------


@pytest.fixture
def runpod_script() -> Script:
    return Script([(200, {}, json.dumps({"id": JOB, "status": "IN_PROGRESS"}).encode())])


@pytest.fixture
def confirming_client(
    firestore_env: FirestoreEmulator, signing_secret: str, runpod_script: Script
) -> Iterator[TestClient]:
    with scripted_server(runpod_script) as base:
        settings = Settings(
            callback_signing_secret=SecretStr(signing_secret),
            runpod_api_key=SecretStr("rp_test_key"),
            runpod_endpoint_id="endpoint-1",
            runpod_api_base_url=f"{base}/v2",
            runpod_timeout_seconds=2,
            retry_after_seconds=10,
        )
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client


def answer(status: int, body: dict[str, Any] | None = None) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body or {}).encode()


def test_a_job_runpod_reports_still_running_changes_nothing(
    confirming_client: TestClient,
    signing_secret: str,
    stories: Stories,
    runpod_script: Script,
    post: Post,
) -> None:
    stories.create("s", audioStatus="processing", audioJobId=JOB)
    before = stories.get("s")

    response = post(confirming_client, signing_secret, "s", ended("FAILED"))

    assert response.json() == {"success": True, "applied": False, "reason": "job_running"}
    assert stories.get("s") == before
    [asked] = runpod_script.requests
    assert (asked.method, asked.path) == ("GET", f"/v2/endpoint-1/status/{JOB}")
    assert asked.headers["Authorization"] == "Bearer rp_test_key"


def test_runpods_confirmed_status_decides(
    confirming_client: TestClient,
    signing_secret: str,
    stories: Stories,
    runpod_script: Script,
    post: Post,
) -> None:
    stories.create("s", audioStatus="processing", audioJobId=JOB)
    runpod_script.responses = [answer(200, {"id": JOB, "status": "TIMED_OUT"})]

    response = post(confirming_client, signing_secret, "s", ended("FAILED"))

    assert response.json()["error_type"] == "job_timed_out"
    assert stories.get("s")["audioErrorMetadata"]["runpod_status"] == "TIMED_OUT"


def test_a_callback_in_runpods_confirmed_output_is_applied(
    confirming_client: TestClient,
    signing_secret: str,
    stories: Stories,
    runpod_script: Script,
    post: Post,
) -> None:
    stories.create("s", audioStatus="processing", audioJobId=JOB)
    output = {"callback": signed_callback(success("s"), signing_secret)}
    runpod_script.responses = [answer(200, completed(output))]

    response = post(confirming_client, signing_secret, "s", ended("FAILED"))

    assert response.json()["callback_type"] == "success"
    assert stories.get("s")["audioStatus"] == "ready"


def test_a_signed_callback_in_the_body_needs_no_confirmation(
    confirming_client: TestClient,
    signing_secret: str,
    stories: Stories,
    runpod_script: Script,
    post: Post,
) -> None:
    stories.create("s", audioStatus="processing", audioJobId=JOB)
    output = {"callback": signed_callback(success("s"), signing_secret)}

    assert post(confirming_client, signing_secret, "s", completed(output)).json()["applied"]
    assert runpod_script.requests == []


def test_a_job_runpod_does_not_know_changes_nothing(
    confirming_client: TestClient,
    signing_secret: str,
    stories: Stories,
    runpod_script: Script,
    post: Post,
) -> None:
    stories.create("s", audioStatus="processing", audioJobId=JOB)
    runpod_script.responses = [answer(404, {"error": "job not found"})]

    response = post(confirming_client, signing_secret, "s", ended("FAILED"))

    assert response.json() == {"success": True, "applied": False, "reason": "unconfirmed"}
    assert stories.get("s")["audioStatus"] == "processing"


@pytest.mark.parametrize("status", [500, 401])
def test_runpod_unavailable_is_503_so_that_runpod_retries(
    confirming_client: TestClient,
    signing_secret: str,
    stories: Stories,
    runpod_script: Script,
    status: int,
    post: Post,
) -> None:
    stories.create("s", audioStatus="processing", audioJobId=JOB)
    runpod_script.responses = [answer(status)]

    response = post(confirming_client, signing_secret, "s", ended("FAILED"))

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    assert response.json() == {
        "success": False,
        "error": "runpod unavailable, retry later",
        "error_type": "runpod_unavailable",
    }
    assert stories.get("s")["audioStatus"] == "processing"


def test_the_webhook_is_counted_and_documented(
    docs_client: TestClient, signing_secret: str, stories: Stories, post: Post
) -> None:
    stories.create("s", audioStatus="processing", audioJobId=JOB)
    post(docs_client, signing_secret, "s", ended("CANCELLED"))

    metrics = docs_client.get("/metrics").text
    assert 'tts_callbacks_total{outcome="applied",type="runpod_webhook"} 1.0' in metrics
    schema = docs_client.get("/openapi.json").json()
    assert "/api/runpod/webhook/{story_id}/{token}" in schema["paths"]
