"""One job's checkpoints of one story: what exists is listed once, fetched ahead of the
generation loop, and what is generated is saved behind it.

Neither direction may cost the job: a fetch that fails, returns a damaged object, or is not
back within its budget (about what generating the piece costs) is a piece to generate, and
saving goes through a bounded queue drained by background threads, so a slow or failing store
costs checkpoints (logged and counted), never more generation time than generating would.
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

from worker.bucket import checkpoint_digest, checkpoint_key, checkpoint_prefix
from worker.checkpoints.codec import (
    CONTENT_TYPE,
    Checkpoint,
    CorruptCheckpointError,
    decode,
    encode,
)
from worker.engines.base import Samples

logger = logging.getLogger(__name__)
_POLL_S = 0.1
_FETCHERS = 8
"""Fetch threads at most: with the two uploaders, within boto's pool of 10 connections."""


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
    fetch_budget_s: float = 2.0
    """The most generation waits for the listing, or for one piece's checkpoint, counted from
    when the job asked the store for it; past it, the piece is generated."""


@dataclass(frozen=True)
class CheckpointStats:
    saved: int
    failed: int
    dropped: int
    """Not saved and not failed: the queue was full, or the upload was still queued or in
    flight when the flush ran out."""
    unusable: int
    """Checkpoints found but not used: unreadable, damaged, or failing their checks now."""
    late: int = 0
    """Pieces generated because the listing or their checkpoint was not back in budget."""


