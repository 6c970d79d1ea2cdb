"""What the Danish, Norwegian, Swedish, Finnish and Turkish readers share: the steps that find a
written amount (number, sign, unit or currency), dates, times, fractions and ranges, and read
them with a language's words given as data (`Language`, `Noun`); `scandinavian.py` spells the
numbers of da, no and sv. Candidates for `rules.py`: the steps know no grammar beyond "one or
other" and a word between units and cents."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

from worker.synthesis.speech.core import alternation, leftover_digits, spaced
from worker.synthesis.speech.rules import Abbreviations


@dataclass(frozen=True)
class Noun:
    """A unit or currency after a count: its form after one, after any other amount, and whether
    its `1` takes the neuter form (da `et kilo`, sv `ett öre`)."""

    one: str
    other: str
    neuter: bool = False


def same(word: str, *, neuter: bool = False) -> Noun:
    """A noun whose plural after a count is the singular (da `fem kilo`, tr `beş lira`)."""
    return Noun(word, word, neuter)


_LOWER_WORD = r"\s+[a-zæøåäöüçğışâî]"
"""What follows an abbreviation's full stop when the sentence goes on."""


@dataclass(frozen=True)
class Language:
    """A language's words for the shared steps. `cardinal(n, neuter)`; `common_one`: the `1`
    before a common noun where counting says another (sv `en krona`); `suffix`: a regex source
    for a suffix written after a number (tr `1990'da`, group `suf`) that `glue` joins to the
    words; `fraction(numerator, denominator)` for `3⁄4` (NFKC's `¾`) and `mixed_and` between a
    whole and a fraction; `before_numbers`: a step of the language's own before bare numbers."""

    cardinal: Callable[[int, bool], str]
    ordinal: Callable[[int], str]
    year: Callable[[int], str]
    day: Callable[[int], str]
    months: tuple[str, ...]
    decimal_word: str
    minus_word: str
    plus_word: str
    zero: str
    units: Mapping[str, Noun]
    currencies: Mapping[str, tuple[Noun, Noun]]
    percent: Noun
    cents_and: str
    to_word: str
    clock_words: tuple[str, ...]
    minutes_and: str = ""
    group_marks: str = " ."
    glue: Callable[[str, str], str] = lambda words, suffix: words
    suffix: str = ""
    currencies_before: tuple[str, ...] = ("€", "$", "£")
    common_one: str = ""
    fraction: Callable[[int, int], str] | None = None
    mixed_and: str = ""
    before_numbers: Callable[[str], str] | None = None

    @cached_property
    def number(self) -> str:
        groups = "|".join(rf"\d{{1,3}}(?:{re.escape(m)}\d{{3}})+" for m in self.group_marks)
        return rf"(?P<whole>{groups}|\d+)(?:,(?P<fraction>\d+))?"

    @cached_property
    def patterns(self) -> dict[str, re.Pattern[str]]:
        num = rf"(?<![\d.,]){_SIGN}{self.number}(?![\d]|[.,]\d)"
        units = alternation(self.units)
        currencies = alternation(self.currencies)
        before = alternation(self.currencies_before)
        clock = alternation(self.clock_words)
        hour, minute = r"(?P<h>[01]?\d|2[0-3])", r"(?P<m>[0-5]\d)"
        return {
            "iso": re.compile(r"(?<![\d-])(?P<y>\d{4})-(?P<mo>[01]\d)-(?P<d>[0-3]\d)(?![\d-])"),
            "date": re.compile(
                rf"(?<![\d.,/])(?P<d>[0-3]?\d)(?P<s>[./])(?P<mo>[01]?\d)(?P=s)(?P<y>\d{{4}})(?!\d){self.suffix}"
            ),
            "day_month": re.compile(
                rf"(?<![\d.,/])(?P<d>[0-3]?\d)\.(?P<mo>[01]?\d)(?:\.(?={_LOWER_WORD}|\s+\d)|(?=\.(?!\d)))"
            ),
            "time": re.compile(
                rf"(?:(?P<clock>\b(?i:{clock}))\s?)?(?<![\d.,:]){hour}(?P<sep>[:.]){minute}(?![\d]|[.,:]\d){self.suffix}"
            ),
            "hour": re.compile(rf"(?P<clock>\b(?i:{clock}))\s?{hour}(?![\d]|[.,:]\d){self.suffix}"),
            "fraction": re.compile(
                r"(?<![\d.,])(?:(?P<whole>\d+)\s)?(?P<num>\d{1,3})⁄(?P<den>\d{1,3})(?!\d)"
            ),
            "range": re.compile(r"(?<=\d)\s?[-–]\s?(?=\d)"),
            "money_after": re.compile(
                rf"{num}(?:,-)?\s?(?P<cur>{currencies})(?!\w)(?:\.(?={_LOWER_WORD}))?"
            ),
            "money_before": re.compile(rf"(?P<cur>{before})\s?{num}"),
            "percent": re.compile(rf"{num}\s?%{self.suffix}"),
            "unit": re.compile(rf"{num}\s?(?P<unit>{units})(?![\w/])"),
            "number": re.compile(rf"{num}{self.suffix}"),
        }


