"""Polish numbers in every case and gender: num2words gives the nominative (`dwa`,
`czwarty`), these tables and endings decline it (`dwóch`, `dwiema`, `czwartego`, `czwartej`).
Cases: n(ominative), g(enitive), d(ative), a(ccusative), i(nstrumental), l(ocative)."""

from __future__ import annotations

from num2words import num2words

from worker.synthesis.speech.core import digit_by_digit

NUMERALS: dict[str, tuple[str, str, str]] = {
    "dwa": ("dwóch", "dwóm", "dwoma"), "dwie": ("dwóch", "dwóm", "dwiema"),
    "trzy": ("trzech", "trzem", "trzema"), "cztery": ("czterech", "czterem", "czterema"),
    "sto": ("stu", "stu", "stoma"), "dwieście": ("dwustu", "dwustu", "dwustoma"),
    "tysiąc": ("tysiąca", "tysiącowi", "tysiącem"),
    "tysiące": ("tysięcy", "tysiącom", "tysiącami"),
    "tysięcy": ("tysięcy", "tysiącom", "tysiącami"),
    "milion": ("miliona", "milionowi", "milionem"),
    "miliony": ("milionów", "milionom", "milionami"),
    "milionów": ("milionów", "milionom", "milionami"),
    "miliard": ("miliarda", "miliardowi", "miliardem"),
    "miliardy": ("miliardów", "miliardom", "miliardami"),
    "miliardów": ("miliardów", "miliardom", "miliardami"),
}  # fmt: skip
"""Numerals outside the regular patterns: genitive (also the locative), dative, instrumental."""
NUMERAL_STEMS = {
    "pięć": "pięci", "sześć": "sześci", "siedem": "siedmi", "osiem": "ośmi",
    "dziewięć": "dziewięci", "dziesięć": "dziesięci", "jedenaście": "jedenast",
    "dwanaście": "dwunast", "trzynaście": "trzynast", "czternaście": "czternast",
    "piętnaście": "piętnast", "szesnaście": "szesnast", "siedemnaście": "siedemnast",
    "osiemnaście": "osiemnast", "dziewiętnaście": "dziewiętnast", "dwadzieścia": "dwudziest",
    "trzydzieści": "trzydziest", "czterdzieści": "czterdziest", "trzysta": "trzyst",
    "czterysta": "czteryst",
}  # fmt: skip
"""Numerals declined as stem + u (genitive, dative) and stem + oma (instrumental); tens in
-dziesiąt (→ -dziesięciu) and hundreds in -set (→ -uset, all cases) are derived."""
ONE = {
    "m": {"n": "jeden", "g": "jednego", "d": "jednemu", "i": "jednym", "l": "jednym", "a": "jeden"},
    "n": {"n": "jedno", "g": "jednego", "d": "jednemu", "i": "jednym", "l": "jednym", "a": "jedno"},
    "f": {"n": "jedna", "g": "jednej", "d": "jednej", "i": "jedną", "l": "jednej", "a": "jedną"},
}


def _numeral(word: str, case: str) -> str:
    """One numeral word in an oblique case (the locative is the genitive's form)."""
    index = {"g": 0, "l": 0, "d": 1, "i": 2}[case]
    if word in NUMERALS:
        return NUMERALS[word][index]
    if word.endswith("set"):  # pięćset → pięciuset, in every case
        return NUMERAL_STEMS.get(word[:-3], word[:-3]) + "uset"
    if word.endswith("dziesiąt"):  # pięćdziesiąt → pięćdziesięciu
        return word[:-2] + "ęci" + ("oma" if index == 2 else "u")
    if word in NUMERAL_STEMS:
        return NUMERAL_STEMS[word] + ("oma" if index == 2 else "u")
    return word


def cardinal(n: int, case: str = "n", gender: str = "m") -> str:
    """`n` in `case` and `gender` ("dwie" for feminine nouns, "jedno" for neuter ones)."""
    if len(str(n)) > 15:
        return digit_by_digit(str(n), "pl")
    if n == 1:
        return ONE[gender][case]
    words = str(num2words(n, lang="pl")).split()
    if gender == "f" and words[-1] == "dwa":
        words[-1] = "dwie"
    if case in ("n", "a"):
        return " ".join(words)
    return " ".join(word if word == "jeden" else _numeral(word, case) for word in words)


_ENDINGS = {
    "n": {"m": "y", "f": "a", "n": "e"}, "a": {"m": "y", "f": "ą", "n": "e"},
    "g": {"m": "ego", "f": "ej", "n": "ego"}, "d": {"m": "emu", "f": "ej", "n": "emu"},
    "i": {"m": "ym", "f": "ą", "n": "ym"}, "l": {"m": "ym", "f": "ej", "n": "ym"},
}  # fmt: skip
for _case, _plural in zip("nagdil", ("e", "e", "ych", "ym", "ymi", "ych"), strict=True):
    _ENDINGS[_case]["p"] = _plural
"""A hard-stem adjective's endings (`czwarty`); `drugi`, `trzeci` take an i before them. The
"gender" p is the plural of things (`lata dziewięćdziesiąte`, `w latach dziewięćdziesiątych`)."""
_CARDINAL_WORDS = frozenset({"trzy", "cztery", "trzydzieści", "czterdzieści", "miliony"})


def _adjective(word: str, case: str, gender: str) -> str:
    ending, stem = _ENDINGS[case][gender], word[:-1]
    if word.endswith("i"):  # drugi → druga, drugiego; trzeci → trzecia, trzeciego
        if ending.startswith("y"):
            ending = "i" + ending[1:]
        elif ending.startswith("e") or not stem.endswith(("g", "k")):
            ending = "i" + ending
    return stem + ending


def ordinal(n: int, case: str = "n", gender: str = "m") -> str:
    """`n` as an ordinal in `case` and `gender`; the cardinal words of a long ordinal (`dwa
    tysiące dwudziestego czwartego`) stay as they are."""
    if len(str(n)) > 15:
        return digit_by_digit(str(n), "pl")
    if n == 0:  # num2words has no ordinal for zero (`0:30`)
        return _adjective("zerowy", case, gender)
    words = str(num2words(n, lang="pl", to="ordinal")).split()
    return " ".join(
        _adjective(word, case, gender)
        if word.endswith(("y", "i")) and word not in _CARDINAL_WORDS
        else word
        for word in words
    )


def decimal(whole_part: int, fraction: str) -> str:
    """`3,5` → "trzy przecinek pięć"; `3,14` → "trzy przecinek czternaście"."""
    said = digit_by_digit(fraction, "pl")
    if len(fraction) == 2 and not fraction.startswith("0"):
        said = cardinal(int(fraction))
    return f"{cardinal(whole_part)} przecinek {said}"
