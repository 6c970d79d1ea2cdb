"""The per-language case tables: `cases/{language}.tsv`, one case a line.

A line is `kind<TAB>written<TAB>spoken[<TAB>language tag]`: the written sentence, and exactly
what a careful native reader says, written from the language's grammar references. The tag
defaults to the file's language (`en-GB` reads dates day first). `#` starts a comment line.
The docs' language page (`tools/speech_docs.py`) quotes one case of each kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CASES_DIR = Path(__file__).parent / "cases"

KINDS = (
    "cardinal", "decimal", "ordinal", "date", "time", "money", "percent", "unit", "temperature",
    "roman", "abbreviation", "title", "fraction", "service", "sign", "decade", "version",
    "initialism", "acronym", "phone", "address", "symbol", "range", "year",
)  # fmt: skip
"""What a case shows, in the order the docs list them."""


@dataclass(frozen=True)
class Case:
    language: str
    kind: str
    written: str
    spoken: str
    line: int

    @property
    def id(self) -> str:
        return f"{self.language}:{self.line}:{self.kind}"


def cases(language: str) -> list[Case]:
    path = CASES_DIR / f"{language}.tsv"
    found: list[Case] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        kind, written, spoken, *tag = line.split("\t")
        if kind not in KINDS:
            raise ValueError(f"{path.name}:{number}: unknown kind {kind!r}")
        found.append(Case(tag[0] if tag else language, kind, written, spoken, number))
    return found


def languages() -> list[str]:
    return sorted(path.stem for path in CASES_DIR.glob("*.tsv"))


def all_cases() -> list[Case]:
    return [case for language in languages() for case in cases(language)]
