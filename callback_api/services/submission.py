"""Submitting a story job: the story handed to a new submission, then the job sent to RunPod.

    async with opened_store(settings) as stories:
        submitted = await submit_story_job(
            job_input,                                   # TTSJobInput fields, as a dict
            stories=stories,
            endpoint_url="https://api.runpod.ai/v2/<endpoint id>",
            api_key=RUNPOD_API_KEY,
            webhook_base_url="https://api.example.com",  # this API, as RunPod reaches it
            secret=CALLBACK_SIGNING_SECRET,
        )
    # submitted.job_id and submitted.submission are on the story already

Every step leaves the story with an owner, so none is left spinning:

1. The input is validated (`InvalidInputError`: nothing written, nothing submitted).
2. One Firestore transaction hands the story to its next submission
   (`submission_rules.decide_submission`): `audioSubmission` one more than before,
   `audioStatus: pending`, and nothing of the previous attempt (its job, progress, error or
   audio). From then on only this submission's callbacks change the story. A missing story is
   `StoryNotFoundError`, and nothing is submitted.
3. `POST {endpoint}/run` with the number as `input.submission`, `input.deadline_s` from the
   text's spoken length (`shared.deadlines`: numbers and symbols read out), RunPod's
   `executionTimeout` a grace period later (every step after the deadline fits in it), and
   the submission's webhook URL, so that RunPod reports the job's end even when the worker
   cannot. Not retried: `/run` is not idempotent.
4. The job id RunPod gives is recorded as `audioJobId`. Should that write fail, nothing is
   lost: every callback of the job carries the number and records the id itself.

When RunPod refuses the job or does not answer, the story fails with `submission_failed`
(provisional, `source: "submission"`: if the job was created after all, its signed callback
supersedes it) and the RunPod error is raised.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from callback_api.core.errors import CallbackAPIError
from callback_api.core.webhooks import webhook_url
from callback_api.services.rules import InferredSource
from callback_api.services.runpod_api import (
    RunPodConnectError,
    RunPodError,
    RunPodResponseError,
    RunPodStatusError,
    answer_json,
    bearer,
)
from callback_api.services.stories import StoryStore
from shared.deadlines import execution_timeout_s, job_deadline_s, spoken_chars_bound
from shared.errors import SubmissionFailedError
from shared.job_input import TTSJobInput, parse_job_input, voice_key_context

logger = logging.getLogger("callback_api.submission")

CONFIGURATION_MESSAGE = (
    "The narration service is not available right now because of a configuration problem. "
    "Please try again later."
)


@dataclass(frozen=True)
class SubmittedJob:
    job_id: str
    submission: int


def story_job_request(
    job_input: Mapping[str, Any],
    *,
    submission: int,
    webhook_base_url: str,
    secret: str,
    shared_voice_prefix: str | None = None,
) -> dict[str, Any]:
    """The body of RunPod's `/run` for this story's `submission`; raises `InvalidInputError`."""
    parsed = parse_story_input(job_input, shared_voice_prefix)
    return job_body(job_input, parsed, submission, webhook_base_url, secret)


def parse_story_input(job_input: Mapping[str, Any], shared_voice_prefix: str | None) -> TTSJobInput:
    """The job input as the worker reads it; raises the worker's `InvalidInputError`."""
    context = voice_key_context(shared_voice_prefix)
    return parse_job_input(dict(job_input), TTSJobInput, context=context)


def job_body(
    job_input: Mapping[str, Any],
    parsed: TTSJobInput,
    submission: int,
    webhook_base_url: str,
    secret: str,
) -> dict[str, Any]:
    """The body of `/run`: the input with its number and deadline, the webhook, the policy."""
    # numbers read out and respelled words take longer than written
    sized = job_deadline_s(spoken_chars_bound(parsed.text, parsed.pronunciations))
    deadline = min(sized, parsed.deadline_s or sys.maxsize)
    return {
        "input": {**job_input, "deadline_s": deadline, "submission": submission},
        "webhook": webhook_url(webhook_base_url, secret, parsed.story_id, submission),
        "policy": {"executionTimeout": execution_timeout_s(deadline) * 1000},
    }


