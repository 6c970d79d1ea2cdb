"""Written text to the words an engine should say: numbers, dates, symbols, markup, names.

`to_speech` takes canonical written text (`text.py`) in one language and returns its spoken
form. English is read thoroughly (numbers, money, dates, times, units, abbreviations, URLs);
every other language num2words knows gets its numbers and percentages spelled out, and the
rest keep their digits. Markup is removed everywhere; an SSML `<break>` becomes a pause mark
(`PAUSE_MARK`), which `split_pauses` turns back into (text, pause) segments. Paragraph breaks
are kept as they are. Pure: no model, no I/O; a 13,000-character story takes a few ms.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Mapping
from functools import lru_cache

from num2words import CONVERTER_CLASSES, num2words

from shared.types import (
    MAX_PRONUNCIATION_KEY_CHARS,
    MAX_PRONUNCIATION_VALUE_CHARS,
    MAX_PRONUNCIATIONS,
    normalize_language,
)
from worker.synthesis.scripts import GREEK_LETTER_NAMES, GREEK_SYMBOL

PARAGRAPH_BREAK = "\n\n"

PAUSE_MARK = "<pause {seconds:g}s>"
"""How a pause is written in speech: `<pause 2s>`, `<pause 0.5s>`. Never spoken: markup in
the input is removed before the marks are written, so only `to_speech` makes them."""
PAUSE_PATTERN = re.compile(r"\s*<pause (\d+(?:\.\d+)?)s>\s*")
PAUSE_AT_START = re.compile(r"^(?:\s*<pause \d+(?:\.\d+)?s>)+\s*")
DEFAULT_BREAK_S = 0.5
MAX_BREAK_S = 10.0
_BREAK_STRENGTHS = {
    "none": 0.0, "x-weak": 0.1, "weak": 0.25, "medium": 0.5, "strong": 1.0, "x-strong": 2.0,
}  # fmt: skip


# -- markup ---------------------------------------------------------------------------------

_BREAK_TAG = re.compile(r"<break\b([^<>]*?)/?>", re.IGNORECASE)
_BREAK_TIME = re.compile(r"""time\s*=\s*["']?\s*(\d+(?:\.\d+)?)\s*(ms|s)\b""", re.IGNORECASE)
_BREAK_STRENGTH = re.compile(r"""strength\s*=\s*["']?([a-z-]+)""", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(
    r"</?(?:a|abbr|audio|b|blockquote|br|cite|code|del|div|em|emphasis|h[1-6]|hr|i|img|ins|"
    r"lang|li|mark|ol|p|pause|phoneme|pre|prosody|q|s|say-as|small|span|speak|strong|sub|sup|u|ul|"
    r"voice)\b[^<>]*>",
    re.IGNORECASE,
)
"""HTML and SSML elements by name (and our own pause mark, which text may not forge):
`x<y and y>z` is not a tag."""
_MARKDOWN: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links and images keep their text
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<!\w)_(?=\S)([^_]+?)(?<=\S)_(?!\w)"), r"\1"),
    (re.compile(r"~~(.+?)~~"), r"\1"),
    (re.compile(r"`+([^`]*)`+"), r"\1"),
    (re.compile(r"(?m)^\s*#{1,6}\s+"), ""),  # headings
    (re.compile(r"(?m)^\s*>\s?"), ""),  # quotes
    (re.compile(r"(?m)^\s*[-*+]\s+"), ""),  # bullets
    (re.compile(r"(?m)^\s*(?:-{3,}|\*{3,}|_{3,})\s*$"), ""),  # rules
)
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufe0e\ufe0f\u200d"
    "\u20e3\U000e0020-\U000e007f]"
)
_SPACES = re.compile(r"[^\S\n]+")
_SPACE_BEFORE_PUNCT = re.compile(r" +([,.;:!?)])")


def _break_seconds(attributes: str) -> float:
    if time := _BREAK_TIME.search(attributes):
        seconds = float(time.group(1)) / (1000 if time.group(2).lower() == "ms" else 1)
    elif strength := _BREAK_STRENGTH.search(attributes):
        seconds = _BREAK_STRENGTHS.get(strength.group(1).lower(), DEFAULT_BREAK_S)
    else:
        seconds = DEFAULT_BREAK_S
    return min(seconds, MAX_BREAK_S)


