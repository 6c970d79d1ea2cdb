"""English read thoroughly: numbers, money, dates, times, units, abbreviations, addresses.

The rules run in order, most specific first (addresses, phones, dates, times before any number
is spelled); `english_numbers` holds the tables and readings, `english_words` the words.
"""

from __future__ import annotations

import re
import unicodedata

from worker.synthesis.speech import english_numbers as en
from worker.synthesis.speech.core import alternation, greek_symbols, safe, spaced
from worker.synthesis.speech.english_words import read_words
from worker.synthesis.speech.rules import kept_stop

_DAY_FIRST_REGIONS = frozenset({"gb", "uk", "au", "nz", "ie", "in", "za"})
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"(?:\s?(thousand|million|billion|trillion|bn|[kKmM])\b)?"
_MONTH_ALT = en.MONTH_ALT
_YEAR_CONTEXT = re.compile(
    r"(?:\b(?:in|since|by|from|until|till|of|year|circa|during|before|after|around|early|"
    r"late|mid|summer|winter|spring|autumn|fall|" + _MONTH_ALT + r")\b,?\s)$",
    re.IGNORECASE,
)

_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+?(?=[.,;:!?)\]]*(?:\s|$))", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<![\w-])(?:\+?1[ .-])?(?:\(\d{3}\) ?|\d{3}[-.])?\d{3}-\d{4}(?![\w-])")
_PHONE_INTERNATIONAL = re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]\d{1,4}){2,5}(?![\w-])")
_PHONE_LOCAL = re.compile(r"(?<![\w-])0\d{2,4} \d{3,4}(?: \d{3,4})?(?![\w-])")
"""British and other numbers with a trunk zero: `020 7946 0958`."""
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DOTTED_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
"""`25.12.2023`, written the European way: day first."""
_SLASH_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b")
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)? ({_MONTH_ALT})\.?(?:,? (\d{{4}}))?\b")
_MONTH_DAY_YEAR = re.compile(
    rf"\b({_MONTH_ALT})\.? (\d{{1,2}})(?:st|nd|rd|th)?\b(?:,? (\d{{4}})\b)?"
)
_SENTENCE_ENDS = re.compile(r"[\"'”’)\]]*(?:[.!?…]|\s*$)")
_TIME = re.compile(r"\b(\d{1,2}):(\d{2})(?:\s?([AaPp])\.?[Mm]\b\.?)?")
_HOUR_MERIDIEM = re.compile(r"\b(\d{1,2})\s?([AaPp])\.?[Mm]\b\.?")
_CALL = (
    r"(?:[Dd]ial(?:s|ed|led|ing|ling)?|[Cc]all(?:s|ed|ing)?|[Pp]hon(?:e|es|ed|ing)|"
    r"[Rr]ing(?:s|ing)?|[Rr]ang|[Tt]ext(?:s|ed|ing)?)"
)
_SERVICE_AFTER_CALL = re.compile(
    rf"(\b{_CALL}\s(?:(?:up|on)\s)?)(\d{{3}})\b(?![.,]?\d)"
    r"(?!\s+(?!(?:and|or|now|for|if|immediately|right|again|at|from|on|to|then|when|first|"
    r"straight|quickly|instead|please|yourself)\b)[a-z])"
)
"""`dial 999`, `call 911 now`, but not `call 999 people`."""
_SERVICE_BEFORE_WORD = re.compile(
    r"\b(911|999|112|988)(?=\s(?:calls?|callers?|operators?|dispatchers?|dispatch|emergency|"
    r"line|services?|number|system|cent(?:er|re))\b)"
)
_SPELLED_DIGITS = re.compile(r"(?<![\w-])\d(?:-\d){2,}(?![\w-])")
"""`9-1-1`: digits written apart are said apart."""
_FRACTION = re.compile(
    r"(?<![\w/⁄.,])(?:(?P<whole>\d+)\s)?(?P<top>\d+)(?P<slash>[/⁄])(?P<bottom>\d+)(?![\w/⁄]|[.,]\d)"
    r"(?:\s(?P<measure>" + "|".join(en.MEASURES) + r")\b)?",
    re.IGNORECASE,
)
_VERSION_AFTER = re.compile(
    r"\b((?:[Vv]ersion|[Vv]er\.|[Rr]elease|iOS|iPadOS|macOS|Android|Windows|Python|Java|Node|"
    r"Ubuntu|Debian|Firefox|Chrome|Linux|PHP|Perl|Ruby|HTTP|Bluetooth|USB|Wi-Fi|Web|OS)\s?)"
    r"(\d+(?:\.\d+)+)(?![\d.]?\d)"
)
_VERSION_V = re.compile(r"\bv(\d+(?:\.\d+)+)\b")
_VERSION_DOTTED = re.compile(r"(?<![\d.,])\d+(?:\.\d+){2,}(?!\.?\d)")
"""Three parts or more (`2.0.1`) is a version whatever comes before it."""
_DECADE = re.compile(r"(?<![\w.,'])(?P<clipped>')?(?P<decade>\d{1,3}(?:,000)+|\d{2,4})'?s\b")
_SIGN = re.compile(r"(?<![\w.,+±-])([-+])(?=[$€£¥]?\.?\d)")
_PLUS_MINUS = re.compile(r"\s?±\s?")
_ABOUT = re.compile(r"~\s?(?=[$€£¥]?\d)")
_NUMBERED_PLACE = re.compile(
    r"\b((?:[Rr]oom|[Ff]light|[Gg]ate|[Pp]latform|[Ss]uite)\s)(\d{3,4})\b(?![.,]\d)"
)
"""`Room 101`, `Flight 370`: said in pairs like a house number."""
_ERA = re.compile(r"\b(\d{1,4})(?=\s(?:BC|BCE|AD|CE)\b)|(?<=\b(?:AD|CE)\s)(\d{1,4})\b")
_RANGE = re.compile(r"(?<![\w.,-])(\d+)\s?-\s?(\d+)(?![\w.,]?\d)")
_CURRENCY_RANGE = re.compile(rf"([$€£¥])({_NUM})\s?-\s?[$€£¥]?({_NUM}){_SCALE}")
_CURRENCY_SYMBOL = re.compile(rf"(?:\b(US|A|C|NZ|HK|S))?([$€£¥])\s?({_NUM}){_SCALE}")
_DOLLAR_COUNTRY = {
    "US": "US", "A": "Australian", "C": "Canadian", "NZ": "New Zealand", "HK": "Hong Kong",
    "S": "Singapore",
}  # fmt: skip
"""`A$5` is five Australian dollars."""
_FEET_INCHES = re.compile(
    r"\b(\d{1,2})(?:(?:'|\s?ft\s?)(\d{1,2})(?:\"|\s?in\b)|'(?=\s(?:tall|high|long|wide|deep)\b))"
)
"""`5'10"` and `5 ft 10 in` five feet ten inches; `6' tall` six feet tall."""
_CURRENCY_CODE_BEFORE = re.compile(rf"\b(USD|EUR|GBP|JPY)\s?({_NUM}){_SCALE}")
_CURRENCY_CODE_AFTER = re.compile(rf"({_NUM}){_SCALE}\s?(USD|EUR|GBP|JPY)\b")
_CURRENCY_WORD = re.compile(
    rf"(?<![\d.,])(\d{{1,3}}(?:,\d{{3}})+\.\d\d|\d+\.\d\d) ({alternation(en.CURRENCY_WORDS)})\b"
)
"""`4.99 euros`: with cents, read as money (`4.99 EUR`); `2.5 euros` stays a number."""
_CENTS = re.compile(r"(\d+)\s?¢")
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b", re.IGNORECASE)
_HOUSE = re.compile(
    r"\b(\d{3,4})([A-Z]?)(?=\s(?:[A-Z][a-z]+\s){1,3}(?:Street|St\b|Avenue|Ave\b|Road|Rd\b|"
    r"Lane|Drive|Boulevard|Blvd\b|Way|Court|Place|Terrace|Parkway|Square|Crescent|Close)\b)"
)
"""A house number before its street: `221B Baker Street`, `1600 Pennsylvania Avenue`."""
_UNIT = re.compile(
    rf"({_NUM})\s?(°[CcFf]\b|°|[µμ](?:mol|[mgslLFVAW])\b|[\u03a9\u2126]\b|"
    r"(?:km/h|kph|mph|km2|cm2|m2|m3|km|cm|mm|kg|mg|lbs|lb|oz|ft|mi|ml|mins|min|hrs|hr|sec|yrs|"
    r"KB|MB|GB|TB|GHz|MHz|Hz|kWh|kW|dB|m|g|l|L)\b)"
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
    (re.compile(r"\s?×\s?"), " times "),
    (re.compile(r"\s?÷\s?"), " divided by "),
    (re.compile(r"\s?≈\s?"), " approximately "),
    (re.compile(r"§\s?"), "section "),
    (re.compile(r"(?<=\w)/(?=\w)"), " "),
    (re.compile(r"⁄"), " "),
    (re.compile(r"#"), " "),
)
_NUMBER_ANY = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?!\d)")
_POINT_FIRST = re.compile(r"(?<![\w.])\.(\d+)")
"""`.5` is point five."""
_DIGITS_LEFT = re.compile(r"\d+")


