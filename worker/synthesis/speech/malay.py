"""Malay: numbers in Malay words (num2words has none): satu … sembilan, sepuluh, sebelas,
dua belas, dua puluh, seratus, seribu, juta, bilion; decimals with perpuluhan, percentages
(peratus), money (RM5.50 → lima ringgit lima puluh sen), ordinals (ke-3 → ketiga), times,
dates with the month's name, units and temperatures."""

from __future__ import annotations

import re

from worker.synthesis.speech.number_tables import (
    Amount,
    Numerals,
    Rule,
    after_number,
    before_number,
    date_rules,
    dotted_time_rule,
    phone_rule,
    range_rule,
    reader,
    scaled_money_rule,
    time_rule,
)

_UNITS = ("kosong", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "lapan", "sembilan")
_SCALES = ((10**12, "trilion"), (10**9, "bilion"), (10**6, "juta"))


def _below_thousand(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words.append("seratus" if hundreds == 1 else f"{_UNITS[hundreds]} ratus")
    tens, unit = divmod(rest, 10)
    if rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif tens == 1:
        words.append(f"{_UNITS[unit]} belas")
    else:
        if tens:
            words.append(f"{_UNITS[tens]} puluh")
        if unit:
            words.append(_UNITS[unit])
    return words


def spell(n: int) -> str:
    """Whole numbers; sifar for zero (kosong is the digit, as in a phone number)."""
    if n == 0:
        return "sifar"
    words: list[str] = []
    for size, name in _SCALES:
        count, n = divmod(n, size)
        if count:
            words += [*_below_thousand(count), name]
    thousands, n = divmod(n, 1000)
    if thousands:
        words += ["seribu"] if thousands == 1 else [*_below_thousand(thousands), "ribu"]
    return " ".join(words + _below_thousand(n))


NUMERALS = Numerals(
    spell=spell, digits=_UNITS, point="perpuluhan", minus="negatif", percent="{} peratus"
)
_CURRENCIES = {
    "RM": ("ringgit", "sen"), "MYR": ("ringgit", "sen"), "$": ("dolar", "sen"),
    "USD": ("dolar Amerika", "sen"), "S$": ("dolar Singapura", "sen"),
    "SGD": ("dolar Singapura", "sen"), "€": ("euro", "sen"), "EUR": ("euro", "sen"),
    "£": ("paun", "peni"), "Rp": ("rupiah", "sen"),
}  # fmt: skip
_MEASURES = {
    "km": "kilometer", "m": "meter", "cm": "sentimeter", "mm": "milimeter", "kg": "kilogram",
    "g": "gram", "mg": "miligram", "L": "liter", "l": "liter", "ml": "mililiter",
    "km/j": "kilometer sejam", "km/h": "kilometer sejam", "°C": "darjah Celsius",
    "°F": "darjah Fahrenheit", "°": "darjah", "GB": "gigabait", "MB": "megabait",
}  # fmt: skip
_MONTHS = ("Januari", "Februari", "Mac", "April", "Mei", "Jun", "Julai", "Ogos", "September",
           "Oktober", "November", "Disember")  # fmt: skip
_ORDINAL = re.compile(r"\bke-?(\d+)\b")


def _money(sign: str, amount: Amount) -> str:
    name, cent = _CURRENCIES[sign]
    if len(amount.fraction) > 2:
        return f"{NUMERALS.say(amount)} {name}"
    units, cents = amount.money()
    words = f"{NUMERALS.say(units)} {name}"
    return f"{words} {spell(cents)} {cent}" if cents else words


def _measure(unit: str, amount: Amount) -> str:
    return f"{NUMERALS.say(amount)} {_MEASURES[unit]}"


def _clock(hour: int, minute: int) -> str:
    """14:30 → empat belas tiga puluh; 7:05 → tujuh kosong lima (after pukul, as written)."""
    words = spell(hour)
    if minute:
        words += f" {'kosong ' if minute < 10 else ''}{spell(minute)}"
    return words


def _date(year: int, month: int, day: int) -> str:
    return f"{spell(day)} {_MONTHS[month - 1]} {spell(year)}"


def _ordinal(m: re.Match[str]) -> str:
    """ke-1 → pertama, ke-3 → ketiga."""
    n = int(m.group(1))
    return "pertama" if n == 1 else "ke" + spell(n)


def _scaled(currency: str, amount: Amount, scale: str) -> str:
    """`RM1.5 juta`: the scale before the currency, satu perpuluhan lima juta ringgit."""
    return f"{NUMERALS.say(amount)} {scale} {_CURRENCIES[currency][0]}"


RULES: list[Rule] = [
    *date_rules(_date),
    scaled_money_rule(NUMERALS, _CURRENCIES, r"(?:ribu|juta|bilion|trilion)\b", _scaled),
    time_rule(_clock),
    dotted_time_rule(_clock, "pukul|jam|Pukul|Jam"),
    phone_rule(NUMERALS),
    range_rule(NUMERALS, " hingga "),
    before_number(NUMERALS, _CURRENCIES, _money),
    after_number(NUMERALS, [k for k in _CURRENCIES if k.isalpha() and k != "Rp"], _money),
    after_number(NUMERALS, _MEASURES, _measure),
    (_ORDINAL, _ordinal),
]

read = reader(NUMERALS, RULES)
