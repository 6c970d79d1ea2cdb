"""The read-along track: sentences placed on the pauses of synthetic audio, offsets back into
the text as submitted, and the JSON and WebVTT it is written as."""

from __future__ import annotations

import itertools
import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.helpers.fakes import RATE, SentencePauseEngine, speech_like
from worker.config import SynthesisSettings
from worker.engines.base import (
    Samples,
    Voice,
)
from worker.synthesis.offsets import raw_origins
from worker.synthesis.synthesizer import StorySynthesizer
from worker.synthesis.text import prepare_story_text
from worker.synthesis.timings import (
    FRAME_S,
    Cue,
    Landing,
    StoryText,
    Track,
    build_track,
    envelope,
    place,
    story_sentences,
)

LANGUAGES = frozenset({"en", "de", "fr", "ja", "zh", "es"})
FRAME = round(RATE * FRAME_S)


def voiced(seconds: float, seed: int = 0) -> Samples:
    """Speech-like sound with no quiet moment (the helper's silent ends cut off)."""
    pad = int(0.08 * RATE)
    return speech_like(seconds, level=0.3, seed=seed)[pad:-pad]


def silence(seconds: float) -> Samples:
    return np.zeros(round(seconds * RATE), dtype=np.float32)


def joined(*parts: Samples) -> Samples:
    return np.concatenate(parts).astype(np.float32)


# -- placement inside a chunk ----------------------------------------------------------------


def test_a_boundary_lands_on_the_pause_between_two_sentences() -> None:
    audio = joined(voiced(2.0), silence(0.3), voiced(1.0, seed=1))
    [(quiet, loud)] = place(envelope(audio, RATE), [0.66])
    assert quiet * FRAME_S == pytest.approx(2.0, abs=0.006)
    assert loud * FRAME_S == pytest.approx(2.3, abs=0.006)


def test_the_pause_is_found_though_the_text_misjudges_its_place() -> None:
    audio = joined(voiced(1.0), silence(0.25), voiced(3.0, seed=1))
    [(_, loud)] = place(envelope(audio, RATE), [0.45])  # the text says ~1.8 s, the pause is at 1
    assert loud * FRAME_S == pytest.approx(1.25, abs=0.006)


def test_each_boundary_takes_its_own_pause() -> None:
    lengths = [1.2, 2.0, 0.8, 1.6]
    pieces: list[Samples] = []
    for n, seconds in enumerate(lengths):
        pieces += [voiced(seconds, seed=n), silence(0.2 + 0.05 * n)]
    audio = joined(*pieces[:-1])
    spoken = np.cumsum(lengths)[:-1] / sum(lengths)
    placed = place(envelope(audio, RATE), [float(s) for s in spoken])
    starts = np.cumsum([0] + [s + 0.2 + 0.05 * n for n, s in enumerate(lengths)])[1:-1]
    assert [loud * FRAME_S for _, loud in placed] == pytest.approx(list(starts), abs=0.006)


def test_a_long_pause_beats_a_short_one_as_near() -> None:
    """A comma's breath as near the expected place loses to the sentence's longer pause."""
    audio = joined(voiced(1.5), silence(0.1), voiced(0.5, seed=1), silence(0.45), voiced(2.0, 2))
    # the share says 1.85 s: 0.25 s after the comma's breath, 0.25 s before the sentence's pause
    [(_, loud)] = place(envelope(audio, RATE), [0.4375])
    assert loud * FRAME_S == pytest.approx(2.55, abs=0.006)


def test_short_sentences_after_a_quick_long_one_keep_their_own_pauses() -> None:
    """A long sentence (with a comma's pause) said quicker than its share, then "Ten. Twenty.
    Thirty." and another: every boundary comes early, by more than a pause; each still takes
    its own pause, none the next one's (as each did when placed alone, nearest first)."""
    seconds = [2.5, 0.3, 2.0, 0.2, 0.6, 0.25, 0.7, 0.15, 0.7, 0.3, 1.5]  # voice, then pause, ...
    audio = joined(*(silence(s) if n % 2 else voiced(s, seed=n) for n, s in enumerate(seconds)))
    weights = np.cumsum([100, 4, 7, 7, 28])  # characters: the long one, the short ones, the last
    placed = place(envelope(audio, RATE), [float(w) for w in weights[:-1] / weights[-1]])
    starts = np.cumsum(seconds)[[3, 5, 7, 9]]  # 5.0, 5.85, 6.7, 7.7
    assert [loud * FRAME_S for _, loud in placed] == pytest.approx(list(starts), abs=0.006)


