"""What the narration tests share: settings on the emulators with RunPod faked, users, calls."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi.testclient import TestClient
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.main import create_app
from tests.helpers.runpod_fake import FakeRunPod

PUBLIC_URL = "https://api.example.com"
CURRENT_KEY = "current-app-key-" + "c" * 24
PREVIOUS_KEY = "previous-app-key-" + "p" * 24
TEXT = "The lighthouse keeper counted the boats. Seven came home before the fog."


def narration_settings(secret: str, runpod: FakeRunPod, **overrides: Any) -> Settings:
    """Production settings (RunPod's API, a signing secret), app keys current and previous; the
    in-API reconciler off, so that nothing but the requests writes the stories."""
    fields: dict[str, Any] = {
        "callback_signing_secret": SecretStr(secret),
        "callback_api_public_url": PUBLIC_URL,
        "app_api_keys": f"{CURRENT_KEY},{PREVIOUS_KEY}",
        "reconcile_in_api": False,
        **runpod.settings(),
    }
    return Settings(**(fields | overrides))


@contextmanager
def api(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def path(story_id: str) -> str:
    return f"/api/tts/stories/{story_id}/narration"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def narrate(
    client: TestClient | httpx.Client,
    story_id: str,
    token: str | None,
    body: dict[str, Any] | None = None,
    **headers: str,
) -> httpx.Response:
    auth = bearer(token) if token is not None else {}
    return client.post(path(story_id), json=body, headers=auth | headers)


def refusal(response: httpx.Response, status: int, error_type: str) -> dict[str, Any]:
    """The error body, after checking its status and shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False, body
    assert body["error_type"] == error_type, body
    assert isinstance(body["error"], str)
    assert body["error"]
    return dict(body)