def _english_numbers(m: re.Match[str]) -> str:
    number, start = m.group(0), m.start()
    plain = "," not in number and "." not in number
    if plain and en.is_year(number) and _YEAR_CONTEXT.search(m.string, max(0, start - 12), start):
        return spaced(m.string, start, m.end(), en.year(int(number)))
    if plain and len(number) > 1 and number.startswith("0"):
        return spaced(m.string, start, m.end(), en.digits(number))
    return spaced(m.string, start, m.end(), en.number(number))


def _url(m: re.Match[str]) -> str:
    url = re.sub(r"^(?:https?://)", "", m.group(0), flags=re.IGNORECASE).rstrip("/")
    url = re.sub(r"^www\.", "W W W dot ", url, flags=re.IGNORECASE)
    return _spell_address(url)


def _spell_address(address: str) -> str:
    for symbol, word in ((".", " dot "), ("/", " slash "), ("@", " at "), ("-", " dash ")):
        address = address.replace(symbol, word)
    return re.sub(r"[_?=&#:]+", " ", address).strip()


def _phone(m: re.Match[str]) -> str:
    spoken = ", ".join(en.digits(group) for group in re.findall(r"\d+", m.group(0)))
    return "plus " + spoken if m.group(0).startswith("+") else spoken


def _range(m: re.Match[str]) -> str:
    first, last = m.group(1), m.group(2)
    return en.year_range(first, last) or f"{first} to {last}"