def strip_markup(text: str) -> str:
    """Remove HTML/SSML tags and comments, decode entities, and unwrap Markdown."""
    text = _TAG.sub(" ", _COMMENT.sub(" ", text))
    text = html.unescape(text).replace("<", " ").replace(">", " ")
    for pattern, replacement in _MARKDOWN:
        text = pattern.sub(replacement, text)
    return _EMOJI.sub("", text)


def pause_mark(seconds: float) -> str:
    return PAUSE_MARK.format(seconds=round(seconds, 3))


def split_pauses(speech: str) -> list[tuple[str, float]]:
    """Segments of `speech` as (text, seconds of pause after it); the last one pauses 0.

    Consecutive pauses add up; a pause before any text is a segment with empty text.
    """
    segments: list[tuple[str, float]] = []
    parts = PAUSE_PATTERN.split(speech)
    for i in range(0, len(parts), 2):
        text = parts[i].strip()
        pause = float(parts[i + 1]) if i + 1 < len(parts) else 0.0
        if not text and segments:
            previous, seconds = segments[-1]
            segments[-1] = (previous, seconds + pause)
        elif text or pause:
            segments.append((text, pause))
    return segments


# -- numbers in any language ----------------------------------------------------------------

_LANGUAGES_WITH_DECIMAL_POINT = frozenset({"en", "ja", "ko", "zh", "he", "hi", "ms", "sw", "ar"})
_DECIMAL_WORD = {
    "ar": "فاصلة", "da": "komma", "de": "Komma", "en": "point", "es": "coma", "fi": "pilkku",
    "fr": "virgule", "he": "נקודה", "it": "virgola", "ja": "点", "ko": "점", "nl": "komma",
    "no": "komma", "pl": "przecinek", "pt": "vírgula", "ru": "запятая", "sv": "komma",
    "tr": "virgül",
}  # fmt: skip
_PERCENT_WORD = {
    "da": "procent", "de": "Prozent", "en": "percent", "es": "por ciento", "fi": "prosenttia",
    "fr": "pour cent", "it": "per cento", "nl": "procent", "no": "prosent", "pl": "procent",
    "pt": "por cento", "sv": "procent", "ru": "процентов", "he": "אחוז", "ko": "퍼센트",
    "ja": "パーセント", "ar": "بالمئة",
}  # fmt: skip
_NUMBER_POINT = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\d])")
_NUMBER_COMMA = re.compile(r"(?<![\d.,])(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?(?![\d])")
_PERCENT_AFTER = re.compile(r"\s?%")
_PERCENT_BEFORE_TR = re.compile(r"%\s?(?=\d)")


def num2words_language(language: str) -> str | None:
    """The num2words code for a language tag, or None where num2words cannot spell numbers."""
    code = normalize_language(language)
    return code if code in CONVERTER_CLASSES and code in _DECIMAL_WORD else None


MAX_SPELLED_DIGITS = 15
"""Longer numbers (ids, card numbers) are read digit by digit; num2words fails on them."""


def cardinal(number: int, lang: str) -> str:
    if len(str(abs(number))) > MAX_SPELLED_DIGITS:
        return _digit_by_digit(str(abs(number)), lang)
    try:
        words = num2words(number, lang=lang)
    except (ArithmeticError, LookupError, NotImplementedError, ValueError, TypeError):
        return _digit_by_digit(str(abs(number)), lang)
    return words.replace(",", "") if lang == "en" else words


def _digit_by_digit(digits: str, lang: str) -> str:
    return " ".join(num2words(int(digit), lang=lang) for digit in digits)


def _decimal(whole: str, fraction: str | None, lang: str) -> str:
    words = cardinal(int(whole), lang)
    if fraction:
        digits = " ".join(cardinal(int(d), lang) for d in fraction)
        words = f"{words} {_DECIMAL_WORD[lang]} {digits}"
    return words


def _is_spaced_letter(char: str) -> bool:
    """A letter of a script that separates words with spaces (not CJK, kana, hangul)."""
    return char.isalpha() and ord(char) < 0x2E80


def _spaced(text: str, start: int, end: int, words: str) -> str:
    """`words` with a space where the replaced span touched a letter (`3D` → `three D`)."""
    before = " " if start > 0 and _is_spaced_letter(text[start - 1]) else ""
    after = " " if end < len(text) and _is_spaced_letter(text[end]) else ""
    return f"{before}{words}{after}"


