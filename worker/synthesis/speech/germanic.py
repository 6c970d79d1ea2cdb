"""What the German and Dutch readers share, driven by each one's tables (`Language`): money,
scale words, units, times, ranges, fractions, years, the numbers left (candidates for rules.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

from worker.synthesis.speech.core import (
    alternation,
    cardinal,
    digit_by_digit,
    leftover_digits,
    safe,
    spaced,
)
from worker.synthesis.speech.rules import Abbreviations, NumberFormat, percentages


@dataclass(frozen=True)
class Currency:
    """A currency's name for one and for many, and its hundredth's."""

    one: str
    many: str
    cent_one: str
    cent_many: str


@dataclass(frozen=True)
class Unit:
    """A unit's name after one and after any other count (the same where `many` is empty);
    `feminine` picks German "eine"."""

    one: str
    many: str = ""
    feminine: bool = False


@dataclass(frozen=True)
class Scale:
    """A written scale word (`Mio.`, `mln.`): its name after one and after many, its value."""

    one: str
    many: str
    value: int
    feminine: bool = False


@dataclass(frozen=True)
class Language:
    """A language's tables. `fix` corrects num2words' spelling; `one(feminine)` is a count of
    one before a noun ("ein", "eine", "één"); `seconds` reads seconds ("und {} Sekunden")."""

    number: NumberFormat
    fix: Callable[[str], str]
    one: Callable[[bool], str]
    currencies: Mapping[str, Currency]
    units: Mapping[str, Unit]
    scales: Mapping[str, Scale]
    hour: str
    seconds: str
    until: str
    percent: str
    hundred: str

    def words(self, whole: str, fraction: str | None = None) -> str:
        digits = _NOT_DIGIT.sub("", whole)  # `01'000`: NumberFormat.read spells the marks too
        return self.fix(self.number.read(digits if whole.startswith("0") else whole, fraction))

    def count(self, whole: str, fraction: str | None = None, *, feminine: bool = False) -> str:
        """A number counting something named after it: a lone 1 takes the noun's form."""
        if fraction is None and self.number.whole(whole) == 1 and not whole.startswith("0"):
            return self.one(feminine)
        return self.words(whole, fraction)

    def cardinal(self, number: int) -> str:
        return self.fix(cardinal(number, self.number.lang))

    def year(self, number: int) -> str:
        """1100 to 1999 by hundreds ("neunzehnhundertvierundachtzig"), others as numbers."""
        if not 1100 <= number <= 1999:
            return self.cardinal(number)
        hundreds, rest = divmod(number, 100)
        return f"{self.cardinal(hundreds)}{self.hundred}{self.cardinal(rest) if rest else ''}"

    @cached_property
    def _money(self) -> re.Pattern[str]:
        currency = alternation(self.currencies)
        return re.compile(
            rf"(?:(?P<pre>{currency})\s?)?(?<![\d.,]){self.number.source}"
            r"(?:\.(?P<cents>\d{2})(?!\d|\.\d))?(?P<dash>[.,]\s?-{1,2}(?![\d-]))?"
            rf"(?:\s?(?P<scale>{alternation(self.scales)}))?"
            rf"(?:\s?(?P<post>{currency})(?![\w$€£¥]))?"
        )

    @cached_property
    def _scale(self) -> re.Pattern[str]:
        return re.compile(
            rf"(?<![\d.,]){self.number.source}\s?(?P<scale>{alternation(self.scales)})(?!\w)"
        )

    @cached_property
    def _unit(self) -> re.Pattern[str]:
        return re.compile(
            rf"(?:(?<![\w.,\d-])(?P<sign>[-+]))?(?<![\d.,]){self.number.source}"
            rf"\s?(?P<unit>{alternation(self.units)})(?![\w/°])"
        )

    @cached_property
    def _times(self) -> tuple[re.Pattern[str], ...]:
        hour = re.escape(self.hour)
        return (
            re.compile(
                rf"(?<![\d.,:])(\d{{1,2}}):(\d{{2}})(?::(\d{{2}}))?(?![\d:])(?:\s?{hour}(?!\w))?"
            ),
            re.compile(  # 14.30 Uhr; 9.00 bis 17.00 Uhr
                rf"(?<![\d.,:])(\d{{1,2}})\.(\d{{2}})()(?:\s?{hour}(?!\w)|"
                rf"(?=\s?(?:-|{self.until})\s?\d{{1,2}}[.:]\d{{2}}\s?{hour}(?!\w)))"
            ),
            re.compile(rf"(?<![\d.,:])(\d{{1,2}})()()\s?{hour}(?!\w)"),
        )


