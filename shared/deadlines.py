"""How long a story job may run (the worker's deadline, RunPod's execution timeout) and how
often a running job proves it is alive (the heartbeat the callback API's reconciler expects).

The deadline and the timeout follow from the story's spoken length at the documented GPU speed
(stock Chatterbox on an RTX 4090 narrates about 2,000 characters per GPU-minute), with room for
regenerated chunks and for the model's warm-up. The worker stops at its deadline, or as soon as
the work left cannot finish by then, and reports `job_timed_out`; RunPod's execution timeout is
set a grace period later, so that everything a job does after its deadline (flushes, the final
upload's retries, the terminal callback's retries) ends before RunPod would kill the worker.

A story whose job sends no callback for `MISSED_HEARTBEATS` heartbeats is presumed lost.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from shared.errors import JobTimedOutError

GPU_CHARS_PER_SECOND = 2000 / 60
"""Stock Chatterbox on an RTX 4090 (a 50,000-character story in about 25 GPU-minutes)."""
REGENERATION_ALLOWANCE = 1.5
"""Chunks that fail their checks are generated again; allow half the story once more."""
WARM_UP_S = 120
MIN_DEADLINE_S = 300
CALLBACK_GRACE_S = 960
"""From the deadline to RunPod's execution timeout: the story may be encoded at the deadline,
and then the worker still uploads it (waiting out a storage outage for `STORAGE_FILE_RETRY_S`),
flushes its stream and checkpoints, drains its progress sender and delivers the terminal
callback through its whole retry schedule, or dead-letters it: 933 s at worst with the default
settings, every timeout reached and every backoff at its longest (added up step by step in
`tests/worker/jobs/test_grace.py`)."""

SPOKEN_CHARS_PER_DIGIT = 12
"""A digit can be read as a dozen characters (`$1,234,567.99` is 107 spoken characters)."""
SPOKEN_CHARS_PER_SYMBOL = 6
"""`&`, `@`, `%`, `/`, a dot inside a word… are read as words (`and`, `at`, `percent`,
`slash`, `dot`); so are abbreviations (`Dr.`, `St.`)."""
_DIGIT = re.compile(r"\d")
_SPOKEN_SYMBOL = re.compile(r"[&@%#/+=$€£¥]|\w\.(?=\w)|\b[A-Z][a-z]{0,3}\.")


def spoken_chars_bound(text: str, pronunciations: Mapping[str, str] | None = None) -> int:
    """At most how many characters the engine says for `text` once numbers and symbols are
    read out and `pronunciations` respelled (the worker's `to_speech`); the API sizes a job's
    deadline with it, as it cannot run the worker's text preparation."""
    digits = len(_DIGIT.findall(text))
    symbols = len(_SPOKEN_SYMBOL.findall(text))
    folded = text.casefold()
    respelled = sum(  # every occurrence, even inside a longer word: a bound, not a count
        folded.count(word.casefold()) * max(0, len(said) - len(word))
        for word, said in (pronunciations or {}).items()
    )
    return (
        len(text) + SPOKEN_CHARS_PER_DIGIT * digits + SPOKEN_CHARS_PER_SYMBOL * symbols + respelled
    )


def job_deadline_s(spoken_chars: int) -> int:
    """Seconds a story of `spoken_chars` spoken characters may take on the worker."""
    work = spoken_chars / GPU_CHARS_PER_SECOND * REGENERATION_ALLOWANCE
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

FAIR_SAMPLE_SHARE = 0.1
"""The pace is projected only once this share of the spoken characters to generate is done…"""
FAIR_SAMPLE_PIECES = 3
"""…in at least this many generated pieces: one long opening paragraph, or one chunk that was
generated twice, says little about the pace of the rest."""


@dataclass(frozen=True)
class WorkProgress:
    """How far a render is, in the spoken characters the engine has to say."""

    chunks_done: int
    chunks_total: int
    generated_chars: int
    """Spoken characters generated so far (each piece once, however many attempts it took)."""
    generated_pieces: int
    generating_s: float
    """Time spent on the generated pieces: every attempt, the checks, the hand-over."""
    chars_left: int
    """Spoken characters still to generate; pieces reusable from checkpoints cost nothing."""

    @property
    def fair_sample(self) -> bool:
        work = self.generated_chars + self.chars_left
        return (
            self.generated_pieces >= FAIR_SAMPLE_PIECES
            and self.generated_chars >= FAIR_SAMPLE_SHARE * work
        )

    def needed_s(self) -> float:
        """The time the characters left need at the pace so far."""
        if self.chars_left <= 0 or self.generated_chars <= 0:
            return 0.0
        return self.generating_s / self.generated_chars * self.chars_left


class JobDeadline:
    """A running job's deadline, checked after every chunk and once the story is encoded: the
    job stops as soon as the work left cannot finish in time at the pace so far (judged on a
    fair sample), or once the deadline has passed, instead of being killed by RunPod."""

    def __init__(self, budget_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._ends_at = clock() + budget_s

    def check(self, work: WorkProgress) -> None:
        """Raise `JobTimedOutError` when the deadline passed, or when the characters left
        cannot be generated by then (after the last chunk too: nothing is left but the
        deadline)."""
        now = self._clock()
        left = self._ends_at - now
        needed = work.needed_s() if work.fair_sample else 0.0
        if left < 0 or needed > left:
            raise JobTimedOutError(
                details=(
                    f"stopped after {work.chunks_done} of {work.chunks_total} parts: the rest "
                    f"needs about {needed:.0f} s, {max(0.0, left):.0f} s were left"
                ),
                context={
                    "chunks_done": work.chunks_done,
                    "chunks_total": work.chunks_total,
                    "spoken_chars_left": work.chars_left,
                },
            )

    def finish(self) -> None:
        """Raise `JobTimedOutError` when the story was encoded after the deadline: what is
        left (upload, callbacks) is what RunPod's grace period is sized for."""
        over = self._clock() - self._ends_at
        if over > 0:
            raise JobTimedOutError(
                details=f"the story was encoded {over:.1f} s after the deadline",
                context={"seconds_over": round(over, 1)},
            )
