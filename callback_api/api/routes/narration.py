"""The app's front door for narration: `POST /api/tts/stories/{story_id}/narration`.

Starts a story's narration, or starts it again ("Try again"); `services/narration.py` says how.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Body, Depends, FastAPI, Header, Request
from pydantic import BaseModel, ConfigDict, Field, JsonValue, TypeAdapter, ValidationError

from callback_api.api.callback_route import LimitedRoute
from callback_api.api.deps import CallerDep
from callback_api.core.errors import StoryNotFoundError
from callback_api.services.narration import Narrator
from shared.types import StoryId

_STORY_ID: TypeAdapter[str] = TypeAdapter(StoryId)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Runs inside the app's own lifespan, once its story store is open."""
    settings = app.state.settings
    async with httpx.AsyncClient(timeout=settings.runpod_timeout_seconds) as http:
        app.state.narrator = Narrator(app.state.store, settings, http)
        yield


router = APIRouter(
    prefix="/api/tts", tags=["narration"], lifespan=_lifespan, route_class=LimitedRoute
)


class NarrationBody(BaseModel):
    """All optional. Fields are checked as the worker checks a job (a refusal is 422 with the
    worker's `error_type`); unknown fields are refused (`invalid_request`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"voice_id": "v_3f9a", "language": "en"}, {}]},
    )

    text: str | None = Field(None, description="Narrate this instead of the story's text field.")
    language: str | None = Field(None, description="A language tag: `en`, `de`, `pt-BR`.")
    voice_id: str | None = Field(None, description="A `ready` voice of this user (`voices`).")
    voice_storage_key: str | None = Field(None, description="A stored voice profile's key.")
    format: str | None = Field(None, description="`mp3`, `opus` or `wav`.")
    pronunciations: dict[str, JsonValue] | None = Field(None, description="word → respelling")
    reuse_chunks: bool | None = Field(None, description="False renders every chunk afresh.")
    user_id: str | None = Field(None, description="With an app key only: the user acted for.")

    def job_options(self) -> dict[str, Any]:
        """The job input's fields the body sets (`format` is the job's `output_format`)."""
        given = self.model_dump(exclude_none=True, exclude={"user_id", "format"})
        return given | ({"output_format": self.format} if self.format is not None else {})


class NarrationAccepted(BaseModel):
    story_id: str
    submission: int = Field(description="The story's submission number (`audioSubmission`).")
    job_id: str = Field(description="RunPod's job id (`audioJobId`).")


class ErrorAnswer(BaseModel):
    success: bool = False
    error: str
    error_type: str
    field: str | None = None


async def get_narrator(request: Request) -> Narrator:
    narrator: Narrator = request.app.state.narrator
    return narrator


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorAnswer, "description": description}
    for code, description in {
        401: "`unauthenticated`: no, malformed, expired or another project's token",
        413: "`payload_too_large`: a body over 1 MiB",
        404: "`story_not_found` or `voice_not_found` (also another user's)",
        422: "`invalid_request`, `voice_not_ready`, or the worker's typed error for the text or "
        "voice (`invalid_input`, `text_empty`, `text_too_long`, …)",
        429: "`rate_limited` (`Retry-After`)",
        502: "`submission_failed`: RunPod refused or did not answer; the story is failed",
        503: "`firestore_unavailable`, `narration_pending`, `narration_unavailable` "
        "(`Retry-After`)",
    }.items()
}


@router.post(
    "/stories/{story_id}/narration",
    status_code=202,
    response_model=NarrationAccepted,
    responses=ERRORS,
    summary="Narrate a story, or narrate it again (Try again)",
)
async def narrate(
    story_id: str,
    caller: CallerDep,
    narrator: Annotated[Narrator, Depends(get_narrator)],
    body: Annotated[NarrationBody | None, Body()] = None,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=255)] = None,
) -> NarrationAccepted:
    """Hands the story to a new submission and submits its job to RunPod. Clicks that arrive
    together, and repeats with the same `Idempotency-Key`, get the same submission and job."""
    body = body or NarrationBody()
    user_id = caller.user_for(body.user_id)
    try:
        # Exactly as given: a normalised id (" abc" → "abc") would send the job's callbacks
        # to another document than the one whose owner was checked.
        if _STORY_ID.validate_python(story_id) != story_id:
            raise ValueError(story_id)
    except (ValidationError, ValueError):
        raise StoryNotFoundError("not a story id") from None
    started = await narrator.start(story_id, user_id, body.job_options(), idempotency_key)
    return NarrationAccepted(
        story_id=started.story_id, submission=started.submission, job_id=started.job_id
    )
