"""Russian numbers in every case and gender, as a careful reader says them: num2words spells
them (`case=`, `gender=`), this module reads 1000 as "тысяча" and decimals as fractions
("две целых пять десятых"). Cases: n, g, d, a, i, p (num2words' codes)."""

from __future__ import annotations

import re

from num2words import num2words

from worker.synthesis.speech.core import digit_by_digit
from worker.synthesis.speech.rules import slavic_forms

_LEADING_ONE = re.compile(r"^од(?:ин|на|ной|ну|ним|ном|ного|ному)\s(?=тысяч|миллион|миллиард)")


def cardinal(n: int, case: str = "n", gender: str = "m") -> str:
    """`n` in `case` and `gender`; "тысяча", not "одна тысяча", as a reader says 1000."""
    if len(str(n)) > 15:
        return digit_by_digit(str(n), "ru")
    words = str(num2words(n, lang="ru", case=case, gender=gender, animate=False))
    return _LEADING_ONE.sub("", words)


def ordinal(n: int, case: str = "n", gender: str = "m", plural: bool = False) -> str:
    """`n` as an ordinal: "второй", "третьего", "пятом", "девяностые" (`plural`)."""
    if len(str(n)) > 15:
        return digit_by_digit(str(n), "ru")
    return str(
        num2words(
            n, lang="ru", to="ordinal", case=case, gender=gender, plural=plural, animate=False
        )
    )


_DENOMINATORS = ("десят", "сот", "тысячн")


def decimal(whole_part: int, fraction: str) -> str:
    """`2,5` → "две целых пять десятых": the careful reading of a decimal up to thousandths."""
    if len(fraction) > len(_DENOMINATORS):
        return f"{cardinal(whole_part)} запятая {digit_by_digit(fraction, 'ru')}"
    units = "целая" if slavic_forms(whole_part) == 0 else "целых"
    whole_words = f"{cardinal(whole_part, gender='f')} {units}"
    part = int(fraction)
    one = slavic_forms(part) == 0
    stem = _DENOMINATORS[len(fraction) - 1]
    return f"{whole_words} {cardinal(part, gender='f')} {stem}{'ая' if one else 'ых'}"


def one_and_a_half(gender: str, case: str) -> str:
    """`1,5` before a noun: "полтора километра", "полторы тысячи", "до полутора метров"."""
    if case not in ("n", "a"):
        return "полутора"
    return "полторы" if gender == "f" else "полтора"
