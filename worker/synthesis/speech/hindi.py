"""Hindi: numbers in Hindi words (num2words has none): every number under a hundred from its
own table, since they are irregular (इक्कीस, उनचास), then सौ, हज़ार, लाख and करोड़ in the
Indian grouping (1,00,000 or 100,000 → एक लाख); Devanagari digits; decimals with दशमलव,
percentages (प्रतिशत), money (₹5.50 → पाँच रुपये पचास पैसे), times (चौदह बजकर तीस मिनट),
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
    phone_rule,
    range_rule,
    reader,
    scaled_money_rule,
    time_rule,
)

_TABLE = (
    "शून्य एक दो तीन चार पाँच छह सात आठ नौ "
    "दस ग्यारह बारह तेरह चौदह पंद्रह सोलह सत्रह अठारह उन्नीस "
    "बीस इक्कीस बाईस तेईस चौबीस पच्चीस छब्बीस सत्ताईस अट्ठाईस उनतीस "
    "तीस इकतीस बत्तीस तैंतीस चौंतीस पैंतीस छत्तीस सैंतीस अड़तीस उनतालीस "
    "चालीस इकतालीस बयालीस तैंतालीस चवालीस पैंतालीस छियालीस सैंतालीस अड़तालीस उनचास "
    "पचास इक्यावन बावन तिरपन चौवन पचपन छप्पन सत्तावन अट्ठावन उनसठ "
    "साठ इकसठ बासठ तिरसठ चौंसठ पैंसठ छियासठ सड़सठ अड़सठ उनहत्तर "
    "सत्तर इकहत्तर बहत्तर तिहत्तर चौहत्तर पचहत्तर छिहत्तर सतहत्तर अठहत्तर उन्यासी "
    "अस्सी इक्यासी बयासी तिरासी चौरासी पचासी छियासी सत्तासी अट्ठासी नवासी "
    "नब्बे इक्यानबे बानबे तिरानबे चौरानबे पंचानबे छियानबे सत्तानबे अट्ठानबे निन्यानबे"
)
_BELOW_HUNDRED = tuple(_TABLE.split())
"""0 to 99, each its own word: Hindi numbers under a hundred do not follow a rule."""
_SCALES = ((10**7, "करोड़"), (10**5, "लाख"), (1000, "हज़ार"), (100, "सौ"))
"""The Indian scales: a crore is a hundred lakh; above it crores are counted (सौ करोड़)."""


def spell(n: int) -> str:
    if n < 100:
        return _BELOW_HUNDRED[n]
    words: list[str] = []
    for size, name in _SCALES:
        count, n = divmod(n, size)
        if count:
            words += [spell(count), name]
    if n:
        words.append(_BELOW_HUNDRED[n])
    return " ".join(words)


NUMERALS = Numerals(
    spell=spell,
    digits=_BELOW_HUNDRED[:10],
    point="दशमलव",
    minus="माइनस",
    percent="{} प्रतिशत",
    group=r"\d{1,2}(?:,\d{2})*,\d{3}|\d{1,3}(?:,\d{3})+",
)
_DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
_CURRENCIES = {
    "₹": ("रुपया", "रुपये", "पैसा", "पैसे"), "Rs.": ("रुपया", "रुपये", "पैसा", "पैसे"),
    "Rs": ("रुपया", "रुपये", "पैसा", "पैसे"), "रु.": ("रुपया", "रुपये", "पैसा", "पैसे"),
    "INR": ("रुपया", "रुपये", "पैसा", "पैसे"), "$": ("डॉलर", "डॉलर", "सेंट", "सेंट"),
    "USD": ("डॉलर", "डॉलर", "सेंट", "सेंट"), "€": ("यूरो", "यूरो", "सेंट", "सेंट"),
    "£": ("पाउंड", "पाउंड", "पेंस", "पेंस"),
}  # fmt: skip
_UNITS = {
    "km": "किलोमीटर", "m": "मीटर", "cm": "सेंटीमीटर", "mm": "मिलीमीटर", "kg": "किलोग्राम",
    "g": "ग्राम", "mg": "मिलीग्राम", "L": "लीटर", "l": "लीटर", "ml": "मिलीलीटर",
    "km/h": "किलोमीटर प्रति घंटा", "°C": "डिग्री सेल्सियस", "°F": "डिग्री फ़ारेनहाइट",
    "°": "डिग्री", "GB": "जीबी", "MB": "एमबी", "किमी": "किलोमीटर", "किग्रा": "किलोग्राम",
}  # fmt: skip
_MONTHS = ("जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर",
           "अक्टूबर", "नवंबर", "दिसंबर")  # fmt: skip


def _money(sign: str, amount: Amount) -> str:
    one, many, cent, cents = _CURRENCIES[sign]
    if len(amount.fraction) > 2:
        return f"{NUMERALS.say(amount)} {many}"
    units, paise = amount.money()
    words = f"{NUMERALS.say(units)} {one if amount.whole == '1' else many}"
    if paise:
        words += f" {spell(paise)} {cent if paise == 1 else cents}"
    return words


_HALVES = {"1": "डेढ़", "2": "ढाई"}
"""1.5 and 2.5 of something have words of their own: डेढ़ किलोमीटर, ढाई लाख."""
_HALF = re.compile(
    r"(?<![\d.,-])([12])\.50?(?!\d)"
    r"(?= ?(?:लाख|करोड़|हज़ार|सौ|किलो|घंट|साल|महीन|दिन|गुना|लीटर|मीटर|रुपय))"
)


def _unit(unit: str, amount: Amount) -> str:
    if amount.fraction.rstrip("0") == "5" and amount.whole in _HALVES and not amount.negative:
        return f"{_HALVES[amount.whole]} {_UNITS[unit]}"
    return f"{NUMERALS.say(amount)} {_UNITS[unit]}"


def _clock(hour: int, minute: int) -> str:
    """7:30 → साढ़े सात बजे, 7:15 → सवा सात बजे, 7:45 → पौने आठ बजे, 2:30 → ढाई बजे,
    7:10 → सात बजकर दस मिनट; 14:30 → चौदह बजकर तीस मिनट."""
    if not minute:
        return f"{spell(hour)} बजे"
    if not 1 <= hour <= 12:  # a 24-hour time, as stations announce it
        return f"{spell(hour)} बजकर {spell(minute)} मिनट"
    if minute == 30 and hour in (1, 2):
        return "डेढ़ बजे" if hour == 1 else "ढाई बजे"
    if minute in (15, 30):
        return f"{'सवा' if minute == 15 else 'साढ़े'} {spell(hour)} बजे"
    if minute == 45:
        return f"पौने {spell(hour % 12 + 1)} बजे"
    return f"{spell(hour)} बजकर {spell(minute)} मिनट"


def _clock_before_baje(hour: int, minute: int) -> str:
    """`14:10 बजे`: the बजे is said already, or becomes पर (चौदह बजकर दस मिनट पर)."""
    words = _clock(hour, minute)
    return words if words.endswith("बजे") else f"{words} पर"


def _year(year: int) -> str:
    """1990 → उन्नीस सौ नब्बे: years before 2000 are said in hundreds."""
    if 1100 <= year < 2000:
        hundreds, rest = divmod(year, 100)
        return f"{spell(hundreds)} सौ" + (f" {spell(rest)}" if rest else "")
    return spell(year)


_YEAR = re.compile(
    r"(?:(?<=सन् )|(?<=सन )|(?<=वर्ष ))(1[1-9]\d\d)(?!\d)|(?<![\d.,])(1[1-9]\d\d)(?: ई\.|(?= में))"
)
"""`सन् 1990`, `1947 ई.`: a year, said in hundreds (उन्नीस सौ नब्बे, … ईस्वी)."""


_ORDINAL = re.compile(
    r"(?<![\d.,])(\d{1,4})(ला|ली|ले|रा|री|रे|था|थी|थे|ठा|ठी|ठे|वाँ|वां|वीं|वी|वें|वे)(?!\w)"
)
"""`1ला`, `2री`, `5वीं`, `6ठा`: the ending written says the gender and case (पाँचवीं)."""
_IRREGULAR_ORDINALS = {1: "पहल", 2: "दूसर", 3: "तीसर", 4: "चौथ", 6: "छठ"}


def _ordinal(m: re.Match[str]) -> str:
    """1ला → पहला, 2री → दूसरी, 5वीं → पाँचवीं, 6ठे → छठे."""
    n, ending = int(m.group(1)), m.group(2)
    vowel = "ी" if "ी" in ending else "े" if "े" in ending else "ा"
    if n in _IRREGULAR_ORDINALS:
        return _IRREGULAR_ORDINALS[n] + vowel
    return spell(n) + {"ा": "वाँ", "ी": "वीं", "े": "वें"}[vowel]


def _era(m: re.Match[str]) -> str:
    """`1947 ई.` → उन्नीस सौ सैंतालीस ईस्वी; `1999 में` → उन्नीस सौ निन्यानबे में."""
    return _year(int(m.group(2))) + (" ईस्वी" if m.group(0).endswith(".") else "")


def _date(year: int, month: int, day: int) -> str:
    return f"{spell(day)} {_MONTHS[month - 1]} {_year(year)}"


def _scaled(currency: str, amount: Amount, scale: str) -> str:
    """`₹2 करोड़`: the scale before the currency, दो करोड़ रुपये."""
    half = amount.fraction.rstrip("0") == "5" and amount.whole in _HALVES and not amount.negative
    words = _HALVES[amount.whole] if half else NUMERALS.say(amount)
    return f"{words} {scale} {_CURRENCIES[currency][1]}"


RULES: list[Rule] = [
    *date_rules(_date),
    time_rule(_clock_before_baje, ("", r" ?बजे")),
    scaled_money_rule(NUMERALS, _CURRENCIES, "हज़ार|लाख|करोड़|अरब", _scaled),
    phone_rule(NUMERALS),
    range_rule(NUMERALS, " से "),
    time_rule(_clock),
    before_number(NUMERALS, _CURRENCIES, _money),
    after_number(NUMERALS, [k for k in _CURRENCIES if k not in ("Rs", "$")], _money),
    after_number(NUMERALS, _UNITS, _unit),
    (_ORDINAL, _ordinal),
    (_HALF, lambda m: _HALVES[m.group(1)]),
    (_YEAR, lambda m: _year(int(m.group(1))) if m.group(1) else _era(m)),
]

read = reader(NUMERALS, RULES, _DEVANAGARI_DIGITS)
