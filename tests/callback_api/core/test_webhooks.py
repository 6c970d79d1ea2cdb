"""Webhook URLs: one token per story, derived from the signing secret, checked in one place."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from hypothesis import given
from hypothesis import strategies as st

from callback_api.core.webhooks import WebhookTokens, webhook_token, webhook_url
from shared.signing import derive_key, generate_secret, secret_key

SECRET = generate_secret()


def test_the_url_names_the_story_its_submission_and_their_token() -> None:
    url = webhook_url("https://api.example.com/", SECRET, "story-1", 7)

    token = webhook_token(SECRET, "story-1", 7)
    assert url == f"https://api.example.com/api/runpod/webhook/story-1/7/{token}"
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)


def test_the_url_of_a_job_submitted_without_a_number_has_none() -> None:
    url = webhook_url("https://api.example.com", SECRET, "story-1", None)

    token = webhook_token(SECRET, "story-1")
    assert url == f"https://api.example.com/api/runpod/webhook/story-1/{token}"


def test_each_submission_has_its_own_token() -> None:
    tokens = {webhook_token(SECRET, "a", n) for n in (None, 1, 2, 11)}

    assert len(tokens) == 4
    assert WebhookTokens([SECRET]).matches("a", webhook_token(SECRET, "a", 2), 2)
    assert not WebhookTokens([SECRET]).matches("a", webhook_token(SECRET, "a", 2), 3)


def test_tokens_are_stable_per_story_and_secret() -> None:
    assert webhook_token(SECRET, "a") == webhook_token(SECRET, "a")
    assert webhook_token(SECRET, "a") != webhook_token(SECRET, "b")
    assert webhook_token(SECRET, "a") != webhook_token(generate_secret(), "a")


def test_a_token_is_not_made_with_the_signing_key() -> None:
    """Domain separation: the token's key is derived, never the signing key itself, so a token
    is not the MAC the signing key would give the story id (nor a callback signature)."""
    raw = base64.urlsafe_b64decode(webhook_token(SECRET, "a") + "=")

    assert raw != hmac.new(secret_key(SECRET), b"a", hashlib.sha256).digest()
    assert raw == hmac.new(derive_key(SECRET, "runpod-webhook-token/v1"), b"a", "sha256").digest()


@given(st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True))
def test_only_the_storys_own_token_matches(story_id: str) -> None:
    old, new = generate_secret(), SECRET
    tokens = WebhookTokens([new, old])

    assert tokens.matches(story_id, webhook_token(new, story_id))
    assert tokens.matches(story_id, webhook_token(old, story_id))
    assert not tokens.matches(story_id + "x", webhook_token(new, story_id))
    assert not tokens.matches(story_id, webhook_token(generate_secret(), story_id))
    assert not tokens.matches(story_id, "")
    assert not tokens.matches(story_id, "é" + webhook_token(new, story_id)[1:])
