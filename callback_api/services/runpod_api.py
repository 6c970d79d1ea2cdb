"""RunPod's serverless API, as far as the API uses it: a job's status (here) and submitting a
job (`services/submission.py`).

Errors follow httpx's manner, one family:

    RunPodError
    ├── RunPodConnectError      the request did not get an answer (network, timeout)
    ├── RunPodStatusError       an answer outside 2xx (`status_code`)
    │   └── RunPodJobNotFoundError   404 for a job's status: RunPod does not know the job
    └── RunPodResponseError     a 2xx answer that is not what RunPod sends

None of them carries the API key or a response body.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote

import httpx

from callback_api.core.config import Settings


class JobStatus(StrEnum):
    IN_QUEUE = "IN_QUEUE"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    CANCELLED = "CANCELLED"


RUNNING = frozenset({JobStatus.IN_QUEUE, JobStatus.IN_PROGRESS})


class RunPodError(Exception):
    """RunPod's API could not be used for this request."""


class RunPodConnectError(RunPodError):
    pass


class RunPodStatusError(RunPodError):
    def __init__(self, status_code: int) -> None:
        self.status_code = status_code
        super().__init__(f"RunPod answered {status_code}")


class RunPodJobNotFoundError(RunPodStatusError):
    pass


class RunPodResponseError(RunPodError):
    pass


@dataclass(frozen=True)
class JobReport:
    """A job as RunPod describes it: the completion webhook's body, or `/status/{job_id}`.

    `job_id` and `status` are None when absent (runpod-python's local API posts only
    `{"output": …}`); an unknown status is kept as given.
    """

    job_id: str | None
    status: str | None
    output: Any

    @classmethod
    def from_json(cls, data: Any) -> JobReport:
        """Raises `ValueError` unless `data` is a JSON object."""
        if not isinstance(data, dict):
            raise ValueError("a job report is a JSON object")
        job_id, status = data.get("id"), data.get("status")
        return cls(
            job_id=job_id if isinstance(job_id, str) and 0 < len(job_id) <= 256 else None,
            status=status if isinstance(status, str) else None,
            output=data.get("output"),
        )

    @property
    def embedded_callback(self) -> Any:
        """The output's `callback` (a `SignedCallback` as JSON, if the worker put one there)."""
        return self.output.get("callback") if isinstance(self.output, dict) else None


def bearer(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def answer_json(
    response: httpx.Response, not_found: type[RunPodStatusError] = RunPodStatusError
) -> dict[str, Any]:
    """The JSON object of a 2xx answer; raises the matching `RunPodError` otherwise."""
    if response.status_code == 404:
        raise not_found(404)
    if not response.is_success:
        raise RunPodStatusError(response.status_code)
    try:
        data = response.json()
    except ValueError:
        raise RunPodResponseError("RunPod answered something other than JSON") from None
    if not isinstance(data, dict):
        raise RunPodResponseError("RunPod answered something other than a JSON object")
    return data


class RunPodClient:
    """Asks RunPod about jobs of one endpoint (`{RUNPOD_API_BASE_URL}/{RUNPOD_ENDPOINT_ID}`)."""

    def __init__(self, endpoint_url: str, api_key: str, *, timeout: float) -> None:
        self._http = httpx.AsyncClient(
            base_url=endpoint_url.rstrip("/") + "/", headers=bearer(api_key), timeout=timeout
        )

    async def status(self, job_id: str) -> JobReport:
        """`GET /status/{job_id}`; raises `RunPodJobNotFoundError` for a job RunPod forgot."""
        try:
            response = await self._http.get(f"status/{quote(job_id, safe='')}")
        except httpx.HTTPError as exc:
            raise RunPodConnectError(type(exc).__name__) from None
        report = JobReport.from_json(answer_json(response, RunPodJobNotFoundError))
        if report.job_id not in (None, job_id):
            raise RunPodResponseError("RunPod described another job")
        return JobReport(job_id, report.status, report.output)

    async def aclose(self) -> None:
        await self._http.aclose()


def runpod_client(settings: Settings) -> RunPodClient | None:
    """A client of the endpoint's jobs, when `RUNPOD_API_KEY` and `RUNPOD_ENDPOINT_ID` are set."""
    if settings.runpod_api_key is None or settings.runpod_endpoint_url is None:
        return None
    return RunPodClient(
        settings.runpod_endpoint_url,
        settings.runpod_api_key.get_secret_value(),
        timeout=settings.runpod_timeout_seconds,
    )