def _time(m: re.Match[str]) -> str:
    hour, minute, meridiem = int(m[1]), int(m[2]), m[3]
    if hour > 24 or minute > 59 or (meridiem and hour > 12):
        raise ValueError("not a time")
    return en.clock(hour, minute, meridiem) + (kept_stop(m) if meridiem else "")


def _unit(m: re.Match[str]) -> str:
    number, unit = m.group(1), m.group(2)
    one, many = en.UNITS[unicodedata.normalize("NFKC", unit).lower()]
    return f"{en.number(number)} {one if number == '1' else many}"


def _money(m: re.Match[str]) -> str:
    spoken = en.money(m[3], m[4], m[2])
    if m[1] and m[2] == "$":
        return re.sub(r"\bdollar", f"{_DOLLAR_COUNTRY[m[1]]} dollar", spoken, count=1)
    return (m[1] + " " if m[1] else "") + spoken


def _feet(m: re.Match[str]) -> str:
    feet = f"{en.number(m[1])} {en.plural(m[1], 'foot', 'feet')}"
    return f"{feet} {en.number(m[2])} {en.plural(m[2], 'inch', 'inches')}" if m[2] else feet


def _pause(m: re.Match[str]) -> bool:
    """A comma before a date's year where the writer wrote one, or where the date ends its
    sentence (`On 3 March 2021.`); none where the sentence goes on (`On 4 July 1776 they`)."""
    return "," in m.group(0) or bool(_SENTENCE_ENDS.match(m.string, m.end()))


def _dates(text: str, day_first: bool) -> str:
    def slash_date(m: re.Match[str]) -> str:
        a, b, year = int(m[1]), int(m[2]), m[3]
        year = year if len(year) == 4 else ("20" if int(year) < 50 else "19") + year
        month, day = (b, a) if day_first else (a, b)
        return en.date(year, month, day, day_first, _pause(m))

    text = _ISO_DATE.sub(
        safe(lambda m: en.date(m[1], int(m[2]), int(m[3]), day_first, _pause(m))), text
    )
    text = _SLASH_DATE.sub(safe(slash_date), text)
    text = _DOTTED_DATE.sub(
        safe(lambda m: en.date(m[3], int(m[2]), int(m[1]), True, _pause(m))), text
    )
    text = _DAY_MONTH_YEAR.sub(
        safe(lambda m: en.date(m[3], en.month_number(m[2]), int(m[1]), True, _pause(m))), text
    )
    return _MONTH_DAY_YEAR.sub(
        safe(lambda m: en.date(m[3], en.month_number(m[1]), int(m[2]), False, _pause(m))), text
    )


