"""`POST /api/tts/stories/{story_id}/narration` against the real Firestore and Auth emulators,
with RunPod faked (`tests/helpers/runpod_fake.py`, jobs taken and left queued)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.deadlines import execution_timeout_s, job_deadline_s
from tests.helpers.auth import emulator_token
from tests.helpers.callback_api import Stories
from tests.helpers.firestore import FIRESTORE_PROJECT_ID
from tests.helpers.narration import (
    CURRENT_KEY,
    PREVIOUS_KEY,
    PUBLIC_URL,
    TEXT,
    api,
    narrate,
    narration_settings,
    refusal,
)
from tests.helpers.runpod_fake import FakeRunPod
from tools.auth_emulator import AuthEmulator, User


@pytest.fixture
def story(stories: Stories, ana: User) -> str:
    stories.create("story-1", userId=ana.uid, text=TEXT, audioStatus="ready")
    return "story-1"


def test_the_owner_starts_a_narration_of_the_storys_text(
    client: TestClient, fake: FakeRunPod, stories: Stories, ana: User, story: str
) -> None:
    response = narrate(client, story, ana.id_token)

    assert response.status_code == 202, response.text
    assert response.json() == {"story_id": story, "submission": 1, "job_id": "job-1"}
    [run] = fake.runs
    deadline = job_deadline_s(len(TEXT))
    assert run["input"] == {
        "text": TEXT,
        "story_id": story,
        "user_id": ana.uid,
        "callback_url": f"{PUBLIC_URL}/api/tts/callback",
        "deadline_s": deadline,
        "submission": 1,
    }
    assert run["webhook"].startswith(f"{PUBLIC_URL}/api/runpod/webhook/{story}/1/")
    assert run["policy"] == {"executionTimeout": execution_timeout_s(deadline) * 1000}
    saved = stories.get(story)
    assert (saved["audioStatus"], saved["audioSubmission"], saved["audioJobId"]) == (
        "pending",
        1,
        "job-1",
    )
    assert len(saved["audioRequest"]) == 64
    assert TEXT not in str(saved["audioRequest"])


def test_the_bodys_fields_become_the_jobs(
    client: TestClient, fake: FakeRunPod, ana: User, story: str
) -> None:
    body = {
        "text": "Another text.",
        "language": "de",
        "format": "opus",
        "pronunciations": {"Anhalt": "AN-halt"},
        "reuse_chunks": False,
    }
    assert narrate(client, story, ana.id_token, body).status_code == 202

    job = fake.runs[0]["input"]
    assert job["text"] == "Another text."
    assert job["language"] == "de"
    assert (job["output_format"], job["pronunciations"], job["reuse_chunks"]) == (
        "opus",
        {"Anhalt": "AN-halt"},
        False,
    )


@pytest.mark.parametrize(
    "token",
    [
        None,
        "not-a-token",
        emulator_token(FIRESTORE_PROJECT_ID, "u1", exp=int(time.time()) - 120),
        emulator_token("demo-other", "u1"),
    ],
    ids=["missing", "malformed", "expired", "another-project"],
)
def test_without_a_valid_token_nothing_happens(
    client: TestClient, fake: FakeRunPod, stories: Stories, story: str, token: str | None
) -> None:
    before = stories.all_documents()

    response = narrate(client, story, token)

    refusal(response, 401, "unauthenticated")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert fake.runs == []
    assert stories.all_documents() == before


def test_another_users_story_is_not_found_like_a_missing_one(
    client: TestClient, fake: FakeRunPod, stories: Stories, auth_env: AuthEmulator, story: str
) -> None:
    bob = auth_env.sign_up("bob@example.com", "secret-password")
    stories.create("unowned", text=TEXT)
    before = stories.all_documents()

    answers = [narrate(client, s, bob.id_token) for s in (story, "missing", "unowned", "a.b")]

    bodies = [refusal(answer, 404, "story_not_found") for answer in answers]
    assert all(body == bodies[0] for body in bodies)
    assert fake.runs == []
    assert stories.all_documents() == before


@pytest.mark.parametrize("key", [CURRENT_KEY, PREVIOUS_KEY], ids=["current", "previous"])
def test_an_app_key_acts_for_the_user_in_the_body(
    client: TestClient, fake: FakeRunPod, ana: User, story: str, key: str
) -> None:
    response = narrate(client, story, key, {"user_id": ana.uid})

    assert response.status_code == 202, response.text
    assert fake.runs[0]["input"]["user_id"] == ana.uid


def test_an_app_key_needs_a_user_and_a_user_cannot_act_for_another(
    client: TestClient, fake: FakeRunPod, ana: User, story: str
) -> None:
    no_user = refusal(narrate(client, story, CURRENT_KEY), 422, "invalid_request")
    other = narrate(client, story, ana.id_token, {"user_id": "someone-else"})

    assert no_user["field"] == "user_id"
    assert refusal(other, 422, "invalid_request")["field"] == "user_id"
    not_theirs = narrate(client, story, CURRENT_KEY, {"user_id": "someone-else"})
    refusal(not_theirs, 404, "story_not_found")
    assert fake.runs == []


def test_an_unknown_body_field_is_refused(
    client: TestClient, fake: FakeRunPod, ana: User, story: str
) -> None:
    response = narrate(client, story, ana.id_token, {"txt": "typo"})

    answer = refusal(response, 422, "invalid_request")
    assert "txt" in answer["error"]
    assert answer["field"] == "txt"
    assert fake.runs == []


@pytest.mark.parametrize(
    ("body", "error_type"),
    [
        ({"text": "   "}, "text_empty"),
        ({"format": "flac"}, "invalid_input"),
        ({"language": "no language!"}, "invalid_input"),
        ({"voice_storage_key": "voices/someone-else/v1/profile.npz"}, "invalid_input"),
        ({"text": "x" * 1_000_001}, "invalid_input"),
    ],
    ids=["empty-text", "format", "language", "another-users-voice", "too-long"],
)
def test_text_and_voice_are_refused_as_the_worker_would_before_anything_is_written(
    client: TestClient,
    fake: FakeRunPod,
    stories: Stories,
    ana: User,
    story: str,
    body: dict[str, Any],
    error_type: str,
) -> None:
    before = stories.all_documents()

    refusal(narrate(client, story, ana.id_token, body), 422, error_type)

    assert fake.runs == []
    assert stories.all_documents() == before


def test_a_story_without_text_is_refused(
    client: TestClient, fake: FakeRunPod, stories: Stories, ana: User
) -> None:
    stories.create("empty", userId=ana.uid, text=None)

    body = refusal(narrate(client, "empty", ana.id_token), 422, "text_empty")

    assert body["field"] == "text"
    assert fake.runs == []


def test_without_runpod_or_a_public_url_narration_is_unavailable(
    auth_env: AuthEmulator, signing_secret: str, fake: FakeRunPod, ana: User, story: str
) -> None:
    settings = narration_settings(signing_secret, fake, callback_api_public_url=None)
    with api(settings) as client:
        response = narrate(client, story, ana.id_token)

    refusal(response, 503, "narration_unavailable")
    assert "Retry-After" in response.headers
    assert fake.runs == []
