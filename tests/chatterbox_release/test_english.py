"""chatterbox-tts 0.1.7's english variant (`ChatterboxTTS`) on random weights."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.chatterbox_release.contract import LINE, ReleaseContract, assert_speech, say
from tools.random_chatterbox import forced_length


@contextmanager
def release_inference(engine) -> Iterator[None]:
    """The release's own `T3.inference`, without the engine's wrappers."""
    t3 = engine._model.t3
    wrapped = t3.inference
    del t3.inference
    try:
        yield
    finally:
        t3.inference = wrapped


class TestEnglish(ReleaseContract):
    variant = "english"

    def test_cfg_weight_zero_crashes_the_release_but_not_the_engine(self, engine) -> None:
        model = engine._model
        model.conds = engine.builtin_conditionals()
        with (
            release_inference(engine),
            forced_length(model.t3, 2),
            pytest.raises(RuntimeError, match="Sizes of tensors must match"),
        ):
            model.generate(LINE, cfg_weight=0.0)
        audio = say(engine, cfg_weight=0.0, seed=5)
        assert_speech(audio)
        assert not audio.truncated
