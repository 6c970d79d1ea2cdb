"""English numbers spelled: the tables (currencies, units, fractions) and the readings of
amounts, years, dates, clock times, decades, fractions, versions and house numbers."""

from __future__ import annotations

import re

from num2words import num2words

from worker.synthesis.speech.core import cardinal, decimal

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
MONTH_ALT = "|".join(MONTHS) + r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
CURRENCIES: dict[str, tuple[str, str, str, str]] = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "USD": ("dollar", "dollars", "cent", "cents"),
    "€": ("euro", "euros", "cent", "cents"),
    "EUR": ("euro", "euros", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "GBP": ("pound", "pounds", "penny", "pence"),
    "¥": ("yen", "yen", "", ""),
    "JPY": ("yen", "yen", "", ""),
}
CURRENCY_WORDS = {
    "dollar": "USD", "dollars": "USD", "euro": "EUR", "euros": "EUR", "pound sterling": "GBP",
    "pounds sterling": "GBP",
}  # fmt: skip
"""Currencies written as words, read as money when the amount has cents (`4.99 euros`);
`pounds` alone may weigh."""
SCALES = {"k": "thousand", "K": "thousand", "m": "million", "M": "million", "bn": "billion"}
"""`$5m`, `£2bn`: the letters newspapers write for a scale word."""
UNITS = {
    "km": ("kilometer", "kilometers"), "m": ("meter", "meters"),
    "cm": ("centimeter", "centimeters"),
    "mm": ("millimeter", "millimeters"), "kg": ("kilogram", "kilograms"), "g": ("gram", "grams"),
    "mg": ("milligram", "milligrams"), "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"),
    "oz": ("ounce", "ounces"), "ft": ("foot", "feet"), "mi": ("mile", "miles"),
    "mph": ("mile per hour", "miles per hour"),
    "km/h": ("kilometer per hour", "kilometers per hour"),
    "kph": ("kilometer per hour", "kilometers per hour"), "l": ("liter", "liters"),
    "ml": ("milliliter", "milliliters"), "min": ("minute", "minutes"), "hr": ("hour", "hours"),
    "mins": ("minute", "minutes"), "yrs": ("year", "years"),
    "hrs": ("hour", "hours"), "sec": ("second", "seconds"), "kb": ("kilobyte", "kilobytes"),
    "mb": ("megabyte", "megabytes"), "gb": ("gigabyte", "gigabytes"),
    "tb": ("terabyte", "terabytes"), "ghz": ("gigahertz", "gigahertz"),
    "mhz": ("megahertz", "megahertz"), "hz": ("hertz", "hertz"), "kw": ("kilowatt", "kilowatts"),
    "kwh": ("kilowatt hour", "kilowatt hours"), "db": ("decibel", "decibels"),
    "m2": ("square meter", "square meters"), "km2": ("square kilometer", "square kilometers"),
    "cm2": ("square centimeter", "square centimeters"), "m3": ("cubic meter", "cubic meters"),
    "°c": ("degree Celsius", "degrees Celsius"), "°f": ("degree Fahrenheit", "degrees Fahrenheit"),
    "°": ("degree", "degrees"),
    "μm": ("micrometer", "micrometers"), "μg": ("microgram", "micrograms"),
    "μs": ("microsecond", "microseconds"), "μl": ("microliter", "microliters"),
    "μf": ("microfarad", "microfarads"), "μv": ("microvolt", "microvolts"),
    "μa": ("microampere", "microamperes"), "μw": ("microwatt", "microwatts"),
    "μmol": ("micromole", "micromoles"), "ω": ("ohm", "ohms"),
}  # fmt: skip
"""Keyed by the NFKC form, lower case: a micro sign is a Greek mu, an ohm sign an omega,
`km²` is `km2`."""
MEASURES = {
    "cup": ("cup", "cups"), "cups": ("cup", "cups"), "teaspoon": ("teaspoon", "teaspoons"),
    "teaspoons": ("teaspoon", "teaspoons"), "tsp": ("teaspoon", "teaspoons"),
    "tablespoon": ("tablespoon", "tablespoons"), "tablespoons": ("tablespoon", "tablespoons"),
    "tbsp": ("tablespoon", "tablespoons"), "pound": ("pound", "pounds"),
    "pounds": ("pound", "pounds"), "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"),
    "ounce": ("ounce", "ounces"), "ounces": ("ounce", "ounces"), "oz": ("ounce", "ounces"),
    "inch": ("inch", "inches"), "inches": ("inch", "inches"), "mile": ("mile", "miles"),
    "miles": ("mile", "miles"), "mi": ("mile", "miles"), "hour": ("hour", "hours"),
    "hours": ("hour", "hours"), "hr": ("hour", "hours"), "kilo": ("kilo", "kilos"),
    "kg": ("kilogram", "kilograms"), "km": ("kilometer", "kilometers"),
    "gallon": ("gallon", "gallons"), "pint": ("pint", "pints"), "liter": ("liter", "liters"),
    "litre": ("litre", "litres"), "stick": ("stick", "sticks"), "day": ("day", "days"),
    "days": ("day", "days"), "mins": ("minute", "minutes"), "minute": ("minute", "minutes"),
    "minutes": ("minute", "minutes"), "acre": ("acre", "acres"), "acres": ("acre", "acres"),
}  # fmt: skip
"""Words a fraction measures (`3/4 cup` is three quarters of a cup), singular and plural."""
_FRACTION_NAMES = {2: ("half", "halves"), 4: ("quarter", "quarters")}
_SLASH_DENOMINATORS = frozenset({*range(2, 11), 12, 16, 32, 64, 100})
"""With a plain slash only these make a fraction: `24/7` and `9/11` are not."""
SERVICE_NUMBERS = frozenset({"911", "999", "112", "111", "101", "000", "988", "311", "411"})


