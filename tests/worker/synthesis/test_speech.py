from pathlib import Path

import pytest

from worker.synthesis.speech import (
    MAX_PRONUNCIATIONS,
    apply_pronunciations,
    num2words_language,
    pause_mark,
    split_pauses,
    to_speech,
)
from worker.synthesis.text import normalize_text

REPO = Path(__file__).resolve().parents[3]
CHATTERBOX_LANGUAGES = frozenset(
    {"ar", "da", "de", "el", "en", "es", "fi", "fr", "he", "hi", "it", "ja", "ko", "ms", "nl",
     "no", "pl", "pt", "ru", "sv", "sw", "tr", "zh"}
)  # fmt: skip


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        # numbers
        ("She had 42 clocks.", "She had forty-two clocks."),
        ("It weighs 3.50 now.", "It weighs three point five zero now."),
        ("A crowd of 1,234 people.", "A crowd of one thousand two hundred and thirty-four people."),
        ("It fell to -5 overnight.", "It fell to minus five overnight."),
        ("Agent 007 arrived.", "Agent oh oh seven arrived."),
        ("A 3D film.", "A three D film."),
        # money
        ("It costs $3.50.", "It costs three dollars and fifty cents."),
        ("Only $1 and $0.25 left.", "Only one dollar and twenty-five cents left."),
        ("Tickets are €20 each.", "Tickets are twenty euros each."),
        ("I owe you £5.", "I owe you five pounds."),
        ("That is USD 10.", "That is ten dollars."),
        ("Worth 15 EUR.", "Worth fifteen euros."),
        ("A $2 million house.", "A two million dollars house."),
        # percentages
        ("Prices rose 50%.", "Prices rose fifty percent."),
        ("About 2.5 % more.", "About two point five percent more."),
        # years and decades
        ("In 1990 it snowed.", "In nineteen ninety it snowed."),
        ("Built in 2005.", "Built in two thousand and five."),
        ("The 1990s were loud.", "The nineteen nineties were loud."),
        ("Back in the '90s.", "Back in the nineties."),
        ("Music of the 1900s.", "Music of the nineteen hundreds."),
        ("A list of 1990 names.", "A list of nineteen ninety names."),
        ("There were 1990 names.", "There were one thousand nine hundred and ninety names."),
        # dates
        ("Born 12/25/2023.", "Born December twenty-fifth, twenty twenty-three."),
        ("On 25 December 2023.", "On the twenty-fifth of December, twenty twenty-three."),
        ("On 2023-12-25.", "On December twenty-fifth, twenty twenty-three."),
        ("By March 3, 1999.", "By March third, nineteen ninety-nine."),
        # times
        ("Up at 7:45 today.", "Up at seven forty-five today."),
        ("Meet at 7:45 pm tonight.", "Meet at seven forty-five P M tonight."),
        ("The train leaves at 19:30.", "The train leaves at nineteen thirty."),
        ("Back by 7:05.", "Back by seven oh five."),
        ("Wake at 6:00 sharp.", "Wake at six o'clock sharp."),
        ("Lunch at 2 p.m. Then rest.", "Lunch at two P M. Then rest."),
        # ordinals
        ("The 1st and the 22nd.", "The first and the twenty-second."),
        ("Her 3rd try.", "Her third try."),
        # ranges
        ("From 1990-1995 we moved.", "From nineteen ninety to nineteen ninety-five we moved."),
        ("Wait 5-10 minutes.", "Wait five to ten minutes."),
        # phone numbers
        ("Call 555-1234 now.", "Call five five five, one two three four now."),
        ("Dial (212) 555-0100.", "Dial two one two, five five five, oh one oh oh."),
        # units
        ("Run 5 km.", "Run five kilometers."),
        ("It is 10 kg.", "It is ten kilograms."),
        ("Only 1 km away.", "Only one kilometer away."),
        ("A 3 ft wall.", "A three feet wall."),
        ("It was 20°C.", "It was twenty degrees Celsius."),
        ("Drive 4.5 mi home.", "Drive four point five miles home."),
        # abbreviations and titles
        ("Mr. Abernathy waved.", "Mister Abernathy waved."),
        ("Mrs. Okafor smiled.", "Missus Okafor smiled."),
        ("Dr. Patel arrived.", "Doctor Patel arrived."),
        ("We prayed at St. Paul's.", "We prayed at Saint Paul's."),
        ("The shop on Juniper St. began to chime.", "The shop on Juniper Street began to chime."),
        ("He lived on Elm St. She liked it.", "He lived on Elm Street. She liked it."),
        ("Cats, dogs, etc. are fine.", "Cats, dogs, et cetera are fine."),
        ("Bring fruit, e.g. apples.", "Bring fruit, for example, apples."),
        ("Cats vs. dogs.", "Cats versus dogs."),
        ("Room No. 5 is free.", "Room number five is free."),
        # symbols
        ("Salt & pepper.", "Salt and pepper."),
        ("Two + two.", "Two plus two."),
        ("We are #1 today.", "We are number one today."),
        ("Meet @ noon.", "Meet at noon."),
        # URLs and e-mail
        ("See https://example.com/story today.", "See example dot com slash story today."),
        ("Visit www.example.org.", "Visit W W W dot example dot org."),
        ("Write to jane.doe@example.com.", "Write to jane dot doe at example dot com."),
        # emoji and markup
        ("Hello 😀 world 👍🏽!", "Hello world!"),
        ("A ❤️ heart.", "A heart."),
        ("This is **bold** and *soft*.", "This is bold and soft."),
        ("# The Beginning", "The Beginning"),
        ("Read [the guide](https://x.example/g).", "Read the guide."),
        ("<p>Some <em>HTML</em> text</p>", "Some HTML text"),
        ("<speak>Hi <emphasis>there</emphasis></speak>", "Hi there"),
        ("Tom &amp; Jerry.", "Tom and Jerry."),
        ("Use `code` here.", "Use code here."),
        ("snake_case_name stays.", "snake_case_name stays."),
    ],
)
def test_english(written: str, spoken: str) -> None:
    assert to_speech(written, "en") == spoken