async def submit_story_job(
    job_input: Mapping[str, Any],
    *,
    stories: StoryStore,
    endpoint_url: str,
    api_key: str | None,
    webhook_base_url: str,
    secret: str,
    http: httpx.AsyncClient | None = None,
    timeout: float = 30.0,
    shared_voice_prefix: str | None = None,
) -> SubmittedJob:
    """Hand the story to a new submission and submit its job to `{endpoint_url}/run`.

    Raises `InvalidInputError` before anything is written, `StoryNotFoundError` or
    `FirestoreUnavailableError` before anything is submitted, then `RunPodConnectError`,
    `RunPodStatusError` (with `status_code`) or `RunPodResponseError`, the story failed.
    `shared_voice_prefix` is the worker's `SHARED_VOICE_PREFIX`, so that a job is refused here
    exactly when the worker would refuse it.
    """
    parsed = parse_story_input(job_input, shared_voice_prefix)
    story_id = parsed.story_id
    submission = await stories.begin_submission(story_id)
    body = job_body(job_input, parsed, submission, webhook_base_url, secret)
    try:
        job_id = await run_job(f"{endpoint_url.rstrip('/')}/run", body, api_key, http, timeout)
    except RunPodError as exc:
        await fail_submission(stories, story_id, submission, exc)
        raise
    try:
        await stories.record_job(story_id, submission, job_id)
    except CallbackAPIError as exc:
        logger.warning(
            "job id not recorded; its callbacks will record it",
            extra={"story_id": story_id, "job_id": job_id, "failure": str(exc)},
        )
    return SubmittedJob(job_id, submission)


async def run_job(
    url: str,
    body: dict[str, Any],
    api_key: str | None,
    http: httpx.AsyncClient | None,
    timeout: float,
) -> str:
    """`POST {url}` (RunPod's `/run`); the job id, or a `RunPodError`. Not retried."""
    try:
        if http is None:
            async with httpx.AsyncClient(timeout=timeout) as client:
                response = await client.post(url, json=body, headers=bearer(api_key))
        else:
            response = await http.post(url, json=body, headers=bearer(api_key))
    except httpx.HTTPError as exc:
        raise RunPodConnectError(type(exc).__name__) from None
    job_id = answer_json(response).get("id")
    if not isinstance(job_id, str) or not job_id:
        raise RunPodResponseError("RunPod answered without a job id")
    return job_id


async def fail_submission(
    stories: StoryStore, story_id: str, submission: int, exc: RunPodError
) -> None:
    """Fail the story RunPod did not take the job of (`submission_error`); logged if not."""
    try:
        await stories.interrupt(
            story_id, None, submission_error(exc), InferredSource.SUBMISSION, submission=submission
        )
    except CallbackAPIError as failure:
        # The reconciler fails a numbered story left pending without a job (`reconcile.py`).
        logger.error(
            "story not failed after RunPod refused its job",
            extra={"story_id": story_id, "failure": str(failure)},
        )


async def cancel_job(
    endpoint_url: str, job_id: str, api_key: str | None, http: httpx.AsyncClient
) -> bool:
    """`POST {endpoint}/cancel/{job_id}`, best effort: whether RunPod took it (logged if not).
    A superseded job's callbacks are stale anyway; cancelling only spares its GPU time."""
    url = f"{endpoint_url.rstrip('/')}/cancel/{quote(job_id, safe='')}"
    try:
        response = await http.post(url, headers=bearer(api_key))
        answer_json(response)
    except (httpx.HTTPError, RunPodError) as exc:
        logger.warning(
            "superseded job not cancelled", extra={"job_id": job_id, "failure": str(exc)}
        )
        return False
    return True


def submission_error(exc: RunPodError) -> SubmissionFailedError:
    """What the user sees when RunPod did not take the job: a refusal that only operators can
    fix (RunPod's 4xx but 408 and 429: the key, the endpoint) says so; anything else is busy."""
    status = exc.status_code if isinstance(exc, RunPodStatusError) else None
    context: dict[str, Any] = {} if status is None else {"runpod_status_code": status}
    configuration = status is not None and 400 <= status < 500 and status not in (408, 429)
    return SubmissionFailedError(
        CONFIGURATION_MESSAGE if configuration else None,
        details=f"RunPod did not accept the job: {exc}.",
        context=context,
    )
