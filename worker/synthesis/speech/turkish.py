"""Turkish: numbers written apart as Turkish writes them (`21` → "yirmi bir", `1000` → "bin"),
suffixes after an apostrophe joined to the spoken number (`1990'da` → "bin dokuz yüz doksanda",
`4'e` → "dörde"), ordinals (`3.`, `14'üncü`, `XIV. Louis`), `%50` → "yüzde elli", lira and
kuruş, dates, times, units and the common abbreviations and titles."""

from __future__ import annotations

import re

from worker.synthesis.speech.core import greek_symbols, spaced
from worker.synthesis.speech.nordic import Language, ShortForms, number, read_all, same
from worker.synthesis.speech.romance import money_words
from worker.synthesis.speech.rules import ROMAN_SOURCE, NumberFormat, roman_value

_ONES = ("", "bir", "iki", "üç", "dört", "beş", "altı", "yedi", "sekiz", "dokuz")
_TENS = ("", "on", "yirmi", "otuz", "kırk", "elli", "altmış", "yetmiş", "seksen", "doksan")
_BIG = ((10**12, "trilyon"), (10**9, "milyar"), (10**6, "milyon"))
_ORDINALS = {
    "sıfır": "sıfırıncı", "bir": "birinci", "iki": "ikinci", "üç": "üçüncü",
    "dört": "dördüncü", "beş": "beşinci", "altı": "altıncı", "yedi": "yedinci",
    "sekiz": "sekizinci", "dokuz": "dokuzuncu", "on": "onuncu", "yirmi": "yirminci",
    "otuz": "otuzuncu", "kırk": "kırkıncı", "elli": "ellinci", "altmış": "altmışıncı",
    "yetmiş": "yetmişinci", "seksen": "sekseninci", "doksan": "doksanıncı",
    "yüz": "yüzüncü", "bin": "bininci", "milyon": "milyonuncu", "milyar": "milyarıncı",
    "trilyon": "trilyonuncu",
}  # fmt: skip


def _below1000(n: int) -> list[str]:
    hundreds, rest = divmod(n, 100)
    words = [] if not hundreds else ["yüz"] if hundreds == 1 else [_ONES[hundreds], "yüz"]
    tens, ones = divmod(rest, 10)
    return [*words, *(w for w in (_TENS[tens], _ONES[ones]) if w)]


def cardinal(n: int, neuter: bool = False) -> str:
    """`1000` → "bin" (never "bir bin"), `101000` → "yüz bir bin", each part a word."""
    if n == 0:
        return "sıfır"
    if n >= 10**15:
        return " ".join(cardinal(int(d)) for d in str(n))
    words: list[str] = []
    for value, name in _BIG:
        big, n = divmod(n, value)
        if big:
            words += [*_below1000(big), name]
    thousands, n = divmod(n, 1000)
    if thousands:
        words += ["bin"] if thousands == 1 else [*_below1000(thousands), "bin"]
    return " ".join(words + _below1000(n))


def ordinal(n: int) -> str:
    head, _, last = cardinal(n).rpartition(" ")
    return f"{head} {_ORDINALS[last]}".strip()


_VOWELS = "aeıioöuü"


def glue(words: str, suffix: str) -> str:
    """The suffix written after an apostrophe joined to the number's last word; `dört` softens
    before a vowel (`4'e` → "dörde", `4'ün` → "dördün")."""
    if words.endswith("dört") and suffix[:1] in _VOWELS:
        words = words[:-1] + "d"
    return words + suffix


def fraction(num: int, den: int) -> str:
    """`3⁄4` → "dörtte üç": the denominator in the locative, then the numerator."""
    den_words = cardinal(den)
    vowel = next(c for c in reversed(den_words) if c in _VOWELS)
    hard = den_words[-1] in "çfhkpsşt"
    locative = ("t" if hard else "d") + ("a" if vowel in "aıou" else "e")
    return f"{den_words}{locative} {cardinal(num)}"


_SUFFIX = r"(?:'(?P<suf>[a-zçğıöşüâî]+))?"
_LIRA = (same("lira"), same("kuruş"))
_EURO = (same("avro"), same("sent"))
_DOLLAR = (same("dolar"), same("sent"))
_POUND = (same("sterlin"), same("peni"))

LANGUAGE = Language(
    cardinal=cardinal,
    ordinal=ordinal,
    year=cardinal,
    day=cardinal,
    months=(
        "Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül",
        "Ekim", "Kasım", "Aralık",
    ),
    decimal_word="virgül",
    minus_word="eksi",
    plus_word="artı",
    zero="sıfır",
    units={
        "km": same("kilometre"), "m": same("metre"), "cm": same("santimetre"),
        "mm": same("milimetre"), "kg": same("kilo"), "g": same("gram"), "mg": same("miligram"),
        "l": same("litre"), "ml": same("mililitre"), "sa": same("saat"), "dk": same("dakika"),
        "sn": same("saniye"), "°C": same("santigrat derece"), "°F": same("fahrenhayt derece"),
        "°": same("derece"), "m2": same("metrekare"), "km2": same("kilometrekare"),
        "m3": same("metreküp"),
    },
    currencies={
        "TL": _LIRA, "₺": _LIRA, "TRY": _LIRA, "€": _EURO, "EUR": _EURO, "$": _DOLLAR,
        "USD": _DOLLAR, "£": _POUND, "GBP": _POUND,
    },
    percent=same("yüzde"),
    cents_and="",
    to_word="ila",
    clock_words=("saat", "Saat"),
    group_marks=". ",
    glue=glue,
    fraction=fraction,
    mixed_and="tam",
    suffix=_SUFFIX,
    currencies_before=("₺", "€", "$", "£"),
)  # fmt: skip

