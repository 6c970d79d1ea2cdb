"""Progress of a running story: throttled callbacks, and the RunPod console's progress line."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from shared.callbacks import CallbackType
from worker.delivery.payloads import PROGRESS_STAGE, CallbackIdentity, progress_callback
from worker.delivery.sender import CallbackSender

ConsoleProgress = Callable[[dict[str, Any]], None]
PROGRESS_ATTEMPTS = 2
"""A progress callback is soon outdated: retried once, never dead-lettered."""


class ProgressReporter:
    """Throttled progress: at most one callback per `min_interval_s`, sent off the generation
    thread, never for the last chunk (a late progress must not race the final result)."""

    def __init__(
        self,
        sender: CallbackSender,
        identity: CallbackIdentity,
        url: str,
        min_interval_s: float,
        console: ConsoleProgress | None,
    ) -> None:
        self.sender = sender
        self.identity = identity
        self.url = url
        self.min_interval_s = min_interval_s
        self.console = console
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="progress")
        self._in_flight: Future[bool] | None = None
        self._last = float("-inf")

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - self._last < self.min_interval_s:
            return
        if self._in_flight is not None and not self._in_flight.done():
            return  # the API is slow: skip rather than queue stale progress
        self._last = now
        self._in_flight = self._pool.submit(self._send, done, total)
        if self.console:
            self.console({"stage": PROGRESS_STAGE, "chunks_done": done, "chunks_total": total})

    def start(self, total: int) -> None:
        """The first progress (processing, 0/N) is sent before generation, and waited for."""
        self._last = time.monotonic()
        self._send(0, total)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _send(self, done: int, total: int) -> bool:
        payload = progress_callback(self.identity, done, total)
        return self.sender.post(
            CallbackType.PROGRESS,
            self.url,
            payload.to_body(),
            self.identity.job_id,
            self.identity.story_id,
            dead_letter=False,
            attempts=PROGRESS_ATTEMPTS,
        )
