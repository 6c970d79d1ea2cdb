"""Arabic: numbers in Modern Standard Arabic words, its own converter rather than num2words,
which writes `و عشرون` apart and says 2000 `ألفا` (here: واحد وعشرون, ألفان, ثلاثة آلاف, أحد
عشر ألفًا); Arabic-Indic digits and marks (٣٫٥); decimals with فاصلة, percentages (بالمئة),
money with the counted noun's number (خمسة دولارات، عشرون دولارًا), times, dates with the
month's name and its day as an ordinal (الخامس من مارس), units and temperatures."""

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
    time_rule,
)

_UNITS = ("صفر", "واحد", "اثنان", "ثلاثة", "أربعة", "خمسة", "ستة", "سبعة", "ثمانية", "تسعة")
_TEENS = ("عشرة", "أحد عشر", "اثنا عشر", "ثلاثة عشر", "أربعة عشر", "خمسة عشر", "ستة عشر",
          "سبعة عشر", "ثمانية عشر", "تسعة عشر")  # fmt: skip
_TENS = ("", "", "عشرون", "ثلاثون", "أربعون", "خمسون", "ستون", "سبعون", "ثمانون", "تسعون")
_HUNDREDS = ("", "مئة", "مئتان", "ثلاثمئة", "أربعمئة", "خمسمئة", "ستمئة", "سبعمئة", "ثمانمئة",
             "تسعمئة")  # fmt: skip
Noun = tuple[str, str, str, str]
"""A counted noun: its singular, dual, plural (3 to 10) and accusative singular (11 to 99)."""
_SCALES: tuple[tuple[int, Noun], ...] = (
    (10**12, ("تريليون", "تريليونان", "تريليونات", "تريليونًا")),
    (10**9, ("مليار", "ملياران", "مليارات", "مليارًا")),
    (10**6, ("مليون", "مليونان", "ملايين", "مليونًا")),
    (1000, ("ألف", "ألفان", "آلاف", "ألفًا")),
)


def _below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = [_HUNDREDS[hundreds]] if hundreds else []
    if 0 < rest < 10:
        parts.append(_UNITS[rest])
    elif rest < 20 and rest:
        parts.append(_TEENS[rest - 10])
    elif rest:
        tens, unit = divmod(rest, 10)
        parts.append(f"{_UNITS[unit]} و{_TENS[tens]}" if unit else _TENS[tens])
    return " و".join(parts)


def counted(n: int, noun: Noun, *, words: str | None = None) -> str:
    """`n` things: ألف، ألفان، ثلاثة آلاف، أحد عشر ألفًا، مئة ألف; `words` says n otherwise."""
    one, two, few, many = noun
    if words is None:
        if n == 1:
            return f"{one} واحد" if noun[0] not in ("ألف", "مليون", "مليار", "تريليون") else one
        if n == 2:
            return two
        words = spell(n)
    last = n % 100
    if 3 <= last <= 10:
        return f"{words} {few}"
    if 11 <= last <= 99:
        return f"{words} {many}"
    return f"{words} {one}"


def spell(n: int) -> str:
    if n == 0:
        return "صفر"
    parts: list[str] = []
    for size, noun in _SCALES:
        count, n = divmod(n, size)
        if count:
            parts.append(counted(count, noun))
    if n:
        parts.append(_below_thousand(n))
    return " و".join(parts)


