"""Dependencies, as `Annotated` aliases for route signatures.

All are `async def`: they do no I/O, and a plain `def` would cost a threadpool hop each.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from callback_api.api.observation import CallbackObservation
from callback_api.core.auth import Authenticator, Caller
from callback_api.core.config import Settings
from callback_api.core.metrics import Metrics
from callback_api.core.webhooks import WebhookTokens
from callback_api.services.endings import EmbeddedCallbacks
from callback_api.services.readiness import Readiness
from callback_api.services.runpod_api import RunPodClient
from callback_api.services.stories import StoryStore


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_store(request: Request) -> StoryStore:
    store: StoryStore = request.app.state.store
    return store


async def get_readiness(request: Request) -> Readiness:
    readiness: Readiness = request.app.state.readiness
    return readiness


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


async def get_observation(request: Request) -> CallbackObservation:
    observation: CallbackObservation = request.state.observation
    return observation


async def get_webhook_tokens(request: Request) -> WebhookTokens | None:
    """None in local development mode without a secret: no webhook URL is valid then."""
    tokens: WebhookTokens | None = request.app.state.webhook_tokens
    return tokens


async def get_embedded_callbacks(request: Request) -> EmbeddedCallbacks | None:
    embedded: EmbeddedCallbacks | None = request.app.state.embedded_callbacks
    return embedded


async def get_runpod(request: Request) -> RunPodClient | None:
    """None unless `RUNPOD_API_KEY` and `RUNPOD_ENDPOINT_ID` are set."""
    runpod: RunPodClient | None = request.app.state.runpod
    return runpod


_metrics_bearer = HTTPBearer(auto_error=False, description="`METRICS_TOKEN`, when it is set")
_caller_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="Firebase ID token or app key",
    description="A signed-in user's Firebase ID token (`getIdToken()`), or one of `APP_API_KEYS`.",
)


async def get_authenticator(request: Request) -> Authenticator:
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator


async def require_caller(
    authenticator: Annotated[Authenticator, Depends(get_authenticator)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_caller_bearer)],
) -> Caller:
    """The verified caller of an app endpoint; 401 (`UnauthenticatedError`) otherwise."""
    return await authenticator.caller(credentials.credentials if credentials else None)


async def require_metrics_token(
    settings: Annotated[Settings, Depends(get_settings)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_metrics_bearer)],
) -> None:
    """401 unless `METRICS_TOKEN` is unset or the request bears it."""
    expected = settings.metrics_token
    if expected is None:
        return
    given = credentials.credentials if credentials else ""
    if not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise HTTPException(401, "invalid or missing token", {"WWW-Authenticate": "Bearer"})


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[StoryStore, Depends(get_store)]
ReadinessDep = Annotated[Readiness, Depends(get_readiness)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
ObservationDep = Annotated[CallbackObservation, Depends(get_observation)]
WebhookTokensDep = Annotated[WebhookTokens | None, Depends(get_webhook_tokens)]
EmbeddedCallbacksDep = Annotated[EmbeddedCallbacks | None, Depends(get_embedded_callbacks)]
RunPodDep = Annotated[RunPodClient | None, Depends(get_runpod)]
MetricsTokenDep = Annotated[None, Depends(require_metrics_token)]
CallerDep = Annotated[Caller, Depends(require_caller)]
