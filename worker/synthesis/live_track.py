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
from bisect import bisect_right
from collections.abc import Sequence
from itertools import groupby

from worker.synthesis.timings import (
    Bounds,
    Cue,
    Landing,
    StoryText,
    Track,
    stretches,
)

__all__ = ["LiveTrack"]


class LiveTrack:
    """Grows with the assembly (`follow`); `snapshot(heard_s)` is the track as `timings.json`
    with the cues that end within the first `heard_s` seconds of audio."""

    def __init__(self, story: StoryText) -> None:
        self._story = story
        self._bounds_: Bounds | None = None
        self._closing: list[int] = []  # where each sentence ends in the normalized text
        self._lock = threading.Lock()
        self._landings: Sequence[Landing] = ()
        self._groups: list[tuple[tuple[int, int], int]] = []  # a span, its pieces: one chunk
        self._rate = 0
        self._placed = 0  # chunks (span groups) placed so far
        self._landed = 0  # their pieces
        self._through = 0  # the text placed: `normalized[:_through]`

    def prepare(self) -> None:
        """Find the story's sentences (the costly part, done once)."""
        if self._bounds_ is None:
            sentences = self._story.sentences
            self._closing = [s.end for s in sentences]
            self._bounds_ = Bounds(sentences)

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
        """`build_track`'s placement of one chunk (its stretch), into the running bounds."""
        for stretch in stretches([span], pieces, [len(pieces)], self._rate):
            self._bounds().add(*stretch, self._rate)

    def _final_cues(self) -> list[Cue]:
        """The cues of the sentences that end in text already placed: no later chunk moves
        them. Numbered as the final track numbers them."""
        bounds = self._bounds()
        return bounds.cues(self._story.raw, bisect_right(self._closing, self._through))

    def _bounds(self) -> Bounds:
        assert self._bounds_ is not None
        return self._bounds_


def _prefix(cues: Sequence[Cue], heard_s: float) -> list[Cue]:
    """The cues up to the first that ends after `heard_s`: a listener never sees a sentence
    lit before its audio exists, and the track only ever grows."""
    heard: list[Cue] = []
    for cue in cues:
        if cue.end > heard_s + 1e-9:
            break
        heard.append(cue)
    return heard
