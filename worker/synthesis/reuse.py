"""The synthesizer's side of chunk checkpoints: each piece of speech is looked up by its
content key before it is generated, and saved once it has passed its checks.

A story is counted in chunks; a chunk is reused when every piece of it (the text between its
pauses) came from a checkpoint. Without checkpoints (none configured, or a voice of unknown
content) every lookup misses and nothing is saved.

A lookup never costs more than generating: each waits at most about what generating the piece
is expected to cost (this job's generation time per character so far, times the piece's
length; at most `CHECKPOINT_FETCH_BUDGET_S`), and a checkpoint not back by then is generated.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from worker.checkpoints.codec import Checkpoint
from worker.checkpoints.keys import RenderIdentity
from worker.checkpoints.transfer import StoryCheckpoints
from worker.engines.base import Samples

REUSE_QUEUE_CHUNKS = 64
"""Chunks waiting for assembly in a job that reuses some: reused chunks arrive far faster than
they are assembled, and generating the next missing one should not wait for them (64 chunks
of 15 s at 24 kHz are 92 MB, held only while a resumed job catches up)."""
TEXT_PREPARATION = "1"
"""Bump when the same spoken text would reach the engine differently (e.g. how pauses split
it): every earlier checkpoint then goes unused."""
UNKNOWN_COST_BUDGET_S = 0.5
"""A lookup's budget before the job has generated anything (so knows no generation cost): what
a healthy store answers a listing and a fetch well within."""


class ChunkReuse:
    def __init__(
        self,
        checkpoints: StoryCheckpoints | None,
        identity: RenderIdentity | None,
        sample_rate: int,
    ) -> None:
        self._keyed = (checkpoints, identity) if checkpoints and identity else None
        self._rate = sample_rate
        self.gpu_seconds_saved = 0.0
        self.wait_s = 0.0
        self._generated_s = 0.0
        self._generated_chars = 0

    def expect(self, speeches: Iterable[str]) -> int:
        """The plan's pieces of speech in story order, so that fetching runs ahead; returns
        how many have a checkpoint."""
        if self._keyed is None:
            return 0
        checkpoints, identity = self._keyed
        digests = [identity.digest(s) for s in speeches]
        started = time.perf_counter()
        try:
            return checkpoints.expect(digests, self._rate, self._budget_s(checkpoints, None))
        finally:
            self.wait_s += time.perf_counter() - started

    def reusable_left(self) -> int:
        """How many of the pieces not looked up yet are expected from a checkpoint, from what
        is known now: a piece counted so but generated after all is no longer counted."""
        return self._keyed[0].reusable_left() if self._keyed else 0

    def find(self, speech: str) -> Checkpoint | None:
        if self._keyed is None:
            return None
        checkpoints, identity = self._keyed
        started = time.perf_counter()
        try:
            return checkpoints.take(identity.digest(speech), self._budget_s(checkpoints, speech))
        finally:
            self.wait_s += time.perf_counter() - started

    def used(self, checkpoint: Checkpoint) -> None:
        self.gpu_seconds_saved += checkpoint.engine_s

    def refuse(self, speech: str, why: str) -> None:
        """A checkpoint that no longer passes the chunk checks: generated anew."""
        if self._keyed is not None:
            checkpoints, identity = self._keyed
            checkpoints.reject(identity.digest(speech), why)

    def save(self, speech: str, samples: Samples, engine_s: float) -> None:
        if self._keyed is not None:
            checkpoints, identity = self._keyed
            checkpoints.save(identity.digest(speech), samples, self._rate, engine_s)
            self._generated_s += engine_s
            self._generated_chars += len(speech)

    def _budget_s(self, checkpoints: StoryCheckpoints, speech: str | None) -> float:
        """How long generation may wait for `speech`'s checkpoint: about what generating it
        is expected to cost here, never more than the configured cap."""
        if speech is None or not self._generated_chars:
            expected = UNKNOWN_COST_BUDGET_S
        else:
            expected = self._generated_s / self._generated_chars * len(speech)
        return min(expected, checkpoints.fetch_budget_s)
