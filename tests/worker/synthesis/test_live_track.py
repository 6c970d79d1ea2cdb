"""The live read-along track: as chunks land, the cues of the sentences whose audio is heard,
each the final track's own, growing and never ahead of the stream."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from tests.helpers.fakes import RATE, SentencePauseEngine, speech_like
from worker.config import SynthesisSettings
from worker.engines.base import SynthesisParams, Voice
from worker.synthesis.assembly import Assembler
from worker.synthesis.live_track import LiveTrack
from worker.synthesis.speech import split_pauses
from worker.synthesis.synthesizer import StoryPlan, StorySynthesizer
from worker.synthesis.timings import Cue, Landing, build_track, envelope

SETTINGS = SynthesisSettings(chunk_max_chars=80, output_format="wav")
STORY = (
    "The lighthouse stood at the end of the pier. Every night its lamp turned.\n\n"
    "One evening, after a long and windy day on the water, the old keeper climbed up the "
    "winding stairs to the lamp room and found it dark! Nobody knew why.\n\n***\n\n"
    'He waited. <break time="1s"/> Then the lamp turned again. At the top he smiled.'
)


def plan() -> StoryPlan:
    engine: Any = SentencePauseEngine()
    return StorySynthesizer(engine, SETTINGS).prepare(STORY, "en")


def cues_of(data: bytes) -> list[Cue]:
    body = json.loads(data)
    assert body["version"] == 1
    return [Cue(**sentence) for sentence in body["sentences"]]


def render(story: StoryPlan, live: LiveTrack, heard: list[float]) -> tuple[list[Any], list[Cue]]:
    """Assemble the plan piece by piece; after each, the live track at each of `heard` (seconds
    of the audio landed so far). Returns the snapshots and the final track's cues."""
    engine, voice = SentencePauseEngine(), Voice("v")
    assembler = Assembler.from_settings(RATE, SETTINGS)
    pieces = [split_pauses(chunk.speech) for chunk in story.chunks]
    live.follow(assembler.landings, [len(p) for p in pieces], RATE)
    snapshots: list[Any] = []
    for segments in pieces:
        for speech, pause_s in segments:
            samples = engine.synthesize(speech, voice, SynthesisParams()).samples
            for _ in assembler.add(samples, max(pause_s, 0.4)):
                pass
            landed = assembler.landings[-1]
            end = (landed.start + landed.length) / RATE
            snapshots.append([(at * end, live.snapshot(at * end)) for at in heard])
    last = assembler.landings[-1]
    duration = (last.start + last.length) / RATE
    assert story.story is not None
    final = build_track(story.story, assembler.landings, [len(p) for p in pieces], RATE, duration)
    return snapshots, list(final.cues)


def test_the_live_cues_are_the_final_tracks_and_only_those_heard() -> None:
    story = plan()
    assert story.story is not None
    live = LiveTrack(story.story)
    snapshots, final = render(story, live, [0.5, 1.0])
    assert len(final) == 7
    assert len(set(story.story.spans)) >= 4  # several chunks, one sentence over two
    counts: list[int] = []
    for round_ in snapshots:
        for heard_s, data in round_:
            cues = cues_of(data)
            assert json.loads(data)["duration"] == round(heard_s, 3)
            assert all(cue.end <= heard_s for cue in cues)  # never lit before its audio exists
            for mine, theirs in zip(cues, final[: len(cues)], strict=True):  # the final's own
                assert (mine.index, mine.text, mine.char_start, mine.char_end) == (
                    theirs.index,
                    theirs.text,
                    theirs.char_start,
                    theirs.char_end,
                )
                assert mine.start == pytest.approx(theirs.start, abs=0.001)
                assert mine.end == pytest.approx(theirs.end, abs=0.001)
        counts.append(len(cues_of(round_[-1][1])))  # all that has landed
    assert counts == sorted(counts)
    assert len(set(counts)) >= 3  # it grew chunk by chunk, not at the end
    grown = cues_of(snapshots[-1][-1][1])
    assert grown == final  # once the story has landed, the whole final track


def test_the_track_grows_monotonically_with_what_is_heard() -> None:
    story = plan()
    assert story.story is not None
    live = LiveTrack(story.story)
    render(story, live, [1.0])
    counts = [len(cues_of(live.snapshot(seconds))) for seconds in np.arange(0.0, 40.0, 0.25)]
    assert counts == sorted(counts)
    assert counts[0] == 0
    assert counts[-1] == 7


def test_a_sentence_over_two_chunks_waits_for_the_second() -> None:
    story = plan()
    assert story.story is not None
    long = STORY.index("One evening")
    live = LiveTrack(story.story)
    spans, pieces = story.story.spans, [len(split_pauses(c.speech)) for c in story.chunks]
    first = [n for n, span in enumerate(spans) if span[1] > story.story.normalized.index("One")]
    landed = sum(pieces[: first[0] + 1])  # the long sentence's first chunk, not its last
    audio = speech_like(9.0)
    landings = [Landing(i * RATE * 10, len(audio), envelope(audio, RATE)) for i in range(landed)]
    live.follow(landings, pieces, RATE)
    assert spans[first[0]][1] < story.story.normalized.index("lamp room")
    cues = cues_of(live.snapshot(1e6))
    assert cues
    assert all(cue.char_end <= long for cue in cues)


def test_before_any_chunk_lands_the_track_is_empty() -> None:
    story = plan()
    assert story.story is not None
    live = LiveTrack(story.story)
    assert json.loads(live.snapshot(0.0)) == {"version": 1, "duration": 0.0, "sentences": []}
    live.follow([], [len(split_pauses(c.speech)) for c in story.chunks], RATE)
    assert cues_of(live.snapshot(12.0)) == []