def test_british_english_reads_slash_dates_day_first() -> None:
    assert to_speech("On 05/11/2023.", "en-GB") == (
        "On the fifth of November, twenty twenty-three."
    )
    assert to_speech("On 05/11/2023.", "en-US") == "On May eleventh, twenty twenty-three."


@pytest.mark.parametrize(
    ("language", "written", "spoken"),
    [
        ("de", "Es gibt 42 Uhren.", "Es gibt zweiundvierzig Uhren."),
        (
            "de",
            "Es kostet 3,5 und 1.234.",
            "Es kostet drei Komma fünf und eintausendzweihundertvierunddreißig.",
        ),
        ("de-AT", "Nur 50 % davon.", "Nur fünfzig Prozent davon."),
        ("fr", "Il a 21 ans.", "Il a vingt et un ans."),
        ("fr", "Environ 2,5 %.", "Environ deux virgule cinq pour cent."),
        ("es", "Tengo 15 gatos.", "Tengo quince gatos."),
        ("es", "Sube un 10%.", "Sube un diez por ciento."),
        ("it", "Sono 3,25 metri.", "Sono tre virgola venticinque metri."),
        ("pt-BR", "São 100 livros.", "São cem livros."),
        ("nl", "Er zijn 7 katten.", "Er zijn zeven katten."),
        ("pl", "Mam 2 psy.", "Mam dwa psy."),
        ("ru", "У меня 5 книг.", "У меня пять книг."),
        ("tr", "Fiyat %20 arttı.", "Fiyat yüzde yirmi arttı."),
        ("ja", "猫が3匹", "猫が三匹"),
    ],
)
def test_other_languages_spell_numbers(language: str, written: str, spoken: str) -> None:
    assert to_speech(written, language) == spoken


def test_num2words_covers_eighteen_of_the_chatterbox_languages() -> None:
    missing = {code for code in CHATTERBOX_LANGUAGES if num2words_language(code) is None}
    assert missing == {"el", "hi", "ms", "sw", "zh"}


