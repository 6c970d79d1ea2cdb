"""Russian: numbers agree with their noun's gender and take the case their preposition governs
(`с 5 до 7` → "с пяти до семи"); dates, years, times, money, units, ordinals (`5-м`), roman
numerals and abbreviations. The words (months, nouns, abbreviations) live in `russian_words`."""

from __future__ import annotations

import re

from worker.synthesis.speech import russian_words as w
from worker.synthesis.speech.core import digit_by_digit, safe, spaced
from worker.synthesis.speech.rules import ROMAN_SOURCE, roman_value, slavic_forms
from worker.synthesis.speech.russian_numbers import cardinal, decimal, one_and_a_half, ordinal
from worker.synthesis.speech.slavic import (
    NUMBER,
    Noun,
    Reading,
    after_roman_pattern,
    as_begun,
    before_roman_pattern,
    digits_left,
    governed,
    keeps_stop,
    money_patterns,
    money_word_pattern,
    name_roman_pattern,
    next_word,
    noun_pattern,
    noun_reader,
    roman,
    signs,
    unit_pattern,
    whole,
    word_before,
)

_MINUS = frozenset({"минус", "плюс"})


def count(written: str, fraction: str | None, noun: Noun, case: str) -> str:
    """A number and its noun: "пять километров", "до одного градуса", "две целых ... метра"."""
    n = whole(written)
    if n == 1 and fraction == "5":  # the noun as after 2: "полтора километра"
        form = 1 if case in ("n", "a") else 2
        return f"{one_and_a_half(noun.gender, case)} {noun.counted(form, case)}"
    if fraction:
        return f"{decimal(n, fraction)} {noun.genitive}"
    said = noun.counted(slavic_forms(n), case)
    if case == "a" and noun.gender == "f" and slavic_forms(n) == 0:  # "одну копейку"
        said = _ACCUSATIVE.sub(lambda end: "у" if end.group() == "а" else "ю", said, count=1)
    return f"{cardinal(n, case, noun.gender)} {said}"


_ACCUSATIVE = re.compile(r"[ая](?=\s|$)")


def _case(m: re.Match[str], table: dict[str, str] = w.NUMBER_CASE) -> str:
    case = governed(m.string, m.start(), table, _MINUS)
    if case == "a" and m.string.startswith(" от ", m.end()):  # `в 5 км от города`: where
        return "p"
    return case


# -- dates, years, times ------------------------------------------------------------------------

_DATE = re.compile(
    rf"(?<![\d.,:])(?P<day>\d{{1,2}})(?:\s(?P<link>по|до|и|или|-)\s(?P<day2>\d{{1,2}}))?"
    rf"\s(?P<month>{'|'.join(w.MONTHS)})(?![\w])"
    r"(?:\s(?P<year>\d{3,4})(?![\d.,]\d)(?:\s?(?P<noun>г\.|года)(?![\w]))?)?"
)
_NUMERIC_DATE = re.compile(
    r"(?<![\d.,:/])(?P<day>[0-3]?\d)(?P<sep>[./])(?P<month>[01]?\d)(?:(?P=sep)(?P<year>\d{4}))?"
    r"(?![\d]|[.,/]\d)"
    r"(?:\s?(?P<noun>г\.|года)(?![\w]))?"
)
_YEAR = re.compile(
    r"(?<![\d.,:])(?P<year>\d{3,4})(?:(?P<link>\s?-\s?|\s(?:по|до|и|или)\s)(?P<year2>\d{3,4}))?"
    r"\s?(?P<noun>гг\.|г\.|годах|годов|годы|годом|году|года|год|г)(?![\w])"
)
_TIME = re.compile(r"(?<![\d.,:])(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?![\d]|[.,:]\d)")
_DOT_TIME = re.compile(r"(?<=\s)(?P<h>[01]?\d|2[0-3])\.(?P<m>[0-5]\d)(?![\d]|[.,:]\d)")
_DOT_TIME_AFTER = frozenset({"в", "во", "с", "до", "к", "после", "около"})
"""`14.30` is a time after these prepositions (`в 14.30`); elsewhere it may be a date."""


def _year_words(m: re.Match[str]) -> str:
    if not m["year"]:
        return ""
    stop = keeps_stop(m.string, m.end()) if m["noun"] == "г." else ""
    noun = f" года{stop}" if m["noun"] else ""
    return f" {ordinal(int(m['year']), 'g')}{noun}"


@safe
def _date(m: re.Match[str]) -> str:
    case = w.DATE_CASE.get(word_before(m.string, m.start()), "g")
    day = ordinal(int(m["day"]), case, "n")
    if m["day2"]:
        case2 = case if m["link"] in ("и", "или", "-") else w.DATE_CASE[m["link"]]
        day = f"{day} {m['link']} {ordinal(int(m['day2']), case2, 'n')}"
    return f"{day} {m['month']}{_year_words(m)}"