def test_a_click_does_not_cut_a_pause_in_two() -> None:
    click = 0.3 * np.sin(np.arange(round(0.01 * RATE), dtype=np.float32))
    audio = joined(voiced(2.0), silence(0.15), click, silence(0.15), voiced(2.0, seed=1))
    [(quiet, loud)] = place(envelope(audio, RATE), [0.5])
    assert (quiet * FRAME_S, loud * FRAME_S) == pytest.approx((2.0, 2.31), abs=0.006)


def test_a_breath_does_not_cut_a_pause_in_two() -> None:
    """A voice may leave a faint sound in the pause after a sentence (a breath, a trailing
    consonant): the next sentence starts after the whole pause, not after its first part."""
    breath = voiced(0.08, seed=2) * 0.05  # 26 dB below the speech
    audio = joined(voiced(2.0), silence(0.12), breath, silence(0.15), voiced(2.0, seed=1))
    [(quiet, loud)] = place(envelope(audio, RATE), [0.49])  # the share: just before the breath
    assert (quiet * FRAME_S, loud * FRAME_S) == pytest.approx((2.0, 2.35), abs=0.006)


def test_a_stops_closure_and_its_faint_release_are_no_pause() -> None:
    """60 ms of closure, a faint release, 20 ms more: not a pause, though as long as one."""
    release = voiced(0.05, seed=2) * 0.1  # 20 dB under the speech
    audio = joined(voiced(1.0), silence(0.06), release, silence(0.02), voiced(1.0, seed=1))
    [(quiet, loud)] = place(envelope(audio, RATE), [0.7])
    assert quiet == loud  # no pause: the share itself, 0.7 of the voiced frames
    assert quiet * FRAME_S == pytest.approx(1.52, abs=0.05)


def test_a_short_word_between_two_pauses_is_no_breath() -> None:
    """ "Oh! No." : a word as loud as the rest parts the pauses around it, however short."""
    audio = joined(voiced(2.0), silence(0.2), voiced(0.1, seed=2), silence(0.2), voiced(2.0, 1))
    placed = place(envelope(audio, RATE), [0.49, 0.51])
    assert [loud * FRAME_S for _, loud in placed] == pytest.approx([2.2, 2.5], abs=0.006)


def test_a_short_pause_where_the_text_says_beats_a_long_one_far_off() -> None:
    """A voice may leave only 90 ms after a sentence and 350 ms at a comma a second later."""
    audio = joined(voiced(2.0), silence(0.09), voiced(1.0, 1), silence(0.35), voiced(2.0, 2))
    [(quiet, loud)] = place(envelope(audio, RATE), [0.4])
    assert (quiet * FRAME_S, loud * FRAME_S) == pytest.approx((2.0, 2.09), abs=0.006)


def test_a_commas_pause_goes_to_its_phrase_not_to_the_next_sentences_start() -> None:
    """ "Twenty letters, read quick. Eight, then twenty more, read slowly." Alone, the sentence
    boundary would take the comma's pause, nearer its share; placed with the phrases, the
    comma claims its own pause and the sentence keeps the one before."""
    audio = joined(voiced(1.0), silence(0.3), voiced(0.4, 1), silence(0.3), voiced(1.5, 2))
    loudness = envelope(audio, RATE)
    [(_, alone)] = place(loudness, [20 / 48])
    [(_, sentence), (_, comma)] = place(loudness, [20 / 48, 28 / 48], [True, False])
    assert alone * FRAME_S == pytest.approx(2.0, abs=0.006)
    assert (sentence * FRAME_S, comma * FRAME_S) == pytest.approx((1.3, 2.0), abs=0.006)


def test_a_stop_consonant_is_not_a_pause() -> None:
    audio = joined(voiced(1.0), silence(0.04), voiced(1.0, seed=1))
    [(quiet, loud)] = place(envelope(audio, RATE), [0.5])
    assert quiet == loud  # no pause: the share itself
    assert quiet * FRAME_S == pytest.approx(1.02, abs=0.05)


def test_without_a_pause_the_share_of_the_spoken_text_decides() -> None:
    audio = voiced(4.0)
    placed = place(envelope(audio, RATE), [0.25, 0.5])
    assert placed[0][0] == placed[0][1]
    assert [frame * FRAME_S for pair in placed for frame in pair] == pytest.approx(
        [1.0, 1.0, 2.0, 2.0], abs=0.01
    )


