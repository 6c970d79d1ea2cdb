"""English words written short: titles, abbreviations, initialisms spelled (`BBC`), acronyms
said as words (`NASA`) and roman numerals that context makes numbers (`Henry VIII`)."""

from __future__ import annotations

import re
from collections.abc import Callable

from num2words import num2words

from worker.synthesis.speech.core import cardinal
from worker.synthesis.speech.rules import RomanContexts, kept_stop, roman_value, romans

_CAPITALIZED_BEFORE = re.compile(r"\b[A-Z][\w'-]*\s$")


def _word(word: str) -> Callable[[re.Match[str]], str]:
    return lambda m: word + kept_stop(m)


_TITLES = {
    "Mr": "Mister", "Mrs": "Missus", "Ms": "Miz", "Mx": "Mix", "Prof": "Professor",
    "Mt": "Mount", "Capt": "Captain", "Gen": "General", "Col": "Colonel", "Lt": "Lieutenant",
    "Sgt": "Sergeant", "Cpl": "Corporal", "Maj": "Major", "Adm": "Admiral", "Cmdr": "Commander",
    "Rev": "Reverend", "Fr": "Father", "Gov": "Governor", "Sen": "Senator",
    "Rep": "Representative", "Pres": "President", "Det": "Detective", "Insp": "Inspector",
    "Supt": "Superintendent", "Ft": "Fort", "Messrs": "Messieurs",
}  # fmt: skip
"""Titles before a name; only Mr, Mrs, Ms and Mx go without a full stop (`Mr Smith`)."""
_TITLE = re.compile(
    r"\b(?:(Mrs|Mr|Ms|Mx|Prof|Mt|Capt)\.(?=\s)|(Mrs|Mr|Ms|Mx)(?=\s+(?:[A-Z]|and\s))"
    r"|(" + "|".join(_TITLES) + r")\.(?=\s+[A-Z]))"
)
"""`Mr. and Mrs. Smith`; the rarer titles (`Gen.`, `Rep.`) only before a name."""
_BEFORE_NUMBER = {
    "p": "page", "pp": "pages", "vol": "volume", "ch": "chapter", "ca": "circa", "c": "circa",
    "fig": "figure", "est": "established", "nos": "numbers",
}  # fmt: skip
_BEFORE_NUMBER_WORD = re.compile(r"\b(pp|p|vol|ch|ca|c|fig|est|nos)\.\s?(?=\d)", re.IGNORECASE)
_ABBREVIATIONS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"\bJr\.?(?!\w)"), _word("Junior")),
    (re.compile(r"\bSr\.?(?!\w)"), _word("Senior")),
    (re.compile(r"\betc\.?(?!\w)"), _word("et cetera")),
    (re.compile(r"\be\.g\.?(?!\w),?", re.IGNORECASE), "for example,"),
    (re.compile(r"\bi\.e\.?(?!\w),?", re.IGNORECASE), "that is,"),
    (re.compile(r"\ba\.k\.a\.?(?!\w)", re.IGNORECASE), "also known as"),
    (re.compile(r"\bcf\.(?!\w)"), "compare"),
    (re.compile(r"\bviz\.(?!\w)"), "namely"),
    (re.compile(r"\bvs\.?(?!\w)"), "versus"),
    (re.compile(r"\bapprox\.(?!\w)"), "approximately"),
    (re.compile(r"\bPh\.\s?D\.?(?!\w)"), _word("P H D")),
    (re.compile(r"\bAve\.(?!\w)"), _word("Avenue")),
    (re.compile(r"\bRd\.(?!\w)"), _word("Road")),
    (re.compile(r"\bBlvd\.?(?!\w)"), _word("Boulevard")),
    (re.compile(r"\bHwy\.?(?!\w)"), _word("Highway")),
    (re.compile(r"\bApt\.(?!\w)"), _word("Apartment")),
    (re.compile(r"\bDept\.(?!\w)"), _word("Department")),
    (re.compile(r"\bInc\.(?!\w)"), _word("Incorporated")),
    (re.compile(r"\bLtd\.(?!\w)"), _word("Limited")),
    (re.compile(r"\bCorp\.(?!\w)"), _word("Corporation")),
)
_DOTTED = re.compile(r"\b(?:[A-Z]\.){2,}(?![\w])|\b(?:[A-Z]\.)+[A-Z]\b")
"""`U.S.`, `J.R.R.`, `B.C.`: initials spelled letter by letter."""
_SENTENCE_AFTER = re.compile(
    r"\s*$|\s+(?:The|He|She|It|They|We|I|But|And|This|That|There|Then|A|In|On|So|You)\b"
)
_SAINT_OR_STREET = re.compile(r"\bSt\.?(?!\w)")
_DOCTOR_OR_DRIVE = re.compile(r"\bDr\.?(?!\w)")
_NEXT_CAPITALIZED = re.compile(r"\s+[A-Z]")

