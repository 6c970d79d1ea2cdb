"""The three callback endpoints over HTTP, against the Firestore emulator."""

from __future__ import annotations

import json
import time
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from shared.signing import generate_secret, sign
from tests.helpers.callback_api import (
    JSON,
    PATHS,
    Sender,
    Stories,
    error,
    progress,
    started,
    subset,
    success,
)


def test_error_callback_writes_the_failure(sender: Sender, stories: Stories) -> None:
    stories.create("story-1", audioStatus="processing")

    response = sender.send(error("story-1", job_id="job-a"))

    assert response.status_code == 200
    assert response.json() == {"success": True, "applied": True}
    story = stories.get("story-1")
    assert subset(story, {"audioStatus": 1, "audioError": 1, "audioErrorDetails": 1}) == {
        "audioStatus": "failed",
        "audioError": "The selected voice was not found. Please record or choose a voice again.",
        "audioErrorDetails": "voice profile voice-1 missing",
    }
    assert story["audioJobId"] == "job-a"
    assert story["audioJobStartedAt"] == started(0)
    assert story["audioErrorMetadata"] == {"error_type": "voice_profile_missing", "stage": "voice"}
    assert isinstance(story["updatedAt"], datetime)
    assert story["title"] == "The Fox and the Moon"


def test_error_callback_without_metadata_writes_no_metadata(
    sender: Sender, stories: Stories
) -> None:
    stories.create("story-1", audioStatus="processing")

    assert sender.send(error("story-1", metadata=None, error_details=None)).status_code == 200

    story = stories.get("story-1")
    assert story["audioStatus"] == "failed"
    assert "audioErrorMetadata" not in story
    assert story["audioErrorDetails"] is None


def test_success_callback_writes_the_audio_and_clears_errors(
    sender: Sender, stories: Stories
) -> None:
    stories.create(
        "story-1",
        audioStatus="processing",
        audioError="old",
        audioErrorDetails="old details",
        audioErrorMetadata={"error_type": "internal_error"},
    )

    response = sender.send(success("story-1", metadata={"language": "en"}))

    assert response.json() == {"success": True, "applied": True}
    story = stories.get("story-1")
    assert story["audioStatus"] == "ready"
    assert story["audioUrl"] == "https://audio.example/story-1/job-a.mp3"
    assert story["audioDuration"] == 93.25
    assert story["audioJobId"] == "job-a"
    assert story["audioMetadata"] == {
        "language": "en",
        "storageKey": "stories/story-1/job-a.mp3",
        "format": "mp3",
        "sampleRate": 24000,
        "chunkCount": 4,
        "engine": "piper",
        "voiceId": "voice-1",
    }
    assert not {"audioError", "audioErrorDetails", "audioErrorMetadata"} & set(story)
    assert isinstance(story["updatedAt"], datetime)


def test_progress_callback_writes_the_fraction(sender: Sender, stories: Stories) -> None:
    stories.create("story-1")

    response = sender.send(progress("story-1", done=3, total=8, stage="generating"))

    assert response.json() == {"success": True, "applied": True}
    story = stories.get("story-1")
    assert subset(story, {"audioStatus": 1, "audioProgress": 1, "audioProgressStage": 1}) == {
        "audioStatus": "processing",
        "audioProgress": 0.375,
        "audioProgressStage": "generating",
    }
    assert story["audioJobId"] == "job-a"
    assert isinstance(story["updatedAt"], datetime)


def test_the_seed_payload_still_works_when_signed(sender: Sender, stories: Stories) -> None:
    stories.create("test_story_123", audioStatus="processing")
    body = json.dumps(
        {"story_id": "test_story_123", "error": "Voice profile not found", "user_id": "u-456"}
    ).encode()

    response = sender.post("/api/tts/error-callback", body)

    assert response.status_code == 200
    assert response.json()["success"] is True
    story = stories.get("test_story_123")
    assert story["audioStatus"] == "failed"
    assert story["audioError"] == "Voice profile not found"
    assert "audioJobId" not in story


def test_stale_callback_is_answered_200_without_a_write(sender: Sender, stories: Stories) -> None:
    stories.create("story-1")
    sender.send(progress("story-1", job_id="job-b", at=10))
    before = stories.get("story-1")

    response = sender.send(error("story-1", job_id="job-a", at=0))

    assert response.status_code == 200
    assert response.json() == {"success": True, "applied": False, "reason": "stale"}
    assert stories.get("story-1") == before


def test_identical_repeat_is_a_duplicate(sender: Sender, stories: Stories) -> None:
    stories.create("story-1")
    sender.send(success("story-1"))
    before = stories.get("story-1")

    response = sender.send(success("story-1"))

    assert response.json() == {"success": True, "applied": False, "reason": "duplicate"}
    assert stories.get("story-1") == before