@safe
def _numeric_date(m: re.Match[str]) -> str:
    day, month = int(m["day"]), int(m["month"])
    before = word_before(m.string, m.start())
    if not (1 <= day <= 31 and 1 <= month <= 12) or not (m["year"] or before in w.DATE_CASE):
        raise ValueError(m.group())  # `do 14.03` is a date, `wersja 2.10` is not
    case = w.DATE_CASE.get(before, "g")
    stop = keeps_stop(m.string, m.end()) if m["noun"] == "г." else ""
    year = f" {ordinal(int(m['year']), 'g')} года{stop}" if m["year"] else ""
    return f"{ordinal(day, case, 'n')} {w.MONTHS[month - 1]}{year}"


def _year(m: re.Match[str]) -> str:
    """`в 1984 году`, `в 2024 г.`, `в 1941-1945 гг.`: each year an ordinal in the noun's case;
    in `с 1990 по 2000 год` the first year takes its preposition's case, the second the noun's."""
    noun, link = m["noun"], (m["link"] or "").strip()
    preposition = word_before(m.string, m.start())
    if noun == "г" and (preposition not in w.YEAR_CASE or len(m["year"]) < 4):
        return m.group()  # `500 г` are grams; `в 2024 г` is a year written without its stop
    before = w.YEAR_CASE.get(preposition, "g")
    by_link = link in ("по", "до")
    if noun in ("г", "г.", "гг."):
        case = w.YEAR_CASE[link] if by_link else before
        stop = keeps_stop(m.string, m.end()) if noun.endswith(".") else ""
        noun = (w.YEARS if noun == "гг." else w.YEAR)[case] + stop
    else:  # the written noun shows the case; `к 2030 году` is dative, `в 2030 году` not
        case = "d" if noun in ("году", "годам") and before == "d" else w.YEAR_NOUN[noun]
    if not m["year2"]:
        return f"{ordinal(int(m['year']), case)} {noun}"
    first = ordinal(int(m["year"]), before if by_link else case)
    return f"{first} {link} {ordinal(int(m['year2']), case)} {noun}"


def _dot_time(m: re.Match[str]) -> str:
    before = word_before(m.string, m.start())
    if before in _DOT_TIME_AFTER and (
        before in ("o", "в", "во") or m["m"] == "00" or int(m["m"]) > 12
    ):
        return _time(m)
    return m.group()  # `до 14.03` may be the 14th of March


def _time(m: re.Match[str]) -> str:
    """`14:30` → "четырнадцать тридцать"; `с 9:00` → "с девяти" (the hour is enough)."""
    case = _case(m)
    minutes = int(m["m"])
    if not minutes:
        said = "ноль-ноль" if case in ("n", "a") else ""
    else:
        said = cardinal(minutes, case, "f")
        said = f"ноль {said}" if m["m"].startswith("0") else said
    return f"{cardinal(int(m['h']), case)} {said}".strip()


# -- money, units, ordinals ---------------------------------------------------------------------

_MONEY = money_patterns(w.CURRENCIES, "$€£₽", ("млн", "млрд", "трлн", "тыс."))
_MONEY_WORD = money_word_pattern(w.CURRENCY_WORDS)
_UNIT = unit_pattern(w.UNITS)
_ORDINAL = re.compile(rf"(?<![\d.,])(?P<n>\d+)-(?P<end>{w.ORDINAL_ENDINGS})(?![\w])")


@safe
def _ordinal(m: re.Match[str]) -> str:
    n, end, before = int(m["n"]), m["end"], word_before(m.string, m.start(), _MINUS)
    if end in ("х", "ти") and (n in (2, 3, 4) or end == "ти"):  # `2-х`, `5-ти`: cardinals
        return cardinal(n, "g")
    case, gender, plural = w.ORDINAL_FORMS[end]
    after = next_word(m)
    if end in ("й", "ой") and before in w.CASE_AFTER and after.endswith(w.FEMININE_OBLIQUE):
        case, gender = "p", "f"  # `в 3-й главе`: a feminine noun in an oblique case
    elif end in ("м", "ом", "ем"):
        case = "i" if w.CASE_AFTER.get(before) == "i" else "p"
    elif end in ("е", "ое") and after.endswith(("ы", "и")):
        plural = True  # `90-е годы`
    return ordinal(n, case, gender, plural)


# -- roman numerals -----------------------------------------------------------------------------

_ROMAN_NAME = name_roman_pattern("А-ЯЁ", "а-яё")
_ROMAN_AFTER = after_roman_pattern(w.COUNTING_BEFORE)
_ROMAN_BEFORE = before_roman_pattern(w.COUNTED_AFTER)


_CENTURIES = re.compile(
    rf"(?<![\w.])(?P<first>{ROMAN_SOURCE})(?P<link>\s?-\s?|\sи\s)(?P<second>{ROMAN_SOURCE})"
    rf"\s(?P<word>{'|'.join(map(re.escape, w.CENTURY_PLURALS))})(?![\w])"
)


