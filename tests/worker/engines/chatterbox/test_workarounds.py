"""The chatterbox-tts 0.1.7 workarounds, over the stand-in that reproduces each fault."""

from __future__ import annotations

import numpy as np
import pytest

from shared.errors import GenerationFailedError, InvalidInputError, ModelUnavailableError
from tests.helpers import chatterbox_standin as standin
from tests.helpers.chatterbox_standin import TWO_SENTENCES, faults, say
from worker.config import SynthesisSettings
from worker.engines.base import SynthesisParams
from worker.engines.chatterbox.config import ChatterboxSettings
from worker.engines.chatterbox.engine import ChatterboxEngine
from worker.engines.chatterbox.workarounds import decodable_only
from worker.synthesis.synthesizer import StorySynthesizer

# --- token cap ------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["english", "multilingual"])
def test_a_chunk_that_reaches_the_token_cap_is_truncated(make, variant) -> None:
    engine = make(variant, warmup=False)
    faults(engine).babble_when = lambda text: True
    audio = engine.synthesize(TWO_SENTENCES, engine.prepare_voice(None), SynthesisParams())
    assert audio.truncated
    assert engine._model.t3.calls == [10_000]
    assert len(audio.samples) == 1000 * standin.SAMPLES_PER_TOKEN


@pytest.mark.parametrize("variant", ["english", "multilingual", "turbo"])
def test_the_configured_cap_reaches_the_token_model(make, variant) -> None:
    engine = make(variant, warmup=False, max_speech_tokens=40)
    voice = engine.prepare_voice(None)
    audio = engine.synthesize(TWO_SENTENCES, voice, SynthesisParams())
    assert audio.truncated
    # turbo samples one token before its loop of max_gen_len
    assert len(audio.samples) == (40 + (variant == "turbo")) * standin.SAMPLES_PER_TOKEN


def test_turbo_cap_is_detected_too(make) -> None:
    engine = make("turbo", warmup=False)
    voice = engine.prepare_voice(None)
    assert not engine.synthesize(TWO_SENTENCES, voice, SynthesisParams()).truncated
    faults(engine).babble_when = lambda text: True
    assert engine.synthesize(TWO_SENTENCES, voice, SynthesisParams()).truncated


def test_the_pipeline_regenerates_a_truncated_chunk(make, tmp_path) -> None:
    engine = make(warmup=False)
    seen: list[str] = []

    def babble_once(text: str) -> bool:
        seen.append(text)
        return len(seen) == 1

    faults(engine).babble_when = babble_once
    result = StorySynthesizer(engine, SynthesisSettings()).synthesize(
        TWO_SENTENCES, tmp_path, voice=engine.prepare_voice(None), fmt="wav"
    )
    assert result.retries == 1
    assert result.chunk_count == 1
    assert result.engine_real_time_factor > 0


# --- undecodable speech tokens -------------------------------------------------------------


def test_multilingual_tokens_s3gen_cannot_decode_are_dropped() -> None:
    hp = standin.T3Config(2454)
    sampled = np.array([[5, 6561, 7, 8107, 9, hp.stop_speech_token]])
    inference = decodable_only(lambda **kw: sampled, np.asarray, hp)
    np.testing.assert_array_equal(inference(), [[5, 7, 9, hp.stop_speech_token]])
    clean = np.array([[1, 2, 3]])
    assert decodable_only(lambda **kw: clean, np.asarray, hp)() is clean


# --- #504 attention hooks -------------------------------------------------------------------


def test_multilingual_hooks_do_not_pile_up_across_calls(make) -> None:
    """#504: without clean-up the stand-in (like 0.1.7) cuts later outputs short."""
    engine = make("multilingual", warmup=False)
    lengths = [len(say(engine, TWO_SENTENCES, language="en")) for _ in range(3)]
    assert lengths[0] == lengths[1] == lengths[2]
    layers = engine._model.t3.tfmr.layers
    kept = [list(layer.self_attn._forward_hooks.values()) for layer in layers]
    assert kept == [[standin._output_capturing_hook]] * len(layers)  # transformers' stay


def test_the_standin_reproduces_the_hook_leak_when_called_directly(make) -> None:
    model = make("multilingual", warmup=False)._model
    first = model.generate(TWO_SENTENCES, "en")
    second = model.generate(TWO_SENTENCES, "en")
    assert second.shape[-1] < first.shape[-1]


def test_hooks_are_removed_even_when_generation_fails(make) -> None:
    engine = make("multilingual", warmup=False)
    faults(engine).crash_when = lambda text: True
    engine._model.generate = _registering_then_failing(engine._model)
    with pytest.raises(GenerationFailedError):
        say(engine, TWO_SENTENCES, language="en")
    assert all(not layer.self_attn._forward_hooks for layer in engine._model.t3.tfmr.layers)


def _registering_then_failing(model):
    def generate(text, language_id, **kwargs):
        standin.AlignmentStreamAnalyzer(model.t3.tfmr)
        raise RuntimeError("after registering a hook")

    return generate


# --- #548 short texts -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["?", "A", "!?"])
def test_multilingual_refuses_texts_of_five_tokens_or_fewer(make, text) -> None:
    """#548: the stand-in, like 0.1.7, crashes on them; the engine refuses first."""
    engine = make("multilingual", warmup=False)
    with pytest.raises(InvalidInputError, match="too short"):
        say(engine, text, language="en")
    assert faults(engine).texts == []
    assert len(say(engine, "Oh no!", language="en")) > 0


def test_english_has_no_short_text_limit(make) -> None:
    assert len(say(make(warmup=False), "Oh.")) > 0


# --- #198 watermarker -----------------------------------------------------------------------


def test_perth_without_its_watermarker_names_the_setuptools_fix(tmp_path) -> None:
    broken = standin.module(PerthImplicitWatermarker=None)
    settings = ChatterboxSettings(model_dir=standin.make_model_dir(tmp_path, "english"))
    with pytest.raises(ModelUnavailableError) as info:
        ChatterboxEngine(settings, runtime=standin.Runtime(), import_module=lambda name: broken)
    assert "setuptools<81" in info.value.details
