"""The story job's sampling parameters: both ends of each range accepted, beyond refused."""

from __future__ import annotations

import pytest

from shared.errors import InvalidInputError
from shared.job_input import TTSJobInput, parse_job_input

JOB = {
    "text": "The fox ran into the dark wood at night.",
    "story_id": "story-1",
    "user_id": "u1",
    "callback_url": "https://api.example.com/api/tts/callback",
}
ENDS = (  # low then high, per parameter: the real-Chatterbox tier generates with both
    {"exaggeration": 0.0},
    {"exaggeration": 2.0},
    {"cfg_weight": 0.0},
    {"cfg_weight": 1.0},
    {"temperature": 1e-6},
    {"temperature": 5.0},
    {"seed": 0},
    {"seed": 2**32 - 1},
)
BEYOND = (
    {"exaggeration": -0.1},
    {"exaggeration": 2.1},
    {"cfg_weight": -0.1},
    {"cfg_weight": 1.1},
    {"temperature": 0.0},
    {"temperature": 5.1},
    {"seed": -1},
    {"seed": 2**32},
)


@pytest.mark.parametrize("params", ENDS, ids=str)
def test_both_ends_of_every_range_are_accepted(params) -> None:
    job = parse_job_input({**JOB, **params}, TTSJobInput)
    assert {k: getattr(job, k) for k in params} == params


@pytest.mark.parametrize("params", BEYOND, ids=str)
def test_values_beyond_the_ranges_are_refused_naming_the_field(params) -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_job_input({**JOB, **params}, TTSJobInput)
    assert refused.value.context["fields"] == list(params)
