"""Story text in, one finished audio file out.

The calling thread takes chunk after chunk from a `PieceSource` (`generation.py`: reused or
generated, checked, regenerated when bad) and hands them to an `AudioWriter`, whose assembly
and encoding threads work behind bounded queues: with a GPU engine nearly all post-processing
hides behind generation.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path

from shared.errors import TextEmptyError, TTSError
from shared.types import AudioFormat
from worker.checkpoints.keys import RenderIdentity
from worker.checkpoints.transfer import StoryCheckpoints
from worker.config import SynthesisSettings
from worker.engines.base import (
    Engine,
    EngineCapabilities,
    SynthesisParams,
    Voice,
    VoiceSource,
)
from worker.synthesis.chunking import Chunk, chunk_text
from worker.synthesis.encoding import FormatSpec, FrameSink, format_spec
from worker.synthesis.generation import PieceSource
from worker.synthesis.live_track import LiveTrack
from worker.synthesis.reuse import REUSE_QUEUE_CHUNKS, TEXT_PREPARATION, ChunkReuse
from worker.synthesis.scripts import DroppedLetters
from worker.synthesis.speech import PAUSE_AT_START, PAUSE_PATTERN, split_pauses, to_speech
from worker.synthesis.text import has_words, prepare_story_text
from worker.synthesis.timings import Landing, StoryText, Track, build_track
from worker.synthesis.work import Listeners, ProgressFn, WorkFn, WorkLeft
from worker.synthesis.writer import AudioWriter

logger = logging.getLogger(__name__)


@dataclass
class StageTimings:
    """Seconds spent in each synthesis stage; `total_s` spans them all."""

    text_s: float = 0.0
    generation_s: float = 0.0
    engine_s: float = 0.0
    assembly_s: float = 0.0
    encoding_s: float = 0.0
    checkpoint_wait_s: float = 0.0
    """Generation waiting on checkpoints (fetched ahead, so mostly nothing)."""
    track_s: float = 0.0
    """Placing the sentences for the read-along track, once the audio is done."""
    total_s: float = 0.0


@dataclass(frozen=True)
class StoryPlan:
    """A story ready to render: its chunks, its output format, and how long preparing took."""

    chunks: tuple[Chunk, ...]
    spec: FormatSpec
    text_s: float
    dropped: DroppedLetters = field(default_factory=DroppedLetters)
    """Letters left out because the language cannot read their script (`scripts.py`)."""
    story: StoryText | None = None
    """The text as submitted and as each chunk speaks it, for the read-along track."""


@dataclass(frozen=True)
class SynthesisResult:
    """The encoded file (worker-local `path`) and what is known about how it was made."""

    path: Path = field(repr=False)
    spec: FormatSpec
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
    chunks_reused: int = 0
    """Chunks taken whole from checkpoints instead of generated."""
    gpu_seconds_saved: float = 0.0
    """What generating the reused chunks had cost (from their checkpoints)."""
    dropped: DroppedLetters = field(default_factory=DroppedLetters)
    track: Track | None = None
    """The read-along track: when each sentence is heard (None if it could not be made)."""

    @property
    def chunks_generated(self) -> int:
        return self.chunk_count - self.chunks_reused

    @property
    def format(self) -> str:
        return self.spec.name

    @property
    def content_type(self) -> str:
        return self.spec.content_type

    @property
    def real_time_factor(self) -> float:
        return self.timings.total_s / self.duration_seconds if self.duration_seconds else 0.0

    @property
    def engine_real_time_factor(self) -> float:
        return self.timings.engine_s / self.duration_seconds if self.duration_seconds else 0.0


def pause_after_ms(chunk: Chunk, settings: SynthesisSettings) -> int:
    """The silence after a chunk: a scene break's, a paragraph's, or a sentence's."""
    if chunk.scene_end:
        return settings.scene_pause_ms
    return settings.paragraph_pause_ms if chunk.paragraph_end else settings.pause_ms


def plan_speech(
    text: str,
    language: str,
    settings: SynthesisSettings,
    capabilities: EngineCapabilities,
    pronunciations: Mapping[str, str] | None = None,
) -> tuple[Chunk, ...]:
    """The story's chunks with what each will say. Chunks left with nothing to say (markup,
    emoji) hand their pauses to the one before; a pause that opens a chunk moves there too."""
    return _plan_speech(text, language, settings, capabilities, pronunciations)[0]


