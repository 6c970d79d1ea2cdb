"""Polish: dates and years as ordinals in the genitive ("czternastego lipca"), hours as
feminine ordinals ("o czternastej"), numbers in the case their preposition governs (`od 3 do 6`
→ "od trzech do sześciu"), money, units, roman numerals and abbreviations. The words live in
`polish_words`, with the numbers in every case (num2words knows only the nominative)."""

from __future__ import annotations

import re

from worker.synthesis.speech import polish_words as w
from worker.synthesis.speech.core import digit_by_digit, safe, spaced
from worker.synthesis.speech.polish_numbers import cardinal, decimal, ordinal
from worker.synthesis.speech.rules import polish_forms
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

_MINUS = frozenset({"minus", "plus"})


def count(written: str, fraction: str | None, noun: Noun, case: str) -> str:
    """A number and its noun: "pięć kilometrów", "półtora kilometra", "dwie minuty"."""
    n = whole(written)
    if n == 1 and fraction == "5":
        return f"{'półtorej' if noun.gender == 'f' else 'półtora'} {noun.genitive}"
    if fraction:
        return f"{decimal(n, fraction)} {noun.genitive}"
    return f"{cardinal(n, case, noun.gender)} {noun.counted(polish_forms(n), case)}"


def _case(m: re.Match[str], table: dict[str, str]) -> str:
    return governed(m.string, m.start(), table, _MINUS)


def _cardinal_case(m: re.Match[str]) -> str:
    return _case(m, w.CARDINAL_CASE)


# -- dates, years, times ------------------------------------------------------------------------

_DATE = re.compile(
    rf"(?<![\d.,:])(?P<day>\d{{1,2}})(?:\s(?P<link>-|do|i|lub)\s(?P<day2>\d{{1,2}}))?"
    rf"\s(?P<month>{'|'.join(w.MONTHS)})(?![\w])"
    r"(?:\s(?P<year>\d{3,4})(?![\d.,]\d)(?:\s?(?P<noun>r\.|roku)(?![\w]))?)?"
)
_NUMERIC_DATE = re.compile(
    r"(?<![\d.,:/])(?P<day>[0-3]?\d)(?P<sep>[./])(?P<month>[01]?\d)(?:(?P=sep)(?P<year>\d{4}))?"
    r"(?![\d]|[.,/]\d)"
    r"(?:\s?(?P<noun>r\.|roku)(?![\w]))?"
)
_YEAR = re.compile(
    r"(?<![\d.,:])(?P<year>\d{3,4})(?:(?P<link>\s?-\s?|\s(?:do|i)\s)(?P<year2>\d{3,4}))?"
    r"\s?(?P<noun>r\.|rokiem|rokowi|roku|rok)(?![\w])"
)
_HOUR_WORD = re.compile(
    r"(?<![\w.])godz\.\s?(?P<h>[01]?\d|2[0-3])(?:[:.](?P<m>[0-5]\d))?(?![\d]|[.,]\d)"
)
_TIME = re.compile(r"(?<![\d.,:])(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?![\d]|[.,:]\d)")
_DOT_TIME = re.compile(r"(?<=\s)(?P<h>[01]?\d|2[0-3])\.(?P<m>[0-5]\d)(?![\d]|[.,:]\d)")
_DOT_TIME_AFTER = frozenset({"o", "od", "do", "po", "przed", "około", "ok"})
"""`14.30` is a time after these prepositions (`в 14.30`); elsewhere it may be a date."""


def _year_words(m: re.Match[str], always: bool) -> str:
    stop = keeps_stop(m.string, m.end()) if m["noun"] == "r." else ""
    noun = f" roku{stop}" if m["noun"] or always else ""
    return f" {ordinal(int(m['year']), 'g')}{noun}" if m["year"] else ""


@safe
def _date(m: re.Match[str]) -> str:
    case = w.DATE_CASE.get(word_before(m.string, m.start()), "g")
    day = ordinal(int(m["day"]), case)
    if m["day2"]:
        case2 = w.DATE_CASE.get(m["link"], case)
        day = f"{day} {m['link']} {ordinal(int(m['day2']), case2)}"
    return f"{day} {m['month']}{_year_words(m, always=False)}"


@safe
def _numeric_date(m: re.Match[str]) -> str:
    day, month = int(m["day"]), int(m["month"])
    before = word_before(m.string, m.start())
    if not (1 <= day <= 31 and 1 <= month <= 12) or not (m["year"] or before in w.DATE_CASE):
        raise ValueError(m.group())  # `do 14.03` is a date, `wersja 2.10` is not
    case = w.DATE_CASE.get(before, "g")
    return f"{ordinal(day, case)} {w.MONTHS[month - 1]}{_year_words(m, always=True)}"