NUMERALS = Numerals(
    spell=spell, digits=_UNITS, point="فاصلة", minus="سالب", percent="{} بالمئة",
    fraction_as_number=True,
)  # fmt: skip
_NATIVE = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫٬٪", "01234567890123456789.,%")
_DOLLAR: Noun = ("دولار", "دولاران", "دولارات", "دولارًا")
_EURO: Noun = ("يورو", "يوروان", "يوروهات", "يورو")
_CURRENCIES: dict[str, Noun] = {
    "$": _DOLLAR, "USD": _DOLLAR, "دولار": _DOLLAR, "€": _EURO, "EUR": _EURO, "يورو": _EURO,
    "SAR": ("ريال", "ريالان", "ريالات", "ريالًا"), "ريال": ("ريال", "ريالان", "ريالات", "ريالًا"),
    "AED": ("درهم", "درهمان", "دراهم", "درهمًا"), "درهم": ("درهم", "درهمان", "دراهم", "درهمًا"),
    "EGP": ("جنيه", "جنيهان", "جنيهات", "جنيهًا"), "جنيه": ("جنيه", "جنيهان", "جنيهات", "جنيهًا"),
    "£": ("جنيه", "جنيهان", "جنيهات", "جنيهًا"),
    "دينار": ("دينار", "ديناران", "دنانير", "دينارًا"),
}  # fmt: skip
_CENTS: dict[str, Noun] = {
    "دولار": ("سنت", "سنتان", "سنتات", "سنتًا"), "يورو": ("سنت", "سنتان", "سنتات", "سنتًا"),
    "ريال": ("هللة", "هللتان", "هللات", "هللة"), "درهم": ("فلس", "فلسان", "فلوس", "فلسًا"),
    "دينار": ("فلس", "فلسان", "فلوس", "فلسًا"), "جنيه": ("قرش", "قرشان", "قروش", "قرشًا"),
}  # fmt: skip
"""A currency's hundredth: ثلاثة دولارات وخمسون سنتًا، خمسة ريالات وعشرون هللة."""
_MEASURES: dict[str, Noun] = {
    "km": ("كيلومتر", "كيلومتران", "كيلومترات", "كيلومترًا"),
    "كم": ("كيلومتر", "كيلومتران", "كيلومترات", "كيلومترًا"),
    "m": ("متر", "متران", "أمتار", "مترًا"), "cm": ("سنتيمتر", "سنتيمتران", "سنتيمترات", "سنتيمترًا"),
    "kg": ("كيلوغرام", "كيلوغرامان", "كيلوغرامات", "كيلوغرامًا"),
    "كغ": ("كيلوغرام", "كيلوغرامان", "كيلوغرامات", "كيلوغرامًا"),
    "g": ("غرام", "غرامان", "غرامات", "غرامًا"), "L": ("لتر", "لتران", "لترات", "لترًا"),
    "l": ("لتر", "لتران", "لترات", "لترًا"),
}  # fmt: skip
_DEGREE: Noun = ("درجة", "درجتان", "درجات", "درجة")
_SCALE_NAMES = {"°C": " مئوية", "°F": " فهرنهايت", "°": ""}
_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
           "أكتوبر", "نوفمبر", "ديسمبر")  # fmt: skip
_ORDINALS = ("", "الأول", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع", "الثامن",
             "التاسع", "العاشر")  # fmt: skip
_ORDINALS_F = ("", "الواحدة", "الثانية", "الثالثة", "الرابعة", "الخامسة", "السادسة", "السابعة",
               "الثامنة", "التاسعة", "العاشرة")  # fmt: skip


def _day(n: int) -> str:
    """1 to 31 as the ordinal a date says: الخامس، الحادي عشر، الحادي والعشرون."""
    if n <= 10:
        return _ORDINALS[n]
    tens, unit = divmod(n, 10)
    first = "الحادي" if unit == 1 else _ORDINALS[unit]
    if tens == 1:
        return f"{first} عشر"
    decade = "ال" + _TENS[tens]
    return f"{first} و{decade}" if unit else decade


def _hour(n: int) -> str:
    """1 to 23, feminine (الساعة الرابعة، الرابعة عشرة، الحادية والعشرون)."""
    tens, unit = divmod(n, 10)
    if n <= 10:
        return _ORDINALS_F[n]
    first = "الحادية" if unit == 1 else _ORDINALS_F[unit]
    if tens == 1:
        return f"{first} عشرة"
    return f"{first} والعشرون" if unit else "العشرون"


def _counted_amount(amount: Amount, noun: Noun) -> str:
    if amount.fraction:
        return f"{NUMERALS.say(amount)} {noun[0]}"
    words = counted(amount.integer, noun)
    return f"سالب {words}" if amount.negative else words


