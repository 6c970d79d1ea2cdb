"""Voice resolution (`engines/voice_resolution.py`), reference audio (`engines/reference_audio.py`)
and the conditionals cache over the stand-in model; the job input's base64 voice fields
(`voices/sources.py`)."""

from __future__ import annotations

import base64
import subprocess

import imageio_ffmpeg
import numpy as np
import pytest

from shared.errors import (
    InvalidInputError,
    VoiceProfileInvalidError,
    VoiceProfileMissingError,
)
from tests.helpers import chatterbox_standin as standin
from worker.bucket import profile_key
from worker.engines import reference_audio
from worker.engines.base import SynthesisParams, VoiceSource
from worker.engines.voice_resolution import ConditionalsCache
from worker.storage import LocalObjectStore
from worker.voices.sources import decode_base64


@pytest.fixture
def store(tmp_path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "bucket", "https://audio.example.com")


@pytest.fixture
def engine(tmp_path, store):
    return standin.build_engine(tmp_path / "weights", warmup=False, store=store)


def put_profile(store, user: str, voice: str, data: bytes) -> None:
    store.put_bytes(profile_key(user, voice), data, "application/octet-stream", {})


# --- sources --------------------------------------------------------------------------------


def test_no_source_is_the_builtin_voice(engine) -> None:
    voice = engine.prepare_voice(None)
    assert voice.name == "default"
    assert voice.data is engine.builtin_conditionals()
    assert engine.prepare_voice(VoiceSource(voice_id="default")).data is voice.data


def test_without_a_builtin_voice_no_source_is_missing(tmp_path) -> None:
    engine = standin.build_engine(tmp_path, warmup=False, builtin_voice=False)
    with pytest.raises(VoiceProfileMissingError):
        engine.prepare_voice(None)


def test_a_stored_profile_loads_from_its_key(engine, store) -> None:
    conds = standin.builtin_conditionals(seed=3)
    put_profile(store, "user-1", "voice-1", standin.profile_bytes(conds))
    voice = engine.prepare_voice(VoiceSource(voice_id="voice-1", user_id="user-1"))
    assert voice.name == "voice-1"
    np.testing.assert_array_equal(voice.data.t3.speaker_emb, conds.t3.speaker_emb)
    audio = engine.synthesize("The fox ran into the wood.", voice, SynthesisParams())
    assert audio.samples.size > 0


def test_a_profile_named_by_its_storage_key_loads_as_a_profile(engine, store) -> None:
    """The key the voice-profile job stores (`voices/{user_id}/{voice_id}.pt`) is a profile,
    not a recording to decode."""
    conds = standin.builtin_conditionals(seed=5)
    put_profile(store, "user-1", "voice-2", standin.profile_bytes(conds))
    voice = engine.prepare_voice(
        VoiceSource(user_id="user-1", storage_key="voices/user-1/voice-2.pt")
    )
    np.testing.assert_array_equal(voice.data.t3.speaker_emb, conds.t3.speaker_emb)


def test_profile_keys_follow_the_layout() -> None:
    assert profile_key("u1", "v1") == "voices/u1/v1.pt"


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", "x" * 200, "voice id"])
def test_unsafe_ids_are_invalid_input(bad) -> None:
    with pytest.raises(InvalidInputError):
        profile_key("user", bad)


def test_a_profile_not_in_storage_is_missing(engine) -> None:
    with pytest.raises(VoiceProfileMissingError) as info:
        engine.prepare_voice(VoiceSource(voice_id="nope", user_id="user-1"))
    assert info.value.context == {"voice_key": "voices/user-1/nope.pt"}


def test_a_voice_id_without_a_user_is_missing(engine) -> None:
    with pytest.raises(VoiceProfileMissingError):
        engine.prepare_voice(VoiceSource(voice_id="voice-1"))


def test_a_stored_voice_without_a_store_is_missing(tmp_path) -> None:
    engine = standin.build_engine(tmp_path, warmup=False)
    with pytest.raises(VoiceProfileMissingError, match="not found"):
        engine.prepare_voice(VoiceSource(voice_id="v", user_id="u"))


def test_an_inline_profile_is_used_as_is(engine) -> None:
    conds = standin.builtin_conditionals(seed=5)
    voice = engine.prepare_voice(VoiceSource(profile_bytes=standin.profile_bytes(conds)))
    np.testing.assert_array_equal(voice.data.gen["embedding"], conds.gen["embedding"])


def test_base64_payloads_decode_with_or_without_a_data_url() -> None:
    data = b"\x00profile\xff"
    encoded = base64.b64encode(data).decode()
    assert decode_base64(encoded, "voice profile") == data
    assert decode_base64(f"data:application/octet-stream;base64,{encoded}", "voice profile") == data
    with pytest.raises(VoiceProfileInvalidError):
        decode_base64("not base64 at all!", "voice profile")


