"""chatterbox-tts 0.1.7's multilingual variant (`ChatterboxMultilingualTTS`) on random weights:
the #504 hooks, the #548 short texts and Chinese, offline."""

from __future__ import annotations

import copy
from collections import Counter

import pytest
import torch

from shared.errors import InvalidInputError
from tests.chatterbox_release.contract import (
    LINE,
    ReleaseContract,
    assert_speech,
    release_inference,
    say,
)
from tools.random_chatterbox import CANGJIE, forced_length
from worker.engines.base import SynthesisParams
from worker.engines.chatterbox.workarounds import ANALYZER_CLASS, leaked_hooks_removed

CHINESE = "你好世界。我们好，世界好。"
UNDECODABLE = 8000
"""A speech-token id beyond S3Gen's 6,561 codes, as T3 may sample it."""


def hook_names(engine) -> Counter[str]:
    layers = engine._model.t3.tfmr.layers
    return Counter(
        getattr(hook, "__qualname__", "?").split(".")[0]
        for layer in layers
        for hook in layer.self_attn._forward_hooks.values()
    )


class TestMultilingual(ReleaseContract):
    variant = "multilingual"
    language = "fr"

    def test_consecutive_calls_leave_no_analyzer_hooks_behind(self, engine) -> None:
        before = hook_names(engine)
        assert before[ANALYZER_CLASS] == 0
        assert before["install_output_capuring_hook"] == 30  # transformers' own, kept
        runs = [say(engine, seed=11, language="fr") for _ in range(2)]
        assert hook_names(engine) == before
        assert runs[0].samples.size == runs[1].samples.size

    def test_the_release_leaks_three_hooks_per_call_when_called_directly(self, engine) -> None:
        model = engine._model
        model.conds = copy.deepcopy(engine.builtin_conditionals())
        with leaked_hooks_removed(model.t3), forced_length(model.t3, 2):
            model.generate(LINE, language_id="en")
            assert hook_names(engine)[ANALYZER_CLASS] == 3
            model.generate(LINE, language_id="en")
            assert hook_names(engine)[ANALYZER_CLASS] == 6
        assert hook_names(engine)[ANALYZER_CLASS] == 0

    @pytest.mark.parametrize("text", ["A", "E."])
    def test_texts_of_five_tokens_or_fewer_are_refused_before_generation(
        self, engine, text
    ) -> None:
        with pytest.raises(InvalidInputError, match="too short"):
            say(engine, text, language="fr")
        model = engine._model
        model.conds = copy.deepcopy(engine.builtin_conditionals())
        torch.manual_seed(0)
        with (  # #548: the analyzer fails once it deems the text read, within a few steps
            release_inference(engine),
            forced_length(model.t3, None),
            leaked_hooks_removed(model.t3),
            pytest.raises(IndexError),
        ):
            model.generate(text, language_id="fr")

    def test_six_tokens_are_read(self, engine) -> None:
        """ "Oh" becomes `[fr] o h .` between the start and stop tokens: six, enough."""
        assert_speech(say(engine, "Oh", language="fr"))

    def test_undecodable_tokens_crash_the_release_but_not_the_engine(self, engine) -> None:
        model = engine._model
        model.conds = copy.deepcopy(engine.builtin_conditionals())
        with (
            release_inference(engine),
            forced_length(model.t3, 2, first=UNDECODABLE),
            leaked_hooks_removed(model.t3),
            pytest.raises(IndexError),
        ):
            model.generate(LINE, language_id="en")
        voice, params = engine.prepare_voice(None), SynthesisParams(language="en")
        with forced_length(model.t3, 2, first=UNDECODABLE):
            audio = engine.synthesize(LINE, voice, params)
        assert_speech(audio)
        assert not audio.truncated

    def test_chinese_is_segmented_and_read_offline(self, engine) -> None:
        assert "zh" in engine.capabilities.languages
        tokenizer = engine._model.tokenizer
        assert tokenizer.cangjie_converter.segmenter is not None
        assert tokenizer.cangjie_converter.word2cj == CANGJIE
        vocab = tokenizer.tokenizer.get_vocab()
        ids = tokenizer.encode("你好", language_id="zh")
        assert ids[0] == vocab["[zh]"]
        assert vocab["[cj_o]"] in ids
        assert vocab["[cj_.]"] in ids
        assert_speech(say(engine, CHINESE, language="zh"))
