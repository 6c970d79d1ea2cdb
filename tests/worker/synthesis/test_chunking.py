import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worker.synthesis.chunking import chunk_text, paragraphs
from worker.synthesis.text import has_words, normalize_text

WORDS = st.sampled_from(
    ["the", "Mr.", "Dr.", "cat", "said", "e.g.", "42", "3.5", "St.", "hello", "?", "!", "...",
     "a", "supercalifragilistic", "well,", "yes;", "no:", "-", '"Hi!"', "etc.", "x" * 70]
)  # fmt: skip
SEPARATORS = st.sampled_from([" ", " ", " ", ". ", "? ", "\n", "\n\n", ", ", "\n\n* * *\n\n"])
STORIES = st.lists(st.tuples(WORDS, SEPARATORS), min_size=1, max_size=120).map(
    lambda pairs: normalize_text("".join(w + s for w, s in pairs))
)


def spoken(text: str) -> str:
    """`text` without its scene breaks: what the chunks, joined, must reproduce."""
    return "".join(p for p in paragraphs(text) if has_words(p))


@settings(max_examples=300, deadline=None)
@given(text=STORIES, max_chars=st.integers(min_value=40, max_value=400))
def test_chunks_reproduce_text_exactly_and_respect_the_bound(text: str, max_chars: int) -> None:
    chunks = chunk_text(text, max_chars, min_chars=12, language="en")
    assert "".join(c.text for c in chunks) == spoken(text)
    assert all(len(c.text) <= max_chars and has_words(c.text) for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    if chunks:
        assert chunks[-1].paragraph_end


@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=1, max_size=2000).map(normalize_text))
def test_any_unicode_text_is_chunked_losslessly(text: str) -> None:
    chunks = chunk_text(text, 60, min_chars=12, language="en")
    assert "".join(c.text for c in chunks) == spoken(text)
    assert all(len(c.text) <= 60 and has_words(c.text) for c in chunks)


def test_sentences_are_packed_whole() -> None:
    text = "Mr. Smith met Dr. Jones on St. James Street. They talked. It rained all day."
    chunks = chunk_text(text, 50, min_chars=12, language="en")
    assert [c.speech for c in chunks] == [
        "Mr. Smith met Dr. Jones on St. James Street.",
        "They talked. It rained all day.",
    ]


def test_long_sentence_splits_at_clause_punctuation_first() -> None:
    sentence = (
        "The river ran past the mill, under the old stone bridge, through the meadow where "
        "the children played; and on it went, slowly, until it reached the sea."
    )
    chunks = chunk_text(sentence, 80, min_chars=12, language="en")
    assert "".join(c.text for c in chunks) == sentence
    assert all(c.speech[-1] in ",;." for c in chunks)


def test_long_clause_splits_between_words_never_inside_one() -> None:
    words = [f"word{i}" for i in range(60)]
    chunks = chunk_text(" ".join(words), 50, min_chars=12, language="en")
    assert len(chunks) > 1
    assert [w for c in chunks for w in c.speech.split()] == words


def test_tiny_fragments_merge_into_a_neighbour() -> None:
    text = "The door creaked open and a cold wind blew in. ? Nobody was there at all."
    chunks = chunk_text(text, 48, min_chars=12, language="en")
    assert all(len(c.speech) >= 12 for c in chunks)
    assert "".join(c.text for c in chunks) == text


def test_lone_short_paragraph_joins_the_next() -> None:
    text = "Why?\n\nBecause the sky was falling, and nobody had noticed it yet."
    chunks = chunk_text(text, 100, min_chars=12, language="en")
    assert len(chunks) == 1
    assert chunks[0].speech == "Why? Because the sky was falling, and nobody had noticed it yet."


def test_paragraph_ends_are_marked_and_never_crossed_when_packing() -> None:
    text = "One sentence here.\n\nAnother paragraph starts. It goes on."
    chunks = chunk_text(text, 200, min_chars=12, language="en")
    assert [(c.speech, c.paragraph_end) for c in chunks] == [
        ("One sentence here.", True),
        ("Another paragraph starts. It goes on.", True),
    ]


