"""The app factory, the module-level `app`, and local development mode."""

from __future__ import annotations

import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.core.firestore import FirestoreConfigError
from callback_api.main import create_app
from shared.signing import generate_secret
from tests.helpers.callback_api import Sender, Stories, error
from tools.firestore_emulator import FirestoreEmulator


def start(code: str = "from callback_api.main import app") -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter with this test's environment: the service's start-up,
    where the module-level `app` reads its settings."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_module_level_app_uses_the_environment(
    firestore_env: FirestoreEmulator, monkeypatch: pytest.MonkeyPatch, signing_secret: str
) -> None:
    monkeypatch.setenv("CALLBACK_SIGNING_SECRET", signing_secret)
    monkeypatch.setenv("RUNPOD_API_KEY", "rp_test_key")
    monkeypatch.setenv("RUNPOD_ENDPOINT_ID", "endpoint-1")
    code = "from callback_api.main import app; print(type(app).__name__, app.title)"

    result = start(code)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "FastAPI TTS callback API"


def test_the_service_will_not_start_without_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALLBACK_SIGNING_SECRET", raising=False)
    monkeypatch.delenv("CALLBACK_API_DEV_MODE", raising=False)

    result = start()

    assert result.returncode != 0
    assert "CALLBACK_SIGNING_SECRET is required" in result.stderr


def test_the_service_will_not_start_without_runpods_status_api(
    monkeypatch: pytest.MonkeyPatch, signing_secret: str
) -> None:
    monkeypatch.setenv("CALLBACK_SIGNING_SECRET", signing_secret)
    for name in ("CALLBACK_API_DEV_MODE", "RUNPOD_API_KEY", "RUNPOD_ENDPOINT_ID"):
        monkeypatch.delenv(name, raising=False)

    result = start()

    assert result.returncode != 0
    assert "RUNPOD_API_KEY and RUNPOD_ENDPOINT_ID are required" in result.stderr
    assert signing_secret not in result.stderr


def test_local_development_mode_accepts_the_seed_curl_unsigned(
    firestore_env: FirestoreEmulator, stories: Stories
) -> None:
    stories.create("test_story_123", audioStatus="processing")
    settings = Settings(callback_api_dev_mode=True)

    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/api/tts/error-callback",
            json={
                "story_id": "test_story_123",
                "error": "Voice profile not found",
                "user_id": "test_user_456",
            },
        )

    assert response.status_code == 200
    assert response.json()["success"] is True
    assert stories.get("test_story_123")["audioStatus"] == "failed"


def test_previous_secret_is_accepted_during_rotation(
    firestore_env: FirestoreEmulator, stories: Stories
) -> None:
    old, new = generate_secret(), generate_secret()
    settings = Settings(
        callback_signing_secret=SecretStr(new),
        callback_signing_secret_previous=SecretStr(old),
        callback_api_dev_mode=True,
    )
    stories.create("a")
    stories.create("b")

    with TestClient(create_app(settings)) as client:
        assert Sender(client, old).send(error("a")).status_code == 200
        assert Sender(client, new).send(error("b")).status_code == 200
        assert Sender(client, generate_secret()).send(error("a")).status_code == 401


def test_emulator_setting_must_match_what_the_client_library_reads(
    firestore_env: FirestoreEmulator, signing_secret: str
) -> None:
    settings = Settings(
        callback_signing_secret=SecretStr(signing_secret),
        callback_api_dev_mode=True,
        firestore_emulator_host="127.0.0.1:1",
    )

    with pytest.raises(FirestoreConfigError), TestClient(create_app(settings)):
        pass


DOCUMENTATION = ("/docs", "/redoc", "/openapi.json")


def test_the_api_documents_itself_only_when_asked(
    api_client: TestClient, docs_client: TestClient
) -> None:
    assert [api_client.get(path).status_code for path in DOCUMENTATION] == [404, 404, 404]
    assert [docs_client.get(path).status_code for path in DOCUMENTATION] == [200, 200, 200]
    assert api_client.get("/health").status_code == 200


def test_only_the_named_origins_may_call_from_a_browser(firestore_env: FirestoreEmulator) -> None:
    app_origin = "https://app.example.com"
    settings = Settings(
        callback_api_dev_mode=True, cors_allowed_origins=f"{app_origin}, http://localhost:5173"
    )
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
    }
    path = "/api/tts/stories/s1/narration"

    with TestClient(create_app(settings)) as client:
        allowed = client.options(path, headers={"Origin": app_origin, **preflight})
        other = client.options(path, headers={"Origin": "https://evil.example", **preflight})

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == app_origin
    assert "idempotency-key" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in other.headers


def test_without_origins_the_api_sends_no_cors_headers(firestore_env: FirestoreEmulator) -> None:
    with TestClient(create_app(Settings(callback_api_dev_mode=True))) as client:
        answer = client.options(
            "/api/tts/stories/s1/narration",
            headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"},
        )

    assert "access-control-allow-origin" not in answer.headers


@pytest.mark.parametrize("origins", ["*", "https://app.example.com/path", "app.example.com"])
def test_cors_origins_must_be_plain_origins(origins: str) -> None:
    with pytest.raises(ValueError, match="CORS_ALLOWED_ORIGINS"):
        Settings(
            callback_api_dev_mode=True, firestore_emulator_host="x:1", cors_allowed_origins=origins
        )
