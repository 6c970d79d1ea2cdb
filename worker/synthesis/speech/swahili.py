"""Swahili: numbers in Swahili words (num2words has none): moja … kumi, kumi na moja,
ishirini, mia moja, elfu, milioni, with `na` before the last part (mia moja ishirini na tano);
decimals with nukta, percentages before the number (asilimia hamsini), money (shilingi mia
tano), times on the Swahili clock (14:30 → saa nane na nusu mchana), dates with the month's
name, units and temperatures."""

from __future__ import annotations

import re

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
    scaled_money_rule,
    time_rule,
)

_UNITS = ("sifuri", "moja", "mbili", "tatu", "nne", "tano", "sita", "saba", "nane", "tisa")
_TENS = ("", "kumi", "ishirini", "thelathini", "arobaini", "hamsini", "sitini", "sabini",
         "themanini", "tisini")  # fmt: skip
_SCALES = ((10**12, "trilioni"), (10**9, "bilioni"), (10**6, "milioni"), (1000, "elfu"))


def _parts(n: int) -> list[str]:
    """The parts of 0 < n, largest first: elfu moja, mia mbili, thelathini, nne."""
    parts: list[str] = []
    for size, name in _SCALES:
        count, n = divmod(n, size)
        if count:
            parts.append(f"{name} {spell(count)}")
    hundreds, n = divmod(n, 100)
    if hundreds:
        parts.append(f"mia {_UNITS[hundreds]}")
    tens, unit = divmod(n, 10)
    if tens == 1 and unit:
        parts.append(f"kumi na {_UNITS[unit]}")  # one part: mia moja na kumi na moja
        return parts
    if tens:
        parts.append(_TENS[tens])
    if unit:
        parts.append(_UNITS[unit])
    return parts


def spell(n: int) -> str:
    if n == 0:
        return "sifuri"
    parts = _parts(n)
    if len(parts) == 1:
        return parts[0]
    return " ".join(parts[:-1]) + " na " + parts[-1]


NUMERALS = Numerals(spell=spell, digits=_UNITS, point="nukta", minus="hasi", percent="asilimia {}")
_CURRENCIES = {
    "KSh": "shilingi", "KES": "shilingi", "TSh": "shilingi", "TZS": "shilingi",
    "USh": "shilingi", "UGX": "shilingi", "Sh": "shilingi", "Sh.": "shilingi", "$": "dola",
    "USD": "dola",
    "€": "yuro", "EUR": "yuro", "£": "pauni", "GBP": "pauni",
}  # fmt: skip
_MEASURES = {
    "km": "kilomita", "m": "mita", "cm": "sentimita", "mm": "milimita", "kg": "kilo",
    "g": "gramu", "L": "lita", "l": "lita", "ml": "mililita", "km/h": "kilomita kwa saa",
}  # fmt: skip
_MONTHS = ("Januari", "Februari", "Machi", "Aprili", "Mei", "Juni", "Julai", "Agosti",
           "Septemba", "Oktoba", "Novemba", "Desemba")  # fmt: skip


_CONCORDS = {
    "wa": {"moja": "mmoja", "mbili": "wawili"}, "mi": {"moja": "mmoja", "mbili": "miwili"},
    "vi": {"moja": "kimoja", "mbili": "viwili"}, "ma": {"moja": "moja", "mbili": "mawili"},
}  # fmt: skip
"""The counted noun's class prefix, and the numbers that agree with it (watoto wawili, miti
miwili, vitabu viwili, matunda mawili); tatu, nne, tano and nane take the prefix itself."""
_PREFIXED = frozenset({"tatu", "nne", "tano", "nane"})
_NOT_CLASS = frozenset({"mara", "maili", "mama", "wakati", "wiki", "mita", "mililita"})
_COUNTED = re.compile(
    r"(?<![\w-])((wa|mi|vi|ma)[^\W\d_]+) (\d{1,3}(?:,\d{3})+|\d{1,15})"
    r"(?![\d.,]?\d|\s?[%°]|[^\W\d_])",
    re.IGNORECASE,
)


