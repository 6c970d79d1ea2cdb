import pytest

from shared.errors import ErrorType, UnsupportedLanguageError
from worker.synthesis.scripts import (
    SCRIPTS_BY_LANGUAGE,
    DroppedLetters,
    FittedText,
    dominant_script,
    fit_to_language,
)
from worker.synthesis.text import prepare_story_text, prepare_text

ALL = frozenset(SCRIPTS_BY_LANGUAGE)
EN = frozenset({"en"})
LONG_ENGLISH = "The old monk walked slowly down the mountain path to the village below. " * 6


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
        ("東京タワーに行きました。ひらがなとカタカナと漢字。", "ja"),
        ("옛날 옛적에 韓國", "ko"),
        ("大韓民國의 역사는 길다. 漢字와 한글을 함께 쓴다.", "ko"),
    ],
)
def test_a_story_in_its_languages_scripts_is_kept_whole(text: str, language: str) -> None:
    assert fit_to_language(text, language, ALL) == FittedText(text)


@pytest.mark.parametrize(
    ("text", "language", "label", "choose"),
    [
        ("كان يا ما كان في قديم الزمان", "en", "Arabic script", "Arabic"),
        ("老和尚住在山上。", "en", "Chinese characters", "Chinese, Korean or Japanese"),
        ("むかしむかし、あるところに", "zh", "Japanese kana", "Japanese"),
        ("Once upon a time.", "ru", "Latin script", "a language written in Latin script"),
        ("옛날 옛적에", "ja", "Korean Hangul", "Korean"),
    ],
)
def test_a_story_in_another_script_is_refused_naming_the_script_and_the_language_to_choose(
    text: str, language: str, label: str, choose: str
) -> None:
    with pytest.raises(UnsupportedLanguageError) as info:
        fit_to_language(text, language, ALL)
    error = info.value
    assert error.error_type is ErrorType.UNSUPPORTED_LANGUAGE
    assert not error.retryable
    assert error.message.startswith(f"This story is written in {label}, but the narration")
    assert f"Please choose {choose} as the story's language and submit it again." in error.message


def test_a_japanese_story_is_sent_to_japanese_not_to_every_language_with_han() -> None:
    with pytest.raises(UnsupportedLanguageError) as info:
        fit_to_language("昔々、ある村におじいさんが住んでいました。", "en", ALL)
    assert info.value.context["languages"] == ["ja"]


def test_a_script_no_language_of_the_engine_reads_is_said_so() -> None:
    with pytest.raises(UnsupportedLanguageError) as info:
        fit_to_language("Жили-были дед да баба.", "en", ["en", "fr"])
    assert info.value.message == (
        "This story is written in Cyrillic script, but the narration language is English. "
        "Narration in Cyrillic script is not available yet. "
        "Please submit a story in one of the app's languages."
    )
    assert info.value.context["script"] == "Cyrillic"


def test_an_english_story_mostly_in_cyrillic_is_refused_not_shortened() -> None:
    """The issue's story: 75% Cyrillic letters, one English sentence. It used to end `ready`
    with only the English sentence."""
    text = (
        "Once upon a time. Жили-были дед да баба. Они жили у самого синего моря. "
        "Старик ловил неводом рыбу."
    )
    with pytest.raises(UnsupportedLanguageError) as info:
        fit_to_language(text, "en", ["en", "ru"])
    assert info.value.message == (
        "Part of this story (3 of its 4 sentences) is written in Cyrillic script, which "
        "English narration cannot read. Please choose Russian as the story's language, or "
        "remove that part, and submit the story again."
    )
    assert info.value.context == {
        "language": "en",
        "script": "Cyrillic",
        "languages": ["ru"],
        "sentences": 3,
    }


def test_one_whole_sentence_in_another_script_is_refused_even_in_a_long_story() -> None:
    text = LONG_ENGLISH + "山上有一座古老的寺庙。" + LONG_ENGLISH
    assert fit_to_language(LONG_ENGLISH + LONG_ENGLISH, "en").dropped == DroppedLetters()
    with pytest.raises(UnsupportedLanguageError) as info:
        fit_to_language(text, "en", ALL)
    assert "(1 of its 13 sentences) is written in Chinese characters" in info.value.message


def test_more_than_two_percent_of_the_letters_is_refused_even_inside_sentences() -> None:
    name = "Владимир"  # 8 letters of Cyrillic among 100 or so Latin ones
    text = f"The old monk {name} walked down the mountain path to the village below at dawn."
    with pytest.raises(UnsupportedLanguageError) as info:
        fit_to_language(text, "en", ALL)
    assert info.value.message.startswith(
        "Part of this story is written in Cyrillic script, which English narration cannot"
    )


def test_a_few_letters_of_another_script_are_dropped_with_their_marks_and_counted() -> None:
    text = LONG_ENGLISH + "He wrote 你好 and नम on the wall. " + LONG_ENGLISH
    fitted = fit_to_language(text, "en", ALL)
    assert "He wrote  and  on the wall." in fitted.text
    assert fitted.dropped == DroppedLetters(count=4, scripts=("Devanagari", "Han"))
    assert "नम" not in fitted.text
    assert "\u094d" not in fit_to_language(LONG_ENGLISH + "नमस्ते here." + LONG_ENGLISH, "en").text


def test_latin_words_are_kept_in_every_language() -> None:
    fitted = fit_to_language("Он купил iPhone в Москве.", "ru")
    assert fitted == FittedText("Он купил iPhone в Москве.")


def test_a_language_without_a_known_script_accepts_any_text() -> None:
    assert fit_to_language("老和尚 كان", "xx").text == "老和尚 كان"


def test_prepare_text_counts_what_it_drops_and_tidies_the_spaces() -> None:
    raw = f"{LONG_ENGLISH}\n\nThe monk said 你好 to the boy.\n\n{LONG_ENGLISH}"
    prepared = prepare_story_text(raw, max_chars=2_000, language="en", languages=EN)
    assert "The monk said to the boy." in prepared.text
    assert prepared.dropped == DroppedLetters(2, ("Han",))
    assert prepare_text(raw, max_chars=2_000, language="en", languages=EN) == prepared.text


def test_prepare_text_refuses_a_paragraph_in_another_script() -> None:
    raw = "The monk said hello to the boy.\n\n山上\n\nThen he left."
    with pytest.raises(UnsupportedLanguageError) as info:
        prepare_text(raw, max_chars=100, language="en", languages=EN)
    assert "(1 of its 3 sentences) is written in Chinese characters" in info.value.message
    assert "Please remove that part and submit the story again." in info.value.message


def test_prepare_text_refuses_a_story_in_another_script_before_anything_else() -> None:
    with pytest.raises(UnsupportedLanguageError):
        prepare_text("老和尚住在山上。", max_chars=100, language="en", languages=EN)


def test_a_chinese_story_naming_english_brands_is_still_chinese() -> None:
    text = "我昨天在New York的Apple Store买了一部iPhone 15 Pro Max。"
    assert fit_to_language(text, "zh") == FittedText(text)