def test_token_longer_than_the_bound_is_cut() -> None:
    url = "https://example.org/" + "a" * 150
    chunks = chunk_text(f"See {url} now.", 60, min_chars=12, language="en")
    assert all(len(c.text) <= 60 for c in chunks)
    assert "".join(c.text for c in chunks) == f"See {url} now."


def test_sentences_are_found_in_the_story_language() -> None:
    text = "Am 14. Juli kam Hr. Müller, z. B. mit Dr. Weber. Danach regnete es den ganzen Tag."
    chunks = chunk_text(text, 60, min_chars=12, language="de-DE")
    assert [c.speech for c in chunks] == [
        "Am 14. Juli kam Hr. Müller, z. B. mit Dr. Weber.",
        "Danach regnete es den ganzen Tag.",
    ]


def test_an_exclamation_before_its_dialogue_tag_is_a_pause_never_a_sentence_end() -> None:
    text = '"Stop!" cried Ana, and ran to the door. It was shut.'
    chunks = chunk_text(text, 30, min_chars=4, language="en")
    assert [c.speech for c in chunks] == [
        '"Stop!" cried Ana,',
        "and ran to the door.",
        "It was shut.",
    ]


def test_sample_story_chunks_within_engine_bounds(sample_story: str) -> None:
    text = normalize_text(sample_story)
    chunks = chunk_text(text, 300, min_chars=12, language="en")
    assert "".join(c.text for c in chunks) == text
    assert len(text) / 300 < len(chunks) <= 110  # dialogue: many short paragraphs
    assert all(12 <= len(c.speech) <= 300 for c in chunks)


def test_text_without_spaces_never_leaves_a_tiny_fragment() -> None:
    text = "这是一个很长的句子" * 9  # 81 characters: hard cuts would leave 40 + 40 + 1
    chunks = chunk_text(text, 40, min_chars=12, language="en")
    assert "".join(c.text for c in chunks) == text
    assert all(12 <= len(c.speech) <= 40 for c in chunks)


SCENE_BREAKS = ["***", "* * *", "---", "-" * 20, "____", "⁂", ". . . . .", "~~~", "#", "§"]


@pytest.mark.parametrize("scene_break", SCENE_BREAKS)
def test_a_scene_break_is_a_pause_after_the_chunk_before_it_never_a_chunk(scene_break) -> None:
    text = normalize_text(f"The night fell on the town.\n\n{scene_break}\n\nMorning came again.")
    chunks = chunk_text(text, 100, min_chars=12, language="en")
    assert [(c.speech, c.paragraph_end, c.scene_end) for c in chunks] == [
        ("The night fell on the town.", True, True),
        ("Morning came again.", True, False),
    ]


def test_scene_breaks_at_the_edges_and_in_a_row_give_one_pause_between_spoken_chunks() -> None:
    text = "***\n\nThe night fell on the town.\n\n***\n\n---\n\nMorning came again.\n\n***"
    chunks = chunk_text(text, 100, min_chars=12, language="en")
    assert [c.scene_end for c in chunks] == [True, False]
    assert "".join(c.text for c in chunks) == spoken(text)


def test_a_story_of_scene_breaks_only_has_no_chunks() -> None:
    assert chunk_text("***\n\n---\n\n⁂", 100, min_chars=12, language="en") == []


def test_tiny_paragraphs_never_merge_across_a_scene_break() -> None:
    chunks = chunk_text("Why?\n\n***\n\nBecause it was so.", 100, min_chars=12, language="en")
    assert [c.speech for c in chunks] == ["Why?", "Because it was so."]


def test_a_long_run_without_words_is_the_only_text_dropped() -> None:
    text = "It began. " + "- " * 80 + "It ended here for good."
    chunks = chunk_text(text, 60, min_chars=12, language="en")
    assert all(has_words(c.text) and len(c.text) <= 60 for c in chunks)
    assert " ".join(c.speech for c in chunks).replace("-", "").split() == [
        "It", "began.", "It", "ended", "here", "for", "good.",
    ]  # fmt: skip


def cuts(text: str, max_chars: int, min_chars: int = 4) -> list[str]:
    chunks = chunk_text(normalize_text(text), max_chars, min_chars, language="en")
    assert "".join(c.text for c in chunks) == normalize_text(text)
    return [c.speech for c in chunks]


