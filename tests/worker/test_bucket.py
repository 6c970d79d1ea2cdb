"""The bucket's layout: keys the worker writes, and the names it reads back out of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.errors import InvalidInputError, StorageUploadError
from worker.bucket import (
    DEAD_LETTER_PREFIX,
    REJECTED_PREFIX,
    check_key,
    checkpoint_digest,
    checkpoint_key,
    checkpoint_prefix,
    dead_letter_key,
    is_profile_key,
    profile_key,
    rejected_key,
    sample_key,
    segment_name,
    stream_key,
    stream_prefix,
)


def test_a_checkpoint_key_gives_back_its_digest() -> None:
    key = checkpoint_key("u1", "s1", "ab" * 16)
    assert checkpoint_digest(checkpoint_prefix("u1", "s1"), key) == "ab" * 16


def test_stream_objects_live_under_their_job() -> None:
    prefix = stream_prefix("u1", "s1", "job/../1")
    assert prefix == "stream/u1/s1/job____1"
    assert stream_key(prefix + "/", segment_name(3)) == f"{prefix}/00003.mp3"


def test_voice_keys() -> None:
    assert profile_key("u1", "v1", 2) == "voices/u1/v1/2.pt"
    assert is_profile_key(profile_key("u1", "v1"))
    assert not is_profile_key("uploads/u1/a.wav")
    assert sample_key(profile_key("u1", "v1", 2), ".mp3") == "voices/u1/v1/2_sample.mp3"
    with pytest.raises(InvalidInputError):
        profile_key("u1", "../v1")


def test_dead_letters_sort_by_failure_time_and_move_under_their_name() -> None:
    east = timezone(timedelta(hours=2))
    earlier = dead_letter_key("job 1", "success", datetime(2026, 1, 1, 13, 0, tzinfo=east))
    later = dead_letter_key("job-0", "error", datetime(2026, 1, 1, 12, 0, 0, 1, tzinfo=UTC))
    assert earlier == f"{DEAD_LETTER_PREFIX}20260101T110000000000Z-job_1-success.json"
    assert sorted([later, earlier]) == [earlier, later]
    assert rejected_key(earlier) == f"{REJECTED_PREFIX}20260101T110000000000Z-job_1-success.json"


def test_unsafe_keys_are_refused() -> None:
    assert check_key("audio/u/s/j.mp3") == "audio/u/s/j.mp3"
    with pytest.raises(StorageUploadError):
        check_key("audio/../secret")