def test_the_share_counts_voiced_time_only() -> None:
    """A long pause (an SSML break) elsewhere in the chunk does not drag the estimate."""
    audio = joined(voiced(1.0), silence(2.0), voiced(3.0, seed=1))
    [(quiet, loud)] = place(envelope(audio, RATE), [0.625])  # 2.5 s of the 4 voiced
    assert quiet == loud
    assert quiet * FRAME_S == pytest.approx(4.5, abs=0.01)


def test_boundaries_never_go_back() -> None:
    audio = joined(voiced(1.0), silence(0.3), voiced(1.0, seed=1))
    placed = place(envelope(audio, RATE), [0.5, 0.52, 0.54])
    flat = [frame for pair in placed for frame in pair]
    assert flat == sorted(flat)


PIPER_CHUNKS = np.load(Path(__file__).parent / "data" / "piper_chunks.npz")


@pytest.mark.parametrize("name", sorted({key.split(".")[0] for key in PIPER_CHUNKS.files}))
def test_real_piper_chunks_that_once_misled_the_placement(name: str) -> None:
    """Chunks Piper narrated (their loudness, their phrases' shares, which boundaries end a
    sentence, and where each sentence truly starts), each of which once put a sentence's start
    300 ms to 1.3 s off: a stop inside a short phrase, a comma's pause, a breath in a pause, a
    pause only 80 ms long. Every start now lands within 120 ms."""
    chunk = {field: PIPER_CHUNKS[f"{name}.{field}"] for field in ("envelope", "shares", "ends")}
    placed = place(
        chunk["envelope"].astype(np.float32),
        [float(share) for share in chunk["shares"]],
        [bool(end) for end in chunk["ends"]],
    )
    starts = [loud for (_, loud), end in zip(placed, chunk["ends"], strict=True) if end]
    errors_ms = (np.array(starts) - PIPER_CHUNKS[f"{name}.truth"]) * FRAME_S * 1000
    assert np.abs(errors_ms).max() <= 120


# -- the track of a story from where its pieces landed ---------------------------------------


def landing(start_s: float, audio: Samples) -> Landing:
    return Landing(round(start_s * RATE), len(audio), envelope(audio, RATE))


def test_chunk_edges_come_from_the_assembly_and_sentences_from_the_pauses() -> None:
    raw = "One two three. Four five.\n\nSix seven eight nine."
    story = StoryText(raw, raw, "en", ((0, 27), (27, len(raw))))
    first = joined(voiced(1.4), silence(0.3), voiced(1.0, seed=1))
    second = voiced(2.0, seed=2)
    landings = [landing(0.0, first), landing(3.5, second)]
    track = build_track(story, landings, [1, 1], RATE, 5.9)
    assert [(c.text, c.start, c.end) for c in track.cues] == [
        ("One two three.", 0.0, 1.4),
        ("Four five.", 1.7, 2.7),
        ("Six seven eight nine.", 3.5, 5.5),
    ]
    assert [c.index for c in track.cues] == [0, 1, 2]


def test_the_pieces_of_one_chunk_are_placed_as_one() -> None:
    """A chunk split at an SSML break is two pieces with a pause between: one stretch of text."""
    raw = 'Wait for it. <break time="1s"/> Now!'
    story = StoryText(raw, raw, "en", ((0, len(raw)),) * 2)  # cut again: the same span
    landings = [landing(0.0, voiced(1.0)), landing(2.0, voiced(0.5, seed=1))]
    track = build_track(story, landings, [1, 1], RATE, 3.0)
    assert [(c.start, c.end) for c in track.cues] == [(0.0, 1.0), (2.0, 2.5)]


def test_a_sentence_over_two_chunks_starts_in_one_and_ends_in_the_other() -> None:
    raw = "Short one. A very long sentence, cut in two. Last."
    cut = raw.index("cut")
    story = StoryText(raw, raw, "en", ((0, cut), (cut, len(raw))))
    first = joined(voiced(0.7), silence(0.3), voiced(1.5, seed=1))
    second = joined(voiced(1.0, seed=2), silence(0.3), voiced(0.4, seed=3))
    track = build_track(story, [landing(0, first), landing(3.0, second)], [1, 1], RATE, 5.0)
    assert [t for c in track.cues for t in (c.start, c.end)] == pytest.approx(
        [0.0, 0.7, 1.0, 4.0, 4.3, 4.7], abs=0.006
    )


