"""Fixtures for the callback API: settings on the emulator, clients, signed senders, stories."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.main import create_app
from shared.signing import generate_secret
from tests.helpers.callback_api import LiveServer, Sender
from tests.helpers.runpod_fake import FakeRunPod
from tools.firestore_emulator import FirestoreEmulator, free_port


@pytest.fixture
def signing_secret() -> str:
    return generate_secret()


@pytest.fixture
def api_settings(firestore_env: FirestoreEmulator, signing_secret: str) -> Settings:
    """Signed callbacks on the emulator, without RunPod's status API: local development mode
    (tests of the webhook and the reconciler give RunPod's API, `tests/helpers/runpod_fake.py`)."""
    return Settings(callback_signing_secret=SecretStr(signing_secret), callback_api_dev_mode=True)


@pytest.fixture
def runpod() -> Iterator[FakeRunPod]:
    """RunPod's own status API: a local server shaped like RunPod's docs."""
    with FakeRunPod().serving() as fake:
        yield fake


@pytest.fixture
def production_settings(
    firestore_env: FirestoreEmulator, signing_secret: str, runpod: FakeRunPod
) -> Settings:
    """Production settings: the webhook confirms every job's end with RunPod's status API.
    A module whose tests all run so overrides `api_settings` with these."""
    return Settings(callback_signing_secret=SecretStr(signing_secret), **runpod.settings())


@pytest.fixture
def unreachable_firestore(monkeypatch: pytest.MonkeyPatch, signing_secret: str) -> Settings:
    """Settings whose Firestore is a closed port: every call fails within half a second."""
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", f"127.0.0.1:{free_port()}")
    return Settings(
        callback_signing_secret=SecretStr(signing_secret),
        callback_api_dev_mode=True,
        firestore_timeout_seconds=0.5,
        retry_after_seconds=7,
    )


@pytest.fixture
def api_app(api_settings: Settings) -> FastAPI:
    return create_app(api_settings)


@pytest.fixture
def api_client(api_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(api_app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def docs_client(api_settings: Settings) -> Iterator[TestClient]:
    """A client of the app with `/docs`, `/redoc` and `/openapi.json` on (`API_DOCS_ENABLED`)."""
    settings = Settings(**{**api_settings.model_dump(), "api_docs_enabled": True})
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def sender(api_client: TestClient, signing_secret: str) -> Sender:
    return Sender(api_client, signing_secret)


@pytest.fixture
def live_api(api_settings: Settings) -> Iterator[LiveServer]:
    with LiveServer(create_app(api_settings)) as server:
        yield server