ABBREVIATIONS = ShortForms(
    words={
        "vb.": "ve benzeri", "vs.": "vesaire", "örn.": "örneğin", "bkz.": "bakınız",
        "yy.": "yüzyıl", "vd.": "ve diğerleri", "M.Ö.": "milattan önce",
        "M.S.": "milattan sonra", "Cad.": "Caddesi", "Sok.": "Sokağı", "Mah.": "Mahallesi",
        "Apt.": "Apartmanı", "Tel.": "Telefon", "tel.": "telefon", "No.": "Numara",
        "no.": "numara", "T.C.": "Türkiye Cumhuriyeti", "age.": "adı geçen eser",
        "Bşk.": "Başkanı", "s.": "sayfa", "yak.": "yaklaşık", "yakl.": "yaklaşık",
    },
    titles={
        "Dr.": "Doktor", "Prof.": "Profesör", "Doç.": "Doçent", "Av.": "Avukat",
        "Sn.": "Sayın", "Op.": "Operatör", "Müh.": "Mühendis", "Uzm.": "Uzman",
        "Yrd.": "Yardımcı", "Öğr. Gör.": "Öğretim Görevlisi", "Alb.": "Albay",
        "Gen.": "General", "Hz.": "Hazreti", "Em.": "Emekli",
    },
)  # fmt: skip

_NUMBER = LANGUAGE.number
_AFTER = _NUMBER.replace("whole>", "whole2>").replace("fraction>", "fraction2>")
_PERCENT = re.compile(
    r"(?P<sign>(?:(?<=\s)|(?<=^))[-−])?"
    rf"(?:%\s?{_NUMBER}(?![\d]|[.,]\d){_SUFFIX}"
    rf"|(?<![\d.,]){_AFTER}\s?%{_SUFFIX.replace('suf>', 'suf2>')})"
)
"""`%50` as Turkish writes it, and `50 %` as some write it: "yüzde elli"."""
_ORDINAL_SUFFIX = re.compile(
    r"(?<![\d.,])(\d+)'(?:inci|ıncı|uncu|üncü|nci|ncı|ncu|ncü)(?P<rest>[a-zçğıöşü]*)"
)
_ORDINAL_DOT = re.compile(r"(?<![\d.,])(\d{1,4})\.(?=\s+[^\W\d_])")
"""`3. kat`, `2. Dünya Savaşı`: Turkish marks every ordinal with a full stop."""
_ROMAN_DOT = re.compile(rf"(?<![\w.])(?P<roman>{ROMAN_SOURCE})\.(?=\s+[^\W\d_])")
"""`XIV. Louis`, `XX. yüzyıl`; a lone M, D, C or L is an initial (`M. Kemal`)."""
_CURRENCY_WORDS = money_words(
    NumberFormat("tr", ",", ". ", "virgül", "eksi"),
    {"lira": "TL", "avro": "EUR", "dolar": "USD", "sterlin": "GBP"},
)
"""`4,99 lira` read as money ("dört lira doksan dokuz kuruş"), as `4,99 TL` is."""
_KMH = re.compile(rf"(?<![\d.,]){_NUMBER}\s?km/(?:h|sa)(?!\w)")


def _ordinal(m: re.Match[str]) -> str:
    words = ordinal(int(m.group(1))) + (m.groupdict().get("rest") or "")
    return spaced(m.string, m.start(), m.end(), words)


def _roman(m: re.Match[str]) -> str:
    if len(m["roman"]) == 1 and m["roman"] in "MDCL":
        return m.group(0)
    return spaced(m.string, m.start(), m.end(), ordinal(roman_value(m["roman"])))


def _percent(m: re.Match[str]) -> str:
    spoken = number(LANGUAGE, m["whole"] or m["whole2"], m["fraction"] or m["fraction2"])
    suffix = m["suf"] or m["suf2"]
    words = "yüzde " + (glue(spoken, suffix) if suffix else spoken)
    words = f"eksi {words}" if m["sign"] else words
    return spaced(m.string, m.start(), m.end(), words)


def _kmh(m: re.Match[str]) -> str:
    words = f"saatte {number(LANGUAGE, m['whole'], m['fraction'])} kilometre"
    return spaced(m.string, m.start(), m.end(), words)


def read(text: str, region: str) -> str:
    text = ABBREVIATIONS.expand(greek_symbols(text, units_read=False))
    text = _ROMAN_DOT.sub(_roman, text)
    text = _ORDINAL_DOT.sub(_ordinal, _ORDINAL_SUFFIX.sub(_ordinal, text))
    text = _KMH.sub(_kmh, _PERCENT.sub(_percent, text))
    return read_all(_CURRENCY_WORDS(text), LANGUAGE)
