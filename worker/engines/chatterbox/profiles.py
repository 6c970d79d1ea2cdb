"""Checks that a Chatterbox voice profile (its `Conditionals`) fits the loaded model.

A profile arrives as untrusted bytes (inline in a job, or stored by an earlier voice-profile
job), so once `Conditionals.load` has read it, its structure, shapes, value ranges and
finiteness are checked against the model's `T3Config` before any synthesis: a damaged profile
fails the job with `voice_profile_invalid` instead of crashing or garbling the generation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from shared.errors import VoiceProfileInvalidError
from worker.engines.chatterbox.runtime import Array, ToNumpy

GEN_KEYS = frozenset(
    {"prompt_token", "prompt_token_len", "prompt_feat", "prompt_feat_len", "embedding"}
)
"""The decoder conditionals' keys, as `S3Token2Mel.embed_ref` returns them."""


@dataclass(frozen=True)
class ProfileSpec:
    """Shapes the loaded model expects, read from its `T3Config`."""

    speaker_embed_size: int
    max_prompt_tokens: int
    speech_vocab_size: int

    @classmethod
    def from_t3_config(cls, hp: Any) -> ProfileSpec:
        # The speech codec's tokens are the ids below the start-of-speech token.
        return cls(hp.speaker_embed_size, hp.speech_cond_prompt_len, hp.start_speech_token)


def validate_conditionals(conds: Any, spec: ProfileSpec, to_numpy: ToNumpy) -> Any:
    """Check a loaded profile's structure against what the model expects; returns it."""
    try:
        problem = _profile_problem(conds, spec, to_numpy)
    except Exception as exc:  # a malformed object may fail in any attribute access
        problem = f"unreadable structure ({type(exc).__name__})"
    if problem:
        raise VoiceProfileInvalidError(details=f"voice profile rejected: {problem}")
    conds.t3.cond_prompt_speech_emb = None  # recomputed by the model from the tokens
    return conds


def _profile_problem(conds: Any, spec: ProfileSpec, to_numpy: ToNumpy) -> str | None:
    t3, gen = conds.t3, conds.gen
    if not isinstance(gen, dict):
        return "the decoder conditionals are not a mapping"
    if missing := GEN_KEYS - gen.keys():
        return "the decoder conditionals lack " + ", ".join(sorted(missing))
    if t3.clap_emb is not None:
        return "unexpected clap_emb"
    speaker = to_numpy(t3.speaker_emb)
    if speaker.size != spec.speaker_embed_size:
        return f"speaker embedding has {speaker.size} values, expected {spec.speaker_embed_size}"
    if to_numpy(t3.emotion_adv).shape != (1, 1, 1):
        return "emotion_adv is not a single value of shape (1, 1, 1)"
    tokens = t3.cond_prompt_speech_tokens
    if tokens is not None and (problem := _token_problem(to_numpy(tokens), spec)):
        return problem
    if to_numpy(gen["prompt_token"]).ndim != 2 or to_numpy(gen["prompt_feat"]).ndim != 3:
        return "decoder prompt has the wrong number of dimensions"
    floats = (
        speaker,
        to_numpy(t3.emotion_adv),
        to_numpy(gen["prompt_feat"]),
        to_numpy(gen["embedding"]),
    )
    if not all(np.all(np.isfinite(f)) for f in floats):
        return "non-finite values"
    return None


def _token_problem(tokens: Array, spec: ProfileSpec) -> str | None:
    if (
        tokens.ndim != 2
        or tokens.shape[0] != 1
        or not 0 < tokens.shape[1] <= spec.max_prompt_tokens
    ):
        return f"speech prompt tokens have shape {tokens.shape}"
    if not np.issubdtype(tokens.dtype, np.integer):
        return "speech prompt tokens are not integers"
    if tokens.min() < 0 or tokens.max() >= spec.speech_vocab_size:
        return "speech prompt tokens are out of range"
    return None
