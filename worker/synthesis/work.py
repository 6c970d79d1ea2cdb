"""How far a render is: chunk counts for progress, spoken characters for the deadline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.deadlines import WorkProgress

ProgressFn = Callable[[int, int], None]
WorkFn = Callable[[WorkProgress], None]
"""Told after every chunk how much speech is generated and how much is left to generate (the
job's deadline judges the work left from it); may raise to stop the render."""


class WorkLeft:
    """The spoken characters generated and still to generate. Which pieces have a checkpoint
    is known by count (`ChunkReuse.expect`): the reusable share of the pieces left is taken
    off the characters left, and each piece taken from a checkpoint uses one up."""

    def __init__(self, pieces: list[list[tuple[str, float]]], reusable: int) -> None:
        self._lengths = [len(speech) for segments in pieces for speech, _ in segments]
        self._chars_left = sum(self._lengths)
        self._done = 0
        self._reusable_left = reusable
        self.generated_chars = self.generated_pieces = 0
        self.generating_s = 0.0

    def piece(self, speech: str, generated: bool, seconds: float) -> None:
        self._done += 1
        self._chars_left -= len(speech)
        if generated:
            self.generated_chars += len(speech)
            self.generated_pieces += 1
            self.generating_s += seconds
        else:
            self._reusable_left = max(0, self._reusable_left - 1)

    def chars_to_generate(self) -> int:
        pieces_left = len(self._lengths) - self._done
        if pieces_left <= 0:
            return 0
        reusable_share = min(self._reusable_left, pieces_left) / pieces_left
        return round(self._chars_left * (1 - reusable_share))

    def progress(self, done: int, total: int) -> WorkProgress:
        return WorkProgress(
            chunks_done=done,
            chunks_total=total,
            generated_chars=self.generated_chars,
            generated_pieces=self.generated_pieces,
            generating_s=self.generating_s,
            chars_left=self.chars_to_generate(),
        )


@dataclass(frozen=True)
class Listeners:
    on_progress: ProgressFn | None
    on_work: WorkFn | None

    def chunk(self, done: int, total: int, work: WorkLeft) -> None:
        if self.on_work:
            self.on_work(work.progress(done, total))
        if self.on_progress:
            self.on_progress(done, total)