def _agreeing(m: re.Match[str]) -> str:
    """`watoto 2` → watoto wawili; `miaka 25` → miaka ishirini na mitano."""
    noun, prefix, digits = m.group(1), m.group(2).lower(), m.group(3)
    if noun.lower() in _NOT_CLASS or digits[0] == "0":
        raise ValueError("no concord to make")
    *head, last = spell(int(digits.replace(",", ""))).split(" ")
    if head and head[-1] in ("mia", "elfu", "milioni", "bilioni", "trilioni"):
        raise ValueError("the last number counts hundreds or thousands: mia mbili")
    if last in _PREFIXED:
        last = prefix + last
    last = _CONCORDS[prefix].get(last, last)
    return " ".join([noun, *head, last])


_FIRST_SECOND = re.compile(r"(?<![\w-])((?:wa|ya|la|cha|vya|za) )([12])(?![\d.,]?\d|[^\W\d_])")
"""`sura ya 2`: after the `-a of` an ordinal, and 1 and 2 have words of their own (ya pili)."""


def _money(sign: str, amount: Amount) -> str:
    """The currency first, as Swahili says it: shilingi mia tano, dola tano."""
    return f"{_CURRENCIES[sign]} {NUMERALS.say(amount)}"


def _measure(unit: str, amount: Amount) -> str:
    return f"{_MEASURES[unit]} {NUMERALS.say(amount)}"


def _degrees(unit: str, amount: Amount) -> str:
    """20°C → nyuzi joto ishirini."""
    return f"nyuzi joto {NUMERALS.say(amount)}"


def _period(hour: int) -> str:
    if 4 <= hour < 12:
        return "asubuhi"
    if 12 <= hour < 16:
        return "mchana"
    return "jioni" if 16 <= hour < 19 else "usiku"


def _said(hour: int, minute: int) -> str:
    """An hour of the Swahili clock (saa moja is an hour after sunrise) and its minutes."""
    if minute > 40:
        hour, minute = hour % 12 + 1, minute - 60
    words = f"saa {spell(hour)}"
    if minute == 30:
        return f"{words} na nusu"
    if minute in (15, -15):
        return f"{words} {'na' if minute > 0 else 'kasoro'} robo"
    if minute < 0:
        return f"{words} kasoro dakika {spell(-minute)}"
    return f"{words} na dakika {spell(minute)}" if minute else words


def _clock(hour: int, minute: int) -> str:
    """A 24-hour time, on the Swahili clock: 7:00 is saa moja asubuhi, 14:30 saa nane na
    nusu mchana."""
    period = _period((hour + (minute > 40)) % 24)
    return f"{_said((hour - 6) % 12 or 12, minute)} {period}"


_SWAHILI_TIME = re.compile(
    r"(?:saa )?(1[0-2]|0?[1-9])[:.]([0-5]\d)(?= (?:asubuhi|mchana|jioni|usiku|alfajiri)\b)"
)
"""`saa 2:30 asubuhi`: written on the Swahili clock already, as its period word shows."""


def _date(year: int, month: int, day: int) -> str:
    return f"tarehe {spell(day)} {_MONTHS[month - 1]} {spell(year)}"


def _scaled(currency: str, amount: Amount, scale: str) -> str:
    """`KSh 2 milioni`: the currency, the scale, then the number: shilingi milioni mbili."""
    return f"{_CURRENCIES[currency]} {scale} {NUMERALS.say(amount)}"


RULES: list[Rule] = [
    *date_rules(_date),
    scaled_money_rule(NUMERALS, _CURRENCIES, r"(?:elfu|milioni|bilioni)\b", _scaled),
    (_SWAHILI_TIME, lambda m: _said(int(m.group(1)), int(m.group(2)))),
    time_rule(_clock, ("saa ", "")),
    phone_rule(NUMERALS),
    range_rule(NUMERALS, " hadi "),
    before_number(NUMERALS, _CURRENCIES, _money),
    after_number(NUMERALS, [k for k in _CURRENCIES if k.isalpha()], _money),
    after_number(NUMERALS, ["°C", "°F", "°"], _degrees),
    after_number(NUMERALS, _MEASURES, _measure),
    before_number(NUMERALS, [k for k in _MEASURES if len(k) > 1], _measure),
    (_COUNTED, _agreeing),
    (_FIRST_SECOND, lambda m: m.group(1) + ("kwanza" if m.group(2) == "1" else "pili")),
]

read = reader(NUMERALS, RULES)