def test_scene_breaks_and_unspoken_sentences_have_no_cue() -> None:
    raw = "It ended.\n\n***\n\n🙂\n\nIt began."
    normalized = prepare(raw)
    spans = ((0, 11), (normalized.index("It began"), len(normalized)))
    landings = [landing(0, voiced(0.7)), landing(1.5, voiced(0.7, seed=1))]
    track = build_track(StoryText(raw, normalized, "en", spans), landings, [1, 1], RATE, 2.5)
    assert [c.text for c in track.cues] == ["It ended.", "It began."]


# -- offsets back into the text as submitted -------------------------------------------------


def prepare(raw: str, language: str = "en") -> str:
    return prepare_story_text(raw, max_chars=100_000, language=language, languages=LANGUAGES).text


def sentences_of(raw: str, language: str = "en", **pronunciations: str) -> list[str]:
    story = StoryText(raw, prepare(raw, language), language, (), pronunciations or None)
    return [raw[s.char_start : s.char_end] for s in story_sentences(story)]


@pytest.mark.parametrize(
    ("raw", "language", "expected"),
    [
        (
            "\u201cHello,\u201d she said\u2026  \u201cCome in.\u201d",
            "en",
            ["\u201cHello,\u201d she said\u2026", "\u201cCome in.\u201d"],
        ),
        (
            "It cost $1,234,567.99 \u2014 a lot! On 3/4/2024 at 10:30 we left.",
            "en",
            ["It cost $1,234,567.99 \u2014 a lot!", "On 3/4/2024 at 10:30 we left."],
        ),
        (
            "The <emphasis>old</emphasis> man **laughed**. <break time='1s'/> Then he slept.",
            "en",
            ["The <emphasis>old</emphasis> man **laughed**.", "<break time='1s'/> Then he slept."],
        ),
        (
            "Chapter one.\r\n\r\n***\r\n\r\nThe\tnext\u00a0day\u200b came.\n\n\n",
            "en",
            ["Chapter one.", "The\tnext\u00a0day\u200b came."],
        ),
        (
            "東京に行きました。楽しかった！「はい」と言った。ＡＢＣです。",
            "ja",
            ["東京に行きました。", "楽しかった！", "「はい」と言った。", "ＡＢＣです。"],
        ),
        ("我们走吧。他说：\u201c好！\u201d然后走了。", "zh", None),
        (  # decomposed letters (NFD), which normalising composes
            "Le cafe\u0301 e\u0301tait froid. Il e\u0301tait tard.",
            "fr",
            ["Le cafe\u0301 e\u0301tait froid.", "Il e\u0301tait tard."],
        ),
        (
            "\ufb01ne \u2460 ideas. Cafe\u0301 au lait, s\u2019il vous pla\u00eet. \u00bfVienes?",
            "fr",
            None,
        ),
        ("Er kam am 14. Juli 2024 um 9 Uhr. Das war z. B. sehr spät.", "de", None),
    ],
)
def test_offsets_give_back_each_sentence_as_submitted(
    raw: str, language: str, expected: list[str] | None
) -> None:
    found = sentences_of(raw, language)
    if expected is not None:
        assert found == expected
    # whatever the sentences: each is a trimmed piece of the submitted text, in order, and
    # together they hold every letter of it
    assert all(piece == piece.strip() and piece for piece in found)
    position = 0
    for piece in found:  # in order, none overlapping the next
        position = raw.index(piece, position) + len(piece)
    letters = re.sub(r"[\W_]", "", raw)
    assert re.sub(r"[\W_]", "", "".join(found)) == letters


def test_letters_of_a_foreign_script_dropped_by_normalising_stay_in_the_offsets() -> None:
    raw = "The sign said Tokyo (東) in big letters, and we walked on for a long while."
    [sentence] = sentences_of(raw)
    assert sentence == raw


def test_pronunciations_and_numbers_weigh_by_their_spoken_length() -> None:
    raw = "Siobhan paid $1,234,567. Then she left."
    story = StoryText(raw, prepare(raw), "en", (), {"Siobhan": "shi vawn"})
    first, _ = story_sentences(story)
    assert raw[first.char_start : first.char_end] == "Siobhan paid $1,234,567."
    assert first.spoken > 3 * len("Siobhan paid $1,234,567.")  # a million and more, read out