@pytest.mark.parametrize(
    ("written", "speech", "segments"),
    [
        (
            'Wait. <break time="2s"/> Go.',
            "Wait. <pause 2s> Go.",
            [("Wait.", 2.0), ("Go.", 0.0)],
        ),
        ("One <break/> two", "One <pause 0.5s> two", [("One", 0.5), ("two", 0.0)]),
        ("A <break time='750ms'/> B", "A <pause 0.75s> B", [("A", 0.75), ("B", 0.0)]),
        ('A <break strength="strong"/> B', "A <pause 1s> B", [("A", 1.0), ("B", 0.0)]),
        ('<break time="1s"/>Hi', "<pause 1s> Hi", [("", 1.0), ("Hi", 0.0)]),
        ('A <break time="1s"/><break time="2s"/> B', "A <pause 1s> <pause 2s> B",
         [("A", 3.0), ("B", 0.0)]),
        ('Long <break time="90s"/> wait', "Long <pause 10s> wait", [("Long", 10.0), ("wait", 0.0)]),
        ("Plain text.", "Plain text.", [("Plain text.", 0.0)]),
    ],
)  # fmt: skip
def test_ssml_breaks_become_pause_marks(
    written: str, speech: str, segments: list[tuple[str, float]]
) -> None:
    assert to_speech(written, "en") == speech
    assert split_pauses(speech) == segments


def test_a_pause_mark_in_the_text_is_markup_like_any_other() -> None:
    assert split_pauses(to_speech("a <pause 3s> b", "en")) == [("a b", 0.0)]
    assert pause_mark(2.0) == "<pause 2s>"


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("First 1.\n\nSecond 2.", "First one.\n\nSecond two."),
        ("😀\n\nText.", "\n\nText."),
        ("😀 🎉", ""),
        ("<p></p>", ""),
    ],
)
def test_paragraph_breaks_are_kept_and_nothing_left_is_empty(written: str, spoken: str) -> None:
    assert to_speech(written, "en") == spoken


@pytest.mark.parametrize(
    ("text", "pronunciations", "expected"),
    [
        ("Aelith smiled.", {"Aelith": "Ay-lith"}, "Ay-lith smiled."),
        ("AELITH! aelith?", {"Aelith": "ay-lith"}, "Ay-lith! ay-lith?"),
        ("Aelithan is not Aelith.", {"Aelith": "Ay-lith"}, "Aelithan is not Ay-lith."),
        (
            "Van Helsing and Van met.",
            {"Van": "Vahn", "Van Helsing": "Van Hel-sing"},
            "Van Hel-sing and Vahn met.",
        ),
        ("Zoë and zoë.", {"Zoë": "zo-ee"}, "Zo-ee and zo-ee."),
        ("Привет, Мария!", {"Мария": "Ма-ри-я"}, "Привет, Ма-ри-я!"),
        ("Die Straße endet.", {"STRASSE": "Strahsse"}, "Die Straße endet."),
        ("C++ rocks.", {"C++": "see plus plus"}, "See plus plus rocks."),
    ],
)
def test_pronunciations(text: str, pronunciations: dict[str, str], expected: str) -> None:
    assert apply_pronunciations(text, pronunciations) == expected


def test_pronunciations_apply_after_normalisation() -> None:
    assert to_speech("Dr. Aelith has 2 cats.", "en", {"Aelith": "Ay-lith", "two": "deux"}) == (
        "Doctor Ay-lith has deux cats."
    )


@pytest.mark.parametrize(
    "pronunciations",
    [
        {f"w{i}": "x" for i in range(MAX_PRONUNCIATIONS + 1)},
        {" ": "x"},
        {"k" * 101: "x"},
        {"k": "v" * 201},
    ],
)
def test_pronunciations_out_of_bounds_are_refused(pronunciations: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"at most|characters"):
        apply_pronunciations("text", pronunciations)


def test_the_sample_story_keeps_its_paragraphs() -> None:
    story = normalize_text((REPO / "samples" / "story.txt").read_text())
    assert to_speech(story, "en").count("\n\n") == story.count("\n\n")


@pytest.mark.parametrize("language", ["en", "ru", "tr", "es", "pl", "it", "ja"])
def test_long_digit_runs_are_read_digit_by_digit_in_every_language(language: str) -> None:
    spoken = to_speech("ID " + "7" * 45 + ".", language)
    assert not any(c.isdigit() for c in spoken)
    assert len(spoken.split()) >= 45


def test_comparisons_are_not_markup_and_lose_no_text() -> None:
    assert to_speech("If x<y and y>z, stop.", "en") == "If x y and y z, stop."
