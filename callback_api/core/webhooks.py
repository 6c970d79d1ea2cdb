"""RunPod completion webhook URLs: `{base}/api/runpod/webhook/{story_id}/{submission}/{token}`.

RunPod posts a job's final status to the URL given at submission, unsigned. The token is an
HMAC of the story id and the submission number under a key derived from the callback signing
secret for this purpose alone, so the URL of one story's submission says nothing about any
other's, cannot be turned into a newer submission's, and the secret stays out of it. URLs
without a submission (`{base}/api/runpod/webhook/{story_id}/{token}`, the token over the story
id alone) are those of jobs submitted before submission numbers; they stay valid.
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


def webhook_token(secret: str, story_id: str, submission: int | None = None) -> str:
    """Unpadded base64url of HMAC-SHA256(derived key, `story_id/submission` or `story_id`)."""
    message = story_id if submission is None else f"{story_id}/{submission}"
    digest = hmac.new(derive_key(secret, _PURPOSE), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def webhook_url(base_url: str, secret: str, story_id: str, submission: int | None) -> str:
    """The completion webhook of the story's `submission` on the API at `base_url` (None: the
    form without a number, of jobs submitted before numbers)."""
    token = webhook_token(secret, story_id, submission)
    numbered = "" if submission is None else f"/{submission}"
    return f"{base_url.rstrip('/')}{WEBHOOK_PATH}/{story_id}{numbered}/{token}"


class WebhookTokens:
    """Checks tokens against every active secret, so that a rotation keeps older URLs valid."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = list(secrets)

    def matches(self, story_id: str, token: str, submission: int | None = None) -> bool:
        given = token.encode()
        return any(
            hmac.compare_digest(webhook_token(secret, story_id, submission).encode(), given)
            for secret in self._secrets
        )
