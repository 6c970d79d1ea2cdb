"""One story's pieces of speech made: taken from a checkpoint when one still passes the checks,
else generated, checked, and generated again until one passes or the retries run out.

The synthesizer asks a `PieceSource` for each piece in story order and hands the audio on to
its writer; the source keeps what the story has taught it (the pace of its voice) and what
making the pieces cost (engine seconds, retries).
"""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import replace

from shared.errors import (
    AudioProcessingError,
    EngineError,
    GenerationFailedError,
    TTSError,
    UnspeakableTextError,
)
from worker.checkpoints.codec import on_pcm16_grid
from worker.config import SynthesisSettings
from worker.engines.base import Engine, EngineAudio, SynthesisParams, Voice
from worker.synthesis.chunking import Chunk
from worker.synthesis.quality import QualityReport, StoryPace, check_chunk
from worker.synthesis.reuse import ChunkReuse

logger = logging.getLogger(__name__)

EXCERPT_CHARS = 40
_MEASURED = re.compile(r"[-+]?\d[\d.,]*")
"""Numbers in a problem's wording (measurements), ignored when comparing two failures."""


class PieceSource:
    """The audio of one story's pieces, in story order, through one voice and its params."""

    def __init__(
        self,
        engine: Engine,
        settings: SynthesisSettings,
        voice: Voice,
        params: SynthesisParams,
        reuse: ChunkReuse,
        total: int,
    ) -> None:
        """`total`: the story's chunk count, for the failure's wording."""
        self._engine = engine
        self._settings = settings
        self._voice = voice
        self._params = params
        self._reuse = reuse
        self._total = total
        self._pace = StoryPace(settings.qa_pace_min_chunks)
        self.engine_s = 0.0
        """Seconds spent in the engine, failed attempts included."""
        self.retries = 0

    def audio(self, chunk: Chunk, speech: str) -> tuple[EngineAudio, bool]:
        """The audio of one piece of `chunk`, and whether it was generated (not reused);
        a generated piece is saved as a checkpoint."""
        audio = self._reused(speech)
        if audio is not None:
            return audio, False
        engine_s = self.engine_s
        audio, attempts = self._generate(chunk, speech)
        self._reuse.save(speech, audio.samples, self.engine_s - engine_s)
        self.retries += attempts
        return audio, True

    def _reused(self, speech: str) -> EngineAudio | None:
        """A checkpoint's audio, if there is one and it still passes the checks (off the
        story's pace is accepted: a fresh run kept it)."""
        checkpoint = self._reuse.find(speech)
        if checkpoint is None:
            return None
        audio = EngineAudio(checkpoint.samples, self._engine.capabilities.sample_rate)
        report = check_chunk(speech, audio, self._settings, self._pace.expected)
        if not (report.passed or report.only_off_pace):
            self._reuse.refuse(speech, "; ".join(report.problems))
            return None
        self._pace.add(report)
        self._reuse.used(checkpoint)
        return audio

    def _generate(self, chunk: Chunk, speech: str) -> tuple[EngineAudio, int]:
        """Generate one chunk, regenerating it until it passes the checks or retries run out.

        When every attempt is usable but off the story's pace, the one closest to it is kept:
        such text (a list, a number read out) is slow or fast by nature, not broken.
        """
        problems: list[str] = []
        closest: tuple[float, EngineAudio, int, QualityReport] | None = None
        for attempt in range(self._settings.chunk_max_retries + 1):
            started = time.perf_counter()
            try:
                audio = self._engine.synthesize(
                    speech, self._voice, self._params.for_attempt(attempt)
                )
            except GenerationFailedError as exc:
                problems.append(exc.details or exc.message)
                continue
            except TTSError:
                raise  # model, memory and voice errors are not fixed by trying again
            except Exception as exc:
                problems.append(f"engine raised {type(exc).__name__}")
                continue
            finally:
                self.engine_s += time.perf_counter() - started
            if audio.sample_rate != self._engine.capabilities.sample_rate:
                raise AudioProcessingError(details="engine returned an unexpected sample rate")
            audio = replace(audio, samples=on_pcm16_grid(audio.samples))  # as a checkpoint has it
            report = check_chunk(speech, audio, self._settings, self._pace.expected)
            if report.passed:
                self._pace.add(report)
                return audio, attempt
            if report.only_off_pace and report.pace_ratio is not None:
                distance = abs(math.log(report.pace_ratio))
                if closest is None or distance < closest[0]:
                    closest = (distance, audio, attempt, report)
            problems.append("; ".join(report.problems))
            logger.warning(
                "chunk failed quality check",
                extra={"chunk_index": chunk.index, "attempt": attempt, **report.measurements()},
            )
        if closest is not None:
            logger.warning("chunk kept off pace", extra={"chunk_index": chunk.index})
            self._pace.add(closest[3])  # the story's pace may be what changed
            return closest[1], len(problems) - 1
        raise _generation_failed(chunk, self._total, problems)


def _generation_failed(chunk: Chunk, total: int, problems: list[str]) -> EngineError:
    """A typed failure naming the part; one that failed the same way every time (the text, not
    chance) is `text_unspeakable`, which running the job again would not fix."""
    written = " ".join(chunk.text.split())  # the part as the user wrote it
    excerpt = written if len(written) <= EXCERPT_CHARS else written[:EXCERPT_CHARS].rstrip() + "…"
    part = f'Part {chunk.index + 1} of {total} of the story ("{excerpt}")'
    details = f"chunk {chunk.index} failed {len(problems)} attempts: " + " | ".join(problems)
    context = {"chunk_index": chunk.index, "attempts": len(problems)}
    if len(problems) > 1 and len({_MEASURED.sub("", p) for p in problems}) == 1:
        return UnspeakableTextError(
            f"{part} could not be narrated: it failed the same way every time. "
            "Please reword that part and submit the story again.",
            details=details,
            context=context,
        )
    return GenerationFailedError(
        f"{part} could not be narrated. Please try again.", details=details, context=context
    )