def _money(sign: str, amount: Amount) -> str:
    noun = _CURRENCIES[sign]
    if len(amount.fraction) != 2:
        return _counted_amount(amount, noun)
    units, cents = amount.money()
    words = _counted_amount(units, noun)
    return f"{words} و{counted(cents, _CENTS[noun[0]])}" if cents else words


def _measure(unit: str, amount: Amount) -> str:
    return _counted_amount(amount, _MEASURES[unit])


def _degrees(unit: str, amount: Amount) -> str:
    """20°C → عشرون درجة مئوية; with 3 to 10 the number is masculine in form: خمس درجات."""
    n = amount.integer
    words = None if amount.fraction else spell(n)
    if words and 3 <= n % 100 <= 10 and n < 100:
        words = words.removesuffix("ة")  # خمسة → خمس before a feminine noun
    if amount.fraction:
        words = NUMERALS.unsigned(amount)
        phrase = f"{words} درجة"
    else:
        phrase = counted(n, _DEGREE, words=words) if n > 2 else counted(n, _DEGREE)
    phrase += _SCALE_NAMES[unit]
    if n == 1 and not amount.fraction:
        phrase = f"درجة{_SCALE_NAMES[unit]} واحدة"
    return ("سالب " if amount.negative else "") + phrase


def _clock(hour: int, minute: int) -> str:
    """14:30 → الساعة الرابعة عشرة والنصف; 7:05 → الساعة السابعة وخمس دقائق."""
    words = f"الساعة {_hour(hour or 12)}"
    if minute == 30:
        return f"{words} والنصف"
    if minute == 15:
        return f"{words} والربع"
    if minute:
        minutes = counted(minute, ("دقيقة", "دقيقتان", "دقائق", "دقيقة"))
        if 3 <= minute <= 10:
            minutes = minutes.replace("ة ", " ", 1)  # خمس دقائق
        words += f" و{minutes}"
    return words


def _date(year: int, month: int, day: int) -> str:
    return f"{_day(day)} من {_MONTHS[month - 1]} {spell(year)}"


_BEFORE_FEMININE_PLURAL = re.compile(r"(?<![\d.,-])(\d{1,2})(?= [\u0621-\u064a]+ات\b)")
"""`5 سيارات`: 3 to 10 before a feminine plural (-ات) take the form without ة: خمس سيارات."""


def _feminine(m: re.Match[str]) -> str:
    n = int(m.group(1))
    if not 3 <= n <= 10 or m.group(1)[0] == "0":
        raise ValueError("no agreement to make")
    return spell(n).removesuffix("ة")


_LEVANTINE_MONTHS = ("كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب",
                     "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول")  # fmt: skip
_DAY_OF_MONTH = re.compile(
    rf"(?<![\d.,])([1-9]|[12]\d|3[01]) (?=(?:{'|'.join(_MONTHS + _LEVANTINE_MONTHS)})\b)"
)
"""`5 مارس`: the day is said as an ordinal, الخامس من مارس."""


RULES: list[Rule] = [
    *date_rules(_date),
    time_rule(_clock, ("الساعة ", "")),
    phone_rule(NUMERALS),
    range_rule(NUMERALS, " إلى "),
    before_number(NUMERALS, _CURRENCIES, _money),
    after_number(NUMERALS, _CURRENCIES, _money),
    after_number(NUMERALS, _SCALE_NAMES, _degrees),
    after_number(NUMERALS, _MEASURES, _measure),
    (_DAY_OF_MONTH, lambda m: f"{_day(int(m.group(1)))} من "),
    (_BEFORE_FEMININE_PLURAL, _feminine),
]

_CONJUNCTION = re.compile(r"(?<![\u0621-\u064a])و (?=[\u0621-\u064a])")
"""`و5` read `و خمسة`: the conjunction is written joined to its word again (وخمسة)."""

read = reader(NUMERALS, RULES, _NATIVE, after=[(_CONJUNCTION, lambda m: "و")])
