"""Chatterbox's sound fingerprint: whatever changes how a chunk sounds changes its checkpoint
key, so that a model update never mixes two models' voices in one story."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from worker.checkpoints.keys import RenderIdentity
from worker.engines.base import SynthesisParams, Voice
from worker.engines.chatterbox import loading as chatterbox
from worker.engines.chatterbox.engine import ChatterboxEngine

VOICE = Voice(name="granny", identity="sha-of-profile-1")
SPEECH = "The owl woke at dusk."


def key(engine: ChatterboxEngine) -> str:
    identity = RenderIdentity.of(engine.capabilities, VOICE, SynthesisParams(seed=1), "1")
    assert identity is not None
    return identity.digest(SPEECH)


def hub_metadata(model_dir: Path, name: str, commit: str, etag: str) -> None:
    """What `snapshot_download(local_dir=...)` records of each file it downloads."""
    folder = model_dir / ".cache" / "huggingface" / "download"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.metadata").write_text(f"{commit}\n{etag}\n1700000000.0\n")


def test_the_same_model_and_settings_keep_their_keys(make: Callable[..., ChatterboxEngine]) -> None:
    assert key(make(warmup=False)) == key(make(warmup=False))


@pytest.mark.parametrize(
    "setting",
    [
        {"model_revision": "0a1b2c3"},
        {"max_reference_seconds": 20.0},
        {"temperature": 0.7},
        {"max_speech_tokens": 900},
    ],
    ids=lambda setting: next(iter(setting)),
)
def test_each_setting_that_changes_the_sound_changes_the_key(
    make: Callable[..., ChatterboxEngine], setting: dict
) -> None:
    assert key(make(warmup=False, **setting)) != key(make(warmup=False))


def test_a_new_generation_version_changes_the_key(
    make: Callable[..., ChatterboxEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = key(make(warmup=False))
    monkeypatch.setattr(chatterbox, "GENERATION_VERSION", chatterbox.GENERATION_VERSION + 1)
    assert key(make(warmup=False)) != before


def test_new_weights_of_the_same_size_change_the_key(
    make: Callable[..., ChatterboxEngine],
) -> None:
    engine = make(warmup=False)
    model_dir = engine.settings.model_dir
    hub_metadata(model_dir, "t3_cfg.safetensors", "commit-1", "sha256-of-weights-1")
    first = key(make(warmup=False))
    assert first != key(engine)  # the Hub's record is read, not only names and sizes
    hub_metadata(model_dir, "t3_cfg.safetensors", "commit-2", "sha256-of-weights-2")
    size = (model_dir / "t3_cfg.safetensors").stat().st_size
    second = make(warmup=False)
    assert (model_dir / "t3_cfg.safetensors").stat().st_size == size
    assert key(second) != first


def test_another_weight_file_changes_the_key(make: Callable[..., ChatterboxEngine]) -> None:
    before = key(make(warmup=False))
    engine = make(warmup=False)
    (engine.settings.model_dir / "extra.json").write_text("{}")
    assert key(make(warmup=False)) != before