_SIGN = r"(?P<sign>(?:(?<=\s)|(?<=^)|(?<=[(\[]))[-−+])?"


class ShortForms:
    """Abbreviations and titles written in lower case, and the same with a capital (a title,
    a sentence's start: `Hr.`, `F.eks.`) read with a capital."""

    def __init__(self, words: Mapping[str, str], titles: Mapping[str, str]) -> None:
        self.lower = Abbreviations(words=words, titles=titles)
        self.upper = Abbreviations(words=_capitals(words), titles=_capitals(titles))

    def expand(self, text: str) -> str:
        return self.upper.expand(self.lower.expand(text))


def _capitals(table: Mapping[str, str]) -> dict[str, str]:
    return {k[0].upper() + k[1:]: v[0].upper() + v[1:] for k, v in table.items() if k[0].islower()}


def number(lang: Language, whole: str, fraction: str | None, *, neuter: bool = False) -> str:
    """`3,5` → "tre komma fem": a fraction of one or two digits (no leading zero) as a number,
    as Nordic and Turkish readers say it (`2,75` → "to komma femoghalvfjerds"); longer ones
    digit by digit. A whole number with a leading zero (`007`) or longer than any count
    (an id, a card number) digit by digit."""
    digits = re.sub(r"\D", "", whole)
    if (len(digits) > 1 and digits.startswith("0")) or len(digits) > _LONGEST_COUNT:
        words = digit_by_digit(lang, digits)
    else:
        words = lang.cardinal(int(digits), neuter and not fraction)
    if fraction:
        if len(fraction) <= 2 and not fraction.startswith("0"):
            tail = lang.cardinal(int(fraction), False)
        else:
            tail = digit_by_digit(lang, fraction)
        words = f"{words} {lang.decimal_word} {tail}"
    return words


_LONGEST_COUNT = 12


def digit_by_digit(lang: Language, digits: str) -> str:
    return " ".join(lang.cardinal(int(d), False) for d in digits)


def _signed(lang: Language, m: re.Match[str], words: str) -> str:
    sign = {"+": lang.plus_word, "-": lang.minus_word, "−": lang.minus_word}.get(m["sign"] or "")
    return f"{sign} {words}" if sign else words


def count(lang: Language, whole: str, fraction: str | None, noun: Noun) -> str:
    """A number and the noun it counts, in the form the count takes."""
    one = not fraction and re.sub(r"\D", "", whole) == "1"
    words = number(lang, whole, fraction, neuter=noun.neuter)
    if one and lang.common_one and not noun.neuter:
        words = lang.common_one
    return f"{words} {noun.one if one else noun.other}"


def _suffixed(lang: Language, m: re.Match[str], words: str) -> str:
    suffix = m.groupdict().get("suf")
    return lang.glue(words, suffix) if suffix else words


def dates(text: str, lang: Language) -> str:
    """`14.07.2024`, `14/07/2024`, `2024-07-14` → day, month name, year; `14.7.` (fi, da,
    no) → day and month, unless a clock word says it is a time (`kl. 10.05.`)."""

    def read(m: re.Match[str]) -> str:
        day, month = int(m["d"]), int(m["mo"])
        if not (1 <= day <= 31 and 1 <= month <= 12):
            return m.group(0)
        words = f"{lang.day(day)} {lang.months[month - 1]}"
        if "y" in m.re.groupindex:
            words = f"{words} {lang.year(int(m['y']))}"
        elif m.string[: m.start()].rstrip().lower().endswith(lang.clock_words):
            return m.group(0)
        return spaced(m.string, m.start(), m.end(), _suffixed(lang, m, words))

    text = lang.patterns["date"].sub(read, lang.patterns["iso"].sub(read, text))
    return lang.patterns["day_month"].sub(read, text)


