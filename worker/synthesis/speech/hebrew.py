"""Hebrew: numbers in Hebrew words (num2words, feminine for a bare number as Hebrew counts:
שלוש, אלף מאתיים שלושים וארבע), masculine before masculine nouns (חמישה שקלים), decimals
with נקודה, percentages (אחוז), money (₪5.50 → חמישה שקלים וחמישים אגורות), times, dates with
the month's name (חמישה במרץ), units and temperatures."""

from __future__ import annotations

import re
from typing import Literal

from num2words import num2words

from worker.synthesis.speech.number_tables import (
    Amount,
    Numerals,
    Rule,
    after_number,
    before_number,
    date_rules,
    phone_rule,
    range_rule,
    reader,
    time_rule,
)

Gender = Literal["f", "m"]
Noun = tuple[Gender, str, str]
"""A counted noun: its gender, singular and plural."""


def spell(n: int, gender: Gender = "f") -> str:
    return str(num2words(n, lang="he", gender=gender))


NUMERALS = Numerals(
    spell=spell,
    digits=("אפס", "אחת", "שתיים", "שלוש", "ארבע", "חמש", "שש", "שבע", "שמונה", "תשע"),
    point="נקודה",
    minus="מינוס",
    percent="{} אחוז",
    fraction_as_number=True,
)
_SHEKEL: Noun = ("m", "שקל", "שקלים")
_DOLLAR: Noun = ("m", "דולר", "דולרים")
_EURO: Noun = ("m", "אירו", "אירו")
_CURRENCIES: dict[str, Noun] = {
    "₪": _SHEKEL, 'ש"ח': _SHEKEL, "ש״ח": _SHEKEL, "NIS": _SHEKEL, "ILS": _SHEKEL,
    "$": _DOLLAR, "USD": _DOLLAR, "€": _EURO, "EUR": _EURO,
}  # fmt: skip
_CENTS: dict[str, Noun] = {"שקל": ("f", "אגורה", "אגורות"), "דולר": ("m", "סנט", "סנטים"),
                           "אירו": ("m", "סנט", "סנטים")}  # fmt: skip
_MEASURES: dict[str, Noun] = {
    "km": ("m", "קילומטר", "קילומטרים"), 'ק"מ': ("m", "קילומטר", "קילומטרים"),
    "m": ("m", "מטר", "מטרים"), "cm": ("m", "סנטימטר", "סנטימטרים"),
    "kg": ("m", "קילוגרם", "קילוגרמים"), 'ק"ג': ("m", "קילוגרם", "קילוגרמים"),
    "g": ("m", "גרם", "גרמים"), "L": ("m", "ליטר", "ליטרים"), "l": ("m", "ליטר", "ליטרים"),
}  # fmt: skip
_DEGREE: Noun = ("f", "מעלה", "מעלות")
_SCALE_NAMES = {"°C": " צלזיוס", "°F": " פרנהייט", "°": ""}
_BEFORE_PLURAL = re.compile(r"(?<![\d.,-])(\d{1,6})(?= ([\u05d0-\u05ea]+(?:ים|ות))\b)")
"""A number before a plural agrees with it: שלושה חתולים (-ים, masculine), שתי ילדות."""
_LABELS = frozenset({"פרק", "עמוד", "חדר", "שורה", "סעיף", "קו", "כביש", "מספר", "רחוב", "דירה"})
"""Nouns a number names rather than counts: the number keeps its bare (feminine) form."""
_FEMININE_IN_IM = frozenset({"שנים", "נשים", "ביצים", "עשרות", "פעמיים"})
_MONTHS = ("בינואר", "בפברואר", "במרץ", "באפריל", "במאי", "ביוני", "ביולי", "באוגוסט",
           "בספטמבר", "באוקטובר", "בנובמבר", "בדצמבר")  # fmt: skip
"""With the ב a date says them with: חמישה במרץ."""


_DAY = re.compile(rf"(?<![\d.,])([1-9]|[12]\d|3[01])(?= (?:{'|'.join(_MONTHS)})\b)")
"""`5 במאי`: a day of the month, said in the masculine (חמישה במאי)."""


def counted(n: int, noun: Noun) -> str:
    """שקל אחד, שני שקלים, חמישה שקלים; מעלה אחת, שתי מעלות, עשרים מעלות."""
    gender, one, many = noun
    if n == 1:
        return f"{one} {spell(1, gender)}"
    if n == 2:
        return f"{'שני' if gender == 'm' else 'שתי'} {many}"
    return f"{spell(n, gender)} {many}"


def _counted_amount(amount: Amount, noun: Noun) -> str:
    words = (
        f"{NUMERALS.unsigned(amount)} {noun[2]}"
        if amount.fraction
        else counted(amount.integer, noun)
    )
    return f"מינוס {words}" if amount.negative else words


def _money(sign: str, amount: Amount) -> str:
    noun = _CURRENCIES[sign]
    if len(amount.fraction) != 2:
        return _counted_amount(amount, noun)
    units, cents = amount.money()
    words = _counted_amount(units, noun)
    return f"{words} ו{counted(cents, _CENTS[noun[1]])}" if cents else words


def _measure(unit: str, amount: Amount) -> str:
    return _counted_amount(amount, _MEASURES[unit])


def _degrees(unit: str, amount: Amount) -> str:
    """20°C → עשרים מעלות צלזיוס; 1°C → מעלה אחת."""
    return _counted_amount(amount, _DEGREE) + _SCALE_NAMES[unit]


def _agreeing(m: re.Match[str]) -> str:
    digits, noun = m.groups()
    before = m.string[max(0, m.start() - 8) : m.start()].split()
    if (digits[0] == "0" and len(digits) > 1) or (before and before[-1].lstrip("בהלמו") in _LABELS):
        raise ValueError("an id, or a label: chapter 3 is פרק שלוש")
    n = int(digits)
    if noun.endswith("ות") or noun in _FEMININE_IN_IM:
        return "שתי" if n == 2 else spell(n)
    return "שני" if n == 2 else spell(n, "m")


def _clock(hour: int, minute: int) -> str:
    """14:30 → ארבע עשרה ושלושים; hours and minutes are said in the feminine."""
    words = spell(hour) if hour else "אפס"
    return f"{words} ו{spell(minute)}" if minute else words


def _date(year: int, month: int, day: int) -> str:
    return f"{spell(day, 'm')} {_MONTHS[month - 1]} {spell(year)}"


RULES: list[Rule] = [
    *date_rules(_date),
    time_rule(_clock),
    phone_rule(NUMERALS),
    range_rule(NUMERALS, " עד "),
    before_number(NUMERALS, _CURRENCIES, _money),
    after_number(NUMERALS, _CURRENCIES, _money),
    after_number(NUMERALS, _SCALE_NAMES, _degrees),
    after_number(NUMERALS, _MEASURES, _measure),
    (_DAY, lambda m: spell(int(m.group(1)), "m")),
    (_BEFORE_PLURAL, _agreeing),
]

_PREFIX = re.compile(r"(?<![\u05d0-\u05ea])([בהוכלמש])(?:- ?| )(?=[\u05d0-\u05ea])")
"""`ב-14:30`, `ו5`: once the number is words its prefix joins it again (בארבע עשרה ושלושים)."""

read = reader(NUMERALS, RULES, after=[(_PREFIX, lambda m: m.group(1))])
