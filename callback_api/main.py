"""The callback API: `create_app(settings)`, and `app` for `uvicorn callback_api.main:app`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import cache

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from callback_api.api.routes import health, narration, reconcile, runpod, tts, voices
from callback_api.core.auth import Authenticator
from callback_api.core.config import Settings
from callback_api.core.errors import CallbackAPIError
from callback_api.core.logging import configure_logging
from callback_api.core.metrics import Metrics
from callback_api.core.webhooks import WebhookTokens
from callback_api.services.endings import EmbeddedCallbacks
from callback_api.services.readiness import Readiness
from callback_api.services.reconciler import reconciling
from callback_api.services.runpod_api import runpod_client
from callback_api.services.stories import opened_store
from shared.errors import InvalidInputError, SubmissionFailedError, TTSError, VoiceProfileError
from shared.signing import SignatureVerificationError, Verifier

logger = logging.getLogger("callback_api")

DESCRIPTION = """\
Receives the TTS worker's callbacks and writes each story's audio status into Firestore.

Every callback must be signed with the [Standard Webhooks](https://www.standardwebhooks.com/)
scheme: headers `webhook-id`, `webhook-timestamp` and `webhook-signature`, an HMAC-SHA256 over
`id.timestamp.body` with the shared secret `CALLBACK_SIGNING_SECRET` (`whsec_…`). Unsigned,
badly signed or expired (more than 5 minutes off) callbacks get 401 and write nothing.

RunPod's completion webhook (`/api/runpod/webhook/{story_id}/{token}`, the URL the submission
helper gives each job) settles a story whose job ended without reaching the API itself.
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    metrics: Metrics = app.state.metrics

    def count_error(kind: str) -> None:
        metrics.firestore_errors.labels(kind=kind).inc()

    async with opened_store(settings, count_error) as store:
        app.state.store = store
        app.state.readiness = Readiness(store, settings.ready_cache_seconds)
        app.state.runpod = runpod_client(settings)
        app.state.authenticator = Authenticator(settings)
        try:
            # The reconciler's loop (RECONCILE_IN_API) stops first, while its store still works.
            passes = metrics.reconcile_passes
            async with reconciling(settings, store, app.state.runpod, passes) as reconciler:
                app.state.reconcile_passes = reconciler
                yield
        finally:
            app.state.authenticator.close()
            if app.state.runpod is not None:
                await app.state.runpod.aclose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings.log_level)
    docs = settings.api_docs_enabled
    app = FastAPI(
        title="TTS callback API",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.state.verifier = Verifier(settings.signing_secrets) if settings.signing_secrets else None
    if app.state.verifier is None:
        logger.warning("local development mode: callback signatures are NOT checked")
    app.state.webhook_tokens = (
        WebhookTokens(settings.signing_secrets) if settings.signing_secrets else None
    )
    app.state.embedded_callbacks = EmbeddedCallbacks.for_settings(settings)
    app.state.runpod = None
    app.include_router(tts.router)
    app.include_router(runpod.router)
    app.include_router(reconcile.router)
    app.include_router(health.router)
    app.include_router(narration.router)
    app.include_router(voices.router)
    _add_exception_handlers(app, settings)
    if settings.cors_origins:
        # Browsers on the app's pages send `Authorization` (and `Idempotency-Key`) across origins.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=["Retry-After"],
            max_age=600,
        )
    return app


HTTP_ERROR_TYPES = {
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}
# The worker's typed errors that the app's endpoints raise before any job: the listener's words.
JOB_ERROR_STATUS: tuple[tuple[type[TTSError], int], ...] = (
    (InvalidInputError, 422),
    (VoiceProfileError, 422),
    (SubmissionFailedError, 502),
)


def _failure(
    status_code: int,
    message: str,
    error_type: str,
    headers: Mapping[str, str] | None = None,
    field: str | None = None,
) -> JSONResponse:
    """Every error of every route, in one shape (`core/errors.py`)."""
    body: dict[str, object] = {"success": False, "error": message, "error_type": error_type}
    if field is not None:
        body["field"] = field
    return JSONResponse(body, status_code, headers=headers)


def _add_exception_handlers(app: FastAPI, settings: Settings) -> None:
    @app.exception_handler(SignatureVerificationError)
    async def _signature(request: Request, exc: SignatureVerificationError) -> JSONResponse:
        return _failure(401, "invalid or missing signature", "invalid_signature")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message = f"invalid request: {_describe(exc)}"
        return _failure(422, message, "invalid_request", field=_first_field(exc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        error_type = HTTP_ERROR_TYPES.get(exc.status_code, "http_error")
        return _failure(exc.status_code, str(exc.detail).lower(), error_type, exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return _failure(500, "internal error", "internal_error")

    @app.exception_handler(CallbackAPIError)
    async def _api(request: Request, exc: CallbackAPIError) -> JSONResponse:
        headers = dict(exc.headers) if exc.headers else None
        if exc.status_code == 503:
            headers = {"Retry-After": str(settings.retry_after_seconds), **(headers or {})}
        return _failure(exc.status_code, exc.message, exc.error_type, headers, exc.field)

    @app.exception_handler(TTSError)
    async def _job(request: Request, exc: TTSError) -> JSONResponse:
        status = next((code for kind, code in JOB_ERROR_STATUS if isinstance(exc, kind)), 500)
        field = exc.context.get("field")
        return _failure(
            status,
            exc.message,
            exc.error_type.value,
            field=field if isinstance(field, str) else None,
        )


def _first_field(exc: RequestValidationError) -> str | None:
    """The first invalid field's name (`voice_id`, `pronunciations.tomato`), for the app to
    point at; None when the request as a whole is wrong."""
    for error in exc.errors():
        location = error.get("loc", ())
        if len(location) > 1:
            return ".".join(str(part) for part in location[1:])
    return None


def _describe(exc: RequestValidationError) -> str:
    """Where and why validation failed, without echoing the input."""
    parts = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ())[1:]) or "body"
        parts.append(f"{location}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)


@cache
def _default_app() -> FastAPI:
    return create_app()


def __getattr__(name: str) -> FastAPI:
    # `app` is built on first access, so that importing `create_app` needs no configuration.
    if name == "app":
        return _default_app()
    raise AttributeError(name)