def plural(count: str, one: str, many: str) -> str:
    return one if count == "1" else many


def number(written: str) -> str:
    whole, _, fraction = written.replace(",", "").partition(".")
    return decimal(whole, fraction or None, "en")


def year(value: int) -> str:
    if value < 1000:
        return cardinal(value, "en")
    return str(num2words(value, to="year")).replace("oh-", "oh ")


def ordinal(value: int) -> str:
    return str(num2words(value, to="ordinal"))


def digits(written: str) -> str:
    return " ".join("oh" if d == "0" else cardinal(int(d), "en") for d in written if d.isdigit())


def service(written: str) -> str:
    return "triple zero" if written == "000" else digits(written)


def money(amount: str, scale: str | None, unit: str) -> str:
    one, many, sub_one, sub_many = CURRENCIES[unit]
    if scale:
        return f"{number(amount)} {SCALES.get(scale, scale)} {many}"
    whole, _, fraction = amount.replace(",", "").partition(".")
    words = f"{cardinal(int(whole), 'en')} {plural(whole, one, many)}"
    if not fraction or not sub_one:
        return words
    cents = int((fraction + "0")[:2])
    if not cents:
        return words
    cents_words = f"{cardinal(cents, 'en')} {plural(str(cents), sub_one, sub_many)}"
    return cents_words if whole == "0" else f"{words} and {cents_words}"


def money_range(first: str, last: str, scale: str | None, unit: str) -> str:
    """`$5-10` is five to ten dollars: the currency is said once, after the second amount."""
    if scale or "." not in first + last:
        return f"{number(first)} to {money(last, scale, unit)}"
    return f"{money(first, None, unit)} to {money(last, None, unit)}"


def date(
    year_written: str | None, month: int, day: int, day_first: bool, comma: bool = True
) -> str:
    """The date said; `comma` (a pause) between the day and the year."""
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise ValueError("not a date")
    name = MONTHS[month - 1]
    spoken = f"the {ordinal(day)} of {name}" if day_first else f"{name} {ordinal(day)}"
    pause = "," if comma else ""
    return f"{spoken}{pause} {year(int(year_written))}" if year_written else spoken


def month_number(name: str) -> int:
    return next(i for i, month in enumerate(MONTHS, 1) if month.lower().startswith(name.lower()))