def _centuries(m: re.Match[str]) -> str:
    """`в XIX-XX вв.` → "в девятнадцатом - двадцатом веках": each an ordinal in the case."""
    word = m["word"]
    case = w.CENTURY_PLURALS[word]
    if word == "вв.":
        before = word_before(m.string, m.start())
        case = w.YEAR_CASE.get(before, "g" if before else "n")
        word = w.CENTURIES[case] + keeps_stop(m.string, m.end())
    first, second = (ordinal(roman_value(m[key]), case) for key in ("first", "second"))
    return f"{first} {m['link'].strip()} {second} {word}"


def _roman_before(m: re.Match[str]) -> str:
    word = m["word"]
    gender, case = w.COUNTED_AFTER[word.lower()]
    if word.lower() == "в.":  # `XIX в.`: the case comes from the preposition
        before = word_before(m.string, m.start())
        case = w.YEAR_CASE.get(before, "g" if before else "n")  # `XIX в. был` names it
        word = w.CENTURY[case] + keeps_stop(m.string, m.end())
    return f"{ordinal(roman(m), case, gender)} {word}"


# -- words and what is left ---------------------------------------------------------------------

_NOUN = noun_pattern(w.NOUNS, ("ул.", "кв.", "стр.", "рис.", "табл.", "гл."))
_NOUN_READER = noun_reader(w.NOUNS, w.PLACE_CASE)
_NUMERO = re.compile(r"№\s?(?=\d)")
_CARDINAL = re.compile(NUMBER)


def _gender(after: str, n: int, case: str) -> str:
    form = slavic_forms(n)
    if not after or after in w.MASCULINE_IN_A or form == 2:
        return "m"
    if case in ("n", "a") and form == 0:
        if after.endswith(("а", "я", "у", "ю")) or after in w.FEMININE_SOFT:
            return "n" if after.endswith("мя") else "f"
        return "n" if after.endswith(("о", "е", "ё")) else "m"
    return "f" if after.endswith(("ы", "и")) else "m"


@safe
def _cardinal(m: re.Match[str]) -> str:
    n = whole(m["whole"])
    if n == 1 and m["fraction"] == "5" and (after := next_word(m)):
        case = _case(m)
        said = one_and_a_half(_gender(after, 2, case), case)
    elif m["fraction"]:
        said = decimal(n, m["fraction"])
    elif len(m["whole"]) > 1 and m["whole"].startswith("0"):
        said = digit_by_digit(m["whole"], "ru")
    else:
        case, after = _case(m), next_word(m)
        with_ = word_before(m.string, m.start()) in ("с", "со")
        if with_ and after.endswith(("ами", "ями", "ьми")):
            case = "i"  # `с 5 друзьями` → "с пятью друзьями" (`с 5 до 7` is genitive)
        gender = _gender(after, n, case)
        if case in ("n", "a") and gender == "f":  # the noun shows it: `отдай 1 книгу`
            case = "a" if after.endswith(("у", "ю")) else "n"
        said = cardinal(n, case, gender)
    return spaced(m.string, m.start(), m.end(), said)


_READING = Reading(
    count=count,
    ordinal=ordinal,
    case=_case,
    currencies={**w.CURRENCIES, **w.CURRENCY_WORDS},
    units=w.UNITS,
    counting_before=w.COUNTING_BEFORE,
    female_names=w.FEMALE_NAMES,
    name_cases=(w.MALE_NAME_CASES, w.FEMALE_NAME_CASES),
)
_MONEY_READER, _UNIT_READER = safe(_READING.money), safe(_READING.unit)


def read(text: str, region: str) -> str:
    """A paragraph of Russian, every number and abbreviation read as a careful reader says it."""
    written = text
    text = signs(_NUMERO.sub("номер ", text), "минус", "плюс")
    text = _DATE.sub(_date, _NUMERIC_DATE.sub(_numeric_date, text))
    text = _DOT_TIME.sub(_dot_time, _TIME.sub(_time, _YEAR.sub(_year, text)))
    text = _MONEY[0].sub(_MONEY_READER, _MONEY[1].sub(_MONEY_READER, text))
    text = _MONEY_WORD.sub(_MONEY_READER, text)
    text = _ORDINAL.sub(_ordinal, _UNIT.sub(_UNIT_READER, text))
    text = _CENTURIES.sub(_centuries, _ROMAN_AFTER.sub(_READING.roman_after, text))
    text = _ROMAN_BEFORE.sub(_roman_before, text)
    text = _ROMAN_NAME.sub(_READING.roman_name, text)
    text = _NOUN.sub(_NOUN_READER, text)
    text = w.ABBREVIATIONS.expand(w.CAPITALISED.expand(text))
    return as_begun(written, digits_left(_CARDINAL.sub(_cardinal, text), cardinal))