INITIALISMS = frozenset((
    "AI", "ATM", "ATV", "BBC", "BC", "BCE", "AD", "CE", "CBS", "CCTV", "CD", "CDC", "CEO", "CFO",
    "CIA", "CNN", "CPR", "CPU", "CT", "DC", "DIY", "DJ", "DNA", "DVD", "ECG", "EKG", "EMT", "ER",
    "EU", "FAQ", "FBI", "FDA", "FYI", "GDP", "GP", "GPS", "GPU", "HBO", "HIV", "HR", "IBM", "ICU",
    "ID", "IQ", "IRS", "IVF", "JFK", "KGB", "LA", "LAPD", "MBA", "MC", "MD", "MIT", "MLB", "MP",
    "MRI", "MVP", "NBA", "NBC", "NFL", "NHL", "NHS", "NPR", "NSA", "NY", "NYC", "NYPD", "PC",
    "PDF", "PE", "PM", "PR", "PTSD", "RAF", "RNA", "RSVP", "RV", "SOS", "SUV", "TBD", "TV", "UCLA",
    "UFO", "UK", "UN", "UPS", "URL", "US", "USA", "USB", "USSR", "UV", "VIP", "VPN", "WWW", "ABC",
    "BMW", "ESPN", "ADHD", "OCD", "CSI", "DMV", "EPA", "ATF", "BTW", "OMG", "PhD", "QA", "UAE",
    "ASAP",
))  # fmt: skip
"""Said letter by letter (`BBC` → B B C)."""
ACRONYMS = {
    "NASA": "Nasa", "UNESCO": "Unesco", "NATO": "Nato", "UNICEF": "Unicef", "OPEC": "Opec",
    "FIFA": "Fifa", "UEFA": "Uefa", "NAFTA": "Nafta", "ASEAN": "Asean", "FEMA": "Fema",
    "AIDS": "Aids", "COVID": "Covid", "SARS": "Sars", "MERS": "Mers", "SCUBA": "scuba",
    "RADAR": "radar", "LASER": "laser", "SONAR": "sonar", "TASER": "taser", "PIN": "pin",
    "SIM": "sim", "GIF": "gif", "JPEG": "jay-peg", "NASDAQ": "Nasdaq", "IKEA": "Ikea",
    "POTUS": "Potus", "SWAT": "Swat", "DARPA": "Darpa", "NIMBY": "nimby", "RAM": "ram",
    "CAPTCHA": "captcha", "OSHA": "Osha", "INTERPOL": "Interpol", "ANZAC": "Anzac",
    "BAFTA": "Bafta", "WASP": "Wasp", "GIFs": "gifs", "WWI": "World War One",
    "WWII": "World War Two", "WW1": "World War One", "WW2": "World War Two", "BBQ": "barbecue",
}  # fmt: skip
"""Said as words (`NASA` → Nasa, as British papers write it), or as what they stand for."""
_CAPS = re.compile(r"\b([A-Z][A-Za-z0-9]*[A-Z0-9])('?s)?\b")
_CAPS_BEFORE = re.compile(r"\b([A-Z]{2,})[^\w\n]{1,3}$")
_CAPS_AFTER = re.compile(r"[^\w\n]{1,3}([A-Z]{2,})\b")

_COUNTING = (
    "War", "Chapter", "Part", "Act", "Scene", "Book", "Volume", "Vol.", "Phase", "Stage",
    "Level", "Type", "Class", "Category", "Section", "Article", "Episode", "Season", "Title",
    "Mark", "Bowl", "Appendix", "Psalm", "Canto", "Round", "Grade", "Tier", "Olympiad",
)  # fmt: skip
"""Words after which a roman numeral is a plain number: `World War II`, `chapter XII`."""
_I_ENDS = re.compile(r"\s*(?:$|[,.;:!?)\"']|\s(?:of|and)\b)")
"""`Elizabeth I.`, `Elizabeth I of England`: the numeral ends the name."""
_PRONOUN_GOES_ON = re.compile(
    r"'|\s+(?:am|have|had|think|thought|know|knew|said|say|like|love|want|wanted|will|would|"
    r"can|could|do|did|don't|didn't|feel|felt|saw|see|guess|mean|hope|wish|need|told|went|got|"
    r"must|should|shall|might|never|just|really|also)\b"
)
"""`Part I like`: the pronoun `I` and its verb."""
_REGNAL_NAMES = frozenset((
    "Elizabeth", "Charles", "James", "William", "Henry", "Edward", "George", "Mary", "Richard",
    "John", "Louis", "Peter", "Catherine", "Nicholas", "Alexander", "Frederick", "Philip",
    "Napoleon", "Francis", "Ferdinand", "Isabella", "Anne", "Victor", "Leo", "Pius", "Gregory",
    "Benedict", "Clement", "Innocent", "Urban", "Paul", "Pedro", "Juan", "Carlos", "Felipe",
    "Ludwig", "Wilhelm", "Otto", "Rudolf", "Constantine", "Justinian", "Ramesses", "Ivan", "David",
    "Robert", "Alfonso", "Manuel", "Umberto", "Harald", "Olav", "Haakon", "Gustav", "Christian",
    "Frederik", "Margrethe", "Sancho", "Stephen", "Boniface", "Sixtus", "Julius", "Celestine",
    "Adrian",
))  # fmt: skip
_REGNAL = re.compile(r"\b([A-Z][a-z]+)\s(X{0,2}(?:IX|IV|V?I{0,3}))(?![\w-])")
"""A name and a numeral up to 29: `Henry VIII`, `Louis XIV`, `John Paul II`."""
_NOT_NAMES = frozenset((
    "A", "An", "The", "In", "On", "At", "By", "My", "His", "Her", "Its", "Our", "Their", "Your",
    "Then", "When", "And", "But", "Or", "If", "So", "To", "For", "Of", "With", "As", "Is", "Was",
    "Stage", "Type", "Phase", "Level", "Class", "Grade", "Category", "Tier", "Part", "Act",
))  # fmt: skip
"""Capitalised words that are not names: `An IV drip`."""
_RULER_BEFORE = re.compile(
    r"\b(?:King|Queen|Pope|Emperor|Empress|Tsar|Czar|Tsarina|Kaiser|Sultan|Pharaoh|Prince|"
    r"Princess|Duke|Saint)\s(?:[A-Z][a-z]+\s)?$"
)