def test_chinese_sentences_end_at_full_stops_without_spaces() -> None:
    text = "老和尚住在山上。他每天早上都去河边打水！小和尚问他为什么？老和尚笑了笑，没有回答。"
    assert cuts(text, 12) == [
        "老和尚住在山上。",
        "他每天早上都去河边打水!",
        "小和尚问他为什么?",
        "老和尚笑了笑,没有回答。",
    ]


def test_japanese_long_sentence_splits_at_the_ideographic_comma() -> None:
    text = (
        "昔々、ある村に、とても働き者のおじいさんとおばあさんが住んでいました。"
        "ある日、おじいさんは山へ行きました。"
    )
    assert cuts(text, 34) == [
        "昔々、ある村に、",
        "とても働き者のおじいさんとおばあさんが住んでいました。",
        "ある日、おじいさんは山へ行きました。",
    ]


def test_hindi_sentences_end_at_the_danda() -> None:
    text = "एक गाँव में एक किसान रहता था। वह बहुत मेहनती था। हर दिन वह खेत में काम करता था।"
    assert cuts(text, 40) == [
        "एक गाँव में एक किसान रहता था।",
        "वह बहुत मेहनती था।",
        "हर दिन वह खेत में काम करता था।",
    ]


def test_arabic_sentences_end_at_the_arabic_question_mark_and_clauses_at_its_comma() -> None:
    text = "هل رأيت القمر الليلة؟ كان جميلا جدا، وكان الجميع ينظرون إليه من النوافذ المفتوحة."
    assert cuts(text, 50) == [
        "هل رأيت القمر الليلة؟",
        "كان جميلا جدا،",
        "وكان الجميع ينظرون إليه من النوافذ المفتوحة.",
    ]


def test_mixed_scripts_cut_at_each_ones_boundaries() -> None:
    text = "She said: 你好。我很好。 Then she left, smiling at everyone in the room."
    assert cuts(text, 34) == [
        "She said: 你好。我很好。",
        "Then she left,",
        "smiling at everyone in the room.",
    ]


def test_a_hard_cut_never_splits_a_combining_sequence() -> None:
    text = "क्षत्रिय" * 12  # Devanagari conjuncts: virama and vowel signs are combining marks
    chunks = chunk_text(text, 20, min_chars=4, language="en")
    assert "".join(c.text for c in chunks) == text
    assert all(not unicodedata.category(c.text[0]).startswith("M") for c in chunks)


def test_a_hard_cut_in_spaced_text_falls_between_words() -> None:
    text = "Ein " + "sehr " * 20 + "langer Satz ohne Satzzeichen"
    words = text.split()
    chunks = chunk_text(text, 40, min_chars=4, language="en")
    assert [w for c in chunks for w in c.speech.split()] == words


BREAK = re.compile(r"[。！？؟।!?、,，;；:：،]+\s*")
CJK_WORDS = st.sampled_from(
    [
        "老和尚",
        "山上",
        "昔々",
        "ある村に",
        "住んでいました",
        "नमस्ते",
        "किसान",
        "القمر",
        "كان",
        "x",
        "很长的一句话没有标点" * 3,
    ]
)
CJK_SEPARATORS = st.sampled_from(["", "", " ", "。", "、", "，", ", ", "؟ ", "। ", "! ", "？"])
CJK_STORIES = st.lists(st.tuples(CJK_WORDS, CJK_SEPARATORS), min_size=1, max_size=80).map(
    lambda pairs: normalize_text("".join(w + s for w, s in pairs))
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(text=CJK_STORIES, max_chars=st.integers(min_value=8, max_value=120))
def test_a_cut_lands_on_a_sentence_or_clause_boundary_whenever_the_chunk_has_one(
    text: str, max_chars: int
) -> None:
    chunks = chunk_text(text, max_chars, min_chars=1, language="en")
    assert "".join(c.text for c in chunks) == spoken(text)
    boundaries = {m.end() for m in BREAK.finditer(text)}
    start = 0
    for chunk in chunks[:-1]:
        end = start + len(chunk.text)
        inside = [
            b for b in boundaries
            if start < b < end and has_words(text[start:b]) and has_words(text[b:])
        ]  # fmt: skip
        if inside:
            assert end in boundaries, (chunk.text, inside)
        start = end
