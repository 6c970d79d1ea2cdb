"""The Firestore client, through firebase-admin."""

from __future__ import annotations

import os
import uuid

import firebase_admin
from firebase_admin import credentials, firestore_async
from google.auth.credentials import AnonymousCredentials, Credentials
from google.cloud.firestore import AsyncClient

from callback_api.core.config import Settings


class FirestoreConfigError(RuntimeError):
    pass


def open_firestore(settings: Settings) -> tuple[AsyncClient, firebase_admin.App]:
    """A Firestore client of a firebase-admin app of its own; close with `close_firestore`."""
    # The client library reads the emulator address from the environment itself.
    if os.environ.get("FIRESTORE_EMULATOR_HOST") != settings.firestore_emulator_host:
        raise FirestoreConfigError(
            "settings.firestore_emulator_host must match the FIRESTORE_EMULATOR_HOST variable"
        )
    options = {"projectId": settings.project_id} if settings.project_id else {}
    app = firebase_admin.initialize_app(
        _credential(settings), options, name=f"callback-api-{uuid.uuid4().hex}"
    )
    return firestore_async.client(app), app


def close_firestore(app: firebase_admin.App) -> None:
    firebase_admin.delete_app(app)


def _credential(settings: Settings) -> credentials.Base | Credentials:
    if settings.firestore_emulator_host:
        return AnonymousCredentials()
    if settings.firebase_credentials_file:
        return credentials.Certificate(str(settings.firebase_credentials_file))
    return credentials.ApplicationDefault()
