"""RunPod's completion webhook: `POST /api/runpod/webhook/{story_id}/{submission}/{token}`.

RunPod posts a job's `/status` content here when the job ends (unsigned; retried twice, 10 s
apart, on anything but 200). The token proves the URL came from the submission helper for this
story's submission (`core/webhooks.py`); a wrong one gets 404 and nothing is read. The URL
without a submission (`/webhook/{story_id}/{token}`) is that of jobs submitted before numbers.

The story is settled by the rule the reconciler uses too (`services/settle.py`):

- An embedded signed callback (`output.callback`) for this story is applied like a direct one.
- Without one, the job's status is asked of RunPod's API (`GET /status/{job_id}`) and its
  answer is used instead of the body: the body is unsigned, and a leaked webhook URL must not
  fail a running story. Nothing is inferred from a body RunPod did not confirm (local
  development without RunPod's API; a body without a job id; a job RunPod does not know).
- A job RunPod reports FAILED, TIMED_OUT or CANCELLED without a callback fails the story that
  follows it, while pending or processing, with the inferred error (provisional: a signed
  callback of the same job supersedes it). COMPLETED without a callback changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.exceptions import HTTPException

from callback_api.api.callback_route import WebhookRoute
from callback_api.api.deps import (
    EmbeddedCallbacksDep,
    ObservationDep,
    RunPodDep,
    StoreDep,
    WebhookTokensDep,
)
from callback_api.api.observation import CallbackObservation
from callback_api.core.webhooks import WebhookTokens
from callback_api.services.endings import EmbeddedCallbacks
from callback_api.services.rules import InferredSource, Outcome
from callback_api.services.runpod_api import JobReport, RunPodClient
from callback_api.services.settle import JobEnds, Settlement, StoryJob
from callback_api.services.stories import StoryStore
from shared.callbacks import TTSCallbackResponse
from shared.types import StoryId, Submission

_STORY_ID: TypeAdapter[str] = TypeAdapter(StoryId)
_SUBMISSION: TypeAdapter[int] = TypeAdapter(Submission)


class WebhookResponse(BaseModel):
    """What the webhook did: `applied`, or why not (`reason`); which embedded callback was
    decided (`callback_type`), or which failure the API inferred (`error_type`)."""

    success: bool = True
    applied: bool
    reason: str | None = None
    callback_type: str | None = None
    error_type: str | None = None


def _error(description: str) -> dict[str, Any]:
    return {"model": TTSCallbackResponse, "description": description}


RESPONSES: dict[int | str, dict[str, Any]] = {
    404: _error("Unknown token for this story, or no such story; nothing was written."),
    413: _error("Body larger than 512 KiB."),
    503: _error("Firestore or RunPod's API unavailable; retry after the `Retry-After` seconds."),
}

router = APIRouter(
    prefix="/api/runpod", tags=["runpod"], route_class=WebhookRoute, responses=RESPONSES
)


@dataclass(frozen=True)
class _Webhook:
    """What settling one webhook request needs: its dependencies, resolved once."""

    tokens: WebhookTokens | None
    embedded: EmbeddedCallbacks | None
    runpod: RunPodClient | None
    store: StoryStore
    observation: CallbackObservation

    async def handle(
        self, story_id: str, submission: int | None, token: str, request: Request
    ) -> WebhookResponse:
        if self.tokens is None or self.embedded is None or not _is_safe(story_id):
            raise HTTPException(404, "not found")
        if not self.tokens.matches(story_id, token, submission):
            raise HTTPException(404, "not found")
        self.observation.story_id = story_id
        try:
            report = JobReport.from_json(json.loads(await request.body()))
        except (ValueError, RecursionError):  # not JSON, not UTF-8, not an object, or too deep
            return _ignored(self.observation, "invalid_body")
        self.observation.job_id = report.job_id
        ends = JobEnds(self.store, self.embedded, self.runpod)
        story = StoryJob(story_id, submission, InferredSource.RUNPOD_WEBHOOK)
        return _answered(self.observation, await ends.settle(story, report))


async def _webhook(
    tokens: WebhookTokensDep,
    embedded: EmbeddedCallbacksDep,
    runpod: RunPodDep,
    store: StoreDep,
    observation: ObservationDep,
) -> _Webhook:
    return _Webhook(tokens, embedded, runpod, store, observation)


WebhookDep = Annotated[_Webhook, Depends(_webhook)]


@router.post(
    "/webhook/{story_id}/{submission}/{token}",
    response_model_exclude_none=True,
    summary="RunPod job finished",
)
async def runpod_webhook(
    story_id: str, submission: str, token: str, request: Request, webhook: WebhookDep
) -> WebhookResponse:
    """Settles the story from the job's final status: applies the worker's signed callback
    from `output.callback`, or, once RunPod's API confirms how the job ended, infers
    `worker_lost` (FAILED), `job_timed_out` or `job_cancelled` for this submission's job, while
    the story follows it. Always 200 once the token is right, whatever the body (503 while
    RunPod cannot be asked, so that RunPod retries); `applied` and `reason` say what happened."""
    number = _submission(submission)
    if number is None:
        raise HTTPException(404, "not found")
    return await webhook.handle(story_id, number, token, request)


@router.post(
    "/webhook/{story_id}/{token}",
    response_model_exclude_none=True,
    summary="RunPod job finished (a job submitted without a submission number)",
)
async def runpod_webhook_unnumbered(
    story_id: str, token: str, request: Request, webhook: WebhookDep
) -> WebhookResponse:
    """The same, for a job submitted before submission numbers: only the job the story names
    can be failed through it."""
    return await webhook.handle(story_id, None, token, request)


def _submission(value: str) -> int | None:
    """The path's submission number in its one written form (`7`, not `07` or `+7`)."""
    try:
        number = _SUBMISSION.validate_python(int(value)) if value.isdecimal() else None
    except (ValueError, ValidationError):
        return None
    return number if number is not None and str(number) == value else None


def _is_safe(story_id: str) -> bool:
    try:
        return _STORY_ID.validate_python(story_id) == story_id
    except ValidationError:
        return False


def _ignored(observation: CallbackObservation, reason: str) -> WebhookResponse:
    observation.outcome = reason
    return WebhookResponse(applied=False, reason=reason)


def _answered(observation: CallbackObservation, settlement: Settlement) -> WebhookResponse:
    decision = settlement.decision
    if decision is None:
        return _ignored(observation, settlement.reason or "no_callback")
    observation.outcome = decision.outcome.value
    applied = decision.outcome is Outcome.APPLIED
    return WebhookResponse(
        applied=applied,
        reason=None if applied else decision.outcome.value,
        callback_type=settlement.callback_type,
        error_type=settlement.error_type,
    )