def clock(hour: int, minute: int, meridiem: str | None) -> str:
    hour_words = cardinal(hour, "en")
    if minute == 0:
        words = hour_words if meridiem else f"{hour_words} o'clock"
        words = "midnight" if hour == 0 and not meridiem else words
    elif minute < 10:
        words = f"{hour_words} oh {cardinal(minute, 'en')}"
    else:
        words = f"{hour_words} {cardinal(minute, 'en')}"
    return f"{words} {meridiem.upper()} M" if meridiem else words


def plural_word(words: str) -> str:
    return words[:-1] + "ies" if words.endswith("y") else words + "s"


def decade(m: re.Match[str]) -> str:
    """`'90s`, `90s`, `1990s`, `1800s`, `2000s`, `100s`: nineties, eighteen hundreds..."""
    written = m["decade"]
    if "," in written:
        return _MANY.get(written, m.group(0))
    value = int(written)
    if value % 10 or (m["clipped"] and len(written) != 2):
        return m.group(0)
    if value in (100, 1000):
        return "hundreds" if value == 100 else "thousands"
    if len(written) < 4:
        return plural_word(cardinal(value, "en"))
    return plural_word(year(value))


_MANY = {
    "1,000": "thousands", "10,000": "tens of thousands", "100,000": "hundreds of thousands",
    "1,000,000": "millions",
}  # fmt: skip


def is_year(written: str) -> bool:
    return len(written) == 4 and 1000 <= int(written) <= 2099


def year_range(first: str, last: str) -> str | None:
    """`1990-1995` and `1990-95` are spans of years; anything else is not."""
    if is_year(first) and (is_year(last) or (len(last) == 2 and int(last) > int(first[2:]))):
        return f"{year(int(first))} to {year(int(first[:2] + last[-2:]))}"
    return None


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" or word.startswith("hour") else "a"


def fraction(m: re.Match[str]) -> str:
    """`1/2` one half, `2 1/2 cups` two and a half cups, `3/4 cup` three quarters of a cup;
    NFKC writes `2½` as `21⁄2`, the whole number glued to the numerator."""
    whole, top, bottom, measure = m["whole"], m["top"], int(m["bottom"]), m["measure"]
    fraction_slash = m["slash"] != "/"
    if fraction_slash and whole is None and len(top) > 1 and int(top) >= bottom:
        whole, top = top[:-1], top[-1]
    numerator = int(top)
    allowed = 2 <= bottom <= 100 if fraction_slash else bottom in _SLASH_DENOMINATORS
    if not allowed or not 1 <= numerator < bottom:
        raise ValueError("not a fraction")
    one, many = _FRACTION_NAMES.get(bottom) or (ordinal(bottom), ordinal(bottom) + "s")
    name = one if numerator == 1 else many
    single, several = MEASURES[measure.lower()] if measure else ("", "")
    if whole is not None:
        part = (
            f"{_article(name)} {name}" if numerator == 1 else f"{cardinal(numerator, 'en')} {name}"
        )
        spoken = f"{cardinal(int(whole), 'en')} and {part}"
        return f"{spoken} {several}" if measure else spoken
    if not measure:
        return f"{cardinal(numerator, 'en')} {name}"
    if numerator == 1:
        lead = f"half {_article(single)}" if bottom == 2 else f"{_article(name)} {name} of"
        return f"{lead} {single}" if bottom == 2 else f"{lead} {_article(single)} {single}"
    return f"{cardinal(numerator, 'en')} {name} of {_article(single)} {single}"


def version(written: str) -> str:
    """`2.0.1` two point oh point one, `3.12` three point twelve."""
    parts = written.split(".")
    return " point ".join(digits(p) if p.startswith("0") else cardinal(int(p), "en") for p in parts)


def house_number(written: str) -> str:
    """Street numbers said in pairs: `221` two twenty-one, `1600` sixteen hundred."""
    head, tail = written[:-2], written[-2:]
    if written.endswith("000") or len(written) > 4:
        return cardinal(int(written), "en")
    if tail == "00":
        return (
            cardinal(int(written), "en")
            if len(head) == 1
            else f"{cardinal(int(head), 'en')} hundred"
        )
    tail_words = f"oh {cardinal(int(tail), 'en')}" if tail[0] == "0" else cardinal(int(tail), "en")
    return f"{cardinal(int(head), 'en')} {tail_words}"
