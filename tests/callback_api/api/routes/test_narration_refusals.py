"""The narration endpoint's refusals past the door: per-user limits (429 + `Retry-After`),
RunPod refusing or not answering (502, the story failed), and voices by `voice_id`."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from google.cloud.firestore import Client

from callback_api.core.config import Settings
from callback_api.services.submission import CONFIGURATION_MESSAGE
from shared.errors import SubmissionFailedError
from tests.helpers.callback_api import Stories
from tests.helpers.narration import TEXT, api, narrate, narration_settings, refusal
from tests.helpers.runpod_fake import FakeRunPod
from tools.auth_emulator import AuthEmulator, User
from tools.firestore_emulator import free_port


@pytest.fixture
def settings(auth_env: AuthEmulator, signing_secret: str, fake: FakeRunPod) -> Settings:
    return narration_settings(
        signing_secret,
        fake,
        max_active_narrations_per_user=2,
        max_submissions_per_user_per_hour=3,
    )


@pytest.fixture
def story(stories: Stories, ana: User) -> str:
    stories.create("story-1", userId=ana.uid, text=TEXT, audioStatus="ready")
    return "story-1"


def retry_after(response: Any) -> int:
    refusal(response, 429, "rate_limited")
    return int(response.headers["Retry-After"])


def test_stories_in_flight_are_limited_per_user_but_try_again_is_not(
    auth_env: AuthEmulator,
    signing_secret: str,
    fake: FakeRunPod,
    stories: Stories,
    ana: User,
    story: str,
) -> None:
    stories.create("others", userId="someone-else", text=TEXT, audioStatus="processing")
    settings = narration_settings(signing_secret, fake, max_active_narrations_per_user=2)
    with api(settings) as client:
        for n in range(2):
            stories.create(f"busy-{n}", userId=ana.uid, text=TEXT)
            assert narrate(client, f"busy-{n}", ana.id_token).status_code == 202
        before = stories.all_documents()

        assert retry_after(narrate(client, story, ana.id_token)) == 30
        assert stories.all_documents() == before  # a refusal writes nothing, counts nothing
        again = narrate(client, "busy-0", ana.id_token, **{"Idempotency-Key": "again"})
        assert again.status_code == 202  # it replaces itself
        stories.db.collection("stories").document("busy-1").update({"audioStatus": "ready"})
        assert narrate(client, story, ana.id_token).status_code == 202  # busy-1 has ended

    assert [run["input"]["story_id"] for run in fake.runs] == [
        "busy-0",
        "busy-1",
        "busy-0",
        story,
    ]


def test_submissions_per_hour_are_limited_per_user(
    client: TestClient, fake: FakeRunPod, stories: Stories, ana: User, story: str
) -> None:
    for n in range(3):
        key = {"Idempotency-Key": f"k{n}"}
        assert narrate(client, story, ana.id_token, **key).status_code == 202
    before = stories.get(story)

    wait_s = retry_after(narrate(client, story, ana.id_token, **{"Idempotency-Key": "k3"}))

    assert abs(wait_s - (3600 - time.time() % 3600)) < 5  # until the clock hour ends
    assert stories.get(story) == before
    assert len(fake.runs) == 3
    again = narrate(client, story, ana.id_token, **{"Idempotency-Key": "k2"})
    assert again.json()["job_id"] == "job-3"  # a repeat takes nothing


def test_runpod_refusing_the_job_fails_the_story_and_answers_502(
    client: TestClient, fake: FakeRunPod, stories: Stories, ana: User, story: str
) -> None:
    fake.run_status = 500

    body = refusal(narrate(client, story, ana.id_token), 502, "submission_failed")

    assert body["error"] == SubmissionFailedError.default_message
    saved = stories.get(story)
    assert (saved["audioStatus"], saved["audioSubmission"]) == ("failed", 1)
    assert saved["audioError"] == body["error"]
    assert saved["audioErrorMetadata"]["error_type"] == "submission_failed"
    assert saved["audioErrorMetadata"]["source"] == "submission"


def test_runpod_refusing_our_key_says_it_is_a_configuration_problem(
    client: TestClient, fake: FakeRunPod, stories: Stories, ana: User, story: str
) -> None:
    fake.run_status = 401

    body = refusal(narrate(client, story, ana.id_token), 502, "submission_failed")

    assert body["error"] == CONFIGURATION_MESSAGE
    assert stories.get(story)["audioStatus"] == "failed"


def test_runpod_not_answering_fails_the_story_and_answers_502(
    auth_env: AuthEmulator, signing_secret: str, fake: FakeRunPod, stories: Stories, ana: User
) -> None:
    stories.create("story-1", userId=ana.uid, text=TEXT)
    closed = f"http://127.0.0.1:{free_port()}/v2"
    with api(narration_settings(signing_secret, fake, runpod_api_base_url=closed)) as client:
        refusal(narrate(client, "story-1", ana.id_token), 502, "submission_failed")

    assert stories.get("story-1")["audioStatus"] == "failed"


def voice(db: Client, voice_id: str, **fields: Any) -> None:
    db.collection("voices").document(voice_id).set(fields)


def test_a_ready_voice_of_the_user_becomes_the_jobs_voice(
    client: TestClient, fake: FakeRunPod, firestore_db: Client, ana: User, story: str
) -> None:
    key = f"voices/{ana.uid}/v1/profile.npz"
    voice(firestore_db, "v1", userId=ana.uid, status="ready", profileKey=key)

    assert narrate(client, story, ana.id_token, {"voice_id": "v1"}).status_code == 202

    job = fake.runs[0]["input"]
    assert (job["voice_id"], job["voice_storage_key"]) == ("v1", key)


def test_a_voice_not_found_not_the_users_or_not_ready_is_refused_before_anything(
    client: TestClient,
    fake: FakeRunPod,
    firestore_db: Client,
    stories: Stories,
    ana: User,
    story: str,
) -> None:
    key = f"voices/{ana.uid}/v2/profile.npz"
    voice(firestore_db, "theirs", userId="someone-else", status="ready", profileKey=key)
    voice(firestore_db, "pending", userId=ana.uid, status="processing")
    before = stories.all_documents()

    answers = {
        voice_id: narrate(client, story, ana.id_token, {"voice_id": voice_id})
        for voice_id in ("missing", "theirs", "a/b", "pending")
    }

    assert refusal(answers["missing"], 404, "voice_not_found") == refusal(
        answers["theirs"], 404, "voice_not_found"
    )
    refusal(answers["a/b"], 404, "voice_not_found")
    assert refusal(answers["pending"], 422, "voice_not_ready")["field"] == "voice_id"
    both = {"voice_id": "theirs", "voice_storage_key": key}
    refusal(narrate(client, story, ana.id_token, both), 422, "invalid_request")
    assert fake.runs == []
    assert stories.all_documents() == before
