"""Chunk checkpoints through the synthesizer, on the local storage backend: a story run again
generates only what no earlier run finished, and sounds exactly as if it had run once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from shared.errors import ModelUnavailableError
from tests.helpers.fakes import SeededToneEngine
from worker.checkpoints.transfer import StoryCheckpoints
from worker.config import SynthesisSettings
from worker.engines.base import SynthesisParams, VoiceSource
from worker.storage import LocalObjectStore
from worker.synthesis.speech import split_pauses
from worker.synthesis.synthesizer import StorySynthesizer, SynthesisResult

SETTINGS = SynthesisSettings(chunk_max_chars=120, output_format="wav")
PARAMS = SynthesisParams(seed=11)


@pytest.fixture(scope="module")
def story(sample_story: str) -> str:
    return "\n\n".join(sample_story.split("\n\n")[:12])


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "bucket", "https://audio.example.com")


def render(
    engine: SeededToneEngine,
    store: LocalObjectStore,
    out: Path,
    text: str,
    *,
    params: SynthesisParams = PARAMS,
    voice_id: str = "granny",
    reuse: bool = True,
) -> SynthesisResult:
    synthesizer = StorySynthesizer(engine, SETTINGS)
    plan = synthesizer.prepare(text, params.language)
    voice = synthesizer.prepare_voice(VoiceSource(voice_id=voice_id))
    checkpoints = StoryCheckpoints(store, "user_1", "story_1", reuse=reuse)
    out.mkdir(parents=True, exist_ok=True)
    try:
        return synthesizer.render(plan, out, voice=voice, params=params, checkpoints=checkpoints)
    finally:
        stats = checkpoints.close()
        assert stats.failed == stats.dropped == 0


def pieces(text: str) -> list[str]:
    """What the engine is asked to say for `text`, in story order."""
    plan = StorySynthesizer(SeededToneEngine(), SETTINGS).prepare(text, "en")
    return [speech for chunk in plan.chunks for speech, _ in split_pauses(chunk.speech)]


def audio(result: SynthesisResult) -> np.ndarray:
    samples, _ = sf.read(result.path, dtype="int16")
    return samples


@pytest.fixture
def uninterrupted(story: str, tmp_path: Path) -> np.ndarray:
    fresh = LocalObjectStore(tmp_path / "elsewhere", "https://audio.example.com")
    return audio(render(SeededToneEngine(), fresh, tmp_path / "once", story))


def test_a_story_that_failed_at_part_k_resumes_at_part_k(
    story: str, store: LocalObjectStore, tmp_path: Path, uninterrupted: np.ndarray
) -> None:
    said = pieces(story)
    k = len(said) * 4 // 5
    with pytest.raises(ModelUnavailableError):
        render(SeededToneEngine(fail_on=lambda t: t == said[k]), store, tmp_path / "a", story)

    engine = SeededToneEngine()
    result = render(engine, store, tmp_path / "b", story)

    assert engine.calls == said[k:]
    assert result.chunks_reused == k
    assert result.chunks_generated == result.chunk_count - k
    assert result.gpu_seconds_saved > 0
    assert np.array_equal(audio(result), uninterrupted)  # same length, same loudness: same


def test_a_story_run_again_generates_nothing(
    story: str, store: LocalObjectStore, tmp_path: Path, uninterrupted: np.ndarray
) -> None:
    render(SeededToneEngine(), store, tmp_path / "a", story)
    engine = SeededToneEngine()
    result = render(engine, store, tmp_path / "b", story)
    assert engine.calls == []
    assert result.chunks_generated == 0
    assert np.array_equal(audio(result), uninterrupted)


def test_editing_one_paragraph_regenerates_only_its_chunks(
    story: str, store: LocalObjectStore, tmp_path: Path
) -> None:
    paragraphs = story.split("\n\n")
    n = max(range(3, len(paragraphs) - 2), key=lambda i: len(paragraphs[i]))  # a long one
    edited = paragraphs[n].replace(" the ", " a ", 1)
    assert edited != paragraphs[n]
    render(SeededToneEngine(), store, tmp_path / "a", story)

    engine = SeededToneEngine()
    text = "\n\n".join([*paragraphs[:n], edited, *paragraphs[n + 1 :]])
    result = render(engine, store, tmp_path / "b", text)

    changed = [piece for piece in pieces(edited) if piece not in pieces(paragraphs[n])]
    assert engine.calls == changed  # of the edited paragraph, only what changed in it
    assert 0 < result.chunks_generated == len(changed) < result.chunk_count / 10


@pytest.mark.parametrize(
    "change",
    [
        {"voice_id": "grandpa"},
        {"params": replace(PARAMS, seed=12)},
        {"params": replace(PARAMS, language="fr")},
        {"engine": SeededToneEngine(version="test-2")},
        {"reuse": False},
    ],
    ids=["voice", "seed", "language", "engine version", "reuse_chunks false"],
)
def test_another_voice_seed_language_or_engine_reuses_nothing(
    change: dict, story: str, store: LocalObjectStore, tmp_path: Path
) -> None:
    render(SeededToneEngine(), store, tmp_path / "a", story)
    engine = change.pop("engine", SeededToneEngine())
    result = render(engine, store, tmp_path / "b", story, **change)
    assert result.chunks_reused == 0
    assert len(engine.calls) == len(pieces(story))


def test_a_fresh_take_replaces_the_checkpoints(
    story: str, store: LocalObjectStore, tmp_path: Path
) -> None:
    render(SeededToneEngine(version="take-1"), store, tmp_path / "a", story)
    keys = store.list_keys("chunks/user_1/story_1/")
    render(SeededToneEngine(version="take-1"), store, tmp_path / "b", story, reuse=False)
    assert store.list_keys("chunks/user_1/story_1/") == keys  # same keys, new audio
    engine = SeededToneEngine(version="take-1")
    assert render(engine, store, tmp_path / "c", story).chunks_generated == 0


def test_a_truncated_or_corrupt_checkpoint_is_regenerated_not_used(
    story: str, store: LocalObjectStore, tmp_path: Path, uninterrupted: np.ndarray
) -> None:
    render(SeededToneEngine(), store, tmp_path / "a", story)
    first, second = (store.root / key for key in store.list_keys("chunks/")[:2])
    first.write_bytes(first.read_bytes()[: first.stat().st_size // 2])
    damaged = bytearray(second.read_bytes())
    damaged[len(damaged) * 2 // 3] ^= 0xFF
    second.write_bytes(bytes(damaged))

    engine = SeededToneEngine()
    result = render(engine, store, tmp_path / "b", story)

    assert len(engine.calls) == 2
    assert result.chunks_generated == 2
    assert np.array_equal(audio(result), uninterrupted)


def test_a_voice_of_unknown_content_is_never_checkpointed(
    story: str, store: LocalObjectStore, tmp_path: Path
) -> None:
    class Anonymous(SeededToneEngine):
        def prepare_voice(self, source: VoiceSource | None):  # type: ignore[no-untyped-def]
            return replace(super().prepare_voice(source), identity=None)

    render(Anonymous(), store, tmp_path / "a", story)
    assert store.list_keys("chunks/") == []
