"""The synthesizer's side of chunk checkpoints: each piece of speech is looked up by its
content key before it is generated, and saved once it has passed its checks.

A story is counted in chunks; a chunk is reused when every piece of it (the text between its
pauses) came from a checkpoint. Without checkpoints (none configured, or a voice of unknown
content) every lookup misses and nothing is saved.
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

    def expect(self, speeches: Iterable[str]) -> int:
        """The plan's pieces of speech in story order, so that fetching runs ahead; returns
        how many have a checkpoint."""
        if self._keyed is None:
            return 0
        checkpoints, identity = self._keyed
        return checkpoints.expect([identity.digest(s) for s in speeches], self._rate)

    def find(self, speech: str) -> Checkpoint | None:
        if self._keyed is None:
            return None
        checkpoints, identity = self._keyed
        started = time.perf_counter()
        try:
            return checkpoints.take(identity.digest(speech))
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
