"""Story text in, one finished audio file out.

The calling thread generates chunk after chunk (checking each and regenerating bad ones);
a second thread cleans, joins and encodes the chunks it is handed through a bounded queue,
so with a GPU engine nearly all post-processing hides behind generation.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shared.errors import AudioProcessingError, GenerationFailedError, TTSError
from worker.audio import Assembler
from worker.chunking import Chunk, chunk_text
from worker.config import SynthesisSettings
from worker.encoding import FORMATS, StreamEncoder
from worker.engines.base import Engine, EngineAudio, Samples, SynthesisParams, Voice
from worker.quality import check_chunk
from worker.text import prepare_text

logger = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]
EXCERPT_CHARS = 40


@dataclass
class StageTimings:
    text_s: float = 0.0
    generation_s: float = 0.0
    engine_s: float = 0.0
    assembly_s: float = 0.0
    encoding_s: float = 0.0
    total_s: float = 0.0


@dataclass
class SynthesisResult:
    """The encoded file (worker-local `path`) and metadata that is safe to send anywhere."""

    path: Path = field(repr=False)
    format: str
    content_type: str
    size_bytes: int
    duration_seconds: float
    sample_rate: int
    chunk_count: int
    retries: int
    engine: str
    engine_version: str
    voice: str
    text_length: int
    timings: StageTimings

    @property
    def real_time_factor(self) -> float:
        return self.timings.total_s / self.duration_seconds if self.duration_seconds else 0.0

    def metadata(self) -> dict[str, Any]:
        """Everything but the local path."""
        data = {k: v for k, v in asdict(self).items() if k != "path"}
        data["timings"] = {k: round(v, 3) for k, v in data["timings"].items()}
        data["duration_seconds"] = round(self.duration_seconds, 3)
        data["engine_real_time_factor"] = (
            round(self.timings.engine_s / self.duration_seconds, 4) if self.duration_seconds else 0
        )
        return data


class _AssemblyThread(threading.Thread):
    """Consumes (samples, pause) items until `None`; records the first error it meets."""

    def __init__(self, assembler: Assembler, encoder: StreamEncoder, depth: int) -> None:
        super().__init__(name="assembly", daemon=True)
        self.assembler = assembler
        self.encoder = encoder
        self.items: queue.Queue[tuple[Samples, float] | None] = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.assembly_s = 0.0
        self.encoding_s = 0.0

    def run(self) -> None:
        while (item := self.items.get()) is not None:
            if self.error is None:
                try:
                    self._emit(self.assembler.add(*item))
                except BaseException as exc:  # handed to the producer, which raises it
                    self.error = exc
        if self.error is None:
            try:
                self._emit(self.assembler.finish())
            except BaseException as exc:
                self.error = exc

    def _emit(self, blocks: Iterable[Samples]) -> None:
        started = time.perf_counter()
        encoding = 0.0
        for block in blocks:
            mark = time.perf_counter()
            self.encoder.write(block)
            encoding += time.perf_counter() - mark
        self.encoding_s += encoding
        self.assembly_s += time.perf_counter() - started - encoding


class StorySynthesizer:
    """Runs one story through one loaded engine."""

    def __init__(self, engine: Engine, settings: SynthesisSettings) -> None:
        self.engine = engine
        self.settings = settings

    def prepare(self, text: str, language: str) -> list[Chunk]:
        caps = self.engine.capabilities
        normalized = prepare_text(
            text,
            max_chars=self.settings.max_text_chars,
            language=language,
            languages=caps.languages,
        )
        max_chars = min(self.settings.chunk_max_chars, caps.max_chunk_chars)
        return chunk_text(normalized, max_chars, self.settings.chunk_min_chars)

    def synthesize(
        self,
        text: str,
        out_path: Path,
        *,
        voice: Voice,
        params: SynthesisParams | None = None,
        fmt: str | None = None,
        on_progress: ProgressFn | None = None,
    ) -> SynthesisResult:
        """Prepare and render `text`: the whole story in one call."""
        params = params or SynthesisParams()
        started = time.perf_counter()
        chunks = self.prepare(text, params.language)
        return self.render(
            chunks,
            out_path,
            voice=voice,
            params=params,
            fmt=fmt,
            on_progress=on_progress,
            text_s=time.perf_counter() - started,
        )

    def render(
        self,
        chunks: list[Chunk],
        out_path: Path,
        *,
        voice: Voice,
        params: SynthesisParams | None = None,
        fmt: str | None = None,
        on_progress: ProgressFn | None = None,
        text_s: float = 0.0,
    ) -> SynthesisResult:
        """Generate, check, assemble and encode prepared chunks into `out_path`."""
        params = params or SynthesisParams()
        fmt = fmt or self.settings.output_format
        timings = StageTimings(text_s=text_s)
        started = time.perf_counter() - text_s
        try:
            retries, sample_rate, duration = self._run(
                chunks, out_path, voice, params, fmt, timings, on_progress
            )
        except BaseException:
            with suppress(OSError):
                out_path.unlink(missing_ok=True)
            raise
        timings.total_s = time.perf_counter() - started
        caps = self.engine.capabilities
        return SynthesisResult(
            path=out_path,
            format=fmt,
            content_type=FORMATS[fmt].content_type,
            size_bytes=out_path.stat().st_size,
            duration_seconds=duration,
            sample_rate=sample_rate,
            chunk_count=len(chunks),
            retries=retries,
            engine=caps.name,
            engine_version=caps.version,
            voice=voice.name,
            text_length=sum(len(c.text) for c in chunks),
            timings=timings,
        )

    def _run(
        self,
        chunks: list[Chunk],
        out_path: Path,
        voice: Voice,
        params: SynthesisParams,
        fmt: str,
        timings: StageTimings,
        on_progress: ProgressFn | None,
    ) -> tuple[int, int, float]:
        """Returns (retries, output sample rate, duration in seconds)."""
        s = self.settings
        rate = self.engine.capabilities.sample_rate
        encoder = StreamEncoder(out_path, fmt, rate, s.mp3_bitrate_kbps, s.mp3_quality)
        assembler = Assembler.from_settings(rate, s)
        worker = _AssemblyThread(assembler, encoder, s.pipeline_queue_chunks)
        worker.start()
        retries = 0
        failed = True
        try:
            generation_started = time.perf_counter()
            for chunk in chunks:
                audio, attempts = self._generate(chunk, len(chunks), voice, params, timings)
                retries += attempts
                pause_ms = s.paragraph_pause_ms if chunk.paragraph_end else s.pause_ms
                self._hand_over(worker, (audio.samples, pause_ms / 1000))
                if on_progress:
                    on_progress(chunk.index + 1, len(chunks))
            timings.generation_s = time.perf_counter() - generation_started
            failed = False
        finally:
            worker.items.put(None)
            worker.join()
            close_started = time.perf_counter()
            try:
                encoder.close()
            except TTSError:
                if not failed:  # else the error already on its way out is the one to report
                    raise
            timings.encoding_s = worker.encoding_s + time.perf_counter() - close_started
            timings.assembly_s = worker.assembly_s
        if worker.error is not None:
            raise _as_audio_error(worker.error)
        return retries, encoder.sample_rate, encoder.duration_s

    @staticmethod
    def _hand_over(worker: _AssemblyThread, item: tuple[Samples, float]) -> None:
        while True:
            if worker.error is not None:
                raise _as_audio_error(worker.error)
            try:
                worker.items.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def _generate(
        self,
        chunk: Chunk,
        total: int,
        voice: Voice,
        params: SynthesisParams,
        timings: StageTimings,
    ) -> tuple[EngineAudio, int]:
        """Generate one chunk, regenerating it until it passes the checks or retries run out."""
        problems: list[str] = []
        for attempt in range(self.settings.chunk_max_retries + 1):
            started = time.perf_counter()
            try:
                audio = self.engine.synthesize(chunk.speech, voice, params.for_attempt(attempt))
            except GenerationFailedError as exc:
                problems.append(exc.details or exc.message)
                continue
            except TTSError:
                raise  # model, memory and voice errors are not fixed by trying again
            except Exception as exc:
                problems.append(f"engine raised {type(exc).__name__}")
                continue
            finally:
                timings.engine_s += time.perf_counter() - started
            if audio.sample_rate != self.engine.capabilities.sample_rate:
                raise AudioProcessingError(details="engine returned an unexpected sample rate")
            report = check_chunk(chunk.speech, audio, self.settings)
            if report.passed:
                return audio, attempt
            problems.append("; ".join(report.problems))
            logger.warning(
                "chunk failed quality check",
                extra={"chunk_index": chunk.index, "attempt": attempt, "problems": report.problems},
            )
        raise _generation_failed(chunk, total, problems)


def _generation_failed(chunk: Chunk, total: int, problems: list[str]) -> GenerationFailedError:
    speech = chunk.speech
    excerpt = speech if len(speech) <= EXCERPT_CHARS else speech[:EXCERPT_CHARS].rstrip() + "…"
    return GenerationFailedError(
        f'Part {chunk.index + 1} of {total} of the story ("{excerpt}") could not be narrated. '
        "Please try again.",
        details=f"chunk {chunk.index} failed {len(problems)} attempts: " + " | ".join(problems),
        context={"chunk_index": chunk.index, "attempts": len(problems)},
    )


def _as_audio_error(exc: BaseException) -> TTSError:
    if isinstance(exc, TTSError):
        return exc
    return AudioProcessingError(details=f"assembly failed: {type(exc).__name__}: {exc}")