def test_conflicting_terminal_from_the_same_job_is_ignored(
    sender: Sender, stories: Stories
) -> None:
    stories.create("story-1")
    sender.send(success("story-1"))
    before = stories.get("story-1")

    response = sender.send(error("story-1"))

    assert response.json() == {"success": True, "applied": False, "reason": "conflict"}
    assert stories.get("story-1") == before


def test_unknown_story_is_404_and_creates_nothing(sender: Sender, stories: Stories) -> None:
    stories.create("story-1")

    for callback in (error("nope"), success("nope"), progress("nope")):
        response = sender.send(callback)
        assert response.status_code == 404
        assert response.json() == {
            "success": False,
            "error": "story not found",
            "error_type": "story_not_found",
        }

    assert stories.ids() == {"story-1"}


@pytest.mark.parametrize(
    "story_id",
    [
        "a/b",
        "../stories/x",
        "..",
        ".",
        "__x__",
        "__name__",
        "stories/story-1",
        "story 1",
        "story\n1",
        "",
        "x" * 129,
        "é",
    ],
)
def test_unsafe_story_ids_get_422_and_no_write(
    sender: Sender, stories: Stories, story_id: str
) -> None:
    stories.create("story-1")
    before = stories.all_documents()

    for path in PATHS.values():
        body = json.dumps(
            {
                "story_id": story_id,
                "error": "boom",
                "job_id": "job-a",
                "job_started_at": started(0).isoformat(),
                "audio_url": "https://audio.example/a.mp3",
                "duration_seconds": 1.0,
                "chunks_done": 1,
                "chunks_total": 2,
            }
        ).encode()
        response = sender.post(path, body)
        assert response.status_code == 422, path
        assert response.json()["success"] is False
        assert "story_id" in response.json()["error"]

    assert stories.all_documents() == before


def test_422_does_not_echo_the_input(sender: Sender, stories: Stories) -> None:
    body = json.dumps({"story_id": "a/secret-looking-value", "error": "x"}).encode()

    response = sender.post("/api/tts/error-callback", body)

    assert response.status_code == 422
    assert "secret-looking-value" not in response.text


def test_malformed_json_with_a_valid_signature_is_422(sender: Sender) -> None:
    response = sender.post("/api/tts/error-callback", b'{"story_id": ')

    assert response.status_code == 422
    assert response.json()["success"] is False


@pytest.mark.parametrize("path", list(PATHS.values()))
def test_missing_signature_is_401_and_no_write(
    api_client: TestClient, stories: Stories, path: str
) -> None:
    stories.create("story-1")
    before = stories.get("story-1")
    body = error("story-1").to_body()

    response = api_client.post(path, content=body, headers=JSON)

    assert response.status_code == 401
    assert response.json() == {
        "success": False,
        "error": "invalid or missing signature",
        "error_type": "invalid_signature",
    }
    assert stories.get("story-1") == before


def test_the_seed_curl_unsigned_gets_401(api_client: TestClient, stories: Stories) -> None:
    stories.create("test_story_123", audioStatus="processing")
    before = stories.get("test_story_123")

    response = api_client.post(
        "/api/tts/error-callback",
        json={
            "story_id": "test_story_123",
            "error": "Voice profile not found",
            "user_id": "test_user_456",
        },
    )

    assert response.status_code == 401
    assert stories.get("test_story_123") == before


def test_unsigned_malformed_body_is_401_not_422(api_client: TestClient) -> None:
    response = api_client.post("/api/tts/progress", content=b"{not json", headers=JSON)

    assert response.status_code == 401


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "other body", "other id", "other timestamp", "garbage signature"],
)
def test_invalid_signature_is_401_and_no_write(
    api_client: TestClient, stories: Stories, signing_secret: str, tamper: str
) -> None:
    stories.create("story-1")
    before = stories.get("story-1")
    body = error("story-1").to_body()
    headers = {**JSON, **sign(signing_secret, body)}
    if tamper == "wrong secret":
        headers |= sign(generate_secret(), body)
    elif tamper == "other body":
        body = error("story-1", error="Something else").to_body()
    elif tamper == "other id":
        headers["webhook-id"] = "msg_other"
    elif tamper == "other timestamp":
        headers["webhook-timestamp"] = str(int(headers["webhook-timestamp"]) - 1)
    else:
        headers["webhook-signature"] = "v1"

    response = api_client.post("/api/tts/error-callback", content=body, headers=headers)

    assert response.status_code == 401
    assert stories.get("story-1") == before


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_expired_or_future_timestamp_is_401_and_no_write(
    sender: Sender, stories: Stories, signing_secret: str, offset: int
) -> None:
    stories.create("story-1")
    before = stories.get("story-1")
    body = error("story-1").to_body()
    headers = {**JSON, **sign(signing_secret, body, timestamp=time.time() + offset)}

    response = sender.client.post("/api/tts/error-callback", content=body, headers=headers)

    assert response.status_code == 401
    assert stories.get("story-1") == before


