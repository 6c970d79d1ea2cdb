import pytest

from shared.errors import ErrorType, UnsupportedLanguageError
from worker.synthesis.scripts import SCRIPTS_BY_LANGUAGE, dominant_script, fit_to_language
from worker.synthesis.text import prepare_text

ALL = frozenset(SCRIPTS_BY_LANGUAGE)


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Once upon a time, 42 cats.", "Latin"),
        ("Жили-были дед да баба.", "Cyrillic"),
        ("Μια φορά κι έναν καιρό.", "Greek"),
        ("كان يا ما كان", "Arabic"),
        ("היה היה פעם", "Hebrew"),
        ("एक समय की बात है।", "Devanagari"),
        ("老和尚住在山上。", "Han"),
        ("むかしむかし、あるところに", "Hiragana"),
        ("옛날 옛적에", "Hangul"),
        ("123 !!! ***", None),
    ],
)
def test_dominant_script(text: str, script: str | None) -> None:
    assert dominant_script(text) == script


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Once upon a time.", "en"),
        ("Il était une fois, à Noël.", "fr"),
        ("Жили-были дед да баба.", "ru"),
        ("Μια φορά κι έναν καιρό.", "el"),
        ("كان يا ما كان", "ar"),
        ("היה היה פעם", "he"),
        ("एक समय की बात है।", "hi"),
        ("老和尚住在山上。", "zh"),
        ("昔々、ある村におじいさんとおばあさんが住んでいました。", "ja"),
        ("カタカナだけのテキスト", "ja"),
        ("옛날 옛적에 韓國", "ko"),
    ],
)
def test_a_story_in_its_languages_script_is_kept_whole(text: str, language: str) -> None:
    assert fit_to_language(text, language) == text


@pytest.mark.parametrize(
    ("text", "language", "label"),
    [
        ("كان يا ما كان في قديم الزمان", "en", "Arabic script"),
        ("老和尚住在山上。", "en", "Chinese characters"),
        ("むかしむかし、あるところに", "zh", "Japanese kana"),
        ("Once upon a time.", "ru", "Latin script"),
        ("옛날 옛적에", "ja", "Korean Hangul"),
    ],
)
def test_a_story_in_another_script_is_refused_with_a_message_to_act_on(
    text: str, language: str, label: str
) -> None:
    with pytest.raises(UnsupportedLanguageError) as info:
        fit_to_language(text, language, ALL)
    error = info.value
    assert error.error_type is ErrorType.UNSUPPORTED_LANGUAGE
    assert not error.retryable
    assert f"written in {label} but the narration language is '{language}'" in error.message
    assert "Choose the story's language and try again." in error.message


def test_the_message_names_the_languages_that_read_the_script() -> None:
    with pytest.raises(UnsupportedLanguageError) as info:
        fit_to_language("Жили-были дед да баба.", "en", ["en", "ru"])
    assert info.value.message.endswith("Languages that read it: ru.")
    assert info.value.context["script"] == "Cyrillic"


def test_isolated_letters_of_another_script_are_dropped_with_their_marks() -> None:
    assert fit_to_language("He wrote 你好 and नमस्ते on the wall.", "en") == (
        "He wrote  and  on the wall."
    )


def test_latin_words_are_kept_in_every_language() -> None:
    assert fit_to_language("Он купил iPhone в Москве.", "ru") == "Он купил iPhone в Москве."


def test_a_language_without_a_known_script_accepts_any_text() -> None:
    assert fit_to_language("老和尚 كان", "xx") == "老和尚 كان"


def test_prepare_text_drops_foreign_letters_and_tidies_the_spaces() -> None:
    raw = "The monk said 你好 to the boy.\n\n山上\n\nThen he left."
    assert prepare_text(raw, max_chars=100, language="en", languages=frozenset({"en"})) == (
        "The monk said to the boy.\n\nThen he left."
    )


def test_prepare_text_refuses_a_story_in_another_script_before_anything_else() -> None:
    with pytest.raises(UnsupportedLanguageError):
        prepare_text("老和尚住在山上。", max_chars=100, language="en", languages=frozenset({"en"}))


def test_a_chinese_story_naming_english_brands_is_still_chinese() -> None:
    text = "我昨天在New York的Apple Store买了一部iPhone 15 Pro Max。"
    assert fit_to_language(text, "zh") == text
