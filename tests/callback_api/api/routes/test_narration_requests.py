"""The narration endpoint's request itself: story ids taken exactly as given, and a bounded
body, on the real Firestore and Auth emulators with RunPod faked."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from callback_api.core.config import MAX_APP_BODY_BYTES
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
