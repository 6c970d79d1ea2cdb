"""The three callback endpoints of the worker."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from callback_api.api.callback_route import CallbackRoute
from callback_api.api.deps import ObservationDep, StoreDep
from callback_api.api.observation import CallbackObservation
from callback_api.services.rules import Outcome
from callback_api.services.stories import StoryStore
from shared.callbacks import (
    TTSCallbackRequest,
    TTSCallbackResponse,
    TTSErrorCallbackRequest,
    TTSProgressCallbackRequest,
    TTSSuccessCallbackRequest,
)
from shared.signing import HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP


def _error(description: str) -> dict[str, Any]:
    return {"model": TTSCallbackResponse, "description": description}


def _header(name: str, description: str) -> dict[str, Any]:
    schema = {"type": "string"}
    return {
        "name": name,
        "in": "header",
        "required": True,
        "schema": schema,
        "description": description,
    }


# The signature headers are checked by `CallbackRoute` before FastAPI parses anything, so they
# are documented here rather than declared as `Header` parameters (which would cost per call).
SIGNED = {
    "parameters": [
        _header(HEADER_ID, "Unique message id, e.g. `msg_2b…`; the same for each retry."),
        _header(HEADER_TIMESTAMP, "Send time in integer Unix seconds; 5 minutes off is refused."),
        _header(
            HEADER_SIGNATURE,
            "`v1,<base64 HMAC-SHA256 of id.timestamp.body>`; several may be space-separated. "
            "Not needed only in local development mode without a secret.",
        ),
    ]
}

RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Stored (`applied: true`), or deliberately ignored (`applied: false`, "
        "`reason`: `stale`, `duplicate` or `conflict`). Either way, stop retrying."
    },
    401: _error("Missing or invalid signature, or a timestamp more than 5 minutes off."),
    404: _error("No story with this `story_id`; nothing was created."),
    413: _error("Body larger than 64 KiB."),
    422: _error("Invalid payload, e.g. an unsafe `story_id`; nothing was written."),
    503: _error("Firestore unavailable; retry after the `Retry-After` seconds."),
}

router = APIRouter(
    prefix="/api/tts",
    tags=["tts callbacks"],
    route_class=CallbackRoute,
    responses=RESPONSES,
)


async def _apply(
    callback: TTSCallbackRequest, store: StoryStore, observation: CallbackObservation
) -> TTSCallbackResponse:
    observation.identify(callback)
    decision = await store.apply(callback)
    observation.outcome = decision.outcome.value
    if decision.outcome is Outcome.APPLIED:
        return TTSCallbackResponse(success=True, applied=True)
    return TTSCallbackResponse(success=True, applied=False, reason=decision.outcome.value)


@router.post(
    "/callback", response_model_exclude_none=True, summary="Audio ready", openapi_extra=SIGNED
)
async def success_callback(
    callback: TTSSuccessCallbackRequest, store: StoreDep, observation: ObservationDep
) -> TTSCallbackResponse:
    """Sets `audioStatus: 'ready'`, `audioUrl`, `audioDuration`, `audioJobId`, `audioMetadata`
    and `updatedAt`, and clears the `audioError*` fields."""
    return await _apply(callback, store, observation)


@router.post(
    "/error-callback",
    response_model_exclude_none=True,
    summary="Audio failed",
    openapi_extra=SIGNED,
)
async def error_callback(
    callback: TTSErrorCallbackRequest, store: StoreDep, observation: ObservationDep
) -> TTSCallbackResponse:
    """Sets `audioStatus: 'failed'`, `audioError`, `audioErrorDetails`, `audioJobId`,
    `audioErrorMetadata` (when `metadata` is given) and `updatedAt`."""
    return await _apply(callback, store, observation)


@router.post(
    "/progress", response_model_exclude_none=True, summary="Audio in progress", openapi_extra=SIGNED
)
async def progress_callback(
    callback: TTSProgressCallbackRequest, store: StoreDep, observation: ObservationDep
) -> TTSCallbackResponse:
    """Sets `audioStatus: 'processing'`, `audioProgress` (`chunks_done / chunks_total`),
    `audioProgressStage` (when `stage` is given), `audioJobId` and `updatedAt`."""
    return await _apply(callback, store, observation)