@dataclass(frozen=True)
class _Upload:
    digest: str
    samples: Samples
    rate: int
    engine_s: float
    unless_listed: Future[list[str]] | None
    """The story's listing, when it was not back as the piece was generated: a piece it has
    was generated only because the listing was late, and is not saved again."""


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
        self._digests: list[str] = []
        self._next = 0
        """The story's pieces in order, and how many have been taken."""
        self._listing: Future[list[str]] | None = None
        """Until the generation thread has read it; `_listed_keys` keeps it for uploaders."""
        self._listed_keys: Future[list[str]] | None = None
        self._asked = 0.0
        self._existing: set[str] = set()
        self._later: Counter[str] = Counter()
        self._held: dict[str, Checkpoint] = {}
        self._ahead: list[str] = []
        self._fetches: dict[str, tuple[Future[Checkpoint | None], float]] = {}
        """Fetches under way, with when each was asked for (its budget counts from then)."""
        self._rate = 0
        self._fetcher = ThreadPoolExecutor(
            max_workers=min(self._limits.fetch_ahead, _FETCHERS),
            thread_name_prefix="checkpoint-fetch",
        )
        self._uploads: queue.Queue[_Upload] = queue.Queue(self._limits.upload_queue)
        self._draining = threading.Event()
        self._abandoned = threading.Event()
        self._uploaders = [
            threading.Thread(target=self._upload_loop, name="checkpoint-upload", daemon=True)
            for _ in range(self._limits.uploaders)
        ]
        self._lock = threading.Lock()
        self._accepted = self._saved = self._failed = self._dropped = 0
        self._unusable = self._late = 0
        for uploader in self._uploaders:
            uploader.start()

    @property
    def fetch_budget_s(self) -> float:
        return self._limits.fetch_budget_s

    def expect(self, digests: Sequence[str], sample_rate: int, budget_s: float) -> int:
        """Start listing the story's checkpoints (once) and fetching and decoding, off the
        generation thread, the first reusable ones. Returns how many pieces may be reused:
        those listed, or all of them while a slow listing is not back within `budget_s`."""
        if not self.reuse:
            return 0
        self._rate = sample_rate
        self._digests = list(digests)
        self._later = Counter(self._digests)
        self._asked = time.monotonic()
        prefix = checkpoint_prefix(self._user_id, self._story_id)
        self._listing = self._listed_keys = self._fetcher.submit(self._store.list_keys, prefix)
        if not self._listed(self._asked + budget_s):
            return len(self._digests)
        return self.reusable_left()

    def reusable_left(self) -> int:
        """How many of the pieces not taken yet have a listed checkpoint, as far as is known
        now (a checkpoint may still miss its fetch's budget, or be rejected). None while the
        listing is out: a deadline's projection must not count on what may not be there."""
        if not self.reuse or not self._listed(time.monotonic()):
            return 0
        return sum(n for digest, n in self._later.items() if n > 0 and digest in self._existing)

    def take(self, digest: str, budget_s: float) -> Checkpoint | None:
        """The piece's checkpoint, or None when there is none to use (it is then generated):
        one an earlier job saved, or this job's own when the story says the same thing again.
        Waits for the listing and then its fetch, each at most until `budget_s` after it was
        asked for (a fetch started ahead has mostly had its time)."""
        if not self.reuse:
            return None
        if digest in self._held:
            self._taken(digest)
            return self._held[digest] if self._later[digest] else self._held.pop(digest)
        listed = self._listed(self._asked + budget_s)
        self._taken(digest)
        if not listed:
            self._count_late()
            return None
        if digest not in self._existing:
            return None
        fetching = self._fetches.pop(digest, None)
        future, asked = fetching if fetching is not None else self._fetch(digest)
        self._fetch_ahead()
        try:
            found = future.result(timeout=max(0.0, asked + budget_s - time.monotonic()))
        except TimeoutError:
            future.cancel()  # frees its thread if it has not started
            self._count_late()
            return None
        except CorruptCheckpointError as exc:
            self.reject(digest, f"damaged: {exc}")
            return None
        except Exception as exc:
            self.reject(digest, f"fetch failed: {type(exc).__name__}")
            return None
        if found is None:  # deleted since the listing: generated and saved anew
            self._existing.discard(digest)
        else:
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
        """Queue a generated piece for saving; never waits. A piece generated because its
        checkpoint was late is not saved again: the store has it (and when the listing is not
        back yet, the uploader reads it first)."""
        if self.reuse:
            self._hold(digest, Checkpoint(samples, engine_s))
        if digest in self._existing:
            return
        upload = _Upload(digest, samples, sample_rate, engine_s, unless_listed=self._listing)
        with self._lock:
            try:
                self._uploads.put_nowait(upload)
            except queue.Full:
                logger.warning("checkpoint dropped: the upload queue is full")
                self._dropped += 1
            else:
                self._accepted += 1

    def close(self) -> CheckpointStats:
        """Wait up to `flush_s` for queued checkpoints, then stop: what is not saved or failed
        by then, still queued or in flight, is counted dropped."""
        self._draining.set()
        deadline = time.monotonic() + self._limits.flush_s
        for uploader in self._uploaders:
            uploader.join(timeout=max(0.0, deadline - time.monotonic()))
        self._abandoned.set()
        self._fetcher.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            unfinished = self._accepted - self._saved - self._failed
            stats = CheckpointStats(
                self._saved, self._failed, self._dropped + unfinished, self._unusable, self._late
            )
        if stats.late:
            logger.warning(
                "checkpoint store slow: pieces generated instead of waiting",
                extra={"checkpoints_late": stats.late},
            )
        return stats

    def _listed(self, deadline: float) -> bool:
        """Whether the story's checkpoints are known, waiting for the listing until
        `deadline`; once back, fetching ahead starts from the piece about to be taken."""
        if self._listing is None:
            return True
        try:
            listed = self._listing.result(timeout=max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            return False
        except Exception as exc:  # no listing: every chunk is generated, as before
            logger.warning("checkpoints could not be listed", extra={"cause": type(exc).__name__})
            listed = []
        self._listing = None
        prefix = checkpoint_prefix(self._user_id, self._story_id)
        self._existing = {checkpoint_digest(prefix, key) for key in listed}
        remaining = self._digests[self._next :]
        self._ahead = list(dict.fromkeys(d for d in remaining if d in self._existing))
        self._ahead.reverse()  # popped from the end, in story order
        self._fetch_ahead()
        return True

    def _taken(self, digest: str) -> None:
        self._later[digest] -= 1
        self._next += 1

    def _count_late(self) -> None:
        self._late += 1

    def _hold(self, digest: str, checkpoint: Checkpoint) -> None:
        if self._later[digest] > 0 and len(self._held) < self._limits.held:
            self._held[digest] = checkpoint

    def _fetch_ahead(self) -> None:
        while self._ahead and len(self._fetches) < self._limits.fetch_ahead:
            digest = self._ahead.pop()
            if digest not in self._fetches and self._later[digest] > 0:
                self._fetches[digest] = self._fetch(digest)

    def _fetch(self, digest: str) -> tuple[Future[Checkpoint | None], float]:
        return self._fetcher.submit(self._get, digest), time.monotonic()

    def _get(self, digest: str) -> Checkpoint | None:
        data = self._store.get_bytes(checkpoint_key(self._user_id, self._story_id, digest))
        return None if data is None else decode(data, self._rate)

    def _upload_loop(self) -> None:
        while not self._abandoned.is_set():
            try:
                upload = self._uploads.get(timeout=_POLL_S)
            except queue.Empty:
                if self._draining.is_set():
                    return
                continue
            key = checkpoint_key(self._user_id, self._story_id, upload.digest)
            if upload.unless_listed and self._already_stored(upload.unless_listed, key):
                with self._lock:
                    self._accepted -= 1  # nothing to save
                continue
            self._upload(key, upload.samples, upload.rate, upload.engine_s)

    def _already_stored(self, listing: Future[list[str]], key: str) -> bool:
        """Whether a listing still under way when the piece was queued has `key`."""
        while not self._abandoned.is_set():
            try:
                return key in listing.result(timeout=_POLL_S)
            except TimeoutError:
                continue
            except Exception:
                return False
        return False

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
