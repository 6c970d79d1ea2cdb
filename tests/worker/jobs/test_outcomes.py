"""A finished job's outcome, made from the results it describes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from worker.checkpoints.transfer import CheckpointStats
from worker.jobs.outcomes import StoryOutcome, voice_profile_callback
from worker.storage import StoredObject
from worker.streaming.publisher import StreamStats
from worker.synthesis.encoding import format_spec
from worker.synthesis.scripts import DroppedLetters
from worker.synthesis.synthesizer import StageTimings, SynthesisResult
from worker.voices.creation import VoiceProfileOutcome

RESULT = SynthesisResult(
    path=Path("/tmp/story.mp3"),
    spec=format_spec("mp3"),
    size_bytes=9_000,
    duration_seconds=12.34567,
    sample_rate=24_000,
    chunk_count=4,
    retries=1,
    engine="tone",
    engine_version="test",
    voice="tone",
    text_length=120,
    timings=StageTimings(text_s=0.01234, engine_s=1.23456, total_s=2.5),
    chunks_reused=1,
    gpu_seconds_saved=0.33333,
    dropped=DroppedLetters(2, ("Han",)),
)
AUDIO = StoredObject("audio/u/s/j.mp3", "https://audio.example.com/audio/u/s/j.mp3", 9_000)


def test_a_story_outcome_is_made_from_its_synthesis_and_its_stored_audio() -> None:
    outcome = StoryOutcome.of(RESULT, AUDIO, upload_s=0.20004, timings_url=None)
    assert (outcome.audio_url, outcome.storage_key, outcome.size_bytes) == (
        AUDIO.url,
        AUDIO.key,
        AUDIO.size_bytes,
    )
    assert (outcome.format, outcome.content_type) == ("mp3", "audio/mpeg")
    assert outcome.duration_seconds == 12.346
    assert (outcome.chunks_generated, outcome.chunks_reused) == (3, 1)
    assert outcome.engine_real_time_factor == round(1.23456 / 12.34567, 4)
    assert outcome.timings["engine_s"] == 1.235
    assert outcome.timings["upload_s"] == 0.2
    assert (outcome.letters_dropped, outcome.scripts_dropped) == (2, ("Han",))


def test_the_stream_and_the_checkpoints_add_what_they_did() -> None:
    outcome = StoryOutcome.of(RESULT, AUDIO, upload_s=0.2, timings_url=None)
    stream = StreamStats("https://x.example.com/p.m3u8", 3, 1, 1, 0.51234, True)
    outcome = outcome.with_stream(stream).with_checkpoints(CheckpointStats(3, 1, 1, 0))
    assert (outcome.stream_url, outcome.stream_segments, outcome.stream_unpublished) == (
        stream.url,
        3,
        1,
    )
    assert outcome.timings["first_segment_s"] == 0.512
    assert (outcome.checkpoints_saved, outcome.checkpoint_failures) == (3, 2)


CREATED: dict[str, Any] = {
    "voice_id": "grandma",
    "user_id": "user_1",
    "name": "Grandma",
    "profile_key": "voices/user_1/grandma.pt",
    "profile_url": "https://audio.example.com/voices/user_1/grandma.pt",
    "profile_size_bytes": 100,
    "profile_sha256": "0" * 64,
    "sample_key": "voices/user_1/grandma_sample.mp3",
    "sample_url": "https://audio.example.com/voices/user_1/grandma_sample.mp3",
    "sample_content_type": "audio/mpeg",
    "sample_duration_seconds": 2.5,
    "language": "en",
    "generation_method": "chatterbox_prepare_conditionals",
    "engine": "chatterbox",
    "engine_version": "0.1.7",
    "sample_rate": 24_000,
    "created_at": "2026-01-02T00:00:00+00:00",
    "timings": {"sample_engine_s": 1.0, "total_s": 2.0},
}


def test_a_voice_outcome_is_output_as_it_was_created_and_its_callback_says_the_same() -> None:
    outcome = VoiceProfileOutcome(**CREATED)
    assert outcome.to_output() == CREATED
    callback = voice_profile_callback("job-1", outcome, {"app": "1"})
    for field in ("user_id", "voice_id", "name", "profile_key", "sample_key", "sample_url"):
        assert getattr(callback, field) == CREATED[field]
    assert callback.details == {
        "engine": "chatterbox",
        "engine_version": "0.1.7",
        "sample_duration_seconds": 2.5,
    }
    assert callback.metadata == {"app": "1"}