def _ordinal_title(value: int) -> str:
    return str(num2words(value, to="ordinal")).title()


def _counted(value: int, kind: str, m: re.Match[str]) -> str:
    """`Chapter XII` → Chapter Twelve: the number takes the counting word's capital."""
    lone_letter = len(m["roman"]) == 1 and m["roman"] not in "IVX"  # `Appendix C`, `Type D`
    pronoun = m["roman"] == "I" and (
        m["pre"][0].islower() or _PRONOUN_GOES_ON.match(m.string, m.end())
    )
    if lone_letter or pronoun:
        return m.group(0)[len(m["pre"]) :]
    words = cardinal(value, "en")
    return (words.title() if m["pre"][0].isupper() else words) + (m["dot"] or "")


def _regnal(m: re.Match[str]) -> str:
    name, numeral = m[1], m[2]
    if not numeral or name in _NOT_NAMES:
        return m.group(0)
    ruler = _RULER_BEFORE.search(m.string, max(0, m.start() - 30), m.start())
    if len(numeral) == 1 and name not in _REGNAL_NAMES and not ruler:
        return m.group(0)
    pronoun = not ruler or _PRONOUN_GOES_ON.match(m.string, m.end())
    if numeral == "I" and not _I_ENDS.match(m.string, m.end()) and pronoun:
        return m.group(0)
    return f"{name} the {_ordinal_title(roman_value(numeral))}"


def _name_word(before: str, after: str) -> Callable[[re.Match[str]], str]:
    """`St.` is Saint before a name and Street after one; `Dr.` Doctor or Drive likewise."""

    def replace(m: re.Match[str]) -> str:
        text, start = m.string, m.start()
        name_follows = bool(_NEXT_CAPITALIZED.match(text, m.end()))
        name_precedes = bool(_CAPITALIZED_BEFORE.search(text, max(0, start - 40), start))
        if name_follows and not name_precedes:
            return before
        if name_precedes:
            return after + kept_stop(m)
        return before

    return replace


def _shouted(m: re.Match[str]) -> bool:
    """A word in a run of capitals (`HELP US`) is shouted, not an initialism."""
    text = m.string
    before = _CAPS_BEFORE.search(text, max(0, m.start() - 24), m.start())
    after = _CAPS_AFTER.match(text, m.end())
    return any(
        near is not None and near[1] not in INITIALISMS and near[1] not in ACRONYMS
        for near in (before, after)
    )


def _initialism(m: re.Match[str]) -> str:
    word, ending = m[1], m[2] or ""
    if word + ending in ACRONYMS:
        word, ending = word + ending, ""
    if word in ACRONYMS:
        return m.group(0) if _shouted(m) else ACRONYMS[word] + ending
    if word not in INITIALISMS or _shouted(m):
        return m.group(0)
    return " ".join(word.upper()) + ending


def _dotted(m: re.Match[str]) -> str:
    """`U.S. Army`: the last full stop ends a sentence only where one plainly starts after."""
    letters = m.group(0).replace(".", "")
    ends = m.group(0).endswith(".") and _SENTENCE_AFTER.match(m.string, m.end())
    return " ".join(letters) + ("." if ends else "")


def read_words(text: str) -> str:
    """Roman numerals, titles, abbreviations, initialisms and acronyms, in that order."""
    text = romans(text, RomanContexts(after=_COUNTING, names=False), _counted)
    text = _REGNAL.sub(_regnal, text)
    text = _TITLE.sub(lambda m: _TITLES[m[1] or m[2] or m[3]], text)
    text = _BEFORE_NUMBER_WORD.sub(lambda m: _BEFORE_NUMBER[m[1].lower()] + " ", text)
    text = _SAINT_OR_STREET.sub(_name_word("Saint", "Street"), text)
    text = _DOCTOR_OR_DRIVE.sub(_name_word("Doctor", "Drive"), text)
    for pattern, replacement in _ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    text = _DOTTED.sub(_dotted, text)
    return _CAPS.sub(_initialism, text)
