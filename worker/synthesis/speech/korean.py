"""Korean: Sino-Korean numbers (num2words: 1,234 → 천이백삼십사), native numbers before the
counters that take them (3개 → 세 개, 14시 → 열네 시), 6월 → 유월 and 10월 → 시월, decimals
with 점, percentages, money (₩5,000 → 오천 원), times, dates, units and temperatures."""

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
    return str(num2words(n, lang="ko"))


NUMERALS = Numerals(
    spell=spell,
    digits=("영", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"),
    point="점",
    minus="마이너스",
    percent="{} 퍼센트",
)
_PHONE_DIGITS = ("공", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구")
"""A phone number's 0 is 공: 공일공에 일이삼사에 오육칠팔."""
_NATIVE_UNITS = ("", "한", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉")
_NATIVE_TENS = ("", "열", "스물", "서른", "마흔", "쉰", "예순", "일흔", "여든", "아흔")
_NATIVE_COUNTERS = (
    "개(?!월)|명|마리|살|시간|시|권|대|잔|병|장|곳|가지|달|그릇|켤레|송이|벌|척|채|사람"
)
"""Counters that count with native numbers (세 마리), up to 99; others take Sino ones."""
_MONTHS = {6: "유", 10: "시"}
"""The two months whose number is said otherwise: 유월, 시월."""
_CURRENCIES = {
    "₩": "원", "KRW": "원", "$": "달러", "USD": "달러", "€": "유로", "EUR": "유로",
    "¥": "엔", "JPY": "엔", "£": "파운드", "GBP": "파운드", "CNY": "위안",
}  # fmt: skip
_UNITS = {
    "km": "킬로미터", "m": "미터", "cm": "센티미터", "mm": "밀리미터", "kg": "킬로그램",
    "g": "그램", "mg": "밀리그램", "L": "리터", "l": "리터", "ml": "밀리리터", "mL": "밀리리터",
    "GB": "기가바이트", "MB": "메가바이트",
}  # fmt: skip


_SCORE = re.compile(r"(?<![\d:.,])(\d{1,3}):(\d{1,3})(?![\d:])")
"""`3:2` that is not a time: a score or a ratio, 삼 대 이."""


def native(n: int) -> str:
    """1 ≤ n ≤ 99 in native numbers, in the form said before a counter (한, 스무)."""
    if n == 20:
        return "스무"
    return _NATIVE_TENS[n // 10] + _NATIVE_UNITS[n % 10]


def _money(sign: str, amount: Amount) -> str:
    plain = Amount(amount.negative, amount.whole, amount.fraction.rstrip("0"), grouped=True)
    return f"{NUMERALS.say(plain)} {_CURRENCIES[sign]}"


def _unit(unit: str, amount: Amount) -> str:
    if unit == "km/h":
        return f"시속 {NUMERALS.say(amount)} 킬로미터"  # the speed first: 시속 육십 킬로미터
    return f"{NUMERALS.say(amount)} {_UNITS[unit]}"


def _degrees(unit: str, amount: Amount) -> str:
    """20°C → 섭씨 이십 도; -5°C → 영하 오 도."""
    scale = "화씨 " if unit == "°F" else ("" if unit == "°" else "섭씨 ")
    if amount.negative:
        scale = "영하 "
    return f"{scale}{NUMERALS.unsigned(amount)} 도"


def _clock(hour: int, minute: int) -> str:
    words = f"{native(hour) if hour else '영'} 시"
    return f"{words} {spell(minute)} 분" if minute else words


def _month(month: int) -> str:
    return _MONTHS.get(month) or spell(month)


def _date(year: int, month: int, day: int) -> str:
    return f"{spell(year)}년 {_month(month)}월 {spell(day)}일"


RULES: list[Rule] = [
    *date_rules(_date),
    time_rule(_clock),
    (_SCORE, lambda m: f"{spell(int(m.group(1)))} 대 {spell(int(m.group(2)))}"),
    phone_rule(NUMERALS, _PHONE_DIGITS, "", "에 "),
    range_rule(NUMERALS, "에서 ", "-~"),
    fraction_rule(NUMERALS, lambda top, bottom: f"{bottom} 분의 {top}"),
    before_number(NUMERALS, _CURRENCIES, _money),
    after_number(NUMERALS, [k for k in _CURRENCIES if k.isalpha() or k in "$€£"], _money),
    after_number(NUMERALS, ["°C", "°F", "°"], _degrees),
    after_number(NUMERALS, [*_UNITS, "km/h"], _unit),
    (re.compile(r"(?<![\d.,])(6|10)(?=\s?월)"), lambda m: _MONTHS[int(m.group(1))]),
    (
        re.compile(rf"(?<![\d.,제])([1-9]\d?)\s?(?=(?:{_NATIVE_COUNTERS}))"),
        lambda m: native(int(m.group(1))) + " ",
    ),
]

read = reader(NUMERALS, RULES)
