import pytest

from shared.errors import ErrorType, TextEmptyError, TextTooLongError, UnsupportedLanguageError
from shared.types import normalize_language
from worker.synthesis.text import normalize_text, prepare_text

EN = frozenset({"en"})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\u201cHello,\u201d she said. \u2018Fine.\u2019", "\"Hello,\" she said. 'Fine.'"),
        ("Wait\u2026 what\u2014really?", "Wait... what - really?"),
        ("ﬁne ＡＢＣ ①", "fine ABC 1"),  # NFKC
        ("zero\u200bwidth\u00a0space\x07bell", "zerowidth spacebell"),
        ("a \t  b", "a b"),
        ("line one\r\nline two", "line one\n\nline two"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_blank_lines_mark_paragraphs_and_single_newlines_are_soft_wraps() -> None:
    raw = "First line\nwrapped here.\n\n\n  Second   paragraph.\n"
    assert normalize_text(raw) == "First line wrapped here.\n\nSecond paragraph."


def test_without_blank_lines_every_newline_is_a_paragraph() -> None:
    assert normalize_text("One.\nTwo.\n\tThree.") == "One.\n\nTwo.\n\nThree."


def test_prepare_returns_normalized_text() -> None:
    assert prepare_text(" Hi\u2014there ", max_chars=100, language="en", languages=EN) == (
        "Hi - there"
    )


@pytest.mark.parametrize("raw", ["", "   \n\t ", "\u200b\u200b", "... !!! ???", "\x00\x01"])
def test_empty_text_is_rejected(raw: str) -> None:
    with pytest.raises(TextEmptyError) as info:
        prepare_text(raw, max_chars=100, language="en", languages=EN)
    assert info.value.error_type is ErrorType.TEXT_EMPTY


def test_too_long_text_is_rejected_with_lengths_in_the_message() -> None:
    with pytest.raises(TextTooLongError) as info:
        prepare_text("word " * 30, max_chars=100, language="en", languages=EN)
    assert info.value.error_type is ErrorType.TEXT_TOO_LONG
    assert "149" in info.value.message
    assert "100" in info.value.message
    assert info.value.context["max_chars"] == 100


def test_length_is_judged_after_normalization() -> None:
    padded = "Short story." + " " * 150
    assert prepare_text(padded, max_chars=100, language="en", languages=EN) == "Short story."


def test_absurdly_long_input_is_refused_before_normalizing() -> None:
    with pytest.raises(TextTooLongError):
        prepare_text(" " * 10_000, max_chars=100, language="en", languages=EN)


@pytest.mark.parametrize("language", ["en", "EN", "en-US", "en_GB"])
def test_language_variants_are_accepted(language: str) -> None:
    assert normalize_language(language) == "en"
    assert prepare_text("Hello.", max_chars=100, language=language, languages=EN) == "Hello."


def test_unsupported_language_is_rejected() -> None:
    with pytest.raises(UnsupportedLanguageError) as info:
        prepare_text("Bonjour.", max_chars=100, language="fr", languages=EN)
    assert info.value.error_type is ErrorType.UNSUPPORTED_LANGUAGE
    assert info.value.message == (
        "Narration in French is not available yet. Please submit a story in English."
    )
    assert "en" in info.value.message


@pytest.mark.parametrize(
    ("raw", "language"),
    [("Vive en el 4.º piso, la 2.ª puerta.", "es"), ("Дом № 5 стоит.", "ru")],
)
def test_ordinal_and_numero_signs_reach_the_readers_as_written(raw: str, language: str) -> None:
    """NFKC would make `º` an `o` and `№` a `No` before any reading rule saw them."""
    langs = frozenset({"es", "ru"})
    assert prepare_text(raw, max_chars=100, language=language, languages=langs) == raw
