"""What is known about one callback request, for its metrics and its log line."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from callback_api.core.errors import CallbackAPIError
from callback_api.core.metrics import Metrics
from shared.callbacks import TTSCallbackRequest
from shared.signing import SignatureVerificationError

logger = logging.getLogger("callback_api.callbacks")

MAX_LOGGED_ID_CHARS = 64
"""Standard Webhooks ids are short (`msg_2b…`); a longer header is anyone's, logged cut."""

_LEVELS = {
    "applied": logging.INFO,
    "stale": logging.INFO,
    "duplicate": logging.INFO,
    "conflict": logging.WARNING,
    "rejected": logging.WARNING,
    "unavailable": logging.ERROR,
    "error": logging.ERROR,
}


@dataclass
class CallbackObservation:
    callback_type: str
    webhook_id: str | None = None
    story_id: str | None = None
    job_id: str | None = None
    outcome: str = "error"
    status_code: int = 500
    failure: str | None = None

    def identify(self, callback: TTSCallbackRequest) -> None:
        self.story_id = callback.story_id
        self.job_id = callback.job_id

    def failed(self, exc: BaseException) -> None:
        """Record the outcome of a request that ends in `exc`."""
        if isinstance(exc, SignatureVerificationError):
            self.outcome, self.status_code, self.failure = "rejected", 401, exc.failure.value
        elif isinstance(exc, RequestValidationError):
            self.outcome, self.status_code = "rejected", 422
        elif isinstance(exc, CallbackAPIError):
            self.outcome, self.status_code = exc.outcome, exc.status_code
            self.failure = exc.detail
        elif isinstance(exc, HTTPException):
            self.outcome, self.status_code = "rejected", exc.status_code
        else:
            self.outcome, self.status_code, self.failure = "error", 500, type(exc).__name__

    def record(self, metrics: Metrics, seconds: float) -> None:
        metrics.observe_callback(self.callback_type, self.outcome, seconds)
        logger.log(
            _LEVELS.get(self.outcome, logging.INFO),
            "callback %s",
            self.outcome,
            extra={
                "callback_type": self.callback_type,
                "outcome": self.outcome,
                "status_code": self.status_code,
                "story_id": self.story_id,
                "job_id": self.job_id,
                "webhook_id": _bounded(self.webhook_id),
                "failure": self.failure,
                "duration_ms": round(seconds * 1000, 2),
            },
        )


def _bounded(text: str | None) -> str | None:
    if text is None or len(text) <= MAX_LOGGED_ID_CHARS:
        return text
    return text[:MAX_LOGGED_ID_CHARS] + "…"