def abbreviations(may_end: dict[str, str], never_end: dict[str, str]) -> Callable[[str], str]:
    """Expands the tables as written mid-sentence and capitalised as written at a sentence's
    start (`Z. B.` → "Zum Beispiel"): two tables, as one keys its entries without their case.
    `never_end` ones lose their stop even before a capital (German nouns have one)."""

    def capitalized(table: dict[str, str]) -> dict[str, str]:
        return {k[0].upper() + k[1:]: v[0].upper() + v[1:] for k, v in table.items()}

    lower = Abbreviations(words=may_end, titles=never_end)
    upper = Abbreviations(words=capitalized(may_end), titles=capitalized(never_end))
    return lambda text: upper.expand(lower.expand(text))


ISO_DATE = re.compile(r"(?<![\d.-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
_END, _NOT_DIGIT = re.compile(r"\s*\Z"), re.compile(r"\D")
_FRACTION = re.compile(r"(?<![\d.,/])(\d{1,3})/(\d{1,3})(?![\d/])")


def fractions(text: str, name: Callable[[int, int], str]) -> str:
    """`3/4` → `name(3, 4)` where the numerator is below the denominator; other slashes stay."""

    def read(m: re.Match[str]) -> str:
        numerator, denominator = int(m[1]), int(m[2])
        if not 0 < numerator < denominator:
            return m.group(0)
        return _spaced(m, name(numerator, denominator))

    return _FRACTION.sub(read, text)


def money(text: str, lang: Language) -> str:
    """`4,99 €` → "vier Euro neunundneunzig", `€ 0,50` → "vijftig cent", `CHF 20.–`,
    `2,5 Mio. €` → "zwei Komma fünf Millionen Euro"."""

    def read(m: re.Match[str]) -> str:
        if not (m["pre"] or m["post"]) or (m["pre"] and m["post"]):
            return m.group(0)
        currency = lang.currencies[m["pre"] or m["post"]]
        whole, fraction, cents = m["whole"], m["fraction"], m["cents"]
        if m["scale"]:
            stop = "" if m["post"] else _stop(m, m["scale"])
            return _spaced(m, f"{_scaled(lang, m)} {currency.many}{stop}")
        if fraction and len(fraction) == 2:
            fraction, cents = None, fraction
        if fraction:  # `1,5 €`: a decimal amount, read as one
            return _spaced(m, f"{lang.words(whole, fraction)} {currency.many}")
        number, hundredths = lang.number.whole(whole), int(cents or 0)
        if not number and hundredths:  # `0,50 €` → "fünfzig Cent"
            name = currency.cent_one if hundredths == 1 else currency.cent_many
            return _spaced(m, f"{lang.count(str(hundredths))} {name}")
        words = f"{lang.count(whole)} {currency.one if number == 1 else currency.many}"
        return _spaced(m, f"{words} {lang.cardinal(hundredths)}" if hundredths else words)

    return lang._money.sub(safe(read), text)


def _spaced(m: re.Match[str], words: str) -> str:
    return spaced(m.string, m.start(), m.end(), words)


def at_end(m: re.Match[str]) -> bool:
    """Whether nothing but spaces follows the match: its stop also ends the paragraph."""
    return bool(_END.match(m.string, m.end()))


def _stop(m: re.Match[str], written: str) -> str:
    """The stop of an abbreviation (`Mio.`, `Std.`) that also ended the paragraph."""
    return "." if written.endswith(".") and at_end(m) else ""


def _scaled(lang: Language, m: re.Match[str]) -> str:
    """`3 Mio.` → "drei Millionen", `5 Tsd.` → "fünftausend", `1 Mio.` → "eine Million"."""
    scale = lang.scales[m["scale"]]
    whole, fraction = m["whole"], m["fraction"]
    if not scale.one:  # thousands join their number: "fünftausend"
        if fraction is None:
            return lang.cardinal(lang.number.whole(whole) * scale.value)
        return f"{lang.words(whole, fraction)} {scale.many}"
    single = fraction is None and lang.number.whole(whole) == 1
    name = scale.one if single else scale.many
    return f"{lang.count(whole, fraction, feminine=scale.feminine)} {name}"


def scales(text: str, lang: Language) -> str:
    """Scale words written short after a number (`3 Mio. Einwohner`)."""
    return lang._scale.sub(lambda m: _spaced(m, _scaled(lang, m) + _stop(m, m["scale"])), text)


def units(text: str, lang: Language) -> str:
    """`5 km` → "fünf Kilometer", `1 h` → "eine Stunde", `-5 °C` → "minus fünf Grad Celsius"."""

    def read(m: re.Match[str]) -> str:
        unit = lang.units[m["unit"]]
        whole, fraction = m["whole"], m["fraction"]
        single = fraction is None and lang.number.whole(whole) == 1
        words = f"{lang.count(whole, fraction, feminine=unit.feminine)} "
        words += unit.one if single else unit.many or unit.one
        sign = {"-": f"{lang.number.minus_word} ", "+": "plus ", None: ""}[m["sign"]]
        return _spaced(m, sign + words + _stop(m, m["unit"]))

    return lang._unit.sub(read, text)


def times(text: str, lang: Language) -> str:
    """`14:30 Uhr`, `14.30 uur`, `14:30` → "vierzehn Uhr dreißig"; `1 Uhr` → "ein Uhr"."""

    def read(m: re.Match[str]) -> str:
        hour, minute, second = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
        if hour > 24 or minute > 59 or second > 59:
            return m.group(0)
        words = f"{lang.count(m.group(1))} {lang.hour}"
        if minute or second:
            words += f" {lang.cardinal(minute)}"
        if second:
            words += " " + lang.seconds.format(lang.cardinal(second))
        return _spaced(m, words)

    for pattern in lang._times:
        text = pattern.sub(read, text)
    return text


_RANGE = re.compile(r"(?<![\w.,/:-])(\d+(?:,\d+)?)\s?-\s?(\d+(?:,\d+)?)(?![\w.,:/-]?\d)")


def ranges(text: str, lang: Language) -> str:
    """`3-5 Tage` → "3 bis 5 Tage": the numbers are read by the steps that follow."""
    return _RANGE.sub(rf"\1 {lang.until} \2", text)


def percent(text: str, lang: Language) -> str:
    def read(words: str) -> str:
        words = lang.one(False) if words == lang.number.read("1", None) else lang.fix(words)
        return f"{words} {lang.percent}"

    return percentages(text, lang.number, read)


_YEAR = re.compile(r"(?<![\d.,:/-])(1[1-9]\d\d)(?![\d]|[.,:/]\d)")


def years(text: str, lang: Language, before: re.Pattern[str], after: re.Pattern[str]) -> str:
    """1100 to 1999 as a year where `before` ends the text before it or `after` starts the rest."""

    def read(m: re.Match[str]) -> str:
        start, end = m.start(), m.end()
        if before.search(m.string, max(0, start - 40), start) or after.match(m.string, end):
            return _spaced(m, lang.year(int(m.group(1))))
        return m.group(0)

    return _YEAR.sub(read, text)


_SIGN = re.compile(r"(?:(?<=\s)|(?<=^)|(?<=[(\[]))([-−+])(?=\d)")


def last_numbers(text: str, lang: Language) -> str:
    """Every number the rules left, then every digit still standing (a code, `14.30` without
    its hour word) read number by number, so that no digit reaches the engine."""
    minus = lang.number.minus_word
    text = _SIGN.sub(lambda m: "plus " if m.group(1) == "+" else f"{minus} ", text)

    def read(m: re.Match[str]) -> str:
        return _spaced(m, lang.words(m["whole"], m["fraction"]))

    def digits(run: str) -> str:
        words = digit_by_digit(run, lang.number.lang) if run.startswith("0") else None
        return lang.fix(words) if words else lang.cardinal(int(run))

    return leftover_digits(lang.number.pattern.sub(read, text), digits)