def _numbers(text: str, lang: str) -> str:
    point = lang in _LANGUAGES_WITH_DECIMAL_POINT
    pattern, group_sep = (_NUMBER_POINT, ",") if point else (_NUMBER_COMMA, ".")

    def spell(m: re.Match[str]) -> str:
        whole = m.group(1).replace(group_sep, "")
        words = _decimal(whole, m.group(2), lang)
        return _spaced(m.string, m.start(), m.end(), words)

    return pattern.sub(spell, text)


def _percent(text: str, lang: str) -> str:
    if lang == "tr":
        return _PERCENT_BEFORE_TR.sub("yüzde ", text)
    if word := _PERCENT_WORD.get(lang):
        return _PERCENT_AFTER.sub(f" {word}", text)
    return text


def _generic(text: str, lang: str | None) -> str:
    if lang is None:
        return text
    return _numbers(_percent(text, lang), lang)


_AFTER_NUMBER = re.compile(r"\d\s?$")


def _greek_symbols(text: str, *, units_read: bool) -> str:
    """Greek letters standing for something read by name (`π` → pi, `α` → alpha). Units
    (`µF`, `5 Ω`) are read as `micro`, or left for the engine where `units_read` is False,
    as `mm` is in the languages whose units this module does not read."""

    def name(m: re.Match[str]) -> str:
        end, start = m.end(), m.start()
        if end < len(m.string) and m.string[end].isalpha():  # µ before a unit (`µH`)
            return "micro" if units_read else m.group(0)
        if (
            not units_read
            and m.group(0) in "\u03a9\u2126"
            and _AFTER_NUMBER.search(m.string, 0, start)
        ):
            return m.group(0)
        return _spaced(m.string, start, end, GREEK_LETTER_NAMES[m.group(0)])

    return GREEK_SYMBOL.sub(name, text)


# -- English --------------------------------------------------------------------------------

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
    return _decimal(whole, fraction or None, "en")


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
        return _spaced(m.string, start, m.end(), _year(int(number)))
    if plain and len(number) > 1 and number.startswith("0"):
        return _spaced(m.string, start, m.end(), _digits(number))
    return _spaced(m.string, start, m.end(), _en_number(number))


def _digits(number: str) -> str:
    return " ".join("oh" if d == "0" else cardinal(int(d), "en") for d in number if d.isdigit())


def _phone(m: re.Match[str]) -> str:
    groups = re.findall(r"\d+", m.group(0))
    return ", ".join(_digits(g) for g in groups)


def _safe(replace: Callable[[re.Match[str]], str]) -> Callable[[re.Match[str]], str]:
    """Leave a match as written when it turns out not to be what it looked like."""

    def guarded(m: re.Match[str]) -> str:
        try:
            return replace(m)
        except ValueError:
            return m.group(0)

    return guarded


def _english(text: str, region: str) -> str:
    day_first = region in _DAY_FIRST_REGIONS
    text = _EMAIL.sub(lambda m: _spell_address(m.group(0)), text)
    text = _URL.sub(_url, text)
    text = _PHONE.sub(_phone, text)
    text = _ISO_DATE.sub(
        _safe(lambda m: _date(m[1], int(m[2]), int(m[3]), day_first=day_first)), text
    )

    def slash_date(m: re.Match[str]) -> str:
        a, b, year = int(m[1]), int(m[2]), m[3]
        year = year if len(year) == 4 else ("20" if int(year) < 50 else "19") + year
        month, day = (b, a) if day_first else (a, b)
        return _date(year, month, day, day_first=day_first)

    text = _SLASH_DATE.sub(_safe(slash_date), text)
    text = _DAY_MONTH_YEAR.sub(
        _safe(lambda m: _date(m[3], _month_number(m[2]), int(m[1]), day_first=True)), text
    )
    text = _MONTH_DAY_YEAR.sub(
        _safe(lambda m: _date(m[3], _month_number(m[1]), int(m[2]), day_first=False)), text
    )
    text = _TIME.sub(_safe(_time), text)
    text = _HOUR_MERIDIEM.sub(
        lambda m: _clock(int(m[1]), 0, m[2]) + _kept_stop(m) if int(m[1]) <= 12 else m[0], text
    )
    text = _DECADE.sub(_decade, text)
    text = _CURRENCY_SYMBOL.sub(lambda m: _money(m[2], m[3], m[1]), text)
    text = _CURRENCY_CODE_BEFORE.sub(lambda m: _money(m[2], m[3], m[1]), text)
    text = _CURRENCY_CODE_AFTER.sub(lambda m: _money(m[1], m[2], m[3]), text)
    text = _RANGE.sub(_range, text)
    text = _ORDINAL.sub(lambda m: _spaced(m.string, m.start(), m.end(), _ordinal(int(m[1]))), text)
    text = _UNIT.sub(_unit, text)
    text = _MICRO_UNIT_ALONE.sub(lambda m: _UNITS[unicodedata.normalize("NFKC", m[0])][1], text)
    text = _greek_symbols(text, units_read=True)
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


