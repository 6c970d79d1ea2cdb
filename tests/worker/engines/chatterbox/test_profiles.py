"""Voice profile checks: damaged conditionals are refused before synthesis."""

from __future__ import annotations

import numpy as np
import pytest

from shared.errors import VoiceProfileInvalidError
from tests.helpers import chatterbox_standin as standin
from worker.engines.base import VoiceSource


def damaged(change) -> bytes:
    conds = standin.builtin_conditionals()
    change(conds)
    return standin.profile_bytes(conds)


def _nan(conds) -> None:
    conds.t3.speaker_emb[0, 3] = np.nan


def _short_speaker(conds) -> None:
    conds.t3.speaker_emb = conds.t3.speaker_emb[:, :128]


def _token_range(conds) -> None:
    conds.t3.cond_prompt_speech_tokens[0, 0] = 9000


def _too_many_tokens(conds) -> None:
    conds.t3.cond_prompt_speech_tokens = np.zeros((1, 400), dtype=np.int64)


def _float_tokens(conds) -> None:
    conds.t3.cond_prompt_speech_tokens = np.zeros((1, 10), dtype=np.float32)


def _no_embedding(conds) -> None:
    del conds.gen["embedding"]


def _emotion_shape(conds) -> None:
    conds.t3.emotion_adv = np.zeros((2,), dtype=np.float32)


def _flat_prompt(conds) -> None:
    conds.gen["prompt_feat"] = np.zeros((80,), dtype=np.float32)


@pytest.mark.parametrize(
    "payload",
    [
        b"definitely not a profile",
        standin.profile_bytes()[:200],
        damaged(_nan),
        damaged(_short_speaker),
        damaged(_token_range),
        damaged(_too_many_tokens),
        damaged(_float_tokens),
        damaged(_no_embedding),
        damaged(_emotion_shape),
        damaged(_flat_prompt),
    ],
    ids=[
        "garbage",
        "cut-short",
        "nan",
        "speaker-size",
        "token-range",
        "too-many-tokens",
        "float-tokens",
        "no-embedding",
        "emotion-shape",
        "flat-prompt",
    ],
)
def test_damaged_profiles_are_invalid_before_synthesis(engine, payload) -> None:
    with pytest.raises(VoiceProfileInvalidError) as info:
        engine.prepare_voice(VoiceSource(profile_bytes=payload))
    assert info.value.error_type == "voice_profile_invalid"
    assert engine._model.faults.texts == []


def test_the_valid_profile_passes_the_same_checks(engine) -> None:
    assert engine.prepare_voice(VoiceSource(profile_bytes=damaged(lambda c: None))).data


def test_turbo_profiles_accept_its_longer_prompt(tmp_path) -> None:
    engine = standin.build_engine(tmp_path, "turbo", warmup=False)
    conds = standin.builtin_conditionals(prompt_len=375)
    assert engine.prepare_voice(VoiceSource(profile_bytes=standin.profile_bytes(conds))).data