def test_timestamp_within_five_minutes_is_accepted(
    sender: Sender, stories: Stories, signing_secret: str
) -> None:
    stories.create("story-1")
    body = error("story-1").to_body()
    headers = {**JSON, **sign(signing_secret, body, timestamp=time.time() - 290)}

    response = sender.client.post("/api/tts/error-callback", content=body, headers=headers)

    assert response.status_code == 200
    assert stories.get("story-1")["audioStatus"] == "failed"


def test_body_over_64_kib_is_413_and_no_write(sender: Sender, stories: Stories) -> None:
    stories.create("story-1")
    before = stories.get("story-1")
    body = json.dumps({"story_id": "story-1", "error": "x" * (64 * 1024)}).encode()

    response = sender.post("/api/tts/error-callback", body)

    assert response.status_code == 413
    assert response.json()["success"] is False
    assert stories.get("story-1") == before


def test_streamed_body_over_64_kib_is_413(sender: Sender, stories: Stories) -> None:
    stories.create("story-1")
    chunks = [b'{"story_id": "story-1", "error": "', b"x" * 40_000, b"x" * 40_000, b'"}']

    response = sender.client.post("/api/tts/error-callback", content=iter(chunks), headers=JSON)

    assert response.status_code == 413
    assert stories.get("story-1")["audioStatus"] == "pending"


def test_body_of_exactly_64_kib_is_accepted(sender: Sender, stories: Stories) -> None:
    """The limit is on bytes read; a valid callback padded with JSON whitespace reaches it."""
    stories.create("story-1")
    body = error("story-1").to_body()
    body = body[:-1] + b" " * (64 * 1024 - len(body)) + b"}"
    assert len(body) == 64 * 1024

    assert sender.post("/api/tts/error-callback", body).status_code == 200


def test_openapi_documents_the_three_callbacks_and_their_headers(docs_client: TestClient) -> None:
    schema = docs_client.get("/openapi.json").json()

    for path, model in [
        ("/api/tts/callback", "TTSSuccessCallbackRequest"),
        ("/api/tts/error-callback", "TTSErrorCallbackRequest"),
        ("/api/tts/progress", "TTSProgressCallbackRequest"),
    ]:
        operation = schema["paths"][path]["post"]
        body_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert body_ref.endswith(model)
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
        assert {"200", "401", "404", "413", "422", "503"} <= set(operation["responses"])
    assert docs_client.get("/docs").status_code == 200


# Firestore refuses a document over 1 MiB; these stories leave little room for the audio fields.
ROOM_FOR_LEAN_FIELDS = 1_046_000
NO_ROOM = 1_048_300


@pytest.mark.parametrize("kind", ["success", "error"])
def test_a_write_firestore_refuses_is_retried_without_the_pass_through_metadata(
    sender: Sender, stories: Stories, kind: str
) -> None:
    stories.create("s", audioStatus="processing", text="x" * ROOM_FOR_LEAN_FIELDS)
    metadata = {"pad": "m" * 15_000, "error_type": "generation_failed", "stage": "generation"}
    callback = (
        success("s", metadata=metadata)
        if kind == "success"
        else error("s", metadata=metadata, error_details="d" * 3000)
    )

    response = sender.send(callback)

    assert response.json() == {"success": True, "applied": True}
    story = stories.get("s")
    if kind == "success":
        assert story["audioStatus"] == "ready"
        assert story["audioMetadata"]["storageKey"] == "stories/s/job-a.mp3"
        assert "pad" not in story["audioMetadata"]
    else:
        assert story["audioStatus"] == "failed"
        assert story["audioErrorMetadata"] == {
            "error_type": "generation_failed",
            "stage": "generation",
        }
        assert story["audioErrorDetails"] is None
    assert sender.send(callback).json()["reason"] == "duplicate"


def test_a_write_refused_even_without_metadata_is_422_not_500(
    sender: Sender, stories: Stories
) -> None:
    stories.create("s", audioStatus="processing", text="x" * NO_ROOM)
    before = stories.get("s")

    response = sender.send(success("s", metadata={"pad": "m" * 15_000}))

    assert response.status_code == 422
    assert response.json() == {
        "success": False,
        "error": "the story could not be written",
        "error_type": "firestore_refused",
    }
    assert stories.get("s") == before