def _year(m: re.Match[str]) -> str:
    """`w 1984 r.` → "w tysiąc dziewięćset osiemdziesiątym czwartym roku"."""
    noun, link = m["noun"], (m["link"] or "").strip()
    before = w.ORDINAL_CASE.get(word_before(m.string, m.start()), "g")
    if noun == "r.":
        case = w.ORDINAL_CASE.get(link, before) if link == "do" else before
        noun = w.YEAR[case] + keeps_stop(m.string, m.end())
    else:  # `roku` is genitive or, after w, o, po, przy, locative
        case = w.YEAR_NOUN[noun]
        case = "l" if case == "g" and before == "l" else case
    said = ordinal(int(m["year"]), before if link == "do" else case)
    if m["year2"]:
        said = f"{said} {link} {ordinal(int(m['year2']), case)}"
    return f"{said} {noun}"


_DECADE = re.compile(
    r"\b(?P<word>lata|latach|lat|latami|latom)\s(?P<n>\d{0,2}[1-9]0)(?P<end>\.|-\w+)(?!\w)"
)
"""A decade, marked as an ordinal (`lata 80.`, `w latach 90-tych`); `od lat 20` is a count."""
_DECADE_CASE = {"lata": "n", "latach": "l", "lat": "g", "latami": "i", "latom": "d"}


def _decade(m: re.Match[str]) -> str:
    """`w latach 90.` → "w latach dziewięćdziesiątych": decades are plural ordinals."""
    stop = keeps_stop(m.string, m.end()) if m["end"] == "." else ""
    said = ordinal(int(m["n"]), _DECADE_CASE[m["word"]], "p")
    return f"{m['word']} {said}{stop}"


def _clock(m: re.Match[str], case: str) -> str:
    """The hour a feminine ordinal ("czternasta"), the minutes a cardinal."""
    minutes = m["m"] or "00"
    said = "" if minutes == "00" else cardinal(int(minutes))
    said = f"zero {said}" if minutes.startswith("0") and said else said
    return f"{ordinal(int(m['h']), case, 'f')} {said}".strip()


def _dot_time(m: re.Match[str]) -> str:
    before = word_before(m.string, m.start())
    if before in _DOT_TIME_AFTER and (
        before in ("o", "в", "во") or m["m"] == "00" or int(m["m"]) > 12
    ):
        return _time(m)
    return m.group()  # `do 14.03` may be the 14th of March


def _time(m: re.Match[str]) -> str:
    return _clock(m, _case(m, w.ORDINAL_CASE))


def _hour_word(m: re.Match[str]) -> str:
    case = _case(m, w.ORDINAL_CASE)
    return f"{w.HOUR[case]} {_clock(m, case)}"


# -- money, units, ordinals ---------------------------------------------------------------------

_MONEY = money_patterns(w.CURRENCIES, "$€£", ("mln", "mld", "tys."))
_MONEY_WORD = money_word_pattern(w.CURRENCY_WORDS)
_UNIT = unit_pattern(w.UNITS)
_ORDINAL = re.compile(rf"(?<![\d.,])(?P<n>\d+)-(?P<end>{w.ORDINAL_ENDINGS})(?![\w])")
_DOT_ORDINAL = re.compile(r"(?<![\d.,])(?P<n>\d{1,3})\.(?=\s[a-ząćęłńóśźż])")


def _feminine_stem(noun: str) -> bool:
    stem = next((stem for stem in w.FEMININE_STEMS if noun.startswith(stem)), "")
    return bool(stem) and len(noun) <= len(stem) + 4


def _noun_gender(noun: str, case: str) -> str:
    """A noun's gender as far as its ending shows it in `case` (`klasy` f, `piętrze` m)."""
    if _feminine_stem(noun):
        return "f"  # `w 3. klasie`: a locative in -ie says nothing, the stem does
    if case in ("n", "a"):
        if (noun.endswith("a") and noun not in w.MASCULINE_IN_A) or noun.endswith("ę"):
            return "f"
        return "n" if noun.endswith(("o", "e", "um")) else "m"
    feminine = {"g": ("y", "i"), "d": ("y", "i"), "l": ("y", "i"), "i": ("ą",)}[case]
    return "f" if noun.endswith(feminine) else "m"


@safe
def _ordinal(m: re.Match[str]) -> str:
    case, gender = w.ORDINAL_FORMS[m["end"]]
    if case in ("l", "i") and gender == "m":  # `-m`: locative, or instrumental after z, przed
        case = "i" if _case(m, w.ORDINAL_CASE) == "i" else "l"
    return ordinal(int(m["n"]), case, gender)


@safe
def _dot_ordinal(m: re.Match[str]) -> str:
    """`2. miejsce` → "drugie miejsce": the noun after it tells the gender."""
    case = _case(m, w.ORDINAL_CASE)
    return ordinal(int(m["n"]), case, _noun_gender(next_word(m), case))


