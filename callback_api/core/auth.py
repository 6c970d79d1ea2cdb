"""Who is calling the app's endpoints: a signed-in user, or the app's own backend.

- `Authorization: Bearer <Firebase ID token>`: the token is verified with firebase-admin
  (signature, expiry, this project's audience and issuer) and the caller is its uid. The job's
  `user_id` is that uid; a body naming someone else is refused.
- `Authorization: Bearer <app key>`: one of `APP_API_KEYS`, for the app's own backend, which
  acts for the `user_id` in the body. Keys are compared in constant time, all of them every
  time, so that timing tells nothing about which key nearly matched.

Anything else is `UnauthenticatedError` (401). With `FIREBASE_AUTH_EMULATOR_HOST` set (local
development only, `core/config.py`), firebase-admin accepts the Auth emulator's unsigned
tokens; it reads that variable from the environment itself, so the two must agree.
"""

from __future__ import annotations

import hmac
import os
import re
import time
import uuid
from dataclasses import dataclass

import firebase_admin
from firebase_admin import auth as firebase_auth
from google.auth.credentials import AnonymousCredentials
from starlette.concurrency import run_in_threadpool

from callback_api.core.config import Settings
from callback_api.core.errors import AuthUnavailableError, InvalidRequestError, UnauthenticatedError
from shared.types import ID_PATTERN

CLOCK_SKEW_S = 10
"""Tolerance for a token minted on a device whose clock runs a little ahead."""


class AuthConfigError(RuntimeError):
    pass


@dataclass(frozen=True)
class Caller:
    """A verified caller: `uid` for a signed-in user, None for the app's backend (an app key)."""

    uid: str | None

    @property
    def is_app(self) -> bool:
        return self.uid is None

    def user_for(self, user_id: str | None) -> str:
        """The user the request acts for: the token's uid, or the body's `user_id` (app keys)."""
        if self.uid is None:
            if not user_id:
                raise InvalidRequestError(
                    "user_id is required when calling with an app key", field="user_id"
                )
            if not re.fullmatch(ID_PATTERN, user_id):
                # Exactly as given: a normalised id would name another owner than the job's.
                raise InvalidRequestError(
                    "user_id must be 1-128 letters, digits, '_' or '-'", field="user_id"
                )
            return user_id
        if user_id is not None and user_id != self.uid:
            raise InvalidRequestError(
                "user_id may only be given with an app key; a signed-in user acts for themselves",
                field="user_id",
            )
        return self.uid


class Authenticator:
    """Verifies bearer credentials; one per app (it owns a firebase-admin app of its own)."""

    def __init__(self, settings: Settings) -> None:
        emulator = settings.firebase_auth_emulator_host
        if os.environ.get("FIREBASE_AUTH_EMULATOR_HOST") != emulator:
            raise AuthConfigError(
                "settings.firebase_auth_emulator_host must match the "
                "FIREBASE_AUTH_EMULATOR_HOST variable"
            )
        if not settings.project_id:
            # A token's audience must be this project; without its id every user would be
            # refused as if signed out.
            raise AuthConfigError("GOOGLE_CLOUD_PROJECT is required to verify users' ID tokens")
        self._app_keys = [key.encode() for key in settings.app_keys]
        options = {"projectId": settings.project_id}
        # Verifying a token needs the project id and Google's public keys, no credentials.
        self._firebase = firebase_admin.initialize_app(
            AnonymousCredentials(),
            options,
            name=f"callback-api-auth-{uuid.uuid4().hex}",
        )

    def close(self) -> None:
        firebase_admin.delete_app(self._firebase)

    async def caller(self, bearer: str | None) -> Caller:
        if not bearer:
            raise UnauthenticatedError("no bearer credentials")
        if self._is_app_key(bearer):
            return Caller(uid=None)
        return Caller(uid=await run_in_threadpool(self._verify, bearer))

    def _is_app_key(self, bearer: str) -> bool:
        given = bearer.encode()
        matches = [hmac.compare_digest(given, key) for key in self._app_keys]
        return any(matches)

    def _verify(self, token: str) -> str:
        try:
            claims = firebase_auth.verify_id_token(
                token, app=self._firebase, clock_skew_seconds=CLOCK_SKEW_S
            )
        except firebase_auth.CertificateFetchError as exc:
            raise AuthUnavailableError("certificate fetch failed") from exc
        except (ValueError, firebase_auth.InvalidIdTokenError) as exc:
            # Expired, malformed, another project's: all one answer, sign in again. (Revocation
            # is not checked: that needs a service account; a token lives an hour at most.)
            raise UnauthenticatedError(type(exc).__name__) from None
        _check_lifetime(claims)
        uid = claims.get("uid") or claims.get("sub")
        if not isinstance(uid, str) or not uid:
            raise UnauthenticatedError("token without a uid")
        if not re.fullmatch(ID_PATTERN, uid):
            # The uid names the user's folders and documents; Firebase's own uids always fit.
            raise InvalidRequestError("this account's id cannot be used for narration")
        return uid


def _check_lifetime(claims: dict[str, object]) -> None:
    """Expired or not yet issued is refused. Google's signature check does this for real tokens,
    but firebase-admin skips that check, and with it the times, for the emulator's."""
    now = time.time()
    expires, issued = claims.get("exp"), claims.get("iat")
    if not isinstance(expires, int | float) or now > expires + CLOCK_SKEW_S:
        raise UnauthenticatedError("token expired")
    if not isinstance(issued, int | float) or issued > now + CLOCK_SKEW_S:
        raise UnauthenticatedError("token issued in the future")
