"""Progress of a running story: throttled callbacks, and the RunPod console's progress line."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from shared.callbacks import CallbackType
from worker.delivery.payloads import PROGRESS_STAGE, CallbackIdentity, progress_callback
from worker.delivery.sender import CallbackSender

ConsoleProgress = Callable[[dict[str, Any]], None]
_RECHECK_S = 0.05
PROGRESS_ATTEMPTS = 2
"""A progress callback is soon outdated: retried once, never dead-lettered."""


class ProgressReporter:
    """Throttled progress: at most one callback per `min_interval_s`, sent off the generation
    thread, never for the last chunk (a late progress must not race the final result).

    While the job runs, a heartbeat repeats the latest progress whenever `heartbeat_s` passed
    without one, so that the story's `updatedAt` shows a live job even during a slow chunk; the
    API's reconciler treats a story silent for several heartbeats as lost.

    Once the live stream is announced (`stream`), every progress carries its playlist URL and
    segment count, and its live read-along track's URL while that is published; a new segment
    is reported as soon as the interval allows.
    """

    def __init__(
        self,
        sender: CallbackSender,
        identity: CallbackIdentity,
        url: str,
        min_interval_s: float,
        console: ConsoleProgress | None,
        heartbeat_s: float,
    ) -> None:
        self.sender = sender
        self.identity = identity
        self.url = url
        self.min_interval_s = min_interval_s
        self.console = console
        self.heartbeat_s = heartbeat_s
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="progress")
        self._in_flight: Future[bool] | None = None
        self._last = float("-inf")
        self._latest = (0, 1)
        self._stream: tuple[str, int, str | None] | None = None  # replaced whole: no torn reads
        self._unsent = False  # a stream update waits for the interval
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._heartbeat = threading.Thread(target=self._beat, name="heartbeat", daemon=True)

    def __call__(self, done: int, total: int) -> None:
        if done >= total:
            return
        self._latest = (done, total)
        if time.monotonic() - self._last < self.min_interval_s:
            return
        if self._submit(done, total) and self.console:
            self.console({"stage": PROGRESS_STAGE, "chunks_done": done, "chunks_total": total})

    def stream(self, url: str, segments: int, timings_url: str | None = None) -> None:
        """The live stream's playlist now lists `segments` segments, `timings_url` its live
        read-along track (called off the job's thread, by the stream's publisher)."""
        self._stream = (url, segments, timings_url)
        self._unsent = True
        self._wake.set()

    def start(self, total: int) -> None:
        """The first progress (processing, 0/N) is sent before generation, and waited for."""
        self._latest = (0, total)
        self._last = time.monotonic()
        self._send(0, total)
        self._heartbeat.start()

    def close(self) -> None:
        self._closed.set()
        self._wake.set()
        if self._heartbeat.is_alive():
            self._heartbeat.join()
        self._pool.shutdown(wait=True)

    def _submit(self, done: int, total: int) -> bool:
        """Send off the calling thread; False while the previous one is still in flight."""
        with self._lock:
            self._last = time.monotonic()
            if self._closed.is_set():
                return False
            if self._in_flight is not None and not self._in_flight.done():
                return False  # the API is slow: skip rather than queue stale progress
            self._unsent = False
            self._in_flight = self._pool.submit(self._send, done, total)
            return True

    def _beat(self) -> None:
        while True:
            self._wake.wait(self._until_next_send())
            self._wake.clear()
            if self._closed.is_set():
                return
            since = time.monotonic() - self._last
            if since >= self.heartbeat_s or (self._unsent and since >= self.min_interval_s):
                self._submit(*self._latest)

    def _until_next_send(self) -> float:
        due = self._last + (self.min_interval_s if self._unsent else self.heartbeat_s)
        return max(_RECHECK_S if self._unsent else 0.0, due - time.monotonic())

    def _send(self, done: int, total: int) -> bool:
        state = self._stream
        stream, timings = (state[:2], state[2]) if state else (None, None)
        payload = progress_callback(self.identity, done, total, stream, timings)
        return self.sender.post(
            CallbackType.PROGRESS,
            self.url,
            payload.to_body(),
            self.identity.job_id,
            self.identity.story_id,
            dead_letter=False,
            attempts=PROGRESS_ATTEMPTS,
        )
