"""The story job, start to finish, with exactly one outcome.

validate → prepare → progress (processing, 0/N) → voice → render (progress every few chunks, a
heartbeat while a chunk is slow, the deadline judging the speech left after every chunk, the
live stream published behind it) → upload (a storage outage waited out) → the stream closed →
success callback → output. Each step hands a typed value to the next. Any failure becomes a
typed error, an error callback, and an `{"error": "..."}` output that RunPod marks FAILED. A
failed callback never fails a job whose audio was stored: the output still carries the URL,
with `callback_delivered: false`. Either output carries its terminal callback, signed, for
RunPod's completion webhook to deliver should the API have missed it.
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared.callbacks import CallbackType
from shared.deadlines import JobDeadline
from shared.errors import GPUOutOfMemoryError, InvalidInputError, Stage, TTSError, as_tts_error
from shared.job_input import TTSJobInput, parse_job_input, voice_key_context
from worker.bucket import audio_key, stream_prefix, timings_key, vtt_key
from worker.checkpoints.transfer import CheckpointLimits, CheckpointStats, StoryCheckpoints
from worker.config import ServiceSettings
from worker.delivery.payloads import CallbackIdentity, error_callback
from worker.delivery.progress import ConsoleProgress, ProgressReporter
from worker.delivery.sender import Announcement, CallbackSender
from worker.delivery.targets import CallbackTargets, check_outbound_url
from worker.engines.base import SynthesisParams, VoiceSource
from worker.jobs.common import (
    JobContext,
    Loaded,
    failure_output,
    salvage_error_url,
    salvage_id,
    salvage_story_id,
    salvage_submission,
)
from worker.jobs.outcomes import StoryOutcome, success_callback
from worker.storage import ObjectStore, serves_streams
from worker.streaming.hls import SegmentCutter
from worker.streaming.publisher import StreamPublisher, StreamStats
from worker.synthesis.live_track import LiveTrack
from worker.synthesis.synthesizer import StorySynthesizer, SynthesisResult
from worker.voices.sources import decode_base64

logger = logging.getLogger(__name__)


class TTSJobRunner:
    """Runs narration jobs on one loaded engine; shared by every job of the process."""

    def __init__(
        self,
        synthesizer: Loaded[StorySynthesizer],
        store: ObjectStore,
        sender: CallbackSender,
        settings: ServiceSettings,
    ) -> None:
        self.synthesizer = synthesizer
        self.store = store
        self.sender = sender
        self.settings = settings
        self._oom_in_a_row = 0

    def run(
        self, job_id: str, raw_input: Any, console: ConsoleProgress | None = None
    ) -> dict[str, Any]:
        ctx = JobContext(job_id=job_id, started_at=datetime.now(UTC))
        try:
            job = self._validate(raw_input, ctx)
            outcome = self._narrate(job, ctx, console)
            announcement = self._announce(job, ctx, outcome)
        except Exception as exc:
            return self._fail(as_tts_error(exc), ctx, exc)
        self._oom_in_a_row = 0
        return outcome.to_output(job.story_id) | announcement.output_fields()

    def _validate(self, raw_input: Any, ctx: JobContext) -> TTSJobInput:
        self._salvage_ids(raw_input, ctx)
        try:
            voices = voice_key_context(self.settings.shared_voice_prefix)
            job = parse_job_input(raw_input, TTSJobInput, context=voices)
            ctx.facts = {
                "language": job.language,
                "story_type": job.story_type,
                "text_length": len(job.text),
            }
            ctx.targets = self._targets(
                job.callback_url, job.error_callback_url, job.progress_callback_url
            )
        except InvalidInputError:
            if isinstance(raw_input, dict):  # only then: checking a URL resolves its host
                ctx.error_url = salvage_error_url(raw_input, self._check_url)
            raise
        ctx.error_url = ctx.targets.error
        return job

    def _salvage_ids(self, raw_input: Any, ctx: JobContext) -> None:
        """Keep what can be trusted of an input that may prove invalid, to report its error."""
        if not isinstance(raw_input, dict):
            return
        ctx.story_id = salvage_story_id(raw_input.get("story_id"))
        ctx.user_id = salvage_id(raw_input.get("user_id"))
        ctx.voice_id = salvage_id(raw_input.get("voice_id"))
        ctx.submission = salvage_submission(raw_input.get("submission"))

    def _check_url(self, url: str, field: str) -> str:
        return check_outbound_url(
            url,
            allowed_hosts=self.settings.callback_allowed_hosts,
            allow_loopback_http=self.settings.callback_allow_loopback_http,
            field=field,
        )

    def _targets(
        self, callback_url: str, error_url: str | None, progress_url: str | None
    ) -> CallbackTargets:
        return CallbackTargets.for_job(
            callback_url,
            error_url,
            progress_url,
            allowed_hosts=self.settings.callback_allowed_hosts,
            allow_loopback_http=self.settings.callback_allow_loopback_http,
        )

    def _narrate(
        self, job: TTSJobInput, ctx: JobContext, console: ConsoleProgress | None
    ) -> StoryOutcome:
        deadline = JobDeadline(min(self.settings.job_deadline_s, job.deadline_s or math.inf))
        ctx.stage = Stage.MODEL
        synthesizer = self.synthesizer.get()
        ctx.stage = Stage.TEXT
        plan = synthesizer.prepare(job.text, job.language, job.output_format, job.pronunciations)
        ctx.stage = Stage.VOICE
        source = _voice_source(job)
        progress = ProgressReporter(
            self.sender,
            _identity(ctx),
            _targets_of(ctx).progress,
            self.settings.progress_min_interval_s,
            console,
            heartbeat_s=self.settings.progress_heartbeat_s,
        )

        checkpoints = self._checkpoints(job)
        track = LiveTrack(plan.story) if plan.story is not None else None
        stream = self._stream(job, ctx, progress, track)
        with tempfile.TemporaryDirectory(prefix="story-") as tmp:
            progress.start(len(plan.chunks))  # `processing` from here on, kept fresh
            streamed: StreamStats | None = None
            try:
                voice = synthesizer.prepare_voice(source)
                ctx.stage = Stage.GENERATION
                result = synthesizer.render(
                    plan,
                    Path(tmp),
                    voice=voice,
                    params=_params(job),
                    on_progress=progress,
                    checkpoints=checkpoints,
                    live=SegmentCutter(stream.offer) if stream else None,
                    on_work=deadline.check,  # the work left, judged after every chunk
                    live_track=track if stream else None,
                )
                deadline.finish()  # what is left is what RunPod's grace period is sized for
                ctx.stage = Stage.UPLOAD
                outcome = self._upload(job, ctx, result)
            finally:
                streamed = stream.close() if stream else None  # closed, even after a failure
                progress.close()
                saved = checkpoints.close() if checkpoints else None  # a retry resumes here
            outcome = outcome if streamed is None else _with_stream(outcome, streamed)
            return outcome if saved is None else _with_checkpoints(outcome, saved)

    def _checkpoints(self, job: TTSJobInput) -> StoryCheckpoints | None:
        s = self.settings
        if not s.checkpoints_enabled:
            return None
        limits = CheckpointLimits(
            upload_queue=s.checkpoint_upload_queue,
            fetch_ahead=s.checkpoint_fetch_ahead,
            flush_s=s.checkpoint_flush_s,
            fetch_budget_s=s.checkpoint_fetch_budget_s,
        )
        return StoryCheckpoints(
            self.store, job.user_id, job.story_id, reuse=job.reuse_chunks, limits=limits
        )

    def _stream(
        self,
        job: TTSJobInput,
        ctx: JobContext,
        progress: ProgressReporter,
        track: LiveTrack | None,
    ) -> StreamPublisher | None:
        """The live stream, and its read-along track (`track`) beside the playlist."""
        if not (self.settings.stream_enabled and serves_streams(self.settings)):
            return None
        return StreamPublisher(
            self.store,
            stream_prefix(job.user_id, job.story_id, ctx.job_id),
            lambda state: progress.stream(state.url, state.segments, state.timings_url),
            flush_s=self.settings.stream_flush_s,
            track=track,
        )

    def _upload(self, job: TTSJobInput, ctx: JobContext, result: SynthesisResult) -> StoryOutcome:
        started = time.perf_counter()
        stored = self.store.put_file(
            audio_key(job.user_id, job.story_id, ctx.job_id, result.spec.extension),
            result.path,
            result.content_type,
            {
                "story_id": job.story_id,
                "job_id": ctx.job_id,
                "duration_seconds": f"{result.duration_seconds:.3f}",
            },
        )
        timings_url = self._upload_track(job, ctx, result)
        upload_s = time.perf_counter() - started
        return StoryOutcome.of(result, stored, upload_s=upload_s, timings_url=timings_url)

    def _upload_track(
        self, job: TTSJobInput, ctx: JobContext, result: SynthesisResult
    ) -> str | None:
        """The read-along track beside the audio, captions first so that the JSON's URL, once
        announced, finds both; a story is finished without them rather than failed."""
        if result.track is None:
            return None
        ids = (job.user_id, job.story_id, ctx.job_id)
        metadata = {"story_id": job.story_id, "job_id": ctx.job_id}
        try:
            vtt = result.track.to_vtt().encode()
            self.store.put_bytes(vtt_key(*ids), vtt, "text/vtt", metadata)
            track = result.track.to_json().encode()
            return self.store.put_bytes(timings_key(*ids), track, "application/json", metadata).url
        except Exception:
            logger.warning(
                "read-along track not stored",
                exc_info=True,
                extra={"job_id": ctx.job_id, "story_id": job.story_id},
            )
            return None

    def _announce(self, job: TTSJobInput, ctx: JobContext, outcome: StoryOutcome) -> Announcement:
        ctx.stage = Stage.CALLBACK
        payload = success_callback(_identity(ctx), outcome, job.metadata)
        return self.sender.announce(
            CallbackType.SUCCESS,
            _targets_of(ctx).success,
            payload.to_body(),
            ctx.job_id,
            job.story_id,
        )

    def _fail(self, error: TTSError, ctx: JobContext, cause: BaseException) -> dict[str, Any]:
        refresh = error.refresh_worker
        if isinstance(error, GPUOutOfMemoryError):
            self._oom_in_a_row += 1
            refresh = refresh or self._oom_in_a_row >= 2
        log = logger.warning if isinstance(error, InvalidInputError) else logger.error
        log(
            "job failed",
            extra={
                "job_id": ctx.job_id,
                "story_id": ctx.story_id,
                "error_type": error.error_type.value,
                "stage": ctx.stage.value,
                "cause": type(cause).__name__,
            },
        )
        announcement = self._send_error_callback(error, ctx)
        return failure_output(
            error,
            refresh_worker=refresh,
            stage=ctx.stage.value,
            story_id=ctx.story_id,
            **(announcement.output_fields() if announcement else {"callback_delivered": False}),
        )

    def _send_error_callback(self, error: TTSError, ctx: JobContext) -> Announcement | None:
        identity = ctx.identity()
        if ctx.error_url is None or identity is None:
            return None  # nowhere safe to report to; the job output still says what failed
        payload = error_callback(identity, error, ctx.stage, ctx.facts)
        return self.sender.announce(
            CallbackType.ERROR, ctx.error_url, payload.to_body(), ctx.job_id, identity.story_id
        )


def _with_checkpoints(outcome: StoryOutcome, stats: CheckpointStats) -> StoryOutcome:
    """The outcome with what its checkpoints did; those lost are logged, the job unaffected."""
    if stats.failed or stats.dropped:
        logger.warning(
            "checkpoints not saved",
            extra={"checkpoint_failures": stats.failed, "checkpoints_dropped": stats.dropped},
        )
    return outcome.with_checkpoints(stats)


def _with_stream(outcome: StoryOutcome, stats: StreamStats) -> StoryOutcome:
    """The outcome with what its stream did; segments lost are logged, the job unaffected."""
    if stats.unpublished or stats.failures:
        logger.warning(
            "stream incomplete",
            extra={"stream_unpublished": stats.unpublished, "stream_failures": stats.failures},
        )
    return outcome.with_stream(stats)


def _identity(ctx: JobContext) -> CallbackIdentity:
    identity = ctx.identity()
    assert identity is not None, "a validated job always has a story id"
    return identity


def _targets_of(ctx: JobContext) -> CallbackTargets:
    assert ctx.targets is not None, "a validated job always has callback targets"
    return ctx.targets


def _params(job: TTSJobInput) -> SynthesisParams:
    return SynthesisParams(
        language=job.language,
        exaggeration=job.exaggeration,
        cfg_weight=job.cfg_weight,
        temperature=job.temperature,
        seed=job.seed,
    )


def _voice_source(job: TTSJobInput) -> VoiceSource:
    """Undecodable base64 is a damaged voice (`voice_profile_invalid`), found before any work."""

    def decode(value: str | None, what: str) -> bytes | None:
        return None if value is None else decode_base64(value, what)

    return VoiceSource(
        voice_id=job.voice_id,
        user_id=job.user_id,
        profile_bytes=decode(job.profile_base64, "voice profile"),
        reference_audio=decode(job.reference_audio_base64, "reference audio"),
        storage_key=job.voice_storage_key,
    )
