"""Redelivery of dead-lettered callbacks, oldest first, with the `webhook-id` they were born with.

The worker redelivers on its own, at start-up, after every job, and every
`DEAD_LETTER_INTERVAL_S` while it waits between jobs (`IdleRedelivery`: a result dead-lettered
while the API was down goes out soon after the API returns, without waiting for another job),
each pass within a time budget and in the background; operators can still run
`python -m worker replay-callbacks`, which tries every letter. A letter the API refuses for good
(e.g. 404: the story was deleted; 422) moves to `callbacks/rejected/` for operators; one refused
for its signature stays, since that is fixed by configuration, not by the letter.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from worker.bucket import DEAD_LETTER_PREFIX, rejected_key
from worker.delivery.sender import AUTH_STATUSES, CallbackSender, Delivery, DeliveryError
from worker.storage import ObjectStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Redelivery:
    sent: int = 0
    left: int = 0
    rejected: int = 0


class DeadLetters:
    """The dead letter of one worker process's store; at most one redelivery runs at a time."""

    def __init__(self, sender: CallbackSender, store: ObjectStore) -> None:
        self.sender = sender
        self.store = store
        self._running = threading.Lock()

    def redeliver(self, *, budget_s: float | None = None, attempts: int | None = 1) -> Redelivery:
        """One pass, oldest first. With a budget (automatic redelivery), stops when it is spent
        or at the first transient failure, since the API then looks down; without one
        (operators), tries every letter with `attempts` each."""
        if not self._running.acquire(blocking=budget_s is None):
            return Redelivery()
        try:
            return self._pass(budget_s, attempts)
        finally:
            self._running.release()

    def redeliver_in_background(self, budget_s: float) -> threading.Thread:
        thread = threading.Thread(
            target=self.redeliver_quietly, args=(budget_s,), name="dead-letters", daemon=True
        )
        thread.start()
        return thread

    def redeliver_quietly(self, budget_s: float) -> None:
        """One budgeted pass that logs, rather than raises, what went wrong."""
        try:
            outcome = self.redeliver(budget_s=budget_s)
        except Exception:
            logger.exception("dead-letter redelivery failed")
            return
        if outcome.sent or outcome.rejected:
            logger.info("dead letters redelivered", extra=outcome.__dict__)

    def _pass(self, budget_s: float | None, attempts: int | None) -> Redelivery:
        deadline = None if budget_s is None else time.monotonic() + budget_s
        keys = sorted(self.store.list_keys(DEAD_LETTER_PREFIX))
        sent = rejected = 0
        for index, key in enumerate(keys):
            if deadline is not None and time.monotonic() >= deadline:
                return Redelivery(sent, len(keys) - index, rejected)
            raw = self.store.get_bytes(key)
            if raw is None:
                continue  # another worker delivered it meanwhile
            delivery = _read(raw)
            failure = (
                DeliveryError("unreadable record", transient=False)
                if delivery is None
                else self.sender.deliver(delivery, attempts)
            )
            if failure is None:
                self.store.delete(key)
                sent += 1
            elif _refused_for_good(failure):
                self._reject(key, raw, delivery, failure)
                rejected += 1
            elif deadline is not None and failure.transient:
                return Redelivery(sent, len(keys) - index, rejected)
        return Redelivery(sent, len(keys) - sent - rejected, rejected)

    def _reject(
        self, key: str, raw: bytes, delivery: Delivery | None, failure: DeliveryError
    ) -> None:
        about = {}
        if delivery is not None:
            about = {"job_id": delivery.job_id, "callback_type": delivery.type.value}
        logger.error(
            "callback refused for good; moved out of the dead letter",
            extra={"key": key, "failure": str(failure), **about},
        )
        self.store.put_bytes(rejected_key(key), raw, "application/json", {})
        self.store.delete(key)


class IdleRedelivery:
    """Redelivers dead letters every `interval_s` while no job runs in this process.

    Each wake-up lists the dead-letter prefix (one LIST request on R2) and, if letters are
    there, spends at most `budget_s` on them, stopping at the first transient failure.
    """

    def __init__(self, letters: DeadLetters, *, interval_s: float, budget_s: float) -> None:
        self._letters = letters
        self._interval_s = interval_s
        self._budget_s = budget_s
        self._jobs = 0
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return self._interval_s > 0 and self._budget_s > 0

    def start(self) -> None:
        if self.enabled and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="dead-letters-idle", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=self._budget_s + 5)

    @contextmanager
    def job(self) -> Iterator[None]:
        """Marks a job as running: the timer leaves the API to it meanwhile."""
        with self._lock:
            self._jobs += 1
        try:
            yield
        finally:
            with self._lock:
                self._jobs -= 1

    def _run(self) -> None:
        while not self._stopped.wait(self._interval_s):
            with self._lock:
                busy = self._jobs > 0
            if not busy:
                self._letters.redeliver_quietly(self._budget_s)


def _read(raw: bytes) -> Delivery | None:
    """The letter's delivery; None for a record that cannot be read (damaged, foreign)."""
    try:
        return Delivery.from_record(json.loads(raw))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _refused_for_good(failure: DeliveryError) -> bool:
    return not failure.transient and failure.status not in AUTH_STATUSES
