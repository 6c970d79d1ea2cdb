"""ID tokens as the Firebase Auth emulator mints them, with claims a test chooses.

The emulator's tokens are unsigned JWTs (`alg: none`); firebase-admin, pointed at the emulator,
skips the signature but checks every claim. Forging one is how a test gets a token that is
expired, of another project or without a subject, which the emulator itself never issues.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any


def _part(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def emulator_token(project: str, uid: str, **claims: Any) -> str:
    """A token for `uid` of `project`, valid for an hour unless `claims` say otherwise."""
    now = int(time.time())
    payload = {
        "iss": f"https://securetoken.google.com/{project}",
        "aud": project,
        "auth_time": now,
        "user_id": uid,
        "sub": uid,
        "iat": now,
        "exp": now + 3600,
        "firebase": {"identities": {}, "sign_in_provider": "password"},
        **claims,
    }
    return f"{_part({'alg': 'none', 'typ': 'JWT'})}.{_part(payload)}."
