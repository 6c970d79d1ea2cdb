"""What a finished job reports: its typed outcome, made from the results it describes, and the
output and success callback built from it.

A story's `StoryOutcome` is made in one place (`StoryOutcome.of`) from the synthesis result
and the stored audio, then told what its live stream and checkpoints did; a voice's
`VoiceProfileOutcome` is what `create_voice_profile` (`worker.voices.creation`) stored. Each
becomes both the RunPod job output and the success callback, so the two can never disagree:
the callback takes every field its model names alike from the outcome, never a copy made
field by field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from pydantic import BaseModel

from shared.callbacks import TTSSuccessCallbackRequest
from shared.voice_job_input import VoiceProfileCallbackRequest
from worker.checkpoints.transfer import CheckpointStats
from worker.delivery.payloads import CallbackIdentity
from worker.storage import StoredObject
from worker.streaming.publisher import StreamStats
from worker.synthesis.synthesizer import SynthesisResult
from worker.voices.creation import VoiceProfileOutcome

TTS_METADATA = (
    "retries",
    "engine_version",
    "voice",
    "timings",
    "engine_real_time_factor",
    "chunks_generated",
    "chunks_reused",
    "gpu_seconds_saved",
    "letters_dropped",
    "scripts_dropped",
)
"""What the success callback adds under `metadata.tts`; the rest has fields of its own."""
VOICE_DETAILS = ("engine", "engine_version", "sample_duration_seconds")
"""What the voice's success callback adds under `details`."""


@dataclass(frozen=True)
class StoryOutcome:
    """A narrated, stored story: everything the output and the success callback report."""

    audio_url: str
    storage_key: str
    size_bytes: int
    format: str
    content_type: str
    duration_seconds: float
    sample_rate: int
    chunk_count: int
    retries: int
    engine: str
    engine_version: str
    voice: str
    timings: Mapping[str, float]
    engine_real_time_factor: float
    chunks_generated: int
    chunks_reused: int
    """Chunks taken from the story's checkpoints (an earlier attempt) instead of generated."""
    gpu_seconds_saved: float
    checkpoints_saved: int = 0
    checkpoint_failures: int = 0
    """Checkpoints not saved (upload failed, or its queue was full): the job is unaffected."""
    stream_url: str | None = None
    """The live stream's playlist (closed now), if it was announced while the job ran."""
    stream_segments: int = 0
    stream_unpublished: int = 0
    """Segments of the live stream that storage never took: the job is unaffected."""
    letters_dropped: int = 0
    """Letters left out of the narration: a few of a script its language cannot read."""
    scripts_dropped: tuple[str, ...] = ()
    """Their scripts ("Han", "Cyrillic" …)."""
    timings_url: str | None = None
    """The read-along track (`timings.json`), if it was stored: the story is fine without."""

    @classmethod
    def of(
        cls,
        result: SynthesisResult,
        audio: StoredObject,
        *,
        upload_s: float,
        timings_url: str | None,
    ) -> StoryOutcome:
        """The story `result` describes, stored as `audio` in `upload_s` seconds with its
        read-along track at `timings_url`; measurements rounded for the reader."""
        timings = {**asdict(result.timings), "upload_s": upload_s}
        return cls(
            audio_url=audio.url,
            storage_key=audio.key,
            size_bytes=audio.size_bytes,
            format=result.format,
            content_type=result.content_type,
            duration_seconds=round(result.duration_seconds, 3),
            sample_rate=result.sample_rate,
            chunk_count=result.chunk_count,
            retries=result.retries,
            engine=result.engine,
            engine_version=result.engine_version,
            voice=result.voice,
            timings={stage: round(seconds, 3) for stage, seconds in timings.items()},
            engine_real_time_factor=round(result.engine_real_time_factor, 4),
            chunks_generated=result.chunks_generated,
            chunks_reused=result.chunks_reused,
            gpu_seconds_saved=round(result.gpu_seconds_saved, 3),
            letters_dropped=result.dropped.count,
            scripts_dropped=result.dropped.scripts,
            timings_url=timings_url,
        )

    def with_stream(self, stats: StreamStats) -> StoryOutcome:
        """The outcome with what its live stream did, once the stream is closed."""
        timings = dict(self.timings)
        if stats.first_segment_s is not None:
            timings["first_segment_s"] = round(stats.first_segment_s, 3)
        return replace(
            self,
            stream_url=stats.url,
            stream_segments=stats.segments,
            stream_unpublished=stats.unpublished,
            timings=timings,
        )

    def with_checkpoints(self, stats: CheckpointStats) -> StoryOutcome:
        """The outcome with what its checkpoints did, once the last is saved or given up."""
        return replace(
            self, checkpoints_saved=stats.saved, checkpoint_failures=stats.failed + stats.dropped
        )

    def to_output(self, story_id: str) -> dict[str, Any]:
        """The RunPod job output, before what it says of its callback: never the audio
        itself, never a local path."""
        return {"status": "ready", "story_id": story_id} | asdict(self)

    def tts_metadata(self) -> dict[str, Any]:
        """How the audio was made, for the success callback's `metadata.tts`."""
        output = asdict(self) | {"scripts_dropped": list(self.scripts_dropped)}
        return {name: output[name] for name in TTS_METADATA}


def success_callback(
    identity: CallbackIdentity, outcome: StoryOutcome, passthrough: Mapping[str, Any] | None
) -> TTSSuccessCallbackRequest:
    """`passthrough` is the job's own `metadata`, returned with `tts` added."""
    return TTSSuccessCallbackRequest(
        **identity.fields(),
        **_named_alike(outcome, TTSSuccessCallbackRequest),
        metadata={**(passthrough or {}), "tts": outcome.tts_metadata()},
    )


def voice_profile_callback(
    job_id: str, outcome: VoiceProfileOutcome, passthrough: Mapping[str, Any] | None
) -> VoiceProfileCallbackRequest:
    """`passthrough` is the job's own `metadata`, returned as it came."""
    return VoiceProfileCallbackRequest(
        **_named_alike(outcome, VoiceProfileCallbackRequest),
        job_id=job_id,
        details={name: getattr(outcome, name) for name in VOICE_DETAILS},
        metadata=dict(passthrough) if passthrough is not None else None,
    )


def _named_alike(
    outcome: StoryOutcome | VoiceProfileOutcome, model: type[BaseModel]
) -> dict[str, Any]:
    """The outcome's fields that the callback `model` names alike: one fact, one name."""
    return {
        f.name: getattr(outcome, f.name) for f in fields(outcome) if f.name in model.model_fields
    }
