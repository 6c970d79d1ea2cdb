"""Fixtures the endpoint tests share: RunPod faked with jobs left queued, production settings
on the emulators, a client and a signed-up user. A test file overrides only what differs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from callback_api.core.config import Settings
from tests.helpers.narration import api, narration_settings
from tests.helpers.runpod_fake import FakeRunPod
from tools.auth_emulator import AuthEmulator, User


@pytest.fixture
def fake(runpod: FakeRunPod) -> FakeRunPod:
    runpod.queue_only = True
    return runpod


@pytest.fixture
def settings(auth_env: AuthEmulator, signing_secret: str, fake: FakeRunPod) -> Settings:
    return narration_settings(signing_secret, fake)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with api(settings) as client:
        yield client


@pytest.fixture
def ana(auth_env: AuthEmulator) -> User:
    return auth_env.sign_up("ana@example.com", "secret-password")
