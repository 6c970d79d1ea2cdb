"""Submitting a story job to RunPod, with its deadline and its completion webhook.

    job_id = submit_story_job(
        job_input,                                   # TTSJobInput fields, as a dict
        endpoint_url="https://api.runpod.ai/v2/<endpoint id>",
        api_key=RUNPOD_API_KEY,
        webhook_base_url="https://api.example.com",  # this API, as RunPod reaches it
        secret=CALLBACK_SIGNING_SECRET,
    )
    # record job_id as the story's audioJobId

The input is validated first (`InvalidInputError`, nothing submitted). The job gets
`deadline_s` from the text's length (`shared.deadlines`), RunPod's `executionTimeout` a grace
period later, and this story's webhook URL, so that RunPod reports the job's end to the API
even when the worker cannot. The request is not retried: `/run` is not idempotent.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import httpx

from callback_api.core.webhooks import webhook_url
from callback_api.services.runpod_api import (
    RunPodConnectError,
    RunPodResponseError,
    answer_json,
    bearer,
)
from shared.deadlines import execution_timeout_s, job_deadline_s
from shared.job_input import TTSJobInput, parse_job_input


def story_job_request(
    job_input: Mapping[str, Any], *, webhook_base_url: str, secret: str
) -> dict[str, Any]:
    """The body of RunPod's `/run` for this story; raises `InvalidInputError`."""
    parsed = parse_job_input(dict(job_input), TTSJobInput)
    deadline = min(job_deadline_s(len(parsed.text)), parsed.deadline_s or sys.maxsize)
    return {
        "input": {**job_input, "deadline_s": deadline},
        "webhook": webhook_url(webhook_base_url, secret, parsed.story_id),
        "policy": {"executionTimeout": execution_timeout_s(deadline) * 1000},
    }


def submit_story_job(
    job_input: Mapping[str, Any],
    *,
    endpoint_url: str,
    api_key: str | None,
    webhook_base_url: str,
    secret: str,
    session: httpx.Client | None = None,
    timeout: float = 30.0,
) -> str:
    """Submit the story job to `{endpoint_url}/run` and return RunPod's job id.

    Raises `InvalidInputError` before any request, then `RunPodConnectError`,
    `RunPodStatusError` (with `status_code`) or `RunPodResponseError`.
    """
    body = story_job_request(job_input, webhook_base_url=webhook_base_url, secret=secret)
    url = f"{endpoint_url.rstrip('/')}/run"
    try:
        if session is None:
            with httpx.Client(timeout=timeout) as client:
                response = client.post(url, json=body, headers=bearer(api_key))
        else:
            response = session.post(url, json=body, headers=bearer(api_key))
    except httpx.HTTPError as exc:
        raise RunPodConnectError(type(exc).__name__) from None
    job_id = answer_json(response).get("id")
    if not isinstance(job_id, str) or not job_id:
        raise RunPodResponseError("RunPod answered without a job id")
    return job_id
