"""Japanese: numbers in kanji (num2words: 1,234 → 千二百三十四, 一万), decimals with 点,
percentages, money with the currency's name (¥1,000 → 千円), times (十四時三十分), dates
(2024/3/5 → 二千二十四年三月五日), units and temperatures."""

from __future__ import annotations

import re

from num2words import num2words

from worker.synthesis.speech.number_tables import (
    Amount,
    Numerals,
    Rule,
    after_number,
    before_number,
    date_rules,
    fraction_rule,
    phone_rule,
    range_rule,
    reader,
    time_rule,
)


def spell(n: int) -> str:
    return str(num2words(n, lang="ja"))


NUMERALS = Numerals(
    spell=spell,
    digits="零一二三四五六七八九",
    point="点",
    minus="マイナス",
    percent="{}パーセント",
    join="",
    digit_join=" ",
)
_CURRENCIES = {
    "¥": "円", "JPY": "円", "$": "ドル", "USD": "ドル", "US$": "ドル", "€": "ユーロ",
    "EUR": "ユーロ", "£": "ポンド", "GBP": "ポンド", "₩": "ウォン", "KRW": "ウォン",
    "CNY": "元", "RMB": "元",
}  # fmt: skip
_UNITS = {
    "km": "キロメートル", "m": "メートル", "cm": "センチメートル", "mm": "ミリメートル",
    "kg": "キログラム", "g": "グラム", "mg": "ミリグラム", "L": "リットル", "l": "リットル",
    "ml": "ミリリットル", "mL": "ミリリットル", "GB": "ギガバイト",
    "MB": "メガバイト",
}  # fmt: skip


_SCORE = re.compile(r"(?<![\d:.,])(\d{1,3}):(\d{1,3})(?![\d:])")
"""`3:2` that is not a time: a score or a ratio, 三対二."""


def _money(sign: str, amount: Amount) -> str:
    plain = Amount(amount.negative, amount.whole, amount.fraction.rstrip("0"), grouped=True)
    return NUMERALS.say(plain) + _CURRENCIES[sign]


def _unit(unit: str, amount: Amount) -> str:
    if unit == "km/h":
        return f"時速{NUMERALS.say(amount)}キロメートル"  # the speed first: 時速六十キロメートル
    return NUMERALS.say(amount) + _UNITS[unit]


def _degrees(unit: str, amount: Amount) -> str:
    """20°C → 二十度 (Celsius goes without saying); 50°F → 華氏五十度."""
    return ("華氏" if unit == "°F" else "") + NUMERALS.say(amount) + "度"


def _clock(hour: int, minute: int) -> str:
    return spell(hour) + "時" + (spell(minute) + "分" if minute else "")


def _date(year: int, month: int, day: int) -> str:
    return f"{spell(year)}年{spell(month)}月{spell(day)}日"


RULES: list[Rule] = [
    *date_rules(_date),
    time_rule(_clock),
    (_SCORE, lambda m: f"{spell(int(m.group(1)))}対{spell(int(m.group(2)))}"),
    phone_rule(NUMERALS, between="の"),
    range_rule(NUMERALS, "から", "-~〜"),
    fraction_rule(NUMERALS, lambda top, bottom: f"{bottom}分の{top}"),
    before_number(NUMERALS, _CURRENCIES, _money),
    after_number(NUMERALS, [k for k in _CURRENCIES if k.isalpha() or k in "$€£"], _money),
    after_number(NUMERALS, ["°C", "°F", "°"], _degrees),
    after_number(NUMERALS, [*_UNITS, "km/h"], _unit),
]

read = reader(NUMERALS, RULES)
