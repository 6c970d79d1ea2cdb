"""The live read-along track: the cues of the sentences already heard in the live stream.

The story's sentences and their offsets do not depend on the audio: they are found once, before
the first cue is needed. As the assembly lands chunks, each whole chunk (all its pieces landed)
is placed as `build_track` places it: a chunk is placed from its own audio and text alone, and
a sentence's cue is final once the chunk that holds its end has landed. Cues are in the final
file's time, which is the stream's: its segments are cut from the same encoded frames.

`snapshot` runs on the stream's publishing thread; the assembly thread only appends landings.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from itertools import groupby

import numpy as np

from worker.synthesis.timings import (
    Cue,
    Landing,
    Sentence,
    StoryText,
    Track,
    _stretches,
    _weight,
    frame_samples,
    place,
    story_sentences,
)

__all__ = ["LiveTrack"]


class LiveTrack:
    """Grows with the assembly (`follow`); `snapshot(heard_s)` is the track as `timings.json`
    with the cues that end within the first `heard_s` seconds of audio."""

    def __init__(self, story: StoryText) -> None:
        self._story = story
        self._sentences: list[Sentence] | None = None
        self._opening: list[int] = []
        self._closing: list[int] = []
        self._lock = threading.Lock()
        self._landings: Sequence[Landing] = ()
        self._groups: list[tuple[tuple[int, int], int]] = []  # a span, its pieces: one chunk
        self._rate = 0
        self._placed = 0  # chunks (span groups) placed so far
        self._landed = 0  # their pieces
        self._through = 0  # the text placed: `normalized[:_through]`
        self._starts: dict[int, float] = {}
        self._ends: dict[int, float] = {}
        self._cues: list[Cue] = []  # final cues, in order
        self._next = 0  # the sentence to look at next for a cue

    def prepare(self) -> None:
        """Find the story's sentences (the costly part, done once)."""
        if self._sentences is None:
            sentences = story_sentences(self._story)
            self._opening, self._closing = [s.start for s in sentences], [s.end for s in sentences]
            self._sentences = sentences

    def follow(self, landings: Sequence[Landing], pieces: Sequence[int], rate: int) -> None:
        """Where the assembly appends each piece's landing (`Assembler.landings`), and how many
        pieces each planned chunk has."""
        spans = self._story.spans
        groups = [
            (span, sum(count for _, count in members))
            for span, members in groupby(zip(spans, pieces, strict=True), key=lambda p: p[0])
        ]
        with self._lock:
            self._landings, self._groups, self._rate = landings, groups, rate

    def snapshot(self, heard_s: float) -> bytes:
        """`timings.json` for a stream `heard_s` long: the cues whose audio is all there."""
        with self._lock:
            self.prepare()
            self._place_landed()
            cues = self._final_cues()
        return Track(heard_s, tuple(_prefix(cues, heard_s))).to_json().encode()

    def _place_landed(self) -> None:
        """Place every chunk whose pieces have all landed, in order, once."""
        landed = len(self._landings)  # appended by the assembly thread: read once
        while self._placed < len(self._groups):
            span, count = self._groups[self._placed]
            if self._landed + count > landed:
                return
            pieces = list(self._landings[self._landed : self._landed + count])
            self._place(span, pieces)
            self._placed += 1
            self._landed += count
            self._through = span[1]

    def _place(self, span: tuple[int, int], pieces: list[Landing]) -> None:
        """`build_track`'s placement of one chunk (its stretch), into the running starts/ends."""
        assert self._sentences is not None
        sentences, rate = self._sentences, self._rate
        for stretch, start, end, loudness in _stretches([span], pieces, [len(pieces)], rate):
            parts = range(
                bisect_right(self._closing, stretch[0]), bisect_left(self._opening, stretch[1])
            )
            if not parts:
                continue
            weights = np.cumsum([_weight(sentences[n], stretch) for n in parts])
            placed = place(loudness, [float(w) for w in weights[:-1] / weights[-1]])
            self._starts.setdefault(parts[0], start / rate)
            self._ends[parts[-1]] = end / rate
            frame = frame_samples(rate)
            for before, after, (quiet, loud) in zip(parts[:-1], parts[1:], placed, strict=True):
                self._ends[before] = (start + quiet * frame) / rate
                self._starts.setdefault(after, (start + loud * frame) / rate)

    def _final_cues(self) -> list[Cue]:
        """The cues of the sentences that end in text already placed: no later chunk moves
        them. Numbered as the final track numbers them."""
        assert self._sentences is not None
        sentences, raw = self._sentences, self._story.raw
        while self._next < len(sentences) and sentences[self._next].end <= self._through:
            n, self._next = self._next, self._next + 1
            if n not in self._starts or n not in self._ends:
                continue  # said in no chunk: the final track has no cue for it either
            s, begin = sentences[n], round(self._starts[n], 3)
            finish = round(max(self._ends[n], begin + 0.001), 3)
            text = raw[s.char_start : s.char_end]
            self._cues.append(Cue(len(self._cues), text, s.char_start, s.char_end, begin, finish))
        return list(self._cues)


def _prefix(cues: Sequence[Cue], heard_s: float) -> list[Cue]:
    """The cues up to the first that ends after `heard_s`: a listener never sees a sentence
    lit before its audio exists, and the track only ever grows."""
    heard: list[Cue] = []
    for cue in cues:
        if cue.end > heard_s + 1e-9:
            break
        heard.append(cue)
    return heard