def test_reference_audio_from_storage(engine, store) -> None:
    store.put_bytes("uploads/u1/rec.wav", standin.tone_wav(7), "audio/wav", {})
    voice = engine.prepare_voice(VoiceSource(storage_key="uploads/u1/rec.wav"))
    assert voice.data.t3.speaker_emb.shape == (1, 256)
    with pytest.raises(VoiceProfileMissingError):
        engine.prepare_voice(VoiceSource(storage_key="uploads/u1/other.wav"))


def test_phone_recordings_decode_through_ffmpeg(engine, monkeypatch, tmp_path) -> None:
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    wav, m4a = tmp_path / "rec.wav", tmp_path / "rec.m4a"
    wav.write_bytes(standin.tone_wav(7))
    subprocess.run([ffmpeg, "-v", "error", "-i", wav, "-c:a", "aac", m4a], check=True)
    source = VoiceSource(reference_audio=m4a.read_bytes())
    monkeypatch.setattr(reference_audio, "ffmpeg_binary", lambda: None)
    with pytest.raises(VoiceProfileInvalidError, match="could not be read"):
        engine.prepare_voice(source)
    monkeypatch.setattr(reference_audio, "ffmpeg_binary", lambda: ffmpeg)
    assert engine.prepare_voice(source).data.t3.speaker_emb.shape == (1, 256)


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("audio", "message"),
    [
        (standin.tone_wav(3), "too short"),
        (standin.tone_wav(8, level=0.0), "silent"),
        (b"RIFF....WAVEjunk", "could not be read"),
    ],
    ids=["short", "silent", "undecodable"],
)
def test_unusable_reference_audio_is_invalid(engine, monkeypatch, audio, message) -> None:
    monkeypatch.setattr(reference_audio, "ffmpeg_binary", lambda: None)
    with pytest.raises(VoiceProfileInvalidError, match=message):
        engine.prepare_voice(VoiceSource(reference_audio=audio))
    assert engine._model.prepared == 0


def test_oversized_and_empty_payloads_are_invalid(tmp_path) -> None:
    engine = standin.build_engine(tmp_path, warmup=False, max_profile_bytes=4096)
    with pytest.raises(VoiceProfileInvalidError, match="damaged"):
        engine.prepare_voice(VoiceSource(profile_bytes=b"x" * 5000))
    with pytest.raises(VoiceProfileInvalidError):
        engine.prepare_voice(VoiceSource(reference_audio=b""))


def test_long_recordings_are_cut_to_the_limit() -> None:
    limits = reference_audio.VoiceLimits(1 << 20, 1 << 26, 5.0, 12.0)
    samples, rate = reference_audio.decode_reference_audio(standin.tone_wav(20), limits)
    assert len(samples) == 12 * rate


# --- cache ----------------------------------------------------------------------------------


def test_consecutive_jobs_in_one_voice_reuse_the_loaded_conditionals(engine, store) -> None:
    put_profile(store, "u", "v", standin.profile_bytes())
    source = VoiceSource(voice_id="v", user_id="u")
    first, second = engine.prepare_voice(source), engine.prepare_voice(source)
    assert first.data is second.data
    assert (engine.voice_cache.hits, engine.voice_cache.misses) == (1, 1)
    audio = standin.tone_wav(8)
    engine.prepare_voice(VoiceSource(reference_audio=audio))
    engine.prepare_voice(VoiceSource(reference_audio=audio))
    assert engine._model.prepared == 1


def test_the_cache_is_keyed_by_content_not_by_name(engine, store) -> None:
    put_profile(store, "u", "v", standin.profile_bytes(standin.builtin_conditionals(seed=1)))
    before = engine.prepare_voice(VoiceSource(voice_id="v", user_id="u"))
    put_profile(store, "u", "v", standin.profile_bytes(standin.builtin_conditionals(seed=2)))
    after = engine.prepare_voice(VoiceSource(voice_id="v", user_id="u"))
    assert before.data is not after.data
    inline = engine.prepare_voice(VoiceSource(profile_bytes=store.get_bytes("voices/u/v.pt")))
    assert inline.data is after.data


def test_the_cache_evicts_the_least_recently_used() -> None:
    cache = ConditionalsCache(2)
    loads: list[str] = []

    def loader(name: str):
        return lambda: loads.append(name) or name

    for key in ["a", "b", "a", "c", "b", "a"]:
        cache.get_or_load(key, loader(key))
    assert loads == ["a", "b", "c", "b", "a"]
    assert len(cache) == 2


def test_failed_loads_are_not_cached(engine) -> None:
    payload = b"garbage"
    for _ in range(2):
        with pytest.raises(VoiceProfileInvalidError):
            engine.prepare_voice(VoiceSource(profile_bytes=payload))
    assert len(engine.voice_cache) == 0
