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
    is known by count: `reusable_left` (`ChunkReuse.reusable_left`) says how many of the pieces
    left are expected from one, asked anew each time, so that a piece counted reusable but
    generated after all (its fetch late, its checkpoint rejected, the listing not back) is no
    longer counted. Of those still counted, only the share that the pieces counted so far
    really took from a checkpoint is expected to (a store that missed its budget for them is
    likely to miss it again), and that share of the pieces left is taken off the characters
    left: a projection for a deadline must err on the side of more work."""

    def __init__(
        self, pieces: list[list[tuple[str, float]]], reusable_left: Callable[[], int]
    ) -> None:
        self._lengths = [len(speech) for segments in pieces for speech, _ in segments]
        self._chars_left = sum(self._lengths)
        self._done = 0
        self._reusable_left = reusable_left
        self._counted = reusable_left()
        """The pieces counted reusable before the piece under way was looked up."""
        self._reused = self._missed = 0
        """Pieces counted reusable that came from a checkpoint, and that were generated."""
        self.generated_chars = self.generated_pieces = 0
        self.generating_s = 0.0

    def piece(self, speech: str, generated: bool, seconds: float) -> None:
        self._done += 1
        self._chars_left -= len(speech)
        counted, self._counted = self._counted, self._reusable_left()
        if generated:
            self.generated_chars += len(speech)
            self.generated_pieces += 1
            self.generating_s += seconds
            self._missed += self._counted < counted  # it was counted reusable, and is no more
        else:
            self._reused += 1

    def chars_to_generate(self) -> int:
        pieces_left = len(self._lengths) - self._done
        if pieces_left <= 0:
            return 0
        reusable: float = min(self._reusable_left(), pieces_left)
        if tried := self._reused + self._missed:
            reusable *= self._reused / tried
        return round(self._chars_left * (1 - reusable / pieces_left))

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
