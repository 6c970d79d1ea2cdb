"""Signed callback delivery: retries with backoff, circuit breakers, and a dead letter.

One `webhook-id` per callback, reused across its retries and redeliveries, so the API can tell a
repeat from a new message. Progress and terminal (success, error) callbacks have a breaker each,
so that failed progress posts never stop a result from being sent. A terminal callback is never
short-circuited: every attempt of its retry schedule reaches the network, and its breaker only
tells the dead-letter redelivery (`dead_letters.py`) whether the API looks down. A terminal
callback that cannot be delivered is written to storage under `callbacks/dead-letter/`
(`worker/bucket.py`'s `DEAD_LETTER_PREFIX`).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

import pybreaker
import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from shared.callbacks import CallbackType, SignedCallback
from shared.signing import new_message_id, sign
from worker.bucket import dead_letter_key
from worker.config import ServiceSettings
from worker.storage import ObjectStore

logger = logging.getLogger(__name__)

TerminalType = Literal[CallbackType.SUCCESS, CallbackType.ERROR]
"""The callbacks that end a job: sent even while the API looks down, signed for the output."""
AUTH_STATUSES = frozenset({401, 403})
RETRY_STATUSES = frozenset({408, 429})


class DeliveryError(Exception):
    """The callback was not accepted; `transient` says whether trying again may help."""

    def __init__(
        self,
        reason: str,
        *,
        transient: bool,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.transient = transient
        self.retry_after = retry_after
        self.status = status
        self.attempts = 1


@dataclass(frozen=True)
class Delivery:
    type: CallbackType
    url: str
    body: bytes
    webhook_id: str
    job_id: str
    story_id: str

    def to_record(self, error: str, attempts: int, failed_at: datetime) -> bytes:
        return json.dumps(
            {
                "type": self.type.value,
                "url": self.url,
                "webhook_id": self.webhook_id,
                "job_id": self.job_id,
                "story_id": self.story_id,
                "body": json.loads(self.body),
                "failed_at": failed_at.isoformat(),
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
    def terminal(self) -> bool:
        return self.type is not CallbackType.PROGRESS


@dataclass(frozen=True)
class Announcement:
    """A terminal callback: whether the API acknowledged it, and the callback as signed."""

    delivered: bool
    callback: SignedCallback

    def output_fields(self) -> dict[str, Any]:
        """What the job output says of it; the signed copy lets others deliver it too."""
        return {
            "callback_delivered": self.delivered,
            "callback": self.callback.model_dump(mode="json"),
        }


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
    """Posts signed callbacks; one instance per process, so its breakers span jobs."""

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
        self.progress_breaker = self._breaker("callback-api-progress")
        self.terminal_breaker = self._breaker("callback-api-terminal")

    def _breaker(self, name: str) -> pybreaker.CircuitBreaker:
        return pybreaker.CircuitBreaker(
            fail_max=self.settings.callback_breaker_fail_max,
            reset_timeout=self.settings.callback_breaker_reset_s,
            exclude=[lambda exc: isinstance(exc, DeliveryError) and not exc.transient],
            name=name,
        )

    @property
    def api_looks_down(self) -> bool:
        return self.terminal_breaker.current_state == pybreaker.STATE_OPEN

    def delivery(
        self, type_: CallbackType, url: str, body: bytes, job_id: str, story_id: str
    ) -> Delivery:
        return Delivery(type_, url, body, new_message_id(), job_id, story_id)

    def signed(self, delivery: Delivery, type_: TerminalType) -> SignedCallback:
        """The terminal callback as the job output carries it, signed now."""
        return SignedCallback(
            type=type_,
            url=delivery.url,
            body=delivery.body.decode(),
            headers=self._signature(delivery),
        )

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

    def announce(
        self, type_: TerminalType, url: str, body: bytes, job_id: str, story_id: str
    ) -> Announcement:
        """Send a terminal callback (dead-lettered if undelivered) and sign it for the output."""
        delivery = self.delivery(type_, url, body, job_id, story_id)
        return Announcement(self.send(delivery), self.signed(delivery, type_))

    def send(
        self, delivery: Delivery, *, dead_letter: bool = True, attempts: int | None = None
    ) -> bool:
        """Deliver with retries; True once the API acknowledged it. Never raises."""
        failure = self.deliver(delivery, attempts)
        if failure is not None and dead_letter and delivery.terminal:
            self._dead_letter(delivery, str(failure), failure.attempts)
        return failure is None

    def deliver(self, delivery: Delivery, attempts: int | None = None) -> DeliveryError | None:
        """Deliver with retries; the last failure, or None once the API acknowledged it."""
        retrying = Retrying(
            stop=stop_after_attempt(attempts or self.settings.callback_max_attempts),
            wait=self._wait,
            retry=retry_if_exception(_is_transient),
            reraise=True,
        )
        started = time.monotonic()
        try:
            retrying(self._post_once, delivery)
        except (DeliveryError, pybreaker.CircuitBreakerError) as exc:
            failure = (
                exc
                if isinstance(exc, DeliveryError)
                else DeliveryError("circuit open", transient=True)
            )
            failure.attempts = retrying.statistics.get("attempt_number", 1)
            self._log(
                delivery,
                "callback not delivered",
                failure=str(failure),
                attempts=failure.attempts,
            )
            return failure
        self._log(
            delivery,
            "callback delivered",
            duration_ms=round((time.monotonic() - started) * 1000, 2),
        )
        return None

    @staticmethod
    def _log(delivery: Delivery, message: str, **fields: object) -> None:
        level = logging.INFO if "failure" not in fields else logging.WARNING
        logger.log(
            level,
            message,
            extra={
                "callback_type": delivery.type.value,
                "job_id": delivery.job_id,
                "story_id": delivery.story_id,
                **fields,
            },
        )

    def _post_once(self, delivery: Delivery) -> None:
        if not delivery.terminal:
            self.progress_breaker.call(self._post, delivery)
        elif self.terminal_breaker.current_state == pybreaker.STATE_OPEN:
            self._post(delivery)  # a real attempt while the API looks down; it closes the breaker
            self.terminal_breaker.close()
        else:
            self.terminal_breaker.call(self._post, delivery)

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
            raise DeliveryError(
                f"HTTP {status}", transient=True, retry_after=retry_after, status=status
            )
        raise DeliveryError(f"HTTP {status}", transient=False, status=status)

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
        failed_at = datetime.now(UTC)
        try:
            self.store.put_bytes(
                dead_letter_key(delivery.job_id, delivery.type.value, failed_at),
                delivery.to_record(reason, attempts, failed_at),
                "application/json",
                {"job_id": delivery.job_id, "type": delivery.type.value},
            )
        except Exception:
            logger.exception(
                "dead letter could not be written",
                extra={"job_id": delivery.job_id, "callback_type": delivery.type.value},
            )
