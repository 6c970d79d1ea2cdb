"""Job deadlines: the policy that fits a story, and the check between chunks."""

from __future__ import annotations

import pytest

from shared.deadlines import (
    CALLBACK_GRACE_S,
    MIN_DEADLINE_S,
    JobDeadline,
    execution_timeout_s,
    job_deadline_s,
)
from shared.errors import JobTimedOutError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_longest_story_fits_in_about_forty_minutes() -> None:
    assert 35 * 60 <= job_deadline_s(50_000) <= 45 * 60
    assert execution_timeout_s(job_deadline_s(50_000)) == job_deadline_s(50_000) + CALLBACK_GRACE_S


def test_short_stories_still_get_the_minimum_and_longer_ones_more() -> None:
    assert job_deadline_s(10) == MIN_DEADLINE_S
    assert job_deadline_s(20_000) < job_deadline_s(40_000)


def test_a_job_on_pace_passes_every_check() -> None:
    clock = Clock()
    deadline = JobDeadline(100, clock)
    deadline.begin_generation()
    for done in range(1, 10):
        clock.now += 9
        deadline.check(done, 10)


def test_a_job_falling_behind_stops_as_soon_as_the_rest_cannot_fit() -> None:
    clock = Clock()
    deadline = JobDeadline(100, clock)
    deadline.begin_generation()
    clock.now += 10
    deadline.check(1, 10)  # 10 s per part: 90 s more, 90 s left
    clock.now += 15
    with pytest.raises(JobTimedOutError) as info:
        deadline.check(2, 10)  # 12.5 s per part: 100 s more, 75 s left
    assert info.value.context == {"chunks_done": 2, "chunks_total": 10}
    assert "2 of 10" in (info.value.details or "")


def test_nothing_is_checked_before_the_first_or_after_the_last_part() -> None:
    clock = Clock()
    deadline = JobDeadline(1, clock)
    clock.now += 50
    deadline.check(0, 10)
    deadline.check(10, 10)
