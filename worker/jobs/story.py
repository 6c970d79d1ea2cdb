"""One narration job, start to finish, with exactly one outcome.

validate → progress (processing, 0/N) → synthesize (progress every few chunks) → upload →
success callback → output. Any failure becomes a typed error, an error callback, and an
`{"error": "..."}` output that RunPod marks FAILED. A failed callback never fails a job whose
audio was stored: the output still carries the URL, with `callback_delivered: false`.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from shared.callbacks import (
    CallbackType,
    StoryId,
    TTSErrorCallbackRequest,
    TTSProgressCallbackRequest,
    TTSSuccessCallbackRequest,
)
from shared.errors import (
    GPUOutOfMemoryError,
    InvalidInputError,
    TTSError,
    as_tts_error,
)
from shared.job_input import SafeId, TTSJobInput, parse_job_input
from worker.config import ServiceSettings
from worker.delivery.sender import CallbackSender
from worker.delivery.targets import CallbackTargets
from worker.engines.base import SynthesisParams, VoiceSource
from worker.storage import ObjectStore, StoredObject, audio_key
from worker.synthesis.encoding import FORMATS
from worker.synthesis.synthesizer import StorySynthesizer, SynthesisResult
from worker.voices.sources import decode_base64

logger = logging.getLogger(__name__)

ConsoleProgress = Callable[[dict[str, Any]], None]


@dataclass
class JobContext:
    job_id: str
    started_at: datetime
    stage: str = "validate"
    story_id: str | None = None
    user_id: str | None = None
    voice_id: str | None = None
    language: str | None = None
    story_type: str | None = None
    text_length: int | None = None
    targets: CallbackTargets | None = None


class ProgressReporter:
    """Throttled progress: at most one callback a second, sent off the generation thread,
    never for the last chunk (a late progress must not race the final result)."""

    def __init__(
        self,
        sender: CallbackSender,
        ctx: JobContext,
        targets: CallbackTargets,
        story_id: str,
        min_interval_s: float,
        console: ConsoleProgress | None,
    ) -> None:
        self.sender = sender
        self.ctx = ctx
        self.url = targets.progress
        self.story_id = story_id
        self.min_interval_s = min_interval_s
        self.console = console
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="progress")
        self._in_flight: Future[bool] | None = None
        self._last = float("-inf")

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - self._last < self.min_interval_s:
            return
        if self._in_flight is not None and not self._in_flight.done():
            return  # the API is slow: skip rather than queue stale progress
        self._last = now
        self._in_flight = self._pool.submit(self._send, done, total)
        if self.console:
            self.console({"stage": "generating", "chunks_done": done, "chunks_total": total})

    def start(self, total: int) -> None:
        """The first progress (processing, 0/N) is sent before generation, and waited for."""
        self._last = time.monotonic()
        self._send(0, total)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _send(self, done: int, total: int) -> bool:
        ctx = self.ctx
        payload = TTSProgressCallbackRequest(
            story_id=self.story_id,
            job_id=ctx.job_id,
            job_started_at=ctx.started_at,
            chunks_done=done,
            chunks_total=total,
            stage="generating",
            user_id=ctx.user_id,
            voice_id=ctx.voice_id,
        )
        return self.sender.post(
            CallbackType.PROGRESS,
            self.url,
            payload.to_body(),
            ctx.job_id,
            self.story_id,
            dead_letter=False,
            attempts=2,
        )


class TTSJobRunner:
    """Runs narration jobs on one loaded engine; shared by every job of the process."""

    def __init__(
        self,
        synthesizer: StorySynthesizer | TTSError,
        store: ObjectStore,
        sender: CallbackSender,
        settings: ServiceSettings,
    ) -> None:
        """`synthesizer` is the error that stopped the engine from loading, when it failed:
        every job then ends in that error, reported like any other."""
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
            job, targets = self._validate(raw_input, ctx)
            output = self._narrate(job, targets, ctx, console)
        except Exception as exc:
            return self._fail(as_tts_error(exc), ctx, exc)
        self._oom_in_a_row = 0
        return output

    def _validate(self, raw_input: Any, ctx: JobContext) -> tuple[TTSJobInput, CallbackTargets]:
        _salvage(raw_input, ctx, self.settings)
        job = parse_job_input(raw_input, TTSJobInput)
        ctx.language, ctx.story_type = job.language, job.story_type
        ctx.text_length = len(job.text)
        ctx.targets = targets = CallbackTargets.for_job(
            job.callback_url,
            job.error_callback_url,
            job.progress_callback_url,
            allowed_hosts=self.settings.callback_allowed_hosts,
            allow_loopback_http=self.settings.callback_allow_loopback_http,
        )
        return job, targets

    def _narrate(
        self,
        job: TTSJobInput,
        targets: CallbackTargets,
        ctx: JobContext,
        console: ConsoleProgress | None,
    ) -> dict[str, Any]:
        ctx.stage = "model"
        synthesizer = self.synthesizer
        if isinstance(synthesizer, TTSError):
            raise synthesizer
        ctx.stage = "text"
        started = time.perf_counter()
        chunks = synthesizer.prepare(job.text, job.language)
        text_s = time.perf_counter() - started
        ctx.stage = "voice"
        voice = synthesizer.engine.prepare_voice(_voice_source(job))
        fmt = job.output_format or synthesizer.settings.output_format
        progress = ProgressReporter(
            self.sender, ctx, targets, job.story_id, self.settings.progress_min_interval_s, console
        )
        with tempfile.TemporaryDirectory(prefix="story-") as tmp:
            ctx.stage = "generation"
            progress.start(len(chunks))
            try:
                result = synthesizer.render(
                    chunks,
                    Path(tmp) / f"story{FORMATS[fmt].extension}",
                    voice=voice,
                    params=_params(job),
                    fmt=fmt,
                    on_progress=progress,
                    text_s=text_s,
                )
            finally:
                progress.close()
            ctx.stage = "upload"
            stored, upload_s = self._upload(job, ctx, result)
        metadata = result.metadata()
        metadata["timings"]["upload_s"] = round(upload_s, 3)
        ctx.stage = "callback"
        delivered = self._announce(job, targets, ctx, result, stored, metadata)
        return {
            "status": "ready",
            "story_id": job.story_id,
            "audio_url": stored.url,
            "storage_key": stored.key,
            "size_bytes": stored.size_bytes,
            "callback_delivered": delivered,
            **{k: v for k, v in metadata.items() if k != "text_length"},
        }

    def _upload(
        self, job: TTSJobInput, ctx: JobContext, result: SynthesisResult
    ) -> tuple[StoredObject, float]:
        started = time.perf_counter()
        stored = self.store.put_file(
            audio_key(job.user_id, job.story_id, ctx.job_id, FORMATS[result.format].extension),
            result.path,
            result.content_type,
            {
                "story_id": job.story_id,
                "job_id": ctx.job_id,
                "duration_seconds": f"{result.duration_seconds:.3f}",
            },
        )
        return stored, time.perf_counter() - started

    def _announce(
        self,
        job: TTSJobInput,
        targets: CallbackTargets,
        ctx: JobContext,
        result: SynthesisResult,
        stored: StoredObject,
        metadata: dict[str, Any],
    ) -> bool:
        success = TTSSuccessCallbackRequest(
            story_id=job.story_id,
            job_id=ctx.job_id,
            job_started_at=ctx.started_at,
            audio_url=stored.url,
            storage_key=stored.key,
            duration_seconds=round(result.duration_seconds, 3),
            format=result.format,
            sample_rate=result.sample_rate,
            chunk_count=result.chunk_count,
            engine=result.engine,
            user_id=job.user_id,
            voice_id=job.voice_id,
            metadata={**(job.metadata or {}), "tts": _callback_metadata(metadata)},
        )
        return self.sender.post(
            CallbackType.SUCCESS, targets.success, success.to_body(), ctx.job_id, job.story_id
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
                "stage": ctx.stage,
                "cause": type(cause).__name__,
            },
        )
        delivered = self._send_error_callback(error, ctx)
        output: dict[str, Any] = {
            "error": error.message,
            "error_type": error.error_type.value,
            "retryable": error.retryable,
            "stage": ctx.stage,
            "story_id": ctx.story_id,
            "callback_delivered": delivered,
        }
        if refresh:
            output["refresh_worker"] = True
        return output

    def _send_error_callback(self, error: TTSError, ctx: JobContext) -> bool:
        if ctx.targets is None or ctx.story_id is None:
            return False  # nowhere safe to report to; the job output still says what failed
        metadata: dict[str, Any] = {
            "language": ctx.language,
            "story_type": ctx.story_type,
            "text_length": ctx.text_length,
            "error_type": error.error_type.value,
            "retryable": error.retryable,
            "stage": ctx.stage,
        }
        if "chunk_index" in error.context:
            metadata["chunk_index"] = error.context["chunk_index"]
        payload = TTSErrorCallbackRequest(
            story_id=ctx.story_id,
            error=error.message,
            error_details=error.details,
            job_id=ctx.job_id,
            job_started_at=ctx.started_at,
            user_id=ctx.user_id,
            voice_id=ctx.voice_id,
            metadata={k: v for k, v in metadata.items() if v is not None},
        )
        return self.sender.post(
            CallbackType.ERROR, ctx.targets.error, payload.to_body(), ctx.job_id, ctx.story_id
        )


_STORY_ID = TypeAdapter(StoryId)
_SAFE_ID = TypeAdapter(SafeId)


def _salvage(raw_input: Any, ctx: JobContext, settings: ServiceSettings) -> None:
    """Keep what can be trusted of an invalid input, so that its error can still be reported."""
    if not isinstance(raw_input, dict):
        return
    checks = (("story_id", _STORY_ID), ("user_id", _SAFE_ID), ("voice_id", _SAFE_ID))
    for name, adapter in checks:
        try:
            setattr(ctx, name, adapter.validate_python(raw_input.get(name)))
        except ValidationError:
            continue
    try:
        ctx.targets = CallbackTargets.for_job(
            str(raw_input["callback_url"]),
            raw_input.get("error_callback_url"),
            raw_input.get("progress_callback_url"),
            allowed_hosts=settings.callback_allowed_hosts,
            allow_loopback_http=settings.callback_allow_loopback_http,
        )
    except (KeyError, InvalidInputError, TypeError, AttributeError):
        ctx.targets = None


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


def _callback_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    keep = ("retries", "engine_version", "voice", "timings", "engine_real_time_factor")
    return {k: metadata[k] for k in keep if k in metadata}
