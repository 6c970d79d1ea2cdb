"""RunPod completion webhook URLs: `{base}/api/runpod/webhook/{story_id}/{token}`.

RunPod posts a job's final status to the URL given at submission, unsigned. The token is an
HMAC of the story id under a key derived from the callback signing secret for this purpose
alone, so the URL of one story says nothing about any other's, and the secret stays out of it.
The submission helper builds the URL here; the webhook route checks it here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

from shared.signing import derive_key

WEBHOOK_PATH = "/api/runpod/webhook"
_PURPOSE = "runpod-webhook-token/v1"


def webhook_token(secret: str, story_id: str) -> str:
    """The story's token: unpadded base64url of HMAC-SHA256(derived key, story id)."""
    digest = hmac.new(derive_key(secret, _PURPOSE), story_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def webhook_url(base_url: str, secret: str, story_id: str) -> str:
    """The completion webhook of `story_id` on the API at `base_url` (e.g. its public URL)."""
    return f"{base_url.rstrip('/')}{WEBHOOK_PATH}/{story_id}/{webhook_token(secret, story_id)}"


class WebhookTokens:
    """Checks tokens against every active secret, so that a rotation keeps older URLs valid."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = list(secrets)

    def matches(self, story_id: str, token: str) -> bool:
        given = token.encode()
        return any(
            hmac.compare_digest(webhook_token(secret, story_id).encode(), given)
            for secret in self._secrets
        )
