"""Content keys: everything that decides a chunk's sound is in its key, and nothing else."""

from __future__ import annotations

from dataclasses import replace

import pytest

from worker.bucket import checkpoint_key, checkpoint_prefix
from worker.checkpoints.keys import RenderIdentity
from worker.engines.base import EngineCapabilities, SynthesisParams, Voice

CAPS = EngineCapabilities(
    name="chatterbox",
    version="0.1.7 (english)",
    sample_rate=24_000,
    max_chunk_chars=300,
    languages=frozenset({"en", "fr"}),
    voice_cloning=True,
    fingerprint="weights-a",
)
VOICE = Voice(name="granny", identity="sha-of-profile-1")
PARAMS = SynthesisParams(language="en", exaggeration=0.6, seed=7)
SPEECH = "The owl woke at dusk."


def digest(caps=CAPS, voice=VOICE, params=PARAMS, prep="1", speech=SPEECH) -> str:
    identity = RenderIdentity.of(caps, voice, params, prep)
    assert identity is not None
    return identity.digest(speech)


def test_the_same_rendering_has_the_same_key_whatever_the_voice_is_called() -> None:
    assert digest() == digest()
    assert digest(voice=replace(VOICE, name="renamed")) == digest()
    assert digest(params=PARAMS.for_attempt(2)) == digest()  # a retry is the same chunk
    assert len(digest()) == 32


@pytest.mark.parametrize(
    "change",
    [
        {"caps": replace(CAPS, name="piper")},
        {"caps": replace(CAPS, version="0.1.8 (english)")},
        {"caps": replace(CAPS, version="0.1.7 (multilingual)")},
        {"caps": replace(CAPS, fingerprint="weights-b")},
        {"voice": replace(VOICE, identity="sha-of-profile-2")},
        {"params": replace(PARAMS, language="fr")},
        {"params": replace(PARAMS, seed=8)},
        {"params": replace(PARAMS, seed=None)},
        {"params": replace(PARAMS, exaggeration=0.7)},
        {"params": replace(PARAMS, cfg_weight=0.3)},
        {"params": replace(PARAMS, temperature=0.9)},
        {"prep": "2"},
        {"speech": "The owl woke at dawn."},
    ],
    ids=lambda change: next(iter(change)),
)
def test_anything_that_changes_the_sound_changes_the_key(change: dict) -> None:
    assert digest(**change) != digest()


def test_a_voice_of_unknown_content_has_no_identity() -> None:
    assert RenderIdentity.of(CAPS, Voice(name="granny"), PARAMS, "1") is None


def test_keys_live_under_their_story() -> None:
    key = checkpoint_key("user_1", "story_1", "ab" * 16)
    assert key == f"chunks/user_1/story_1/{'ab' * 16}.flac"
    assert key.startswith(checkpoint_prefix("user_1", "story_1"))
    assert not key.startswith(checkpoint_prefix("user_1", "story_10"))