def _special_numbers(text: str) -> str:
    """Numbers that are not amounts: service numbers, fractions, versions, decades, eras."""
    text = _SERVICE_AFTER_CALL.sub(
        lambda m: m[1] + en.service(m[2]) if m[2] in en.SERVICE_NUMBERS else m[0], text
    )
    text = _SERVICE_BEFORE_WORD.sub(lambda m: en.service(m[1]), text)
    text = _SPELLED_DIGITS.sub(lambda m: en.digits(m.group(0)), text)
    text = _FRACTION.sub(safe(en.fraction), text)
    text = _VERSION_AFTER.sub(lambda m: m[1] + en.version(m[2]), text)
    text = _VERSION_V.sub(lambda m: "version " + en.version(m[1]), text)
    text = _VERSION_DOTTED.sub(lambda m: en.version(m.group(0)), text)
    text = _DECADE.sub(en.decade, text)
    return _ERA.sub(lambda m: en.year(int(m[1] or m[2])), text)


def _amounts(text: str) -> str:
    """Signs, money, ranges, ordinals, house numbers and units: numbers with what they count."""
    text = _FEET_INCHES.sub(_feet, text)
    text = _PLUS_MINUS.sub(" plus or minus ", text)
    text = _ABOUT.sub("about ", text)
    text = _SIGN.sub(lambda m: "minus " if m[1] == "-" else "plus ", text)
    text = _CURRENCY_WORD.sub(lambda m: f"{m[1]} {en.CURRENCY_WORDS[m[2]]}", text)
    text = _CURRENCY_RANGE.sub(lambda m: en.money_range(m[2], m[3], m[4], m[1]), text)
    text = _CURRENCY_SYMBOL.sub(_money, text)
    text = _CURRENCY_CODE_BEFORE.sub(lambda m: en.money(m[2], m[3], m[1]), text)
    text = _CURRENCY_CODE_AFTER.sub(lambda m: en.money(m[1], m[2], m[3]), text)
    text = _CENTS.sub(lambda m: f"{en.number(m[1])} {en.plural(m[1], 'cent', 'cents')}", text)
    text = _RANGE.sub(_range, text)
    text = _ORDINAL.sub(lambda m: spaced(m.string, m.start(), m.end(), en.ordinal(int(m[1]))), text)
    text = _NUMBERED_PLACE.sub(lambda m: m[1] + en.house_number(m[2]), text)
    text = _HOUSE.sub(lambda m: en.house_number(m[1]) + (" " + m[2] if m[2] else ""), text)
    text = _UNIT.sub(_unit, text)
    return _MICRO_UNIT_ALONE.sub(lambda m: en.UNITS[unicodedata.normalize("NFKC", m[0])][1], text)


def read(text: str, region: str) -> str:
    text = _EMAIL.sub(lambda m: _spell_address(m.group(0)), text)
    text = _URL.sub(_url, text)
    text = _PHONE_INTERNATIONAL.sub(_phone, text)
    text = _PHONE_LOCAL.sub(_phone, text)
    text = _PHONE.sub(_phone, text)
    text = _dates(text, day_first=region in _DAY_FIRST_REGIONS)
    text = _TIME.sub(safe(_time), text)
    text = _HOUR_MERIDIEM.sub(
        lambda m: en.clock(int(m[1]), 0, m[2]) + kept_stop(m) if int(m[1]) <= 12 else m[0], text
    )
    text = _amounts(_special_numbers(text))
    text = greek_symbols(text, units_read=True)
    text = _NUMBER_SIGN.sub("number ", text)
    text = _HASHTAG.sub("", text)
    text = read_words(text)
    for pattern, word in _SYMBOLS:
        text = pattern.sub(word, text)
    text = _NEGATIVE.sub("minus ", text)
    text = _POINT_FIRST.sub(lambda m: en.number("0" + m[0]).removeprefix("zero "), text)
    text = _NUMBER_ANY.sub(_english_numbers, text)
    return _DIGITS_LEFT.sub(lambda m: spaced(m.string, m.start(), m.end(), en.number(m[0])), text)
