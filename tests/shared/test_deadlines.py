"""Job deadlines: the policy that fits a story, and the check that judges the work left."""

from __future__ import annotations

import pytest

from shared.deadlines import (
    CALLBACK_GRACE_S,
    MIN_DEADLINE_S,
    JobDeadline,
    WorkProgress,
    execution_timeout_s,
    job_deadline_s,
    spoken_chars_bound,
)
from shared.errors import JobTimedOutError
from worker.synthesis.speech import to_speech


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def work(
    generated: int,
    left: int,
    seconds: float,
    pieces: int = 10,
    done: int = 1,
    total: int = 10,
) -> WorkProgress:
    return WorkProgress(
        chunks_done=done,
        chunks_total=total,
        generated_chars=generated,
        generated_pieces=pieces,
        generating_s=seconds,
        chars_left=left,
    )


def test_the_longest_story_fits_in_about_forty_minutes() -> None:
    assert 35 * 60 <= job_deadline_s(50_000) <= 45 * 60
    assert execution_timeout_s(job_deadline_s(50_000)) == job_deadline_s(50_000) + CALLBACK_GRACE_S


def test_short_stories_still_get_the_minimum_and_longer_ones_more() -> None:
    assert job_deadline_s(10) == MIN_DEADLINE_S
    assert job_deadline_s(20_000) < job_deadline_s(40_000)


SPOKEN_SAMPLES = [
    "The owl woke at dusk. She stretched her wings and looked at the moon.",
    "It cost $1,234,567.99, or €12.50 a month, 99% of the time.",
    "Call 1-800-555-0199 before 10:30pm on 12/25/2023.",
    "In 1984 we walked 45.5km; 100kg 20lb 5ft; 3.14159265358979.",
    "Dr. Smith met Mr. Jones at 5 St. James St. with A&B and x@y.com.",
    "See https://example.com/a/b?c=1 for 12345678901234567890 or #1 in the 1990s.",
]


@pytest.mark.parametrize("text", SPOKEN_SAMPLES)
def test_the_budget_is_sized_from_no_less_than_the_spoken_length(text: str) -> None:
    assert spoken_chars_bound(text) >= len(to_speech(text, "en"))


def test_respelled_words_are_sized_by_their_respelling() -> None:
    text = "Aelith met Aelith's cat. AELITH laughed."
    said = {"Aelith": "AY-lith, the keeper of the lighthouse at the end of the world"}
    assert spoken_chars_bound(text, said) >= len(to_speech(text, "en", said))
    assert spoken_chars_bound(text, said) > spoken_chars_bound(text)
    assert spoken_chars_bound(text, {"lighthouse": "light"}) == spoken_chars_bound(text)


def test_prose_is_sized_by_its_length_and_numbers_by_what_they_say() -> None:
    prose = SPOKEN_SAMPLES[0]
    assert spoken_chars_bound(prose) == len(prose)
    assert job_deadline_s(spoken_chars_bound("7" * 20_000)) > job_deadline_s(20_000)


def test_a_job_on_pace_passes_every_check() -> None:
    clock = Clock()
    deadline = JobDeadline(100, clock)
    for done in range(1, 11):
        clock.now += 9
        deadline.check(work(done * 100, 1000 - done * 100, done * 9.0, done, done))


def test_the_projection_is_made_from_the_spoken_characters_left() -> None:
    """A 300-character opening that took 3 s, then 30 short lines of 20 characters: 6 s more,
    where counting chunks would have said 29 x 3 s."""
    clock = Clock()
    deadline = JobDeadline(12, clock)
    clock.now += 3.0 + 2 * 0.2
    deadline.check(work(340, 560, 3.4, pieces=3, done=3, total=31))


def test_a_job_falling_behind_stops_as_soon_as_the_rest_cannot_fit() -> None:
    clock = Clock()
    deadline = JobDeadline(100, clock)
    clock.now += 30
    deadline.check(work(300, 700, 30.0, pieces=3, done=3))  # 70 s more, 70 s left
    clock.now += 20
    with pytest.raises(JobTimedOutError) as info:
        deadline.check(work(400, 600, 50.0, pieces=4, done=4))  # 75 s more, 50 s left
    assert info.value.context == {"chunks_done": 4, "chunks_total": 10, "spoken_chars_left": 600}
    assert "4 of 10" in (info.value.details or "")
    assert "75 s" in (info.value.details or "")


@pytest.mark.parametrize(
    ("generated", "pieces", "why"),
    [
        (300, 1, "one long opening paragraph"),
        (99, 5, "under a tenth of the work"),
    ],
)
def test_nothing_is_projected_before_a_fair_sample(generated: int, pieces: int, why: str) -> None:
    clock = Clock()
    deadline = JobDeadline(60, clock)
    clock.now += 10  # a slow start: at this pace the rest needs far more than 50 s
    deadline.check(work(generated, 1000 - generated, 10.0, pieces=pieces))


def test_a_chunk_generated_twice_is_not_the_pace_of_the_rest() -> None:
    """Its attempts count once, in the sample: projected only with a few more pieces."""
    clock = Clock()
    deadline = JobDeadline(20, clock)
    clock.now += 2.0  # 100 characters, twice
    deadline.check(work(100, 900, 2.0, pieces=1))
    clock.now += 2 * 1.0  # two more pieces at the usual 1 s per 100 characters
    deadline.check(work(300, 700, 4.0, pieces=3, done=3))  # 9.3 s more, 16 s left


def test_pieces_reusable_from_checkpoints_cost_nothing() -> None:
    """The first paragraph edited, everything after it reusable: nothing is left to generate
    once it is done, however slowly it went."""
    clock = Clock()
    deadline = JobDeadline(10, clock)
    clock.now += 8
    deadline.check(work(300, 0, 8.0, pieces=3, done=3, total=150))


def test_past_the_deadline_even_an_unfair_sample_stops_the_job() -> None:
    clock = Clock()
    deadline = JobDeadline(5, clock)
    clock.now += 6
    with pytest.raises(JobTimedOutError):
        deadline.check(work(100, 900, 6.0, pieces=1))


def test_the_last_chunk_is_checked_too() -> None:
    clock = Clock()
    deadline = JobDeadline(10, clock)
    clock.now += 9
    deadline.check(work(1000, 0, 9.0, done=10))  # the last chunk, in time
    clock.now += 2
    with pytest.raises(JobTimedOutError) as info:
        deadline.check(work(1000, 0, 11.0, done=10))  # the last chunk, late
    assert "10 of 10" in (info.value.details or "")


def test_a_story_encoded_after_its_deadline_is_stopped_before_its_upload() -> None:
    clock = Clock()
    deadline = JobDeadline(10, clock)
    clock.now += 10
    deadline.finish()
    clock.now += 0.5
    with pytest.raises(JobTimedOutError) as info:
        deadline.finish()
    assert "0.5 s after the deadline" in (info.value.details or "")
