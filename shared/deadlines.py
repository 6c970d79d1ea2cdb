"""How long a story job may run (the worker's deadline, RunPod's execution timeout) and how
often a running job proves it is alive (the heartbeat the callback API's reconciler expects).

The deadline and the timeout follow from the story's length at the documented GPU speed
(stock Chatterbox on an RTX 4090 narrates about 2,000 characters per GPU-minute), with room for
regenerated chunks and for the model's warm-up. The worker stops at its deadline and reports
`job_timed_out`; RunPod's execution timeout is set a grace period later, so that the error
callback is always sent before RunPod would kill the worker.

A story whose job sends no callback for `MISSED_HEARTBEATS` heartbeats is presumed lost.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from shared.errors import JobTimedOutError

GPU_CHARS_PER_SECOND = 2000 / 60
"""Stock Chatterbox on an RTX 4090 (a 50,000-character story in about 25 GPU-minutes)."""
REGENERATION_ALLOWANCE = 1.5
"""Chunks that fail their checks are generated again; allow half the story once more."""
WARM_UP_S = 120
MIN_DEADLINE_S = 300
CALLBACK_GRACE_S = 240
"""From the deadline to RunPod's execution timeout: the last chunks may end at the deadline,
and then the worker still drains its progress sender, uploads and delivers the terminal
callback through its whole retry schedule (about 160 s at worst with the default settings,
checked by `tests/worker/test_config.py`), or dead-letters it."""


def job_deadline_s(text_chars: int) -> int:
    """Seconds a story of `text_chars` characters may take on the worker."""
    work = text_chars / GPU_CHARS_PER_SECOND * REGENERATION_ALLOWANCE
    return max(MIN_DEADLINE_S, math.ceil(WARM_UP_S + work))


def execution_timeout_s(deadline_s: int) -> int:
    """RunPod's `executionTimeout` for a job whose worker deadline is `deadline_s`."""
    return deadline_s + CALLBACK_GRACE_S


PROGRESS_HEARTBEAT_S = 60
"""The worker's default `PROGRESS_HEARTBEAT_S`: while a job runs it reports progress at least
this often, repeating the same count when no chunk finished, so its story stays fresh."""
MISSED_HEARTBEATS = 5
STALE_AFTER_S = MISSED_HEARTBEATS * PROGRESS_HEARTBEAT_S
"""A processing story without any callback for this long has lost its worker (the callback
API's reconciler default, `RECONCILE_STALE_AFTER_S`)."""


class JobDeadline:
    """A running job's deadline, checked between chunks: the job stops as soon as the chunks
    left cannot finish in time at the pace so far, instead of being killed at the deadline."""

    def __init__(self, budget_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._ends_at = clock() + budget_s
        self._generation_started = clock()

    def begin_generation(self) -> None:
        self._generation_started = self._clock()

    def check(self, done: int, total: int) -> None:
        """Raise `JobTimedOutError` when `total - done` more chunks cannot finish in time."""
        now = self._clock()
        if done <= 0 or done >= total:
            return
        needed = (now - self._generation_started) / done * (total - done)
        if now + needed > self._ends_at:
            raise JobTimedOutError(
                details=(
                    f"stopped after {done} of {total} parts: the rest needs about "
                    f"{needed:.0f} s, {max(0.0, self._ends_at - now):.0f} s were left"
                ),
                context={"chunks_done": done, "chunks_total": total},
            )
