"""The create_voice_profile action over the stand-in model and a local bucket."""

from __future__ import annotations

import io

import pytest
import soundfile as sf

from shared.errors import (
    InvalidInputError,
    ModelUnavailableError,
    VoiceProfileInvalidError,
    VoiceProfileMissingError,
)
from tests.helpers import chatterbox_standin as standin
from worker.engines.base import VoiceSource
from worker.storage import LocalObjectStore
from worker.synthesis.speech import to_speech
from worker.voices.creation import (
    GENERATION_METHOD,
    SAMPLE_TEXTS,
    VoiceProfileRequest,
    create_voice_profile,
)

LOCAL_URL = "https://audio.example.com"


@pytest.fixture
def store(tmp_path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "bucket", LOCAL_URL)


@pytest.fixture
def engine(tmp_path, store):
    return standin.build_engine(tmp_path / "weights", "multilingual", warmup=False, store=store)


def request(**overrides) -> VoiceProfileRequest:
    fields = {
        "user_id": "user-1",
        "voice_id": "voice-1",
        "name": "Grandma",
        "reference_audio": standin.tone_wav(8),
    }
    return VoiceProfileRequest(**{**fields, **overrides})


def test_creates_a_stored_profile_and_a_sample(engine, store) -> None:
    result = create_voice_profile(request(seed=3), engine=engine, store=store)
    assert result.profile_key == "voices/user-1/voice-1.pt"
    assert result.sample_key == "voices/user-1/voice-1_sample.mp3"
    assert result.generation_method == GENERATION_METHOD
    assert result.name == "Grandma"
    assert result.engine == "chatterbox"
    assert result.sample_content_type == "audio/mpeg"
    assert result.profile_url.endswith(result.profile_key)
    assert result.sample_url.endswith(result.sample_key)
    assert result.sample_duration_seconds > 1
    assert store.list_keys("voices/") == [result.profile_key, result.sample_key]
    sample, rate = sf.read(io.BytesIO(store.get_bytes(result.sample_key)))
    assert len(sample) / rate == pytest.approx(result.sample_duration_seconds, abs=0.1)
    assert engine._model.faults.texts == [SAMPLE_TEXTS["en"]]


def test_the_stored_profile_is_what_later_jobs_load(engine, store) -> None:
    result = create_voice_profile(request(), engine=engine, store=store)
    profile = store.get_bytes(result.profile_key)
    assert result.profile_size_bytes == len(profile)
    voice = engine.prepare_voice(VoiceSource(voice_id="voice-1", user_id="user-1"))
    assert voice.data.t3.speaker_emb.shape == (1, 256)
    assert engine._model.prepared == 1


def test_reference_audio_can_come_from_storage(engine, store) -> None:
    store.put_bytes("uploads/rec.wav", standin.tone_wav(7), "audio/wav", {})
    result = create_voice_profile(
        request(reference_audio=None, reference_audio_key="uploads/rec.wav"),
        engine=engine,
        store=store,
    )
    assert store.get_bytes(result.profile_key)


def test_a_missing_recording_is_missing(engine, store) -> None:
    with pytest.raises(VoiceProfileMissingError):
        create_voice_profile(
            request(reference_audio=None, reference_audio_key="uploads/none.wav"),
            engine=engine,
            store=store,
        )
    with pytest.raises(InvalidInputError):
        create_voice_profile(request(reference_audio=None), engine=engine, store=store)


def test_a_bad_recording_stores_nothing(engine, store) -> None:
    with pytest.raises(VoiceProfileInvalidError, match="too short"):
        create_voice_profile(
            request(reference_audio=standin.tone_wav(2)), engine=engine, store=store
        )
    assert store.list_keys("voices/") == []


def test_a_failed_sample_stores_nothing(engine, store) -> None:
    engine._model.faults.crash_when = lambda text: True
    with pytest.raises(Exception, match="could not be narrated"):
        create_voice_profile(request(), engine=engine, store=store)
    assert store.list_keys("voices/") == []


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_names_must_be_given(engine, store, name) -> None:
    with pytest.raises(InvalidInputError, match="name"):
        create_voice_profile(request(name=name), engine=engine, store=store)


def test_a_voice_id_is_generated_when_not_given(engine, store) -> None:
    result = create_voice_profile(request(voice_id=None), engine=engine, store=store)
    assert len(result.voice_id) == 32
    assert result.profile_key == f"voices/user-1/{result.voice_id}.pt"


def test_the_sample_is_read_in_the_voices_language(engine, store) -> None:
    create_voice_profile(request(language="fr-CA"), engine=engine, store=store)
    assert engine._model.faults.texts == [to_speech(SAMPLE_TEXTS["fr"], "fr").strip()]
    create_voice_profile(
        request(sample_text="Il était une fois un renard."), engine=engine, store=store
    )
    assert engine._model.faults.texts[-1] == "Il était une fois un renard."


def test_there_is_a_sample_sentence_for_every_multilingual_language() -> None:
    assert set(SAMPLE_TEXTS) == set(standin.SUPPORTED_LANGUAGES)


def test_an_engine_that_cannot_clone_is_model_unavailable(piper_engine, store) -> None:
    with pytest.raises(ModelUnavailableError):
        create_voice_profile(request(), engine=piper_engine, store=store)
