"""Fixtures of the end-to-end modules: the session's emulator, for one module at a time.

- `firestore_env_module` (module): `FIRESTORE_EMULATOR_HOST` and `GOOGLE_CLOUD_PROJECT` point at
  the emulator for the whole module (its worker and API outlive a single test).
- `db` (module): a Firestore client on it, for arranging and checking stories.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore

from tests.helpers.firestore import FIRESTORE_PROJECT_ID
from tools.firestore_emulator import FirestoreEmulator


@pytest.fixture(scope="module")
def firestore_env_module(firestore_emulator: FirestoreEmulator) -> Iterator[dict[str, str]]:
    env = {
        "FIRESTORE_EMULATOR_HOST": firestore_emulator.host_port,
        "GOOGLE_CLOUD_PROJECT": FIRESTORE_PROJECT_ID,
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        yield env


@pytest.fixture(scope="module")
def db(firestore_env_module: dict[str, str]) -> firestore.Client:
    return firestore.Client(project=FIRESTORE_PROJECT_ID, credentials=AnonymousCredentials())
