"""Who may call the app's endpoints, against the real Firebase Auth emulator."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from callback_api.core.auth import AuthConfigError, Authenticator, Caller
from callback_api.core.config import Settings
from callback_api.core.errors import InvalidRequestError, UnauthenticatedError
from tests.helpers.auth import emulator_token
from tests.helpers.firestore import FIRESTORE_PROJECT_ID
from tools.auth_emulator import AuthEmulator

CURRENT_KEY = "k" * 40
PREVIOUS_KEY = "p" * 40


@pytest.fixture
def authenticator(auth_env: AuthEmulator) -> Iterator[Authenticator]:
    settings = Settings(callback_api_dev_mode=True, app_api_keys=f"{CURRENT_KEY}, {PREVIOUS_KEY}")
    assert settings.firebase_auth_emulator_host == auth_env.host_port
    authenticator = Authenticator(settings)
    yield authenticator
    authenticator.close()


def caller(authenticator: Authenticator, bearer: str | None) -> Caller:
    return asyncio.run(authenticator.caller(bearer))


def test_a_signed_in_users_token_names_them(
    authenticator: Authenticator, auth_env: AuthEmulator
) -> None:
    user = auth_env.sign_up("ana@example.com", "secret-password")

    assert caller(authenticator, user.id_token) == Caller(uid=user.uid)


@pytest.mark.parametrize(
    "bearer",
    [
        None,
        "",
        "not-a-token",
        "a.b.c",
        emulator_token(FIRESTORE_PROJECT_ID, "u1", exp=int(time.time()) - 120),
        emulator_token("demo-other", "u1"),
        emulator_token(FIRESTORE_PROJECT_ID, "u1", iss="https://securetoken.google.com/demo-other"),
        emulator_token(FIRESTORE_PROJECT_ID, "u1", iat=int(time.time()) + 3600),
        emulator_token(FIRESTORE_PROJECT_ID, ""),
        "k" * 39,
        CURRENT_KEY + "x",
    ],
    ids=[
        "missing",
        "empty",
        "malformed",
        "garbage-jwt",
        "expired",
        "another-project",
        "another-issuer",
        "issued-in-the-future",
        "no-subject",
        "key-prefix",
        "key-suffix",
    ],
)
def test_anything_else_is_refused(authenticator: Authenticator, bearer: str | None) -> None:
    with pytest.raises(UnauthenticatedError):
        caller(authenticator, bearer)


def test_a_token_of_an_unusable_uid_is_refused(authenticator: Authenticator) -> None:
    with pytest.raises(InvalidRequestError):
        caller(authenticator, emulator_token(FIRESTORE_PROJECT_ID, "a/b"))


@pytest.mark.parametrize("key", [CURRENT_KEY, PREVIOUS_KEY])
def test_app_keys_current_and_previous_act_for_the_body_user(
    authenticator: Authenticator, key: str
) -> None:
    app = caller(authenticator, key)

    assert app.is_app
    assert app.user_for("u7") == "u7"
    with pytest.raises(InvalidRequestError, match="user_id is required"):
        app.user_for(None)
    for unsafe in (" u7", "u7 ", "a/b", "x" * 129):
        with pytest.raises(InvalidRequestError, match="user_id must be"):
            app.user_for(unsafe)


def test_a_signed_in_user_acts_only_for_themselves() -> None:
    user = Caller(uid="u1")

    assert user.user_for(None) == "u1"
    assert user.user_for("u1") == "u1"
    with pytest.raises(InvalidRequestError):
        user.user_for("u2")


def test_short_app_keys_are_refused_at_start() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        Settings(callback_api_dev_mode=True, firestore_emulator_host="x:1", app_api_keys="short")


def test_emulator_tokens_are_refused_outside_local_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FIRESTORE_EMULATOR_HOST", raising=False)
    with pytest.raises(ValueError, match="FIREBASE_AUTH_EMULATOR_HOST"):
        Settings(
            callback_signing_secret="whsec_" + "A" * 44,
            runpod_api_key="k",
            runpod_endpoint_id="e1",
            firebase_auth_emulator_host="127.0.0.1:9099",
        )


def test_settings_and_environment_must_agree(
    auth_env: AuthEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(callback_api_dev_mode=True)
    monkeypatch.delenv("FIREBASE_AUTH_EMULATOR_HOST")

    with pytest.raises(AuthConfigError):
        Authenticator(settings)


def test_tokens_cannot_be_checked_without_the_project(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_CLOUD_PROJECT", "FIRESTORE_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(
        callback_signing_secret="whsec_" + "A" * 44, runpod_api_key="k", runpod_endpoint_id="e1"
    )

    with pytest.raises(AuthConfigError, match="GOOGLE_CLOUD_PROJECT"):
        Authenticator(settings)
