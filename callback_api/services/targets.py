"""Where the API's jobs go, one rule for narrations and voices alike (`JobTarget.of`).

- `RUNPOD_LOCAL_API_URL` (local development only) wins over RunPod's endpoint, and gets no
  API key: the worker's local API takes none, and RunPod's key must not leave for it.
- Otherwise RunPod's endpoint (`RUNPOD_API_BASE_URL`/`RUNPOD_ENDPOINT_ID`) with `RUNPOD_API_KEY`.
- RunPod must reach the API back (`CALLBACK_API_PUBLIC_URL`) and the jobs' callbacks and
  webhooks are signed (`CALLBACK_SIGNING_SECRET`). Without any of these nothing can be
  submitted: None, and the caller answers 503 before writing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from callback_api.core.config import Settings


@dataclass(frozen=True)
class JobTarget:
    """Where jobs go: RunPod's endpoint (or its local API), and how RunPod reaches us."""

    endpoint_url: str
    api_key: str | None = field(repr=False)
    public_url: str
    secret: str = field(repr=False)

    MISSING: ClassVar[str] = "RunPod endpoint, CALLBACK_API_PUBLIC_URL or signing secret unset"

    @classmethod
    def of(cls, settings: Settings) -> JobTarget | None:
        local = settings.runpod_local_api_url
        endpoint = local or settings.runpod_endpoint_url
        key = None if local or settings.runpod_api_key is None else settings.runpod_api_key
        public, secrets = settings.callback_api_public_url, settings.signing_secrets
        if endpoint is None or public is None or not secrets:
            return None
        return cls(endpoint, key.get_secret_value() if key else None, public, secrets[0])

    @property
    def run_url(self) -> str:
        return f"{self.endpoint_url.rstrip('/')}/run"
