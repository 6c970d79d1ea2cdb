"""Signed callback delivery: retries with backoff, a circuit breaker, and a dead letter.

One `webhook-id` per callback, reused across its retries and replays, so the API can tell a
repeat from a new message. A callback that cannot be delivered is written to storage under
`callbacks/dead-letter/` and re-sent later by `python -m worker replay-callbacks`.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import pybreaker
import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from shared.callbacks import CallbackType
from shared.signing import new_message_id, sign
from worker.config import ServiceSettings
from worker.storage import ObjectStore

logger = logging.getLogger(__name__)

DEAD_LETTER_PREFIX = "callbacks/dead-letter/"
RETRY_STATUSES = frozenset({408, 429})


class DeliveryError(Exception):
    """The callback was not accepted; `transient` says whether trying again may help."""

    def __init__(self, reason: str, *, transient: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.transient = transient
        self.retry_after = retry_after


@dataclass(frozen=True)
class Delivery:
    type: CallbackType
    url: str
    body: bytes
    webhook_id: str
    job_id: str
    story_id: str

    def to_record(self, error: str, attempts: int) -> bytes:
        return json.dumps(
            {
                "type": self.type.value,
                "url": self.url,
                "webhook_id": self.webhook_id,
                "job_id": self.job_id,
                "story_id": self.story_id,
                "body": json.loads(self.body),
                "failed_at": datetime.now(UTC).isoformat(),
                "attempts": attempts,
                "last_error": error,
            }
        ).encode()

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Delivery:
        return cls(
            type=CallbackType(record["type"]),
            url=record["url"],
            body=json.dumps(record["body"], separators=(",", ":")).encode(),
            webhook_id=record["webhook_id"],
            job_id=record["job_id"],
            story_id=record["story_id"],
        )

    @property
    def dead_letter_key(self) -> str:
        return f"{DEAD_LETTER_PREFIX}{self.job_id}-{self.type.value}.json"


def _is_transient(exc: BaseException) -> bool:
    return isinstance(exc, DeliveryError) and exc.transient


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


class CallbackSender:
    """Posts signed callbacks; one instance per process, so its breaker spans jobs."""

    def __init__(
        self,
        settings: ServiceSettings,
        store: ObjectStore,
        session: requests.Session | None = None,
    ) -> None:
        if settings.callback_signing_secret is None:
            raise ValueError("CALLBACK_SIGNING_SECRET is required to send callbacks")
        self.settings = settings
        self.store = store
        self.session = session or requests.Session()
        self._secret = settings.callback_signing_secret.get_secret_value()
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=settings.callback_breaker_fail_max,
            reset_timeout=settings.callback_breaker_reset_s,
            exclude=[lambda exc: isinstance(exc, DeliveryError) and not exc.transient],
            name="callback-api",
        )

    def delivery(
        self, type_: CallbackType, url: str, body: bytes, job_id: str, story_id: str
    ) -> Delivery:
        return Delivery(type_, url, body, new_message_id(), job_id, story_id)

    def post(
        self,
        type_: CallbackType,
        url: str,
        body: bytes,
        job_id: str,
        story_id: str,
        *,
        dead_letter: bool = True,
        attempts: int | None = None,
    ) -> bool:
        """Sign and deliver a new callback; True once the API acknowledged it. Never raises."""
        delivery = self.delivery(type_, url, body, job_id, story_id)
        return self.send(delivery, dead_letter=dead_letter, attempts=attempts)

    def send(
        self, delivery: Delivery, *, dead_letter: bool = True, attempts: int | None = None
    ) -> bool:
        """Deliver with retries; True once the API acknowledged it. Never raises."""
        max_attempts = attempts or self.settings.callback_max_attempts
        retrying = Retrying(
            stop=stop_after_attempt(max_attempts),
            wait=self._wait,
            retry=retry_if_exception(_is_transient),
            reraise=True,
        )
        started = time.monotonic()
        try:
            retrying(self._post_once, delivery)
        except (DeliveryError, pybreaker.CircuitBreakerError) as exc:
            reason = "circuit open" if isinstance(exc, pybreaker.CircuitBreakerError) else str(exc)
            tried = retrying.statistics.get("attempt_number", 1)
            logger.warning(
                "callback not delivered",
                extra={
                    "callback_type": delivery.type.value,
                    "job_id": delivery.job_id,
                    "story_id": delivery.story_id,
                    "failure": reason,
                    "attempts": tried,
                },
            )
            if dead_letter:
                self._dead_letter(delivery, reason, tried)
            return False
        logger.info(
            "callback delivered",
            extra={
                "callback_type": delivery.type.value,
                "job_id": delivery.job_id,
                "story_id": delivery.story_id,
                "duration_ms": round((time.monotonic() - started) * 1000, 2),
            },
        )
        return True

    def _post_once(self, delivery: Delivery) -> None:
        self.breaker.call(self._post, delivery)

    def _post(self, delivery: Delivery) -> None:
        headers = {"Content-Type": "application/json", **self._signature(delivery)}
        timeout = (self.settings.callback_connect_timeout_s, self.settings.callback_read_timeout_s)
        try:
            response = self.session.post(
                delivery.url, data=delivery.body, headers=headers, timeout=timeout,
                allow_redirects=False,
            )  # fmt: skip
        except requests.RequestException as exc:
            raise DeliveryError(f"network error ({type(exc).__name__})", transient=True) from None
        status = response.status_code
        if 200 <= status < 300:
            return
        retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
        if status >= 500 or status in RETRY_STATUSES:
            raise DeliveryError(f"HTTP {status}", transient=True, retry_after=retry_after)
        raise DeliveryError(f"HTTP {status}", transient=False)

    def _signature(self, delivery: Delivery) -> dict[str, str]:
        return sign(self._secret, delivery.body, delivery.webhook_id)

    def _wait(self, state: RetryCallState) -> float:
        backoff = wait_exponential_jitter(
            multiplier=self.settings.callback_backoff_initial_s,
            jitter=self.settings.callback_backoff_initial_s,
            max=self.settings.callback_backoff_max_s,
        )(state)
        outcome = state.outcome.exception() if state.outcome else None
        if isinstance(outcome, DeliveryError) and outcome.retry_after is not None:
            return min(max(outcome.retry_after, backoff), self.settings.callback_backoff_max_s)
        return backoff

    def _dead_letter(self, delivery: Delivery, reason: str, attempts: int) -> None:
        try:
            self.store.put_bytes(
                delivery.dead_letter_key,
                delivery.to_record(reason, attempts),
                "application/json",
                {"job_id": delivery.job_id, "type": delivery.type.value},
            )
        except Exception:
            logger.exception(
                "dead letter could not be written",
                extra={"job_id": delivery.job_id, "callback_type": delivery.type.value},
            )

    def replay_dead_letters(self) -> tuple[int, int]:
        """Re-send every dead-lettered callback; delivered ones are removed. (sent, left)."""
        sent = left = 0
        for key in self.store.list_keys(DEAD_LETTER_PREFIX):
            raw = self.store.get_bytes(key)
            if raw is None:
                continue
            delivery = Delivery.from_record(json.loads(raw))
            if self.send(delivery, dead_letter=False):
                self.store.delete(key)
                sent += 1
            else:
                left += 1
        return sent, left
