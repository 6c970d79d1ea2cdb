"""chatterbox-tts 0.1.7's english variant (`ChatterboxTTS`) on random weights."""

from __future__ import annotations

import copy

import pytest

from tests.chatterbox_release.contract import (
    LINE,
    ReleaseContract,
    assert_speech,
    release_inference,
    say,
)
from tools.random_chatterbox import forced_length


class TestEnglish(ReleaseContract):
    variant = "english"

    def test_cfg_weight_zero_crashes_the_release_but_not_the_engine(self, engine) -> None:
        model = engine._model
        model.conds = copy.deepcopy(engine.builtin_conditionals())
        with (
            release_inference(engine),
            forced_length(model.t3, 2),
            pytest.raises(RuntimeError, match="Sizes of tensors must match"),
        ):
            model.generate(LINE, cfg_weight=0.0)
        audio = say(engine, cfg_weight=0.0, seed=5)
        assert_speech(audio)
        assert not audio.truncated
