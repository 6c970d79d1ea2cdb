"""The read-along tracks in the story document, against the Firestore emulator.

`audioTimingsUrl` (the finished file's `timings.json`, from the success callback's
`timings_url`) is one of the audio fields; `audioStreamTimingsUrl` (the live track, from a
progress callback's `stream_timings_url`) is one of the stream fields. Each lives and dies with
the fields beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from callback_api.core.config import Settings
from callback_api.services.rules import AUDIO_FIELDS, STREAM_FIELDS, InferredSource, Outcome
from shared.callbacks import TTSProgressCallbackRequest
from shared.errors import WorkerLostError
from tests.helpers.callback_api import Sender, StoreHarness, Stories, error, progress, success

TIMINGS = "https://audio.example/stories/s/job-a.timings.json"
STREAM = "https://audio.example/streams/s/job-a/playlist.m3u8"
STREAM_TIMINGS = "https://audio.example/streams/s/job-a/timings.json"
TRACKS = {"audioTimingsUrl", "audioStreamTimingsUrl"}


@pytest.fixture
def harness(api_settings: Settings) -> Iterator[StoreHarness]:
    harness = StoreHarness(api_settings)
    yield harness
    harness.close()


def streaming(story_id: str = "s", done: int = 1, **extra: Any) -> TTSProgressCallbackRequest:
    """A progress that reports the live stream and its track."""
    fields: dict[str, Any] = {
        "stream_url": STREAM,
        "stream_segments": done + 1,
        "stream_timings_url": STREAM_TIMINGS,
    }
    return progress(story_id, done=done, **(fields | extra))


def test_the_tracks_are_audio_and_stream_fields() -> None:
    assert "audioTimingsUrl" in AUDIO_FIELDS
    assert "audioStreamTimingsUrl" in STREAM_FIELDS


def test_a_success_writes_its_track_and_removes_the_live_one(
    sender: Sender, stories: Stories
) -> None:
    stories.create("s")
    assert sender.send(streaming()).json()["applied"] is True
    assert stories.get("s")["audioStreamTimingsUrl"] == STREAM_TIMINGS

    response = sender.send(success("s", timings_url=TIMINGS))

    assert response.json() == {"success": True, "applied": True}
    story = stories.get("s")
    assert story["audioStatus"] == "ready"
    assert story["audioTimingsUrl"] == TIMINGS
    assert not set(STREAM_FIELDS) & set(story)


def test_a_success_without_a_track_writes_none(sender: Sender, stories: Stories) -> None:
    stories.create("s", audioStatus="processing")

    sender.send(success("s"))

    story = stories.get("s")
    assert story["audioStatus"] == "ready"
    assert not TRACKS & set(story)


def test_a_repeated_success_is_a_duplicate_and_another_track_a_conflict(
    sender: Sender, stories: Stories
) -> None:
    stories.create("s")
    sender.send(success("s", timings_url=TIMINGS))
    before = stories.get("s")

    repeat = sender.send(success("s", timings_url=TIMINGS)).json()
    other = sender.send(success("s", timings_url=TIMINGS + "?v=2")).json()
    without = sender.send(success("s")).json()

    assert (repeat["reason"], other["reason"], without["reason"]) == (
        "duplicate",
        "conflict",
        "conflict",
    )
    assert stories.get("s") == before


def test_an_error_of_a_newer_job_removes_the_finished_track(
    sender: Sender, stories: Stories
) -> None:
    stories.create("s")
    sender.send(success("s", job_id="job-a", at=0, timings_url=TIMINGS))

    response = sender.send(error("s", job_id="job-b", at=5))

    assert response.json() == {"success": True, "applied": True}
    story = stories.get("s")
    assert story["audioStatus"] == "failed"
    assert not (set(AUDIO_FIELDS) | TRACKS) & set(story)


def test_an_error_removes_the_live_track(sender: Sender, stories: Stories) -> None:
    stories.create("s")
    sender.send(streaming())

    sender.send(error("s"))

    story = stories.get("s")
    assert story["audioStatus"] == "failed"
    assert not (set(STREAM_FIELDS) | TRACKS) & set(story)


def test_a_progress_of_a_newer_job_removes_the_finished_track(
    sender: Sender, stories: Stories
) -> None:
    stories.create("s")
    sender.send(success("s", job_id="job-a", at=0, timings_url=TIMINGS))

    sender.send(progress("s", job_id="job-b", at=5))

    story = stories.get("s")
    assert story["audioStatus"] == "processing"
    assert not TRACKS & set(story)


def test_the_live_track_follows_the_stream_it_is_reported_with(
    sender: Sender, stories: Stories
) -> None:
    stories.create("s")
    sender.send(streaming(done=1))

    sender.send(progress("s", done=2))  # no stream reported: the stream and its track stay
    kept = stories.get("s")
    sender.send(streaming(done=3, stream_timings_url=None))  # the stream without a track
    dropped = stories.get("s")

    assert (kept["audioStreamUrl"], kept["audioStreamTimingsUrl"]) == (STREAM, STREAM_TIMINGS)
    assert dropped["audioStreamUrl"] == STREAM
    assert "audioStreamTimingsUrl" not in dropped


def test_an_inferred_failure_removes_both_tracks(harness: StoreHarness, stories: Stories) -> None:
    stories.create("s")
    assert harness.apply(streaming()) is Outcome.APPLIED

    decision = harness.run(
        harness.store.interrupt("s", "job-a", WorkerLostError(), InferredSource.RUNPOD_WEBHOOK)
    )

    assert decision.outcome is Outcome.APPLIED
    story = stories.get("s")
    assert story["audioStatus"] == "failed"
    assert not (set(STREAM_FIELDS) | TRACKS) & set(story)


@pytest.mark.parametrize("last", ["success", "progress"])
def test_a_new_submission_removes_both_tracks(
    harness: StoreHarness, stories: Stories, last: str
) -> None:
    stories.create("s")
    harness.apply(streaming())
    if last == "success":
        harness.apply(success("s", timings_url=TIMINGS))
    assert TRACKS & set(stories.get("s"))

    assert harness.run(harness.store.begin_submission("s")) == 1

    story = stories.get("s")
    assert {k: v for k, v in story.items() if k.startswith("audio")} == {
        "audioStatus": "pending",
        "audioSubmission": 1,
    }
