"""One job's checkpoints of one story: what exists is listed once, fetched ahead of the
generation loop, and what is generated is saved behind it.

Neither direction may cost the job: a fetch that fails or returns a damaged object is a chunk
to generate, and saving goes through a bounded queue drained by background threads, so a slow
or failing store costs checkpoints (logged and counted), never generation time or the job.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from worker.checkpoints.codec import (
    CONTENT_TYPE,
    Checkpoint,
    CorruptCheckpointError,
    decode,
    encode,
)
from worker.checkpoints.keys import checkpoint_key, story_prefix
from worker.engines.base import Samples

logger = logging.getLogger(__name__)
_POLL_S = 0.1


class CheckpointStore(Protocol):
    """The part of the worker's object store that checkpoints use."""

    def put_bytes(
        self, key: str, data: bytes, content_type: str, metadata: dict[str, str]
    ) -> object: ...

    def get_bytes(self, key: str) -> bytes | None: ...

    def list_keys(self, prefix: str) -> list[str]: ...


@dataclass(frozen=True)
class CheckpointLimits:
    upload_queue: int = 32
    """Checkpoints waiting to be saved; past it, new ones are dropped (and counted)."""
    uploaders: int = 2
    fetch_ahead: int = 16
    """Reusable checkpoints fetched ahead of the generation loop (bounds memory)."""
    held: int = 64
    """Pieces kept in memory because the story says them again (a refrain)."""
    flush_s: float = 20.0
    """How long a finished job waits for its last checkpoints to be saved."""


@dataclass(frozen=True)
class CheckpointStats:
    saved: int
    failed: int
    dropped: int
    unusable: int
    """Checkpoints found but not used: unreadable, damaged, or failing their checks now."""


class StoryCheckpoints:
    """`expect` the story's digests in order, then `take` each one or `save` it."""

    def __init__(
        self,
        store: CheckpointStore,
        user_id: str,
        story_id: str,
        *,
        reuse: bool = True,
        limits: CheckpointLimits | None = None,
    ) -> None:
        self._store = store
        self._user_id, self._story_id = user_id, story_id
        self.reuse = reuse
        self._limits = limits or CheckpointLimits()
        self._existing: set[str] = set()
        self._later: Counter[str] = Counter()
        self._held: dict[str, Checkpoint] = {}
        self._ahead: list[str] = []
        self._fetches: dict[str, Future[Checkpoint | None]] = {}
        self._rate = 0
        self._fetcher = ThreadPoolExecutor(max_workers=4, thread_name_prefix="checkpoint-fetch")
        self._uploads: queue.Queue[tuple[str, Samples, int, float]] = queue.Queue(
            self._limits.upload_queue
        )
        self._draining = threading.Event()
        self._abandoned = threading.Event()
        self._uploaders = [
            threading.Thread(target=self._upload_loop, name="checkpoint-upload", daemon=True)
            for _ in range(self._limits.uploaders)
        ]
        self._lock = threading.Lock()
        self._saved = self._failed = self._dropped = self._unusable = 0
        for uploader in self._uploaders:
            uploader.start()

    def expect(self, digests: Sequence[str], sample_rate: int) -> int:
        """List the story's checkpoints once and start fetching (and decoding, off the
        generation thread) the first reusable ones; returns how many pieces are reusable."""
        if not self.reuse:
            return 0
        self._rate = sample_rate
        self._later = Counter(digests)
        prefix = story_prefix(self._user_id, self._story_id)
        try:
            listed = self._store.list_keys(prefix)
        except Exception as exc:  # no listing: every chunk is generated, as before
            logger.warning("checkpoints could not be listed", extra={"cause": type(exc).__name__})
            return 0
        self._existing = {key[len(prefix) :].rsplit(".", 1)[0] for key in listed}
        self._ahead = list(dict.fromkeys(d for d in digests if d in self._existing))
        reusable = sum(self._later[d] for d in self._ahead)
        self._ahead.reverse()  # popped from the end, in story order
        self._fetch_ahead()
        return reusable

    def take(self, digest: str) -> Checkpoint | None:
        """The piece's checkpoint, or None when there is none to use (it is then generated):
        one an earlier job saved, or this job's own when the story says the same thing again."""
        if not self.reuse:
            return None
        self._later[digest] -= 1
        if digest in self._held:
            return self._held[digest] if self._later[digest] else self._held.pop(digest)
        if digest not in self._existing:
            return None
        future = self._fetches.pop(digest, None) or self._fetcher.submit(self._get, digest)
        self._fetch_ahead()
        try:
            found = future.result()
        except CorruptCheckpointError as exc:
            self.reject(digest, f"damaged: {exc}")
            return None
        except Exception as exc:
            self.reject(digest, f"fetch failed: {type(exc).__name__}")
            return None
        if found is not None:
            self._hold(digest, found)
        return found

    def reject(self, digest: str, why: str) -> None:
        """Count a checkpoint found but not used; the piece is generated and saved anew."""
        logger.warning("checkpoint not used", extra={"checkpoint": digest, "reason": why})
        self._existing.discard(digest)
        self._held.pop(digest, None)
        with self._lock:
            self._unusable += 1

    def save(self, digest: str, samples: Samples, sample_rate: int, engine_s: float) -> None:
        """Queue a generated piece for saving; never waits."""
        if self.reuse:
            self._hold(digest, Checkpoint(samples, engine_s))
        try:
            self._uploads.put_nowait((digest, samples, sample_rate, engine_s))
        except queue.Full:
            logger.warning("checkpoint dropped: the upload queue is full")
            with self._lock:
                self._dropped += 1

    def close(self) -> CheckpointStats:
        """Wait up to `flush_s` for queued checkpoints, then stop; what is left is dropped."""
        self._draining.set()
        deadline = time.monotonic() + self._limits.flush_s
        for uploader in self._uploaders:
            uploader.join(timeout=max(0.0, deadline - time.monotonic()))
        self._abandoned.set()
        self._fetcher.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            self._dropped += self._uploads.qsize()
            return CheckpointStats(self._saved, self._failed, self._dropped, self._unusable)

    def _hold(self, digest: str, checkpoint: Checkpoint) -> None:
        if self._later[digest] > 0 and len(self._held) < self._limits.held:
            self._held[digest] = checkpoint

    def _fetch_ahead(self) -> None:
        while self._ahead and len(self._fetches) < self._limits.fetch_ahead:
            digest = self._ahead.pop()
            self._fetches.setdefault(digest, self._fetcher.submit(self._get, digest))

    def _get(self, digest: str) -> Checkpoint | None:
        data = self._store.get_bytes(checkpoint_key(self._user_id, self._story_id, digest))
        return None if data is None else decode(data, self._rate)

    def _upload_loop(self) -> None:
        while not self._abandoned.is_set():
            try:
                digest, samples, rate, engine_s = self._uploads.get(timeout=_POLL_S)
            except queue.Empty:
                if self._draining.is_set():
                    return
                continue
            self._upload(
                checkpoint_key(self._user_id, self._story_id, digest), samples, rate, engine_s
            )

    def _upload(self, key: str, samples: Samples, rate: int, engine_s: float) -> None:
        try:
            data = encode(samples, rate, engine_s)
            self._store.put_bytes(key, data, CONTENT_TYPE, {"engine_s": f"{engine_s:.3f}"})
        except Exception as exc:
            logger.warning("checkpoint upload failed", extra={"cause": type(exc).__name__})
            with self._lock:
                self._failed += 1
        else:
            with self._lock:
                self._saved += 1