def times(text: str, lang: Language) -> str:
    """`14:30`, `kl. 14.30` → hour and minutes (a dot only after a clock word or with two
    minute digits); `kl. 18` → the hour alone. The hour `1` is neuter (da `klokken et`)."""

    def read(m: re.Match[str]) -> str:
        words = lang.cardinal(int(m["h"]), True)
        minutes = int(m.groupdict().get("m") or 0)
        if minutes and minutes < 10:
            words = f"{words} {lang.zero} {lang.cardinal(minutes, False)}"
        elif minutes:
            words = f"{words} {lang.minutes_and}{lang.cardinal(minutes, False)}"
        clock = f"{m['clock']} " if m["clock"] else ""
        return spaced(m.string, m.start(), m.end(), _suffixed(lang, m, clock + words))

    return lang.patterns["hour"].sub(read, lang.patterns["time"].sub(read, text))


def fractions(text: str, lang: Language) -> str:
    """`3⁄4` → "tre fjerdedele", `1 1⁄2` → "en og en halv"."""
    fraction = lang.fraction
    if fraction is None or "⁄" not in text:
        return text

    def read(m: re.Match[str]) -> str:
        num, den = int(m["num"]), int(m["den"])
        if not num or not den:
            return m.group(0)
        words = fraction(num, den)
        if m["whole"]:
            words = f"{number(lang, m['whole'], None)} {lang.mixed_and} {words}"
        return spaced(m.string, m.start(), m.end(), words)

    return lang.patterns["fraction"].sub(read, text)


def ranges(text: str, lang: Language) -> str:
    """`10-16` → "10 til 16": the dash between two numbers is the word for "to"."""
    return lang.patterns["range"].sub(f" {lang.to_word} ", text)


def money(text: str, lang: Language) -> str:
    """`4,99 kr` → "fire kroner og nioghalvfems øre"; `€20` and `20 €` alike."""

    def read(m: re.Match[str]) -> str:
        main, cent = lang.currencies[m["cur"]]
        whole, fraction = m["whole"], m["fraction"]
        if fraction and len(fraction) == 2:
            words = count(lang, whole, None, main)
            if int(fraction):
                cents = count(lang, str(int(fraction)), None, cent)
                joined = " ".join(w for w in (words, lang.cents_and, cents) if w)
                words = cents if not int(re.sub(r"\D", "", whole)) else joined
        else:
            words = count(lang, whole, fraction, main)
        return spaced(m.string, m.start(), m.end(), _signed(lang, m, words))

    text = lang.patterns["money_after"].sub(read, text)
    return lang.patterns["money_before"].sub(read, text)


def amounts(text: str, lang: Language) -> str:
    """Percentages, units and temperatures with their sign."""

    def unit(m: re.Match[str]) -> str:
        words = count(lang, m["whole"], m["fraction"], lang.units[m["unit"]])
        return spaced(m.string, m.start(), m.end(), _signed(lang, m, words))

    def percent(m: re.Match[str]) -> str:
        words = _signed(lang, m, count(lang, m["whole"], m["fraction"], lang.percent))
        return spaced(m.string, m.start(), m.end(), _suffixed(lang, m, words))

    text = lang.patterns["percent"].sub(percent, text)
    return lang.patterns["unit"].sub(unit, text)


def numbers(text: str, lang: Language) -> str:
    """Every number left: a bare four-digit number from 1100 to 1999 as a year (da `1875` →
    "atten hundrede og femoghalvfjerds", which is also how a count of 1875 is said), others as
    counts; any digit still left (`1,2,3`) as a count of its own."""

    def read(m: re.Match[str]) -> str:
        whole, fraction = m["whole"], m["fraction"]
        if not fraction and len(whole) == 4 and whole.isdigit() and 1100 <= int(whole) < 2000:
            words = lang.year(int(whole))
        else:
            words = number(lang, whole, fraction)
        words = _suffixed(lang, m, _signed(lang, m, words))
        return spaced(m.string, m.start(), m.end(), words)

    numbers_read = lang.patterns["number"].sub(read, text)
    return leftover_digits(numbers_read, lambda run: number(lang, run, None))


def read_all(text: str, lang: Language) -> str:
    """The shared steps in the order that keeps each from taking another's digits."""
    text = fractions(times(ranges(dates(text, lang), lang), lang), lang)
    text = amounts(money(text, lang), lang)
    return numbers(lang.before_numbers(text) if lang.before_numbers else text, lang)