def _plan_speech(
    text: str,
    language: str,
    settings: SynthesisSettings,
    capabilities: EngineCapabilities,
    pronunciations: Mapping[str, str] | None = None,
) -> tuple[tuple[Chunk, ...], DroppedLetters, StoryText]:
    """The chunks, the letters dropped, and what the read-along track needs of the text."""
    prepared = prepare_story_text(
        text, max_chars=settings.max_text_chars, language=language, languages=capabilities.languages
    )
    normalized = prepared.text
    max_chars = min(settings.chunk_max_chars, capabilities.max_chunk_chars)
    planned: list[Chunk] = []
    spans: list[tuple[int, int]] = []
    end = 0
    for chunk in chunk_text(normalized, max_chars, settings.chunk_min_chars, language=language):
        # chunks are the text in order, less its scene breaks: each is found after the last
        start = normalized.find(chunk.text, end)
        end = start + len(chunk.text)
        spoken = " ".join(to_speech(chunk.text, language, pronunciations).split())
        leading = PAUSE_AT_START.match(spoken)
        if leading and planned:
            planned[-1] = replace(planned[-1], spoken=planned[-1].speech + " " + leading.group())
        spoken = spoken[leading.end() :] if leading else spoken
        if has_words(PAUSE_PATTERN.sub(" ", spoken)):
            pieces = _recut(spoken, max_chars, settings.chunk_min_chars, language)
            for number, piece in enumerate(pieces, start=1):
                last = number == len(pieces)
                planned.append(
                    replace(
                        chunk,
                        index=len(planned),
                        spoken=piece,
                        paragraph_end=chunk.paragraph_end and last,
                        scene_end=chunk.scene_end and last,
                    )
                )
                spans.append((start, end))
        elif planned:
            previous = planned[-1]
            planned[-1] = replace(
                previous,
                paragraph_end=previous.paragraph_end or chunk.paragraph_end,
                scene_end=previous.scene_end or chunk.scene_end,
            )
    if not planned:
        raise TextEmptyError(details="nothing to say once markup and symbols are removed")
    story = StoryText(text, normalized, language, tuple(spans), pronunciations)
    return tuple(planned), prepared.dropped, story


def _recut(spoken: str, max_chars: int, min_chars: int, language: str) -> list[str]:
    """Spoken text cut again to the engine's size: numbers read out can be several times
    longer than written (`$1,234,567.99`)."""
    if len(spoken) <= max_chars or PAUSE_PATTERN.search(spoken):
        return [spoken]
    return [piece.speech for piece in chunk_text(spoken, max_chars, min_chars, language=language)]


