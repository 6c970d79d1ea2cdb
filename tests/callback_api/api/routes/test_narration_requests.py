"""The narration endpoint's request itself: story ids taken exactly as given, a bounded body,
and an answer for every way a repeat can end, on the real Firestore and Auth emulators with
RunPod faked."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from callback_api.core.config import MAX_APP_BODY_BYTES
from callback_api.services.narration import Narrator
from callback_api.services.stories import Begun, StoryStore
from tests.helpers.callback_api import Stories
from tests.helpers.narration import TEXT, bearer, narrate, path, refusal
from tests.helpers.runpod_fake import FakeRunPod
from tools.auth_emulator import User


@pytest.mark.parametrize("given", ["%20abc", "abc%20", "%09abc"])
def test_a_story_id_that_only_normalises_to_a_story_is_not_that_story(
    client: TestClient, stories: Stories, runpod: FakeRunPod, ana: User, given: str
) -> None:
    # Ana owns " abc" (written by an admin: the rules refuse such ids) and Bob owns "abc": the
    # job's callbacks would name "abc", so " abc" must not be narrated as if it were it.
    stories.create("abc", userId="bob", text=TEXT, audioStatus="ready")

    refusal(narrate(client, given, ana.id_token), 404, "story_not_found")

    assert runpod.runs == []
    assert "audioSubmission" not in stories.get("abc")


def test_a_body_past_the_limit_is_refused_before_anything(
    client: TestClient, stories: Stories, runpod: FakeRunPod, ana: User
) -> None:
    stories.create("s1", userId=ana.uid, text=TEXT)
    oversized = b'{"text": "' + b"a" * MAX_APP_BODY_BYTES + b'"}'

    answer = client.post(
        path("s1"),
        content=oversized,
        headers=bearer(ana.id_token) | {"Content-Type": "application/json"},
    )

    refusal(answer, 413, "payload_too_large")
    assert runpod.runs == []
    assert "audioSubmission" not in stories.get("s1")


def test_an_oversized_body_is_refused_even_unauthenticated(client: TestClient) -> None:
    oversized = b'{"text": "' + b"a" * MAX_APP_BODY_BYTES + b'"}'

    answer = client.post(
        path("s1"), content=oversized, headers={"Content-Type": "application/json"}
    )

    refusal(answer, 413, "payload_too_large")


def test_a_restart_that_is_joined_again_without_a_job_answers_narration_pending(
    client: TestClient,
    stories: Stories,
    runpod: FakeRunPod,
    ana: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The first request died without a job, and when this one starts the story anew yet another
    # request gets there first and never records a job either: ask again later, never a 500.
    stories.create("s1", userId=ana.uid, text=TEXT)

    async def joined_every_time(self: StoryStore, story_id: str, gate: object) -> Begun:
        return Begun(submission=1, joined=True, previous_status="pending", previous_job_id=None)

    async def no_job(self: Narrator, story_id: str, begun: Begun) -> None:
        return None

    monkeypatch.setattr(StoryStore, "begin_request", joined_every_time)
    monkeypatch.setattr(Narrator, "_joined", no_job)

    answer = refusal(narrate(client, "s1", ana.id_token), 503, "narration_pending")

    assert "retry" in answer["error"]
    assert runpod.runs == []
