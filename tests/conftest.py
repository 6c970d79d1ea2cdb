"""Fixtures for every test folder: a real Firestore emulator, started only when a test asks.

- `firestore_emulator` (session): one emulator process for the whole run.
- `firestore_env` (test): empties the emulator and points `FIRESTORE_EMULATOR_HOST` and
  `GOOGLE_CLOUD_PROJECT` at it for the test's duration.
- `firestore_db` (test): a synchronous Firestore client through firebase-admin, with
  anonymous credentials, for arranging and checking documents.
- `stories` (test): the `stories` collection on that client (`tests/helpers/callback_api.Stories`).
- `auth_emulator` (session) and `auth_env` (test): a Firebase Auth emulator (npm's firebase-tools)
  for the same project, emptied and pointed at by `FIREBASE_AUTH_EMULATOR_HOST` for the test.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.helpers.emulators import running
from tests.helpers.firestore import FIRESTORE_PROJECT_ID
from tools.firestore_emulator import FirestoreEmulator

if TYPE_CHECKING:  # the real-Chatterbox tier's venv has no Firestore client
    from google.cloud.firestore import Client

    from tests.helpers.callback_api import Stories
    from tools.auth_emulator import AuthEmulator


@pytest.fixture(scope="session")
def firestore_emulator() -> Iterator[FirestoreEmulator]:
    with running(FirestoreEmulator(project=FIRESTORE_PROJECT_ID)) as emulator:
        yield emulator


@pytest.fixture
def firestore_env(
    firestore_emulator: FirestoreEmulator, monkeypatch: pytest.MonkeyPatch
) -> FirestoreEmulator:
    firestore_emulator.reset()
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", firestore_emulator.host_port)
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", FIRESTORE_PROJECT_ID)
    return firestore_emulator


@pytest.fixture
def firestore_db(firestore_env: FirestoreEmulator) -> Iterator[Client]:
    import firebase_admin
    from firebase_admin import firestore
    from google.auth.credentials import AnonymousCredentials

    app = firebase_admin.initialize_app(
        AnonymousCredentials(),
        {"projectId": FIRESTORE_PROJECT_ID},
        name=f"tests-{uuid.uuid4().hex}",
    )
    try:
        yield firestore.client(app)
    finally:
        firebase_admin.delete_app(app)


@pytest.fixture
def stories(firestore_db: Client) -> Stories:
    """The `stories` collection, to arrange and read documents by story id."""
    from tests.helpers.callback_api import Stories

    return Stories(firestore_db)


@pytest.fixture(scope="session")
def auth_emulator() -> Iterator[AuthEmulator]:
    from tools.auth_emulator import AuthEmulator

    with running(AuthEmulator(project=FIRESTORE_PROJECT_ID)) as emulator:
        yield emulator


@pytest.fixture
def auth_env(
    auth_emulator: AuthEmulator, firestore_env: FirestoreEmulator, monkeypatch: pytest.MonkeyPatch
) -> AuthEmulator:
    """The Auth emulator, emptied, beside the Firestore emulator (the API needs both)."""
    auth_emulator.reset()
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", auth_emulator.host_port)
    return auth_emulator