# -- roman numerals -----------------------------------------------------------------------------

_ROMAN_NAME = name_roman_pattern("A-ZĄĆĘŁŃÓŚŹŻ", "a-ząćęłńóśźż")
_ROMAN_AFTER = after_roman_pattern(w.COUNTING_BEFORE)
_ROMAN_BEFORE = before_roman_pattern(w.COUNTED_AFTER)


def _roman_before(m: re.Match[str]) -> str:
    word = m["word"]
    gender, case = w.COUNTED_AFTER[word.lower()]
    before = word_before(m.string, m.start())
    if case == "g":  # `wieku`, `w.`: genitive, or locative after w, o, po, przy
        case = w.ORDINAL_CASE.get(before, "g" if before or word != "w." else "n")
        case = "g" if case == "i" and word != "w." else case
    if word == "w.":
        word = w.CENTURY[case] + keeps_stop(m.string, m.end())
    return f"{ordinal(roman(m), case, gender)} {word}"


# -- words and what is left ---------------------------------------------------------------------

_NOUN = noun_pattern(w.NOUNS, ("ul.", "al.", "str.", "rys.", "nr"))
_NOUN_READER = noun_reader(w.NOUNS, w.ORDINAL_CASE)
_NUMERO = re.compile(r"№\s?(?=\d)")
_CARDINAL = re.compile(NUMBER)


def _gender(after: str, n: int) -> str:
    if n == 1 and after:
        return _noun_gender(after, "n")
    return "f" if after in w.FEMININE_FEW or _feminine_stem(after) else "m"


def _cardinal_words(n: int, m: re.Match[str]) -> str:
    """A count in the case its preposition governs and its noun's gender: "jedną siostrę",
    "dwie siostry", "trzech synów" (men counted take the genitive)."""
    after, case = next_word(m), _cardinal_case(m)
    if case == "g" and after.endswith("mi") and word_before(m.string, m.start()) in ("z", "ze"):
        case = "i"  # `z 5 osobami` → "z pięcioma osobami" (`z 5 zł na 10 zł` is genitive)
    elif n == 1 and case == "n" and after.endswith("ę"):
        case = "a"
    elif n > 1 and case in ("n", "a") and after in w.PERSONAL:
        case = "g"
    return cardinal(n, case, _gender(after, n))


@safe
def _cardinal(m: re.Match[str]) -> str:
    n = whole(m["whole"])
    if n == 1 and m["fraction"] == "5" and (after := next_word(m)):
        said = "półtorej" if _noun_gender(after, "g") == "f" else "półtora"
    elif m["fraction"]:
        said = decimal(n, m["fraction"])
    elif len(m["whole"]) > 1 and m["whole"].startswith("0"):
        said = digit_by_digit(m["whole"], "pl")
    else:
        said = _cardinal_words(n, m)
    return spaced(m.string, m.start(), m.end(), said)


_READING = Reading(
    count=count,
    ordinal=ordinal,
    case=_cardinal_case,
    currencies={**w.CURRENCIES, **w.CURRENCY_WORDS},
    units=w.UNITS,
    counting_before=w.COUNTING_BEFORE,
    female_names=w.FEMALE_NAMES,
    name_cases=(w.MALE_NAME_CASES, w.FEMALE_NAME_CASES),
)
_MONEY_READER, _UNIT_READER = safe(_READING.money), safe(_READING.unit)


def read(text: str, region: str) -> str:
    """A paragraph of Polish, every number and abbreviation read as a careful reader says it."""
    written = text
    text = signs(_NUMERO.sub("numer ", text), "minus", "plus")
    text = _DATE.sub(_date, _NUMERIC_DATE.sub(_numeric_date, _DECADE.sub(_decade, text)))
    text = _HOUR_WORD.sub(_hour_word, _YEAR.sub(_year, text))
    text = _DOT_TIME.sub(_dot_time, _TIME.sub(_time, text))
    text = _MONEY[0].sub(_MONEY_READER, _MONEY[1].sub(_MONEY_READER, text))
    text = _MONEY_WORD.sub(_MONEY_READER, text)
    text = _DOT_ORDINAL.sub(_dot_ordinal, _ORDINAL.sub(_ordinal, _UNIT.sub(_UNIT_READER, text)))
    text = _ROMAN_BEFORE.sub(_roman_before, _ROMAN_AFTER.sub(_READING.roman_after, text))
    text = _NOUN.sub(_NOUN_READER, _ROMAN_NAME.sub(_READING.roman_name, text))
    text = w.ABBREVIATIONS.expand(w.CAPITALISED.expand(text))
    return as_begun(written, digits_left(_CARDINAL.sub(_cardinal, text), cardinal))
