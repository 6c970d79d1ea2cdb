"""Story text in, one finished audio file out.

The calling thread generates chunk after chunk, checking each and regenerating bad ones, and
hands them to an `AudioWriter`, whose assembly and encoding threads work behind bounded
queues: with a GPU engine nearly all post-processing hides behind generation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shared.errors import AudioProcessingError, GenerationFailedError, TTSError
from worker.config import SynthesisSettings
from worker.engines.base import Engine, EngineAudio, SynthesisParams, Voice
from worker.synthesis.chunking import Chunk, chunk_text
from worker.synthesis.encoding import FORMATS
from worker.synthesis.quality import check_chunk
from worker.synthesis.text import prepare_text
from worker.synthesis.writer import AudioWriter

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
        writer = AudioWriter(out_path, fmt, self.engine.capabilities.sample_rate, s)
        retries = 0
        failed = True
        try:
            generation_started = time.perf_counter()
            for chunk in chunks:
                audio, attempts = self._generate(chunk, len(chunks), voice, params, timings)
                retries += attempts
                pause_ms = s.paragraph_pause_ms if chunk.paragraph_end else s.pause_ms
                writer.add(audio.samples, pause_ms / 1000)
                if on_progress:
                    on_progress(chunk.index + 1, len(chunks))
            timings.generation_s = time.perf_counter() - generation_started
            failed = False
        finally:
            try:
                writer.close()
            except TTSError:
                if not failed:  # else the error already on its way out is the one to report
                    raise
            timings.assembly_s, timings.encoding_s = writer.assembly_s, writer.encoding_s
        return retries, writer.sample_rate, writer.duration_s

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