@pytest.mark.parametrize(
    ("raw", "language", "phrases"),
    [
        ('"Excuse me," said a voice.', "en", ('"Excuse me,"', "said a voice.")),
        ("Er lachte, obwohl er müde war; dann — endlich — schlief er.", "de",
         ("Er lachte,", "obwohl er müde war;", "dann -", "endlich -", "schlief er.")),
        ("« Pardon », dit une voix.", "fr", ('" Pardon ",', "dit une voix.")),
        ("他说，我们走吧。", "zh", ("他说,", "我们走吧。")),
        ("Ten to 3:30 it was.", "en", ("Ten to three thirty it was.",)),
    ],
)  # fmt: skip
def test_a_sentence_is_weighed_by_its_phrases(
    raw: str, language: str, phrases: tuple[str, ...]
) -> None:
    """The parts of its spoken form between the marks a voice may pause at (a time's colon is
    read, never a pause)."""
    normalized = prepare(raw, language)
    story = StoryText(raw, normalized, language, ((0, len(normalized)),))
    [sentence] = story_sentences(story)
    assert sentence.phrases == tuple(len(p) for p in phrases)


def test_offsets_of_a_long_story_are_quick() -> None:
    paragraph = (
        "\u201cWhere are you going?\u201d asked the fox\u2026 \u2014 The hare didn't answer. "
        "It was 12:30 and the sun (☀) was high.\r\n\r\n"
    )
    raw = paragraph * (50_000 // len(paragraph))
    normalized = prepare(raw)
    started = time.perf_counter()
    origins = raw_origins(raw, normalized)
    assert time.perf_counter() - started < 0.1
    assert len(origins) == len(normalized)
    assert np.all(np.diff(origins) >= 0)
    assert raw[origins[-1]] == "."


# -- rendering -------------------------------------------------------------------------------


TRACK = Track(
    3725.5,
    (
        Cue(0, "\u201cHi,\u201d said\nAnn.", 0, 16, 0.0, 1.2344),
        Cue(1, "a <b> & c --> d", 17, 32, 3723.0, 3725.0),
    ),
)


def test_the_json_track() -> None:
    body = json.loads(TRACK.to_json())
    assert body["version"] == 1
    assert body["duration"] == 3725.5
    assert body["sentences"][0] == {
        "index": 0,
        "text": "\u201cHi,\u201d said\nAnn.",
        "char_start": 0,
        "char_end": 16,
        "start": 0.0,
        "end": 1.2344,
    }


def test_the_webvtt_track() -> None:
    assert TRACK.to_vtt() == (
        "WEBVTT\n\n"
        "1\n00:00:00.000 --> 00:00:01.234\n\u201cHi,\u201d said Ann.\n\n"
        "2\n01:02:03.000 --> 01:02:05.000\na &lt;b&gt; &amp; c --&gt; d\n"
    )


# -- a story through the synthesizer ---------------------------------------------------------


def onsets(path: object) -> list[float]:
    """Where sound follows at least 80 ms of silence in a file, in seconds."""
    audio, rate = sf.read(path, dtype="float32")
    loud = envelope(audio, rate) > -45
    edges = np.flatnonzero(np.diff(loud.astype(int)) == 1) + 1
    starts = [0] if loud[0] else []
    starts += [e for e in edges if not loud[max(0, e - 16) : e].any()]
    return [s * FRAME_S for s in starts]


def test_every_sentence_of_a_story_starts_where_its_sound_does(tmp_path) -> None:
    story = (
        "The lighthouse stood at the end of the pier. Every night its lamp turned. It was "
        "old.\n\nOne evening the lamp went dark! Nobody knew why.\n\n***\n\nOld Mr. Hale "
        "climbed the stairs. He counted the steps, one by one. At the top he stopped."
    )
    synthesizer = StorySynthesizer(
        SentencePauseEngine(pause_s=0.35),
        SynthesisSettings(chunk_max_chars=100, output_format="wav"),
    )
    result = synthesizer.synthesize(story, tmp_path, voice=Voice("v"))
    assert result.track is not None
    cues = result.track.cues
    assert len(cues) == 8
    assert result.chunk_count < 8  # some chunks hold several sentences
    assert [story[c.char_start : c.char_end] for c in cues] == [c.text for c in cues]
    heard = onsets(result.path)
    assert len(heard) == len(cues)
    # chunk starts are where the chunk's trimmed audio starts: a fade before the sound
    assert [c.start for c in cues] == pytest.approx(heard, abs=0.02)
    assert all(a.end <= b.start for a, b in itertools.pairwise(cues))
    assert result.track.duration == result.duration_seconds
    assert result.timings.track_s < 0.002 * result.duration_seconds + 0.05
