"""`POST /api/tts/reconcile`: one reconciler pass, for a scheduler (Cloud Scheduler) where API
instances scale to zero and no loop would run while nobody calls.

`Authorization: Bearer <RECONCILE_TOKEN>` (compared in constant time); a missing or wrong token
is 401. Without `RECONCILE_TOKEN` the route does not exist for callers: 404, as for any unknown
path, so that an API without the scheduler shows nothing to try tokens on.

The pass honours the lease of the API's own loop (`services/reconciler.py`): it never runs
beside another pass, here or on another replica. When one is running, the answer is still 200,
with `ran: false` and `reason: "busy"`: that pass covers this call.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from callback_api.api.deps import SettingsDep
from callback_api.core.errors import CallbackAPIError
from callback_api.services.reconciler import Passes


class VoiceCounts(BaseModel):
    """The pass over voices (`voices/{voice_id}` pending or processing and silent)."""

    failed: int = 0
    settled: int = 0
    left: int = 0
    errors: int = 0


class ReconcileResponse(BaseModel):
    """What the pass did, story by story; all zero when it did not run (`ran: false`)."""

    success: bool = True
    ran: bool
    reason: Literal["busy"] | None = Field(
        None, description="Why no pass ran: another one was running (here or on a replica)."
    )
    checked: int = Field(0, description="Stories found silent for `RECONCILE_STALE_AFTER_S`.")
    failed: int = Field(0, description="Marked failed with an inferred error.")
    settled: int = Field(0, description="Settled by the signed callback in RunPod's output.")
    left: int = Field(0, description="Still running, or written since the pass found them.")
    errors: int = Field(0, description="RunPod or Firestore could not be asked; next pass.")
    voices: VoiceCounts = Field(default_factory=VoiceCounts)


class ErrorResponse(BaseModel):
    success: Literal[False] = False
    error: str
    error_type: str


class ReconcileTokenError(CallbackAPIError):
    status_code = 401
    public_message = "invalid or missing reconcile token"
    error_type = "unauthenticated"
    outcome = "rejected"
    headers: Mapping[str, str] | None = MappingProxyType({"WWW-Authenticate": "Bearer"})


class ReconcileOffError(CallbackAPIError):
    """`RECONCILE_TOKEN` is unset: answered like an unknown path."""

    status_code = 404
    public_message = "not found"
    error_type = "not_found"
    outcome = "rejected"


def _error(description: str, example: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": ErrorResponse,
        "description": description,
        "content": {"application/json": {"example": {"success": False, **example}}},
    }


RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _error(
        "Missing or wrong token.",
        {"error": ReconcileTokenError.public_message, "error_type": "unauthenticated"},
    ),
    404: _error("`RECONCILE_TOKEN` is not set.", {"error": "not found", "error_type": "not_found"}),
    503: _error(
        "Firestore unavailable; retry after `Retry-After` seconds.",
        {"error": "firestore unavailable, retry later", "error_type": "firestore_unavailable"},
    ),
}

NO_VOICES = {"failed": 0, "settled": 0, "left": 0, "errors": 0}
router = APIRouter(prefix="/api/tts", tags=["reconcile"], responses=RESPONSES)
_bearer = HTTPBearer(auto_error=False, description="`RECONCILE_TOKEN`")


async def require_reconcile_token(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    expected = settings.reconcile_token
    if expected is None:
        raise ReconcileOffError
    given = credentials.credentials if credentials else ""
    if not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise ReconcileTokenError


async def get_passes(request: Request) -> Passes:
    passes: Passes = request.app.state.reconcile_passes
    return passes


@router.post(
    "/reconcile",
    dependencies=[Depends(require_reconcile_token)],
    response_model_exclude_none=True,
    summary="Run one reconciler pass",
    responses={
        200: {
            "content": {
                "application/json": {
                    "examples": {
                        "ran": {
                            "summary": "A pass ran",
                            "value": {"success": True, "ran": True, "checked": 2, "failed": 1,
                                      "settled": 1, "left": 0, "errors": 0, "voices": NO_VOICES},
                        },
                        "busy": {
                            "summary": "Another pass was running",
                            "value": {"success": True, "ran": False, "reason": "busy",
                                      "checked": 0, "failed": 0, "settled": 0, "left": 0,
                                      "errors": 0, "voices": NO_VOICES},
                        },
                    }
                }
            }
        }
    },
)  # fmt: skip
async def reconcile(passes: Annotated[Passes, Depends(get_passes)]) -> ReconcileResponse:
    """Settles every story whose job ended unheard (silent for `RECONCILE_STALE_AFTER_S`),
    as the API's own loop does, and answers what it did. For Cloud Scheduler where instances
    scale to zero: call it every minute (at most every 5) with `RECONCILE_TOKEN`."""
    summary = await passes.run("endpoint")
    if summary is None:
        return ReconcileResponse(ran=False, reason="busy")
    voices = VoiceCounts.model_validate(summary.voices, from_attributes=True)
    return ReconcileResponse(ran=True, **summary.counts(), voices=voices)
