"""English read thoroughly: numbers, money, dates, times, units, abbreviations, addresses."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from num2words import num2words

from worker.synthesis.speech.core import cardinal, decimal, greek_symbols, safe, spaced

_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_MONTH_ALT = "|".join(_MONTHS) + r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
_DAY_FIRST_REGIONS = frozenset({"gb", "uk", "au", "nz", "ie", "in", "za"})
_CURRENCIES: dict[str, tuple[str, str, str, str]] = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "USD": ("dollar", "dollars", "cent", "cents"),
    "€": ("euro", "euros", "cent", "cents"),
    "EUR": ("euro", "euros", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "GBP": ("pound", "pounds", "penny", "pence"),
    "¥": ("yen", "yen", "", ""),
    "JPY": ("yen", "yen", "", ""),
}
_UNITS = {
    "km": ("kilometer", "kilometers"), "m": ("meter", "meters"),
    "cm": ("centimeter", "centimeters"),
    "mm": ("millimeter", "millimeters"), "kg": ("kilogram", "kilograms"), "g": ("gram", "grams"),
    "mg": ("milligram", "milligrams"), "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"),
    "oz": ("ounce", "ounces"), "ft": ("foot", "feet"), "mi": ("mile", "miles"),
    "mph": ("mile per hour", "miles per hour"),
    "km/h": ("kilometer per hour", "kilometers per hour"),
    "kph": ("kilometer per hour", "kilometers per hour"), "l": ("liter", "liters"),
    "ml": ("milliliter", "milliliters"), "min": ("minute", "minutes"), "hr": ("hour", "hours"),
    "hrs": ("hour", "hours"), "sec": ("second", "seconds"), "kb": ("kilobyte", "kilobytes"),
    "mb": ("megabyte", "megabytes"), "gb": ("gigabyte", "gigabytes"),
    "°c": ("degree Celsius", "degrees Celsius"), "°f": ("degree Fahrenheit", "degrees Fahrenheit"),
    "°": ("degree", "degrees"),
    "μm": ("micrometer", "micrometers"), "μg": ("microgram", "micrograms"),
    "μs": ("microsecond", "microseconds"), "μl": ("microliter", "microliters"),
    "μf": ("microfarad", "microfarads"), "μv": ("microvolt", "microvolts"),
    "μa": ("microampere", "microamperes"), "μw": ("microwatt", "microwatts"),
    "μmol": ("micromole", "micromoles"), "ω": ("ohm", "ohms"),
}  # fmt: skip
"""Keyed by the NFKC form, lower case: a micro sign is a Greek mu, an ohm sign an omega."""
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"(?:\s(thousand|million|billion|trillion)\b)?"
_YEAR_CONTEXT = re.compile(
    r"(?:\b(?:in|since|by|from|until|till|of|year|circa|during|before|after|around|early|"
    r"late|mid|summer|winter|spring|autumn|fall|" + _MONTH_ALT + r")\b,?\s)$",
    re.IGNORECASE,
)

_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+?(?=[.,;:!?)\]]*(?:\s|$))", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<![\w-])(?:\+?1[ .-])?(?:\(\d{3}\) ?|\d{3}[-.])?\d{3}-\d{4}(?![\w-])")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_SLASH_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b")
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)? ({_MONTH_ALT})\.?(?:,? (\d{{4}}))?\b")
_MONTH_DAY_YEAR = re.compile(
    rf"\b({_MONTH_ALT})\.? (\d{{1,2}})(?:st|nd|rd|th)?\b(?:,? (\d{{4}})\b)?"
)
_TIME = re.compile(r"\b(\d{1,2}):(\d{2})(?:\s?([AaPp])\.?[Mm]\b\.?)?")
_HOUR_MERIDIEM = re.compile(r"\b(\d{1,2})\s?([AaPp])\.?[Mm]\b\.?")
_DECADE = re.compile(r"(?:\b(\d{2})|(?<!\w)')(\d)0s\b")
_RANGE = re.compile(r"(?<![\w.,-])(\d+)\s?-\s?(\d+)(?![\w.,]?\d)")
_CURRENCY_SYMBOL = re.compile(rf"([$€£¥])\s?({_NUM}){_SCALE}")
_CURRENCY_CODE_BEFORE = re.compile(rf"\b(USD|EUR|GBP|JPY)\s?({_NUM}){_SCALE}")
_CURRENCY_CODE_AFTER = re.compile(rf"({_NUM}){_SCALE}\s?(USD|EUR|GBP|JPY)\b")
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b", re.IGNORECASE)
_UNIT = re.compile(
    rf"({_NUM})\s?(°[CcFf]\b|°|[µμ](?:mol|[mgslLFVAW])\b|[\u03a9\u2126]\b|"
    r"(?:km/h|kph|mph|km|cm|mm|kg|mg|lbs|lb|oz|ft|mi|ml|min|hrs|hr|sec|"
    r"KB|MB|GB|m|g|l|L)\b)"
)
_MICRO_UNIT_ALONE = re.compile(r"(?<![^\W\d_])[µμ](?:mol|[mgsl])(?![^\W\d_])")
"""`in µm`: a unit without its number, read in the plural."""
_NEGATIVE = re.compile(r"(?:(?<=\s)|^)-(?=\d)")
_NUMBER_SIGN = re.compile(r"(?:\bNo\.|#)\s?(?=\d)")
_HASHTAG = re.compile(r"#(?=[A-Za-z])")
_SYMBOLS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\s*&\s*"), " and "),
    (re.compile(r"(?<=\d)\s?\+\s?(?=\d)|\s\+\s"), " plus "),
    (re.compile(r"(?<=\w)\+(?!\w)"), " plus"),
    (re.compile(r"\s=\s"), " equals "),
    (re.compile(r"\s?%"), " percent"),
    (re.compile(r"\s*@\s*"), " at "),
    (re.compile(r"(?<=\w)/(?=\w)"), " "),
    (re.compile(r"#"), " "),
)
_STOP_AHEAD = re.compile(r"\s*(?:$|[A-Z\"'])")
_CAPITALIZED_BEFORE = re.compile(r"\b[A-Z][\w'-]*\s$")


def _title(word: str) -> Callable[[re.Match[str]], str]:
    return lambda m: word + _kept_stop(m)


_ABBREVIATIONS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"\bMr\.(?=\s)"), "Mister"),
    (re.compile(r"\bMrs\.(?=\s)"), "Missus"),
    (re.compile(r"\bMs\.(?=\s)"), "Miz"),
    (re.compile(r"\bProf\.(?=\s)"), "Professor"),
    (re.compile(r"\bMt\.(?=\s)"), "Mount"),
    (re.compile(r"\bCapt\.(?=\s)"), "Captain"),
    (re.compile(r"\bJr\.?(?!\w)"), _title("Junior")),
    (re.compile(r"\bSr\.?(?!\w)"), _title("Senior")),
    (re.compile(r"\betc\.?(?!\w)"), _title("et cetera")),
    (re.compile(r"\be\.g\.?(?!\w),?", re.IGNORECASE), "for example,"),
    (re.compile(r"\bi\.e\.?(?!\w),?", re.IGNORECASE), "that is,"),
    (re.compile(r"\bvs\.?(?!\w)"), "versus"),
    (re.compile(r"\bapprox\.(?!\w)"), "approximately"),
    (re.compile(r"\bAve\.(?!\w)"), _title("Avenue")),
    (re.compile(r"\bRd\.(?!\w)"), _title("Road")),
)
_SAINT_OR_STREET = re.compile(r"\bSt\.?(?!\w)")
_DOCTOR_OR_DRIVE = re.compile(r"\bDr\.?(?!\w)")
_NEXT_CAPITALIZED = re.compile(r"\s+[A-Z]")


def _kept_stop(m: re.Match[str]) -> str:
    """The full stop of an abbreviation that also ends its sentence."""
    if m.group(0).endswith(".") and _STOP_AHEAD.match(m.string, m.end()):
        return "."
    return ""


def _name_word(before: str, after: str) -> Callable[[re.Match[str]], str]:
    """`St.` is Saint before a name and Street after one; `Dr.` Doctor or Drive likewise."""

    def replace(m: re.Match[str]) -> str:
        text, start = m.string, m.start()
        name_follows = bool(_NEXT_CAPITALIZED.match(text, m.end()))
        name_precedes = bool(_CAPITALIZED_BEFORE.search(text, max(0, start - 40), start))
        if name_follows and not name_precedes:
            return before
        if name_precedes:
            return after + _kept_stop(m)
        return before

    return replace


def _plural(count: str, one: str, many: str) -> str:
    return one if count == "1" else many


def _en_number(number: str) -> str:
    whole, _, fraction = number.replace(",", "").partition(".")
    return decimal(whole, fraction or None, "en")


def _year(number: int) -> str:
    return cardinal(number, "en") if number < 1000 else num2words(number, to="year")


def _ordinal(number: int) -> str:
    return num2words(number, to="ordinal")


def _money(amount: str, scale: str | None, unit: str) -> str:
    one, many, sub_one, sub_many = _CURRENCIES[unit]
    if scale:
        return f"{_en_number(amount)} {scale} {many}"
    whole, _, fraction = amount.replace(",", "").partition(".")
    words = f"{cardinal(int(whole), 'en')} {_plural(whole, one, many)}"
    if not fraction or not sub_one:
        return words
    cents = int((fraction + "0")[:2])
    if not cents:
        return words
    cents_words = f"{cardinal(cents, 'en')} {_plural(str(cents), sub_one, sub_many)}"
    return cents_words if whole == "0" else f"{words} and {cents_words}"


def _date(year: str | None, month: int, day: int, day_first: bool) -> str:
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise ValueError("not a date")
    name = _MONTHS[month - 1]
    spoken = f"the {_ordinal(day)} of {name}" if day_first else f"{name} {_ordinal(day)}"
    return f"{spoken}, {_year(int(year))}" if year else spoken


def _month_number(name: str) -> int:
    return next(i for i, month in enumerate(_MONTHS, 1) if month.lower().startswith(name.lower()))


def _clock(hour: int, minute: int, meridiem: str | None) -> str:
    hour_words = cardinal(hour, "en")
    if minute == 0:
        words = hour_words if meridiem else f"{hour_words} o'clock"
        words = "midnight" if hour == 0 and not meridiem else words
    elif minute < 10:
        words = f"{hour_words} oh {cardinal(minute, 'en')}"
    else:
        words = f"{hour_words} {cardinal(minute, 'en')}"
    return f"{words} {meridiem.upper()} M" if meridiem else words


def _decade(m: re.Match[str]) -> str:
    century, tens = m.group(1), int(m.group(2))
    if century is None:
        return _plural_word(cardinal(tens * 10, "en"))
    return _plural_word(_year(int(century) * 100 + tens * 10))


def _plural_word(words: str) -> str:
    return words[:-1] + "ies" if words.endswith("y") else words + "s"


def _is_year(n: str) -> bool:
    return len(n) == 4 and 1000 <= int(n) <= 2099


def _range(m: re.Match[str]) -> str:
    first, last = m.group(1), m.group(2)
    if _is_year(first) and (_is_year(last) or (len(last) == 2 and int(last) > int(first[2:]))):
        return f"{_year(int(first))} to {_year(int(first[:2] + last[-2:]))}"
    return f"{first} to {last}"


def _url(m: re.Match[str]) -> str:
    url = re.sub(r"^(?:https?://)", "", m.group(0), flags=re.IGNORECASE).rstrip("/")
    url = re.sub(r"^www\.", "W W W dot ", url, flags=re.IGNORECASE)
    return _spell_address(url)


def _spell_address(address: str) -> str:
    for symbol, word in ((".", " dot "), ("/", " slash "), ("@", " at "), ("-", " dash ")):
        address = address.replace(symbol, word)
    return re.sub(r"[_?=&#:]+", " ", address).strip()


def _english_numbers(m: re.Match[str]) -> str:
    number, start = m.group(0), m.start()
    plain = "," not in number and "." not in number
    if plain and _is_year(number) and _YEAR_CONTEXT.search(m.string, max(0, start - 12), start):
        return spaced(m.string, start, m.end(), _year(int(number)))
    if plain and len(number) > 1 and number.startswith("0"):
        return spaced(m.string, start, m.end(), _digits(number))
    return spaced(m.string, start, m.end(), _en_number(number))


def _digits(number: str) -> str:
    return " ".join("oh" if d == "0" else cardinal(int(d), "en") for d in number if d.isdigit())


def _phone(m: re.Match[str]) -> str:
    groups = re.findall(r"\d+", m.group(0))
    return ", ".join(_digits(g) for g in groups)


def read(text: str, region: str) -> str:
    day_first = region in _DAY_FIRST_REGIONS
    text = _EMAIL.sub(lambda m: _spell_address(m.group(0)), text)
    text = _URL.sub(_url, text)
    text = _PHONE.sub(_phone, text)
    text = _ISO_DATE.sub(
        safe(lambda m: _date(m[1], int(m[2]), int(m[3]), day_first=day_first)), text
    )

    def slash_date(m: re.Match[str]) -> str:
        a, b, year = int(m[1]), int(m[2]), m[3]
        year = year if len(year) == 4 else ("20" if int(year) < 50 else "19") + year
        month, day = (b, a) if day_first else (a, b)
        return _date(year, month, day, day_first=day_first)

    text = _SLASH_DATE.sub(safe(slash_date), text)
    text = _DAY_MONTH_YEAR.sub(
        safe(lambda m: _date(m[3], _month_number(m[2]), int(m[1]), day_first=True)), text
    )
    text = _MONTH_DAY_YEAR.sub(
        safe(lambda m: _date(m[3], _month_number(m[1]), int(m[2]), day_first=False)), text
    )
    text = _TIME.sub(safe(_time), text)
    text = _HOUR_MERIDIEM.sub(
        lambda m: _clock(int(m[1]), 0, m[2]) + _kept_stop(m) if int(m[1]) <= 12 else m[0], text
    )
    text = _DECADE.sub(_decade, text)
    text = _CURRENCY_SYMBOL.sub(lambda m: _money(m[2], m[3], m[1]), text)
    text = _CURRENCY_CODE_BEFORE.sub(lambda m: _money(m[2], m[3], m[1]), text)
    text = _CURRENCY_CODE_AFTER.sub(lambda m: _money(m[1], m[2], m[3]), text)
    text = _RANGE.sub(_range, text)
    text = _ORDINAL.sub(lambda m: spaced(m.string, m.start(), m.end(), _ordinal(int(m[1]))), text)
    text = _UNIT.sub(_unit, text)
    text = _MICRO_UNIT_ALONE.sub(lambda m: _UNITS[unicodedata.normalize("NFKC", m[0])][1], text)
    text = greek_symbols(text, units_read=True)
    text = _NUMBER_SIGN.sub("number ", text)
    text = _HASHTAG.sub("", text)
    text = _SAINT_OR_STREET.sub(_name_word("Saint", "Street"), text)
    text = _DOCTOR_OR_DRIVE.sub(_name_word("Doctor", "Drive"), text)
    for pattern, replacement in _ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    for pattern, word in _SYMBOLS:
        text = pattern.sub(word, text)
    text = _NEGATIVE.sub("minus ", text)
    return _NUMBER_ANY.sub(_english_numbers, text)


_NUMBER_ANY = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?!\d)")


def _time(m: re.Match[str]) -> str:
    hour, minute, meridiem = int(m[1]), int(m[2]), m[3]
    if hour > 24 or minute > 59 or (meridiem and hour > 12):
        raise ValueError("not a time")
    return _clock(hour, minute, meridiem) + (_kept_stop(m) if meridiem else "")


def _unit(m: re.Match[str]) -> str:
    number, unit = m.group(1), m.group(2)
    one, many = _UNITS[unicodedata.normalize("NFKC", unit).lower()]
    return f"{_en_number(number)} {one if number == '1' else many}"
