"""What every Chatterbox variant must do on the real release, once per variant.

Each test module subclasses `ReleaseContract` with its `variant`; the class-scoped `engine`
fixture loads that variant through the worker's own path. Every behaviour the stand-in of the
fast suite claims (tests/helpers/chatterbox_standin.py) is shown here on the release's code.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

import numpy as np
import perth
import pytest

from tests.chatterbox_release.conftest import SPEECH_TOKEN_CAP, STOP_AFTER
from tests.shared.test_job_input import ENDS
from tools.random_chatterbox import forced_length
from worker.config import SynthesisSettings
from worker.engines.base import EngineAudio, SynthesisParams, Voice, VoiceSource
from worker.engines.chatterbox import ChatterboxEngine
from worker.engines.chatterbox.workarounds import check_watermarker
from worker.storage import LocalObjectStore
from worker.voices.creation import VoiceProfileRequest, create_voice_profile

LINE = "The fox ran into the dark wood at night."
SAMPLE_RATE = 24_000
EXTREMES = (
    {k: v for end in ENDS[0::2] for k, v in end.items()},
    {k: v for end in ENDS[1::2] for k, v in end.items()},
)
"""Every sampling parameter at the low end of its range, then at the high end: the ends the
fast suite shows `TTSJobInput` accepts (and the values beyond them refused). Turbo ignores
guidance and exaggeration, as the release does."""


def say(
    engine: ChatterboxEngine,
    text: str = LINE,
    voice: Voice | None = None,
    *,
    stop_after: int | None = STOP_AFTER,
    **params: object,
) -> EngineAudio:
    params.setdefault("language", "en")
    with forced_length(engine._model.t3, stop_after):
        return engine.synthesize(
            text, voice or engine.prepare_voice(None), SynthesisParams(**params)
        )


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


def assert_speech(audio: EngineAudio) -> None:
    assert audio.samples.dtype == np.float32
    assert audio.samples.ndim == 1
    assert audio.samples.size > 0
    assert np.all(np.isfinite(audio.samples))
    assert np.abs(audio.samples).max() > 0
    assert audio.sample_rate == SAMPLE_RATE


class ReleaseContract:
    variant: ClassVar[str]
    language: ClassVar[str] = "en"

    def test_loads_offline_through_the_workers_path_with_the_watermarker(self, engine) -> None:
        caps = engine.capabilities
        assert caps.name == "chatterbox"
        assert caps.version == f"0.1.7 ({self.variant})"
        assert caps.sample_rate == engine._model.sr == SAMPLE_RATE
        assert self.language in caps.languages
        assert engine.settings.max_speech_tokens == SPEECH_TOKEN_CAP
        check_watermarker(perth)  # the real resemble-perth imported its watermarker (#198)
        assert isinstance(engine._model.watermarker, perth.PerthImplicitWatermarker)
        assert engine.builtin_conditionals() is not None

    def test_a_chunk_becomes_finite_mono_float32_at_the_declared_rate(self, engine) -> None:
        audio = say(engine, language=self.language)
        assert_speech(audio)
        assert not audio.truncated

    def test_a_generation_that_reaches_the_cap_is_truncated(self, engine) -> None:
        stopped = say(engine, language=self.language, seed=3)
        capped = say(engine, language=self.language, seed=3, stop_after=None)
        assert_speech(capped)
        assert capped.truncated
        assert not stopped.truncated
        assert capped.samples.size > stopped.samples.size

    def test_the_same_seed_gives_the_same_samples(self, engine) -> None:
        first = say(engine, language=self.language, seed=7)
        again = say(engine, language=self.language, seed=7)
        other = say(engine, language=self.language, seed=8)
        np.testing.assert_array_equal(first.samples, again.samples)
        assert not np.array_equal(first.samples, other.samples)

    @pytest.mark.parametrize("params", EXTREMES, ids=["lowest", "highest"])
    def test_every_end_of_every_job_parameter_generates(self, engine, params) -> None:
        assert_speech(say(engine, language=self.language, **params))

    def test_a_profile_is_saved_loaded_used_and_unchanged_by_generation(
        self, engine, reference, store: LocalObjectStore
    ) -> None:
        conds = engine.conditionals_from_reference(reference)
        profile = engine.serialize_profile(conds)
        store.put_bytes("voices/u1/fox.pt", profile, "application/octet-stream", {})
        voice = engine.prepare_voice(VoiceSource(voice_id="fox", user_id="u1"))
        assert_speech(say(engine, voice=voice, language=self.language))
        assert engine.serialize_profile(voice.data) == profile  # byte-identical after use
        cached = engine.prepare_voice(VoiceSource(voice_id="fox", user_id="u1"))
        assert cached.data is voice.data
        inline = engine.prepare_voice(VoiceSource(profile_bytes=profile))
        assert_speech(say(engine, voice=inline, language=self.language))
        assert engine.serialize_profile(engine.builtin_conditionals()) == self.builtin_profile(
            engine
        )

    def test_create_voice_profile_from_a_reference_recording(
        self, engine, reference, store: LocalObjectStore
    ) -> None:
        request = VoiceProfileRequest(
            user_id="u2", name="Grandma", voice_id="granny", reference_audio=reference,
            language=self.language, seed=1,
        )  # fmt: skip
        with forced_length(engine._model.t3, STOP_AFTER):
            result = create_voice_profile(
                request, engine=engine, store=store, settings=lenient_checks()
            )
        profile = store.get_bytes(result.profile_key)
        assert profile is not None
        assert len(profile) == result.profile_size_bytes
        loaded = engine.load_profile(profile)
        assert_speech(say(engine, voice=Voice("granny", loaded), language=self.language))
        sample = store.get_bytes(result.sample_key)
        assert sample is not None
        assert result.engine_version == f"0.1.7 ({self.variant})"

    @staticmethod
    def builtin_profile(engine: ChatterboxEngine) -> bytes:
        """`conds.pt` as the release saved it, read back and saved again."""
        data = (engine.settings.model_dir / "conds.pt").read_bytes()
        return engine.serialize_profile(engine._conditionals_cls.load(io.BytesIO(data)))


def lenient_checks() -> SynthesisSettings:
    """Random weights make noise of no particular pace: the checks would regenerate it."""
    return SynthesisSettings(
        tts_engine="chatterbox",
        chunk_max_retries=0,
        qa_min_chars_per_second=0.1,
        qa_max_chars_per_second=10_000,
        qa_max_silence_ratio=1.0,
        qa_min_rms_dbfs=-120,
    )
