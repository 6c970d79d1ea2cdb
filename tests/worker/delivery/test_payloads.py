"""The typed outcome and the payloads built from it: one source for output and callbacks."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.errors import GenerationFailedError, Stage
from worker.delivery.payloads import CallbackIdentity, error_callback, progress_callback
from worker.jobs.outcomes import StoryOutcome, success_callback

IDENTITY = CallbackIdentity("story_1", "job-1", datetime(2026, 1, 2, tzinfo=UTC), "user_1", None)
OUTCOME = StoryOutcome(
    audio_url="https://audio.example.com/audio/user_1/story_1/job-1.mp3",
    storage_key="audio/user_1/story_1/job-1.mp3",
    size_bytes=12_345,
    format="mp3",
    content_type="audio/mpeg",
    duration_seconds=61.25,
    sample_rate=24_000,
    chunk_count=7,
    retries=1,
    engine="tone",
    engine_version="test",
    voice="tone",
    timings={"text_s": 0.01, "total_s": 3.5, "upload_s": 0.2},
    engine_real_time_factor=0.05,
    chunks_generated=5,
    chunks_reused=2,
    gpu_seconds_saved=1.5,
    checkpoints_saved=5,
    letters_dropped=2,
    scripts_dropped=("Han",),
)


def test_the_output_carries_the_documented_fields_and_nothing_local() -> None:
    output = OUTCOME.to_output("story_1")
    assert set(output) == {
        "status", "story_id", "audio_url", "storage_key", "size_bytes",
        "format", "content_type", "duration_seconds", "sample_rate", "chunk_count", "retries",
        "engine", "engine_version", "voice", "timings", "engine_real_time_factor",
        "chunks_generated", "chunks_reused", "gpu_seconds_saved", "checkpoints_saved",
        "checkpoint_failures", "stream_url", "stream_segments", "stream_unpublished",
        "letters_dropped", "scripts_dropped", "timings_url",
    }  # fmt: skip
    assert output["status"] == "ready"
    assert output["timings"] == {"text_s": 0.01, "total_s": 3.5, "upload_s": 0.2}


def test_the_success_callback_says_what_the_output_says() -> None:
    output = OUTCOME.to_output("story_1")
    callback = success_callback(IDENTITY, OUTCOME, {"app_version": "1.2.3"})
    for field in ("audio_url", "storage_key", "duration_seconds", "format", "sample_rate"):
        assert getattr(callback, field) == output[field]
    assert callback.metadata == {
        "app_version": "1.2.3",
        "tts": {
            "retries": 1,
            "engine_version": "test",
            "voice": "tone",
            "timings": output["timings"],
            "engine_real_time_factor": 0.05,
            "chunks_generated": 5,
            "chunks_reused": 2,
            "gpu_seconds_saved": 1.5,
            "letters_dropped": 2,
            "scripts_dropped": ["Han"],
        },
    }
    assert (callback.job_id, callback.job_started_at) == (IDENTITY.job_id, IDENTITY.started_at)


def test_the_error_callback_names_the_stage_and_leaves_unknown_facts_out() -> None:
    error = GenerationFailedError("Part 2 failed.", context={"chunk_index": 1})
    facts = {"language": "en", "story_type": None, "text_length": 99}
    callback = error_callback(IDENTITY, error, Stage.GENERATION, facts)
    assert callback.metadata == {
        "language": "en",
        "text_length": 99,
        "error_type": "generation_failed",
        "retryable": True,
        "stage": "generation",
        "chunk_index": 1,
    }
    assert callback.voice_id is None


def test_progress_names_the_job_it_belongs_to() -> None:
    callback = progress_callback(IDENTITY, 3, 7)
    assert (callback.story_id, callback.job_id, callback.fraction) == ("story_1", "job-1", 3 / 7)
    assert callback.stage == "generating"