# -- the whole --------------------------------------------------------------------------------


def _region(language: str) -> str:
    parts = re.split(r"[-_]", language.strip().lower())
    return parts[1] if len(parts) > 1 else ""


def _say(text: str, language: str) -> str:
    code = normalize_language(language)
    if code == "en":
        text = _english(text, _region(language))
    else:
        text = text if code == "el" else _greek_symbols(text, units_read=False)
        text = _generic(text, num2words_language(code))
    text = _SPACES.sub(" ", text)
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text).strip()


def _say_paragraphs(text: str, language: str) -> str:
    return PARAGRAPH_BREAK.join(_say(p, language) for p in text.split(PARAGRAPH_BREAK))


def to_speech(text: str, language: str, pronunciations: Mapping[str, str] | None = None) -> str:
    """The spoken form of canonical written `text` in `language` ("" when nothing is left).

    Paragraph breaks are kept one for one; SSML breaks become `PAUSE_MARK`s; pronunciations
    apply last, to the normalised words.
    """
    pieces: list[str] = []
    last = 0
    for m in _BREAK_TAG.finditer(text):
        pieces.append(_say_paragraphs(strip_markup(text[last : m.start()]), language))
        pieces.append(pause_mark(_break_seconds(m.group(1))))
        last = m.end()
    pieces.append(_say_paragraphs(strip_markup(text[last:]), language))
    speech = " ".join(p for p in pieces if p.strip(" "))
    speech = speech.replace(f" {PARAGRAPH_BREAK}", PARAGRAPH_BREAK)
    speech = speech.replace(f"{PARAGRAPH_BREAK} ", PARAGRAPH_BREAK)
    if pronunciations:
        speech = apply_pronunciations(speech, pronunciations)
    return speech if speech.strip() else ""


# -- pronunciations -------------------------------------------------------------------------


def check_pronunciations(pronunciations: Mapping[str, str]) -> None:
    """Raise ValueError unless the dictionary is within the job contract's bounds."""
    if len(pronunciations) > MAX_PRONUNCIATIONS:
        raise ValueError(f"at most {MAX_PRONUNCIATIONS} pronunciations")
    for key, value in pronunciations.items():
        if not key.strip() or len(key) > MAX_PRONUNCIATION_KEY_CHARS:
            raise ValueError(f"a word is 1 to {MAX_PRONUNCIATION_KEY_CHARS} characters")
        if len(value) > MAX_PRONUNCIATION_VALUE_CHARS:
            raise ValueError(f"a pronunciation is at most {MAX_PRONUNCIATION_VALUE_CHARS} chars")


@lru_cache(maxsize=64)
def _pronunciation_pattern(
    items: tuple[tuple[str, str], ...],
) -> tuple[re.Pattern[str], dict[str, str]]:
    table = {key.strip().casefold(): value for key, value in items}
    keys = sorted(table, key=len, reverse=True)
    alternatives = "|".join(re.escape(key) for key in keys)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE), table


def apply_pronunciations(text: str, pronunciations: Mapping[str, str]) -> str:
    """Replace whole words of `text` by their pronunciation, ignoring case, longest key first;
    a replaced word written with a leading capital keeps one."""
    if not pronunciations:
        return text
    check_pronunciations(pronunciations)
    pattern, table = _pronunciation_pattern(tuple(sorted(pronunciations.items())))

    def replace(m: re.Match[str]) -> str:
        spoken = table[m.group(0).casefold()]
        if m.group(0)[:1].isupper() and spoken:
            return spoken[0].upper() + spoken[1:]
        return spoken

    return pattern.sub(replace, text)
