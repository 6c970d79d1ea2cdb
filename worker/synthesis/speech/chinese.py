"""Chinese (Mandarin): numbers in characters (`1,234` → 一千二百三十四, 两 before 千, 万 and
亿 and before a measure word), years digit by digit (二零二四年), decimals with 点,
percentages as 百分之…, money, times, dates and the common units."""

from __future__ import annotations

import re

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

_DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")
_LARGE_UNITS = ("", "万", "亿", "万亿")
_MEASURE_WORDS = (
    "个|只|本|位|次|件|条|张|头|匹|辆|台|杯|碗|双|把|块|天|周|岁|种|份|点钟|小时|分钟|"
    "公里|公斤|千克|米|层|家|所|座|棵|朵|封|部|首|句|步|口|瓶|盒|年(?!级)|人|名|遍|趟|场|节|斤|"
    "套|片|颗|根|支|间|点(?!\\d)"
)
"""After one of these a lone 2 is 两 (两个, 两天), not 二."""


def _group(n: int, *, leading: bool) -> str:
    """0 < n < 10000: 一千零五, 三百二十; 两 for a 2 before 千, and before 百 at the start."""
    digits = f"{n:04d}"
    words: list[str] = []
    gap = False
    for i, d in enumerate(int(c) for c in digits):
        place = 3 - i
        if d == 0:
            gap = bool(words)
            continue
        if gap:
            words.append("零")
            gap = False
        started = not words
        if d == 2 and (place == 3 or (place == 2 and started and leading)):
            words.append("两" + _SMALL_UNITS[place])
        elif d == 1 and place == 1 and started and leading:
            words.append("十")  # 十五, not 一十五, at the head of a number
        else:
            words.append(_DIGITS[d] + _SMALL_UNITS[place])
    return "".join(words)


def spell(n: int) -> str:
    if n == 0:
        return "零"
    groups: list[int] = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        value = groups[index]
        if value == 0:
            continue
        leading = not words
        if words and (value < 1000 or groups[index + 1] == 0):
            words.append("零")  # 一万零五, 一亿零五十万
        part = _group(value, leading=leading)
        if index and part == "二":
            part = "两"  # 两万, 两亿
        words.append(part + _LARGE_UNITS[index])
    return "".join(words)


NUMERALS = Numerals(
    spell=spell, digits=_DIGITS, point="点", minus="负", percent="百分之{}", join=""
)
_CURRENCIES = {
    "¥": "元", "￥": "元", "RMB": "元", "CNY": "元", "$": "美元", "USD": "美元", "€": "欧元",
    "EUR": "欧元", "元": "元", "£": "英镑", "GBP": "英镑", "HK$": "港元", "NT$": "新台币",
    "JPY": "日元",
}  # fmt: skip
_UNITS = {
    "km": "公里", "m": "米", "cm": "厘米", "mm": "毫米", "kg": "公斤", "g": "克", "mg": "毫克",
    "L": "升", "l": "升", "ml": "毫升", "mL": "毫升", "h": "小时",
    "min": "分钟", "s": "秒", "°C": "摄氏度", "°F": "华氏度", "°": "度", "GB": "GB", "MB": "MB",
}  # fmt: skip


def _money(sign: str, amount: Amount) -> str:
    """¥3.50 → 三元五角; $5 → 五美元: 元 with 角 and 分, other currencies with 点."""
    name = _CURRENCIES[sign]
    cents = (amount.fraction + "00")[:2] if amount.fraction else ""
    if name == "元" and cents and len(amount.fraction) <= 2:
        words = ("两" if amount.whole == "2" else spell(amount.integer)) + "元"
        if cents[0] != "0":
            words += _DIGITS[int(cents[0])] + "角"
        if cents[1] != "0":
            words += ("零" if cents[0] == "0" else "") + _DIGITS[int(cents[1])] + "分"
    else:
        plain = Amount(False, amount.whole, amount.fraction.rstrip("0"), grouped=True)
        words = ("两" if amount.whole == "2" else NUMERALS.unsigned(plain)) + name
    return ("负" if amount.negative else "") + words


def _unit(unit: str, amount: Amount) -> str:
    if unit == "km/h":
        return f"每小时{NUMERALS.say(amount)}公里"  # per hour first: 每小时六十公里
    words = NUMERALS.unsigned(amount)
    if amount.whole == "2" and not amount.fraction and unit not in {"°C", "°F", "°"}:
        words = "两"  # 两公里, 两公斤
    if amount.negative:
        return ("零下" if unit.startswith("°") else "负") + words + _UNITS[unit]
    return words + _UNITS[unit]


def _clock(hour: int, minute: int) -> str:
    """14:30 → 十四点三十分; 2:00 → 两点; 14:05 → 十四点零五分."""
    words = ("两" if hour == 2 else spell(hour)) + "点"
    if minute:
        words += ("零" if minute < 10 else "") + spell(minute) + "分"
    return words


_PHONE = re.compile(r"((?:电话|手机|号码|编号|热线)(?:是|为)?:?\s?)(\d+)")
"""A phone number is read digit by digit, its 1 as 幺."""


_SCORE = re.compile(r"(?<![\d:.,])(\d{1,3}):(\d{1,3})(?![\d:])")
"""`3:2` that is not a time: a score or a ratio, 三比二."""


def _year(digits: str) -> str:
    return "".join(_DIGITS[int(d)] for d in digits)


def _date(year: int, month: int, day: int) -> str:
    return f"{_year(str(year))}年{spell(month)}月{spell(day)}日"


RULES: list[Rule] = [
    *date_rules(_date),
    time_rule(_clock),
    (_SCORE, lambda m: f"{spell(int(m.group(1)))}比{spell(int(m.group(2)))}"),
    phone_rule(NUMERALS, "零幺二三四五六七八九", "", " "),
    range_rule(NUMERALS, "到", "-~"),
    fraction_rule(NUMERALS, lambda top, bottom: f"{bottom}分之{top}"),
    before_number(NUMERALS, _CURRENCIES, _money),
    after_number(NUMERALS, [k for k in _CURRENCIES if k.isalpha() or k == "元"], _money),
    after_number(NUMERALS, [*_UNITS, "km/h"], _unit),
    (re.compile(r"(?<![\d.,])(\d{4})(?=年)"), lambda m: _year(m.group(1))),
    (_PHONE, lambda m: m.group(1) + _year(m.group(2)).replace("一", "幺")),
    (re.compile(rf"(?<![\d.,第])2(?=(?:{_MEASURE_WORDS}))"), lambda m: "两"),
]
"""Dates and times first (their digits are not plain numbers), then money and units."""

read = reader(NUMERALS, RULES)