class StorySynthesizer:
    """Runs stories through one loaded engine: `prepare` a plan, then `render` it."""

    def __init__(self, engine: Engine, settings: SynthesisSettings) -> None:
        self._engine = engine
        self._settings = settings

    def prepare(
        self,
        text: str,
        language: str,
        fmt: AudioFormat | None = None,
        pronunciations: Mapping[str, str] | None = None,
    ) -> StoryPlan:
        """Validate, chunk and voice `text` (what each chunk will say); raises
        `InvalidInputError`s before any generation."""
        started = time.perf_counter()
        chunks, dropped, story = _plan_speech(
            text, language, self._settings, self._engine.capabilities, pronunciations
        )
        spec = format_spec(fmt or self._settings.output_format)
        return StoryPlan(chunks, spec, time.perf_counter() - started, dropped, story)

    def prepare_voice(self, source: VoiceSource | None) -> Voice:
        """Resolve a job's voice before any generation; raises `VoiceProfileError`s."""
        return self._engine.prepare_voice(source)

    def synthesize(
        self,
        text: str,
        directory: Path,
        *,
        voice: Voice,
        params: SynthesisParams | None = None,
        fmt: AudioFormat | None = None,
        on_progress: ProgressFn | None = None,
    ) -> SynthesisResult:
        """Prepare and render `text`: the whole story in one call."""
        params = params or SynthesisParams()
        plan = self.prepare(text, params.language, fmt)
        return self.render(plan, directory, voice=voice, params=params, on_progress=on_progress)

    def render(
        self,
        plan: StoryPlan,
        directory: Path,
        *,
        voice: Voice,
        params: SynthesisParams,
        on_progress: ProgressFn | None = None,
        checkpoints: StoryCheckpoints | None = None,
        live: FrameSink | None = None,
        on_work: WorkFn | None = None,
        live_track: LiveTrack | None = None,
    ) -> SynthesisResult:
        """Generate, check, assemble and encode a plan into `directory/story.<ext>`, reusing
        the `checkpoints` of chunks already generated and saving those it generates; `live`
        gets the story's MP3 frames as they are encoded (the live stream), and `live_track`
        follows where its chunks land (the stream's read-along track). After each chunk
        `on_work` (first) and `on_progress` hear how far the story is."""
        out_path = directory / f"story{plan.spec.extension}"
        timings = StageTimings(text_s=plan.text_s)
        started = time.perf_counter() - plan.text_s
        caps = self._engine.capabilities
        identity = RenderIdentity.of(caps, voice, params, TEXT_PREPARATION)
        reuse = ChunkReuse(checkpoints, identity, caps.sample_rate)
        _find_sentences(plan)
        try:
            retries, reused, sample_rate, duration, landings = self._run(
                plan,
                out_path,
                voice,
                params,
                timings,
                Listeners(on_progress, on_work),
                reuse,
                live,
                live_track,
            )
        except BaseException:
            with suppress(OSError):
                out_path.unlink(missing_ok=True)
            raise
        track = _track(plan, landings, caps.sample_rate, duration, timings)
        timings.total_s = time.perf_counter() - started
        timings.checkpoint_wait_s = reuse.wait_s
        return SynthesisResult(
            path=out_path,
            spec=plan.spec,
            size_bytes=out_path.stat().st_size,
            duration_seconds=duration,
            sample_rate=sample_rate,
            chunk_count=len(plan.chunks),
            retries=retries,
            engine=caps.name,
            engine_version=caps.version,
            voice=voice.name,
            text_length=sum(len(c.text) for c in plan.chunks),
            timings=timings,
            chunks_reused=reused,
            gpu_seconds_saved=reuse.gpu_seconds_saved,
            dropped=plan.dropped,
            track=track,
        )

    def _run(
        self,
        plan: StoryPlan,
        out_path: Path,
        voice: Voice,
        params: SynthesisParams,
        timings: StageTimings,
        listeners: Listeners,
        reuse: ChunkReuse,
        live: FrameSink | None,
        live_track: LiveTrack | None = None,
    ) -> tuple[int, int, int, float, list[list[Landing]]]:
        """Returns (retries, chunks reused, output sample rate, duration in seconds, where each
        chunk's pieces landed)."""
        s, chunks = self._settings, plan.chunks
        pieces = [split_pauses(chunk.speech) for chunk in chunks]
        reusable = reuse.expect(speech for segments in pieces for speech, _ in segments)
        work = WorkLeft(pieces, reuse.reusable_left)
        depth = max(s.pipeline_queue_chunks, REUSE_QUEUE_CHUNKS) if reusable else None
        rate = self._engine.capabilities.sample_rate
        writer = AudioWriter(out_path, plan.spec.name, rate, s, queue_chunks=depth, live=live)
        if live_track is not None:
            live_track.follow(writer.landings, [len(segments) for segments in pieces], rate)
        source = PieceSource(self._engine, s, voice, params, reuse, len(chunks))
        reused_chunks = 0
        failed = True
        try:
            generation_started = time.perf_counter()
            for chunk, segments in zip(chunks, pieces, strict=True):
                reused = 0
                for number, (speech, pause_s) in enumerate(segments, start=1):
                    piece_started = time.perf_counter()
                    audio, generated = source.audio(chunk, speech)
                    reused += not generated
                    if number == len(segments):
                        pause_s = max(pause_s, pause_after_ms(chunk, s) / 1000)
                    writer.add(audio.samples, pause_s)
                    work.piece(speech, generated, time.perf_counter() - piece_started)
                reused_chunks += reused == len(segments)
                listeners.chunk(chunk.index + 1, len(chunks), work)
            timings.generation_s = time.perf_counter() - generation_started
            failed = False
        finally:
            timings.engine_s = source.engine_s
            try:
                writer.close()
            except TTSError:
                if not failed:  # else the error already on its way out is the one to report
                    raise
            timings.assembly_s, timings.encoding_s = writer.assembly_s, writer.encoding_s
        landed = iter(writer.landings)
        landings = [[next(landed) for _ in segments] for segments in pieces]
        return source.retries, reused_chunks, writer.sample_rate, writer.duration_s, landings


def _find_sentences(plan: StoryPlan) -> None:
    """Find the story's sentences for its track while its chunks are generated, off the job's
    path (the engine holds the GPU, not the interpreter); the track takes them when done."""
    if plan.story is None:
        return
    story = plan.story

    def find() -> None:
        with suppress(Exception):  # the track looks again, and reports what failed
            _ = story.sentences

    threading.Thread(target=find, name="track-sentences", daemon=True).start()


def _track(
    plan: StoryPlan,
    landings: list[list[Landing]],
    rate: int,
    duration: float,
    timings: StageTimings,
) -> Track | None:
    """The read-along track; a story is finished without one rather than failed for it."""
    if plan.story is None:
        return None
    started = time.perf_counter()
    try:
        pieces = [len(landed) for landed in landings]
        flat = [landing for landed in landings for landing in landed]
        return build_track(plan.story, flat, pieces, rate, duration)
    except Exception:
        logger.exception("read-along track not made")
        return None
    finally:
        timings.track_s = time.perf_counter() - started
