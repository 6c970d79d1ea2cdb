"""The Chatterbox adapter over the stand-in model: loading, voices, synthesis and GPU failures."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from shared.errors import (
    GenerationFailedError,
    GPUOutOfMemoryError,
    ModelUnavailableError,
    UnsupportedLanguageError,
)
from tests.helpers import chatterbox_standin as standin
from tests.helpers.chatterbox_standin import TWO_SENTENCES, faults, say
from worker.config import SynthesisSettings
from worker.engines.base import Engine, SynthesisParams, Voice, VoiceSource
from worker.engines.chatterbox.config import ChatterboxSettings
from worker.engines.chatterbox.engine import ChatterboxEngine, split_in_two, split_to_budget
from worker.synthesis.synthesizer import StorySynthesizer

# --- loading --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "model_cls", "languages"),
    [
        ("english", standin.ChatterboxTTS, {"en"}),
        ("multilingual", standin.ChatterboxMultilingualTTS, set(standin.SUPPORTED_LANGUAGES)),
        ("turbo", standin.ChatterboxTurboTTS, {"en"}),
    ],
)
def test_variant_picks_the_release_class(make, variant, model_cls, languages) -> None:
    engine = make(variant)
    assert type(engine._model) is model_cls
    assert isinstance(engine, Engine)
    caps = engine.capabilities
    assert caps.languages == languages
    assert caps.sample_rate == standin.S3GEN_SR
    assert caps.max_chunk_chars == 300
    assert caps.voice_cloning
    assert caps.version.endswith(f"({variant})")


def test_multilingual_engine_supports_23_languages(make) -> None:
    assert len(make("multilingual").capabilities.languages) == 23


def test_warm_up_runs_one_generation_at_load(make) -> None:
    assert len(faults(make()).texts) == 1
    assert faults(make(warmup=False)).texts == []


def test_loads_on_cuda_from_the_model_dir(make) -> None:
    engine = make()
    assert engine.device == "cuda"
    assert engine._model.device == "cuda"


def test_the_cpu_is_used_only_when_asked_for_by_name(make, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        engine = make(runtime=standin.Runtime(cuda=False), device="cpu")
    assert engine.device == "cpu"
    assert engine._model.device == "cpu"
    assert "development only" in caplog.text
    assert make(device="cpu").device == "cpu"  # even with a GPU visible


@pytest.mark.parametrize("device", ["auto", "cuda"])
def test_without_cuda_auto_and_cuda_are_model_unavailable(make, device) -> None:
    with pytest.raises(ModelUnavailableError, match="narration service") as info:
        make(runtime=standin.Runtime(cuda=False), device=device)
    assert info.value.details is not None
    assert f"CHATTERBOX_DEVICE={device} but no CUDA device" in info.value.details
    assert "CHATTERBOX_DEVICE=cpu" in info.value.details


def test_missing_weights_are_model_unavailable(tmp_path) -> None:
    standin.make_model_dir(tmp_path / "w", "english")
    (tmp_path / "w" / "t3_cfg.safetensors").unlink()
    settings = ChatterboxSettings(variant="english", model_dir=tmp_path / "w")
    with pytest.raises(ModelUnavailableError) as info:
        ChatterboxEngine(
            settings, runtime=standin.Runtime(), import_module=lambda name: standin.module()
        )
    assert "t3_cfg.safetensors" in info.value.details
    assert str(tmp_path) not in info.value.details


@pytest.mark.parametrize("gone", ["spacy_ontonotes.zip", "spacy_ontonotes"])
def test_multilingual_without_the_segmenter_model_is_unavailable(make, pkuseg_model, gone) -> None:
    path = pkuseg_model / gone
    path.rmdir() if path.is_dir() else path.unlink()
    with pytest.raises(ModelUnavailableError) as info:
        make("multilingual", warmup=False)
    assert "PKUSEG_HOME" in info.value.details
    assert str(pkuseg_model) not in info.value.details
    assert make("english", warmup=False).capabilities.languages == {"en"}


@pytest.mark.parametrize(
    ("error", "refresh"),
    [
        (RuntimeError("corrupt safetensors header"), False),
        (standin.device_assert(), True),
        (standin.cuda_oom(), True),
    ],
    ids=["broken-weights", "device-error", "oom"],
)
def test_a_failing_load_is_model_unavailable(make, monkeypatch, error, refresh) -> None:
    """Only a GPU fault recycles the worker: a broken image would fail the same on a new one."""

    def broken(cls, ckpt_dir, device):
        raise error

    monkeypatch.setattr(standin.ChatterboxTTS, "from_local", classmethod(broken))
    with pytest.raises(ModelUnavailableError) as info:
        make()
    assert (info.value.refresh_worker, info.value.context) == (refresh, {})
    assert type(error).__name__ in info.value.details


def test_a_missing_package_is_model_unavailable(tmp_path) -> None:
    def no_chatterbox(name: str):
        raise ModuleNotFoundError(name=name)

    settings = ChatterboxSettings(model_dir=standin.make_model_dir(tmp_path, "english"))
    with pytest.raises(ModelUnavailableError, match="service") as info:
        ChatterboxEngine(settings, runtime=standin.Runtime(), import_module=no_chatterbox)
    assert "not installed" in info.value.details


def test_a_failing_warm_up_is_model_unavailable(make, monkeypatch) -> None:
    def failing_generate(self, text, **kwargs):
        raise standin.device_assert()

    monkeypatch.setattr(standin.ChatterboxTTS, "generate", failing_generate)
    with pytest.raises(ModelUnavailableError) as info:
        make()
    assert (info.value.refresh_worker, info.value.context) == (True, {})
    monkeypatch.setattr(standin.ChatterboxTTS, "generate", lambda self, text, **kw: 1 / 0)
    with pytest.raises(ModelUnavailableError) as info:
        make()
    assert info.value.context == {}


def test_without_a_builtin_voice_warm_up_is_skipped(make) -> None:
    engine = make(builtin_voice=False)
    assert faults(engine).texts == []
    assert engine.builtin_conditionals() is None


def test_chinese_is_dropped_when_the_cangjie_table_is_missing(make, monkeypatch) -> None:
    original = standin.MTLTokenizer.__init__
    monkeypatch.setattr(standin.MTLTokenizer, "__init__", lambda self: original(self, False))
    languages = make("multilingual").capabilities.languages
    assert "zh" not in languages
    assert "ja" in languages


# --- voices ---------------------------------------------------------------------------------


def test_reference_audio_becomes_conditionals(engine) -> None:
    voice = engine.prepare_voice(VoiceSource(reference_audio=standin.tone_wav(8)))
    assert voice.name == "reference-audio"
    assert voice.data.t3.cond_prompt_speech_tokens.shape == (1, 150)
    assert engine._model.prepared == 1
    assert engine._model.conds is engine.builtin_conditionals()  # the model's voice is restored


def test_saved_profiles_round_trip(engine) -> None:
    conds = engine.conditionals_from_reference(standin.tone_wav(9))
    loaded = engine.load_profile(engine.serialize_profile(conds))
    np.testing.assert_array_equal(loaded.t3.speaker_emb, conds.t3.speaker_emb)
    np.testing.assert_array_equal(loaded.gen["prompt_feat"], conds.gen["prompt_feat"])


# --- synthesis ------------------------------------------------------------------------------


def test_synthesizes_float32_audio_under_inference_mode(make) -> None:
    engine = make(warmup=False)
    audio = engine.synthesize(TWO_SENTENCES, engine.prepare_voice(None), SynthesisParams())
    assert audio.samples.dtype == np.float32
    assert audio.samples.ndim == 1
    assert audio.sample_rate == 24_000
    assert not audio.truncated
    assert 3 < len(audio.samples) / audio.sample_rate < 10
    assert faults(engine).inference_depths == [1]


def test_each_call_generates_from_a_copy_of_the_voice_which_stays_as_loaded(make) -> None:
    engine = make(warmup=False)
    other = Voice(name="other", data=standin.builtin_conditionals(seed=9))
    saved = engine.serialize_profile(other.data)
    engine.synthesize("A short line of story text.", other, SynthesisParams())
    used = engine._model.conds
    assert used is not other.data
    np.testing.assert_array_equal(used.t3.speaker_emb, other.data.t3.speaker_emb)
    assert used.gen["prompt_token"].dtype == np.float32  # what generate() does to it
    assert other.data.gen["prompt_token"].dtype == np.int64
    assert other.data.t3.cond_prompt_speech_emb is None
    assert engine.serialize_profile(other.data) == saved


def test_cfg_weight_zero_generates_on_english(make) -> None:
    engine = make(warmup=False)
    voice = engine.prepare_voice(None)
    audio = engine.synthesize(TWO_SENTENCES, voice, SynthesisParams(cfg_weight=0.0))
    assert audio.samples.size > 0
    release = standin.ChatterboxTTS.from_local(engine.settings.model_dir, "cpu")
    with pytest.raises(RuntimeError, match="Sizes of tensors must match"):
        release.generate(TWO_SENTENCES, cfg_weight=0.0)  # what the engine works around


def test_out_of_memory_retries_the_chunk_in_two_halves(make) -> None:
    engine = make(warmup=False)
    faults(engine).oom_when = lambda text: len(text) > 60
    audio = engine.synthesize(TWO_SENTENCES, engine.prepare_voice(None), SynthesisParams())
    assert faults(engine).texts == [
        TWO_SENTENCES,
        "The fox ran into the dark wood at night.",
        "The owl watched it from a tall pine.",
    ]
    assert engine._runtime.empty_cache_calls == 1
    halves = [int(len(t) * 1.8) + 2 for t in faults(engine).texts[1:]]  # stand-in lengths
    assert len(audio.samples) > 0.9 * sum(halves) * standin.SAMPLES_PER_TOKEN


def test_repeated_out_of_memory_is_gpu_out_of_memory_and_recycles(make, tmp_path) -> None:
    engine = make(warmup=False)
    faults(engine).oom_when = lambda text: True
    synthesizer = StorySynthesizer(engine, SynthesisSettings())
    with pytest.raises(GPUOutOfMemoryError) as info:
        synthesizer.synthesize(TWO_SENTENCES, tmp_path, voice=engine.prepare_voice(None))
    assert (info.value.refresh_worker, info.value.context) == (True, {})
    assert info.value.retryable
    assert len(faults(engine).texts) == 2  # whole chunk, first half; not retried by the pipeline
    assert engine._runtime.empty_cache_calls == 2


def test_cuda_device_errors_fail_the_job_and_recycle_the_worker(make, tmp_path) -> None:
    engine = make(warmup=False)
    faults(engine).device_error_when = lambda text: True
    with pytest.raises(ModelUnavailableError) as info:
        StorySynthesizer(engine, SynthesisSettings()).synthesize(
            TWO_SENTENCES, tmp_path, voice=engine.prepare_voice(None)
        )
    assert (info.value.refresh_worker, info.value.context) == (True, {})
    assert len(faults(engine).texts) == 1


def test_other_model_errors_are_generation_failures_the_pipeline_retries(make) -> None:
    engine = make(warmup=False)
    faults(engine).crash_when = lambda text: True
    with pytest.raises(GenerationFailedError) as info:
        say(engine, TWO_SENTENCES)
    assert "RuntimeError" in info.value.details
    assert TWO_SENTENCES not in info.value.details


def test_english_engine_refuses_other_languages_before_the_gpu(make) -> None:
    engine = make(warmup=False)
    with pytest.raises(UnsupportedLanguageError):
        say(engine, TWO_SENTENCES, language="fr")
    assert faults(engine).texts == []


def test_multilingual_rejects_unsupported_languages_before_any_gpu_work(make, tmp_path) -> None:
    engine = make("multilingual", warmup=False)
    with pytest.raises(UnsupportedLanguageError):
        say(engine, TWO_SENTENCES, language="xx")
    with pytest.raises(UnsupportedLanguageError):
        StorySynthesizer(engine, SynthesisSettings()).prepare(TWO_SENTENCES, "tlh")
    assert faults(engine).texts == []
    assert len(say(engine, "Le renard court dans le bois sombre.", language="fr")) > 0
    assert engine.generate_kwargs(SynthesisParams(language="fr"))["language_id"] == "fr"
    assert engine.generate_kwargs(SynthesisParams(language="fr-CA"))["language_id"] == "fr"


def test_regional_language_tags_read_as_their_language(make) -> None:
    assert len(say(make(warmup=False), TWO_SENTENCES, language="en-US")) > 0
    engine = make("multilingual", warmup=False)
    assert len(say(engine, "Le renard court dans le bois sombre.", language="fr_FR")) > 0


def test_out_of_memory_halves_must_stay_long_enough(make) -> None:
    engine = make("multilingual", warmup=False)
    faults(engine).oom_when = lambda text: True
    with pytest.raises(GPUOutOfMemoryError):
        say(engine, "A, B.", language="en")
    assert len(faults(engine).texts) == 1


def test_dense_scripts_are_generated_in_parts(make) -> None:
    engine = make("multilingual", warmup=False)
    text = "从前有一只小狐狸住在森林里。" * 14  # 196 characters
    audio = engine.synthesize(text, engine.prepare_voice(None), SynthesisParams(language="zh"))
    assert len(faults(engine).texts) == 4
    assert all(len(t) <= 80 for t in faults(engine).texts)
    assert "".join(faults(engine).texts) == text
    assert not audio.truncated


def test_a_seed_makes_synthesis_reproducible(make) -> None:
    engine = make(warmup=False)
    first = say(engine, TWO_SENTENCES, seed=7)
    again = say(engine, TWO_SENTENCES, seed=7)
    other = say(engine, TWO_SENTENCES, seed=8)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert engine._runtime.seeds == [7, 7, 8]


def test_retries_vary_the_seed_and_cool_the_sampling(make) -> None:
    engine = make(warmup=False)
    say(engine, TWO_SENTENCES, seed=7, attempt=2)
    assert engine._runtime.seeds == [9]
    assert engine.generate_kwargs(SynthesisParams(attempt=0))["temperature"] == pytest.approx(0.8)
    assert engine.generate_kwargs(SynthesisParams(attempt=2))["temperature"] == pytest.approx(0.6)
    assert engine.generate_kwargs(SynthesisParams(attempt=9))["temperature"] == pytest.approx(0.5)
    cool = SynthesisParams(temperature=0.3)
    assert engine.generate_kwargs(cool)["temperature"] == pytest.approx(0.3)
    assert engine.generate_kwargs(cool.for_attempt(3))["temperature"] == pytest.approx(0.3)


def test_generate_arguments_per_variant(make) -> None:
    params = SynthesisParams(language="en", exaggeration=0.9, cfg_weight=0.2, temperature=0.7)
    assert make(warmup=False).generate_kwargs(params) == {
        "exaggeration": 0.9,
        "cfg_weight": 0.2,
        "temperature": 0.7,
    }
    assert make("multilingual", warmup=False).generate_kwargs(params)["language_id"] == "en"
    assert make("turbo", warmup=False).generate_kwargs(params) == {"temperature": 0.7}
    assert make(warmup=False, exaggeration=0.3).generate_kwargs(SynthesisParams())[
        "exaggeration"
    ] == pytest.approx(0.3)


def test_bf16_autocast_wraps_only_the_token_model_on_cuda(make) -> None:
    engine = make(warmup=False, bf16=True)
    say(engine, TWO_SENTENCES)
    assert engine._runtime.autocast_calls == 1
    cpu = make(warmup=False, bf16=True, runtime=standin.Runtime(cuda=False), device="cpu")
    say(cpu, TWO_SENTENCES)
    assert cpu._runtime.autocast_calls == 0


def test_a_whole_story_through_the_pipeline(make, tmp_path, sample_story) -> None:
    engine = make(warmup=False)
    result = StorySynthesizer(engine, SynthesisSettings()).synthesize(
        sample_story[:2000], tmp_path, voice=engine.prepare_voice(None)
    )
    assert result.engine == "chatterbox"
    assert result.chunk_count == len(faults(engine).texts)
    assert result.duration_seconds > 60
    assert all(len(text) <= 300 for text in faults(engine).texts)


# --- text splitting -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "halves"),
    [
        ("One two three. Four five six.", ("One two three.", "Four five six.")),
        ("One two three, four five six", ("One two three,", "four five six")),
        ("alpha beta gamma delta", ("alpha beta", "gamma delta")),
        ("从前有一只小狐狸住在森林里", ("从前有一只小", "狐狸住在森林里")),
        ("a", None),
    ],
)
def test_split_in_two(text, halves) -> None:
    assert split_in_two(text) == halves


def test_sentence_boundaries_win_over_nearer_word_boundaries() -> None:
    text = "It was late and cold and grey. The fox ran into the dark wood and the owl followed it"
    assert split_in_two(text) == (
        "It was late and cold and grey.",
        "The fox ran into the dark wood and the owl followed it",
    )


def test_split_to_budget_keeps_every_character_but_spaces() -> None:
    text = "The fox ran. " * 30
    parts = split_to_budget(text, 50)
    assert all(len(p) <= 50 for p in parts)
    assert " ".join(parts).split() == text.split()
