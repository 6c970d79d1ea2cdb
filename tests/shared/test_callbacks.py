"""The callback contract models shared by the worker and the API."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from shared.callbacks import (
    MAX_BODY_BYTES,
    MAX_CALLBACK_METADATA_BYTES,
    MAX_ERROR_CHARS,
    MAX_ERROR_DETAILS_CHARS,
    MAX_JOB_METADATA_BYTES,
    JobMetadata,
    TTSCallbackResponse,
    TTSErrorCallbackRequest,
    TTSProgressCallbackRequest,
    TTSSuccessCallbackRequest,
)
from shared.types import StoryId

STORY_ID = TypeAdapter(StoryId)
JOB_METADATA = TypeAdapter(JobMetadata)
NOW = datetime.now(UTC)


def _success(**overrides: Any) -> TTSSuccessCallbackRequest:
    fields: dict[str, Any] = {
        "story_id": "s1",
        "job_id": "job-1",
        "job_started_at": NOW,
        "audio_url": "https://audio.example/s1.mp3",
        "duration_seconds": 12.5,
    }
    return TTSSuccessCallbackRequest(**(fields | overrides))


def test_the_seed_error_payload_is_valid() -> None:
    payload = {
        "story_id": "story123",
        "error": "Voice profile not found",
        "error_details": "The voice profile file was not found in storage",
        "user_id": "user456",
        "voice_id": "voice789",
        "job_id": "job_abc123",
        "metadata": {"language": "en", "text_length": 1500, "error_type": "voice_profile_missing"},
    }

    callback = TTSErrorCallbackRequest.model_validate(payload)

    assert callback.metadata is not None
    assert callback.metadata["error_type"] == "voice_profile_missing"
    assert callback.job_started_at is None


def test_the_minimal_error_payload_is_valid() -> None:
    callback = TTSErrorCallbackRequest.model_validate({"story_id": "s", "error": "boom"})

    assert (callback.job_id, callback.job_started_at, callback.metadata) == (None, None, None)


@pytest.mark.parametrize(
    "payload",
    [{"story_id": "s"}, {"error": "boom"}, {"story_id": "s", "error": ""}],
)
def test_error_requires_story_id_and_a_message(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        TTSErrorCallbackRequest.model_validate(payload)


@pytest.mark.parametrize("field", [{"job_started_at": NOW}, {"submission": 2}])
def test_job_started_at_and_submission_require_a_job_id(field: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="require job_id"):
        TTSErrorCallbackRequest(story_id="s", error="boom", **field)


@pytest.mark.parametrize("submission", [0, -1, 2**63, True, "2", 2.0])
def test_a_submission_is_a_positive_64_bit_integer_and_nothing_else(submission: Any) -> None:
    payload = json.loads(_success().to_body()) | {"submission": submission}

    with pytest.raises(ValidationError, match="submission"):
        TTSSuccessCallbackRequest.model_validate(payload)


def test_a_submission_travels_in_the_body() -> None:
    callback = _success().model_copy(update={"submission": 7})

    assert json.loads(callback.to_body())["submission"] == 7
    assert TTSSuccessCallbackRequest.model_validate_json(callback.to_body()).submission == 7


@pytest.mark.parametrize("missing", ["job_id", "job_started_at", "audio_url", "duration_seconds"])
def test_success_requires_its_fields(missing: str) -> None:
    payload = json.loads(_success().to_body())
    del payload[missing]

    with pytest.raises(ValidationError):
        TTSSuccessCallbackRequest.model_validate(payload)


def test_job_started_at_must_be_timezone_aware_and_is_kept_in_utc() -> None:
    with pytest.raises(ValidationError):
        _success(job_started_at=datetime(2025, 1, 1, 12, 0))

    paris = timezone(timedelta(hours=2))
    callback = _success(job_started_at=datetime(2025, 1, 1, 14, 0, tzinfo=paris))

    assert callback.job_started_at == datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert callback.job_started_at.utcoffset() == timedelta(0)
    assert json.loads(callback.to_body())["job_started_at"] == "2025-01-01T12:00:00Z"


def test_job_started_at_may_not_be_in_the_future() -> None:
    now = datetime.now(UTC)  # not the module's NOW: the suite may run for minutes before this
    with pytest.raises(ValidationError, match="in the future"):
        _success(job_started_at=now + timedelta(minutes=6))

    assert _success(job_started_at=now + timedelta(minutes=4)).job_started_at is not None


@pytest.mark.parametrize(
    "overrides",
    [
        {"audio_url": "ftp://audio.example/a.mp3"},
        {"audio_url": "not a url"},
        {"duration_seconds": -1},
        {"duration_seconds": float("nan")},
        {"sample_rate": 0},
        {"chunk_count": -1},
    ],
)
def test_success_rejects_impossible_values(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        _success(**overrides)


def test_the_read_along_tracks_are_optional_urls() -> None:
    track = "https://audio.example/s1.timings.json"

    assert _success(timings_url=track).timings_url == track
    assert _success().timings_url is None
    assert b"timings_url" not in _success().to_body()
    with pytest.raises(ValidationError):
        _success(timings_url="not a url")


def test_the_live_track_comes_only_with_the_stream() -> None:
    fields: dict[str, Any] = {
        "story_id": "s",
        "job_id": "j",
        "job_started_at": NOW,
        "chunks_done": 1,
        "chunks_total": 4,
    }
    stream = {"stream_url": "https://audio.example/s/playlist.m3u8", "stream_segments": 2}
    track = {"stream_timings_url": "https://audio.example/s/timings.json"}

    with_track = TTSProgressCallbackRequest(**fields, **stream, **track)
    without_track = TTSProgressCallbackRequest(**fields, **stream)

    assert with_track.stream_timings_url == track["stream_timings_url"]
    assert without_track.stream_timings_url is None
    with pytest.raises(ValidationError, match="only with stream_url"):
        TTSProgressCallbackRequest(**fields, **track)


@pytest.mark.parametrize(("done", "total"), [(5, 4), (-1, 4), (0, 0)])
def test_progress_counts_must_make_sense(done: int, total: int) -> None:
    with pytest.raises(ValidationError):
        TTSProgressCallbackRequest(
            story_id="s", job_id="j", job_started_at=NOW, chunks_done=done, chunks_total=total
        )


def test_progress_fraction() -> None:
    callback = TTSProgressCallbackRequest(
        story_id="s", job_id="j", job_started_at=NOW, chunks_done=3, chunks_total=12
    )

    assert callback.fraction == 0.25


@pytest.mark.parametrize(
    "metadata",
    [
        {"": 1},
        {"k" * 1501: 1},
        {"__name__": 1},
        {"nested": {"__x__": 1}},
        {"big": 2**63},
        {"inf": float("inf")},
        {"deep": json.loads("[" * 12 + "]" * 12)},
        {"x": [[1]]},
        {"x": [{"y": [[1]]}]},
        {"big": "x" * MAX_CALLBACK_METADATA_BYTES},
    ],
)
def test_metadata_that_firestore_would_refuse_is_invalid(metadata: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        TTSErrorCallbackRequest(story_id="s", error="boom", metadata=metadata)


@pytest.mark.parametrize(
    "story_id",
    ["a/b", "..", ".", "a.b", "__x__", "__", "", " ", "x" * 129, "a b", "o\nk", "ünï", "a\\b"],
)
def test_unsafe_story_ids_are_invalid(story_id: str) -> None:
    with pytest.raises(ValidationError):
        STORY_ID.validate_python(story_id)


@pytest.mark.parametrize("story_id", [" story_1", "story_1\n", "\tstory_1 "])
def test_surrounding_whitespace_is_dropped_from_ids(story_id: str) -> None:
    assert STORY_ID.validate_python(story_id) == "story_1"
    assert _success(story_id=story_id).story_id == "story_1"


def _largest_metadata(limit: int) -> dict[str, Any]:
    """Metadata whose JSON is exactly `limit` bytes."""
    metadata = {"k": ""}
    metadata["k"] = "x" * (limit - len(json.dumps(metadata, separators=(",", ":"))))
    return metadata


def test_the_longest_callbacks_still_fit_the_api_limit() -> None:
    worst = "\x01"  # escaped as \u0001: six bytes for one character
    ids = {"story_id": "s" * 128, "user_id": worst * 256, "voice_id": worst * 256}
    metadata = _largest_metadata(MAX_CALLBACK_METADATA_BYTES)
    success = _success(
        **ids,
        job_id=worst * 256,
        audio_url="https://" + worst * 2040,
        storage_key=worst * 1024,
        format=worst * 256,
        engine=worst * 256,
        timings_url="https://" + worst * 2040,
        metadata=metadata,
    )
    progress = TTSProgressCallbackRequest(
        **ids,
        job_id=worst * 256,
        job_started_at=NOW,
        chunks_done=1,
        chunks_total=2,
        stage=worst * 64,
        stream_url="https://" + worst * 2040,
        stream_segments=1,
        stream_timings_url="https://" + worst * 2040,
        metadata=metadata,
    )
    error = TTSErrorCallbackRequest(
        **ids,
        job_id=worst * 256,
        job_started_at=NOW,
        error=worst * MAX_ERROR_CHARS,
        error_details=worst * MAX_ERROR_DETAILS_CHARS,
        metadata=metadata,
    )
    for callback in (success, error):
        assert MAX_BODY_BYTES * 0.7 < len(callback.to_body()) <= MAX_BODY_BYTES
    assert len(progress.to_body()) <= MAX_BODY_BYTES


def test_job_metadata_is_bounded_below_the_callbacks_metadata() -> None:
    assert JOB_METADATA.validate_python(_largest_metadata(MAX_JOB_METADATA_BYTES))
    with pytest.raises(ValidationError, match="16 KiB"):
        JOB_METADATA.validate_python(_largest_metadata(MAX_JOB_METADATA_BYTES + 1))
    assert MAX_JOB_METADATA_BYTES + 2048 <= MAX_CALLBACK_METADATA_BYTES


@pytest.mark.parametrize("story_id", ["story123", "test_story_123", "a", "A-b_9", "x" * 128, "_a_"])
def test_safe_story_ids_are_valid(story_id: str) -> None:
    assert STORY_ID.validate_python(story_id) == story_id


@given(st.text(alphabet="abcXYZ019_-", min_size=1, max_size=128))
def test_story_ids_from_the_safe_alphabet_are_valid_unless_reserved(story_id: str) -> None:
    reserved = story_id.startswith("__") and story_id.endswith("__")
    try:
        STORY_ID.validate_python(story_id)
    except ValidationError:
        assert reserved
    else:
        assert not reserved


@given(st.text(max_size=20), st.sampled_from("/.\x00 \n\\%"), st.text(max_size=20))
def test_story_ids_with_path_characters_are_invalid(before: str, bad: str, after: str) -> None:
    story_id = before + bad + after
    assume(bad in story_id.strip())  # surrounding whitespace is dropped, not refused
    with pytest.raises(ValidationError):
        STORY_ID.validate_python(story_id)


def test_to_body_round_trips_and_omits_absent_fields() -> None:
    callback = _success(metadata={"language": "en"})

    body = callback.to_body()

    assert b"null" not in body
    assert TTSSuccessCallbackRequest.model_validate_json(body) == callback


def test_unknown_fields_are_ignored_for_forward_compatibility() -> None:
    callback = TTSErrorCallbackRequest.model_validate(
        {"story_id": "s", "error": "boom", "added_later": True}
    )

    assert "added_later" not in callback.model_dump()


def test_response_shapes() -> None:
    dump = {"exclude_none": True}
    assert TTSCallbackResponse(success=True).model_dump(**dump) == {"success": True}
    assert TTSCallbackResponse(success=False, error="story not found").model_dump(**dump) == {
        "success": False,
        "error": "story not found",
    }
    ignored = TTSCallbackResponse(success=True, applied=False, reason="stale")
    assert ignored.model_dump(**dump) == {"success": True, "applied": False, "reason": "stale"}


def test_the_models_do_not_import_fastapi() -> None:
    code = "import sys, shared.callbacks, shared.signing; print('fastapi' in sys.modules)"

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "False"
