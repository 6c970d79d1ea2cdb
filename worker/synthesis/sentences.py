"""Where sentences end, in any language the engine speaks.

Candidates come from `sentencex` (rules for about 300 languages; every cut after a period is
its) and from the project's own marks for scripts that end sentences without a space
(Chinese, Japanese) or with their own marks (Devanagari `।`, Arabic `؟`). Rules on top, data
in `sentence_rules`, take back the cuts sentencex gets wrong:
- after an abbreviation that never ends a sentence (`z. B.`, `Sra.`, `т. е.`) or an initial;
- after an ordinal in languages that write them with a dot (`am 14. Juli`, `Karl V.`);
- before a lower-case continuation (`"Stop!" cried Ana.`, `He said "wait." and left`);
- between an exclamation or question and its dialogue tag (`"Stop!" Ana cried.`).
They also add the cuts sentencex misses after an abbreviation that may end a sentence
(`usw. Dann`, `в 1990 г. Потом`). A cut taken back because the sentence goes on (a lower-case
word or a dialogue tag follows) is still a pause: `boundaries` returns those separately.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import sentencex

from worker.synthesis.sentence_rules import (
    ABBREVIATIONS,
    COMMON_ABBREVIATIONS,
    DOTTED_ORDINALS,
    NOT_INITIALS,
    ORDINAL_CUES,
    TAG_VERBS,
)

CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
CLOSERS = "\"')\\]」』）〕】》〉»”’›"
# The project's sentence ends: marks that end one even without a following space.
_SENTENCE_END = re.compile(
    rf"[。！？．｡؟।॥۔]+[{CLOSERS}]*\s*"
    rf"|[!?]+[{CLOSERS}]*(?:\s+|(?=[^\s\x00-\x7f]))"
    rf"|\.+[{CLOSERS}]*(?=[{CJK}])"
    rf"|(?<=[{CJK}])\.+[{CLOSERS}]*\s*"
    rf"|(?<=[^\s\x00-\x7f])[!?]+[{CLOSERS}]*\s*"
    r"|\n+"
)
_BLOCK = 2000
# Marks that end a sentence whatever follows: scripts without letter case.
_SCRIPT_MARKS = frozenset("。！？．｡؟।॥۔")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")
# What opens the next sentence before its first word: quotes, dashes, brackets, `¿`, `¡`.
_NEXT = re.compile(r"[\s\"'«»„“”‘’‹›()\[\]¿¡\-–—]*(\S)")
_NUMBER_BEFORE = re.compile(r"(?:\d|(?<!\w)[IVXLCDM]+)\.?\s*\Z")
_DIGITS_BEFORE = re.compile(r"(?:^|(?<=\s))(\w+)\s+\d{1,3}\.\Z")
_ROMAN_BEFORE = re.compile(r"(?<!\w)[IVXLCDM]+\.\Z")
_INITIAL = re.compile(r"(?<!\w)([^\W\d_])\.\Z")
_WORD = re.compile(r"\w+")


class Cut(Enum):
    """What a candidate sentence end turns out to be."""

    END = "end"
    PAUSE = "pause"  # the sentence goes on, but a reader may breathe here
    NONE = "none"


class _Kind(Enum):
    """How an abbreviation may end a sentence (prefixes in `sentence_rules`)."""

    NEVER = "never"  # never ends a sentence (`z. B.`, `Mr.`)
    MAY_END = "may_end"  # may end one before a capital (`usw.`, `etc.`)
    AFTER_NUMBER = "after_number"  # may end one after a number (`1990 г.`), else never
    BEFORE_NUMBER = "before_number"  # never ends one before a number (`No. 5`), else may
    SENTENCEX = "sentencex"  # may end one where sentencex says so (`the U.S. Army`)


_PREFIXES = {
    "+": _Kind.MAY_END,
    "#": _Kind.AFTER_NUMBER,
    "0": _Kind.BEFORE_NUMBER,
    "~": _Kind.SENTENCEX,
}
_CAPITAL = "A-ZÀ-ÖØ-Þ"  # a dialogue tag's subject (`Ana`, `Ángel`): languages with TAG_VERBS


@dataclass(frozen=True)
class _Rules:
    abbreviation: re.Pattern[str]
    kinds: dict[str, _Kind]
    endings: re.Pattern[str] | None
    multipart: re.Pattern[str] | None
    not_initials: frozenset[str]
    dotted_ordinals: bool
    ordinal_before: frozenset[str]
    ordinal_after: frozenset[str]
    tag: re.Pattern[str] | None


def sentence_ends(text: str, language: str) -> list[int]:
    """Where each sentence but the last ends (after its trailing whitespace), ascending."""
    return boundaries(text, language)[0]


def sentence_spans(text: str, language: str) -> list[tuple[int, int]]:
    """The sentences of `text` as `(start, end)` spans that cover it with no gap, each with the
    whitespace that follows it; none for an empty text."""
    if not text:
        return []
    edges = [0, *sentence_ends(text, language), len(text)]
    return list(itertools.pairwise(edges))


def boundaries(text: str, language: str) -> tuple[list[int], list[int]]:
    """The sentence ends of `text` and the pauses: ends taken back because the sentence goes
    on (`"Stop!" cried Ana`). Both ascending, strictly inside the text."""
    rules = _rules(_base(language))
    quotes = [i for i, char in enumerate(text) if char == '"'] if '"' in text else []
    # Cuts inside an abbreviation of several parts (`z. | B.`) are never sentence ends.
    inner = (
        {i for m in rules.multipart.finditer(text) for i in range(m.start() + 1, m.end())}
        if rules.multipart is not None
        else set()
    )
    ends: set[int] = set()
    pauses: set[int] = set()
    for candidate in _candidates(text, language, rules):
        cut = _settle(text, candidate, quotes)
        if not 0 < cut < len(text) or cut in ends or cut in inner:
            continue
        verdict = _judge(text, cut, rules)
        if verdict is Cut.END:
            ends.add(cut)
        elif verdict is Cut.PAUSE:
            pauses.add(cut)
    return sorted(ends), sorted(pauses - ends)


def _base(language: str) -> str:
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0] or "en"


def _candidates(text: str, language: str, rules: _Rules) -> Iterable[int]:
    for start, end in _blocks(text):
        for boundary in sentencex.get_sentence_boundaries(_base(language), text[start:end]):
            if boundary["start_index"]:  # a block's edge is judged from the own marks
                yield start + int(boundary["start_index"])
    for match in _SENTENCE_END.finditer(text):
        yield match.end()
    if rules.endings is not None:
        for match in rules.endings.finditer(text):
            yield match.end()


def _blocks(text: str) -> Iterable[tuple[int, int]]:
    """`text` in blocks of at most `_BLOCK` characters for sentencex, which slows down on long
    paragraphs in some languages (Italian: 0.2 s for 50,000 characters, 0.7 s for 100,000).
    Each block ends at a blank line, else after a likely sentence end, else after a space."""
    start = 0
    while len(text) - start > _BLOCK:
        limit = start + _BLOCK
        cut = text.rfind("\n\n", start + 1, limit) + 2
        if cut < start + 2:
            cut = max(text.rfind(mark, start + 1, limit) for mark in (". ", "! ", "? ")) + 2
        if cut < start + 2:
            cut = text.rfind(" ", start + 1, limit) + 1
        cut = cut if cut > start else limit
        yield start, cut
        start = cut
    yield start, len(text)


def _settle(text: str, cut: int, quotes: list[int]) -> int:
    """`cut` moved past the whitespace after it, and to the right side of a straight quote:
    after one that closes the sentence before (`" Arrête ! " cria`), before one that opens
    the next (`为什么?"站住!"`). A quote is an opening one when an even number precede it."""
    cut = _skip_space(text, cut)
    if cut < len(text) and text[cut] == '"' and bisect.bisect_left(quotes, cut) % 2 == 1:
        after = cut + 1
        if after == len(text) or text[after].isspace():
            return _skip_space(text, after)
    before = _back_space(text, cut)
    if before and text[before - 1] == '"' and bisect.bisect_left(quotes, before - 1) % 2 == 0:
        return before - 1
    return cut


def _judge(text: str, cut: int, rules: _Rules) -> Cut:
    stop = _back_space(text, cut)
    if _BLANK_LINE.search(text, stop, cut):
        return Cut.END  # a paragraph ends whatever comes next
    mark_end = stop
    while mark_end > 0 and text[mark_end - 1] in CLOSERS:
        mark_end -= 1
    if mark_end == 0:
        return Cut.NONE
    mark = text[mark_end - 1]
    closers = text[mark_end:stop]
    if ("」" in closers or "』" in closers) and text.startswith(("と", "って"), cut):
        return Cut.PAUSE  # Japanese: `「止まれ!」と叫んだ` goes on with its quoting particle
    if mark in _SCRIPT_MARKS:
        return Cut.END
    if mark == "." and _abbreviated(text, mark_end, rules):
        return Cut.NONE
    following = _NEXT.match(text, cut)
    first = following.group(1) if following else ""
    if first.islower() or first in ",;:":
        # A reader breathes after `"Stop!"`, `"wait."` or `Well...`, not after `p.m.`.
        breath = mark in "!?" or closers or text.endswith("...", 0, mark_end)
        return Cut.PAUSE if breath else Cut.NONE
    if mark in "!?" and closers and rules.tag is not None and rules.tag.match(text, cut):
        return Cut.PAUSE
    return Cut.END


def _abbreviated(text: str, dot_end: int, rules: _Rules) -> bool:
    """Whether the period ending at `dot_end` closes an abbreviation that does not end this
    sentence, an initial or an ordinal."""
    window = max(0, dot_end - 40)
    found = rules.abbreviation.search(text, window, dot_end)
    if found:
        kind = rules.kinds.get(_squash(found.group()), _Kind.NEVER)
        if kind is _Kind.NEVER:
            return True
        if kind is _Kind.AFTER_NUMBER:
            return not _NUMBER_BEFORE.search(text, window, found.start())
        if kind is _Kind.BEFORE_NUMBER:
            following = _NEXT.match(text, dot_end)
            return bool(following and following.group(1).isdigit())
        return False
    initial = _INITIAL.search(text, window, dot_end)
    if initial and initial.group(1).isupper() and initial.group(1) not in rules.not_initials:
        return True
    return rules.dotted_ordinals and _ordinal(text, window, dot_end, rules)


def _ordinal(text: str, window: int, dot_end: int, rules: _Rules) -> bool:
    if _ROMAN_BEFORE.search(text, window, dot_end):
        return True  # `Karl V.`, `III. Selim`
    number = _DIGITS_BEFORE.search(text, window, dot_end)
    if number is None:
        return False
    word_after = _WORD.match(text, _skip_space(text, dot_end))
    after = word_after.group().lower() if word_after else ""
    return number.group(1).lower() in rules.ordinal_before or after in rules.ordinal_after


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _back_space(text: str, index: int) -> int:
    while index > 0 and text[index - 1].isspace():
        index -= 1
    return index


def _squash(abbreviation: str) -> str:
    return "".join(abbreviation.split()).rstrip(".")


@lru_cache(maxsize=64)
def _rules(language: str) -> _Rules:
    entries = f"{COMMON_ABBREVIATIONS} {ABBREVIATIONS.get(language, '')}".split()
    kinds: dict[str, _Kind] = {}
    for entry in entries:
        kind = _PREFIXES.get(entry[0], _Kind.NEVER)
        word = entry.lstrip("".join(_PREFIXES))
        for form in {word, word[0].upper() + word[1:]}:
            kinds[form] = kind
    ending = [w for w, kind in kinds.items() if kind not in (_Kind.NEVER, _Kind.SENTENCEX)]
    multipart = [w for w in kinds if "." in w]
    cues = ORDINAL_CUES.get(language, ("", ""))
    verbs = TAG_VERBS.get(language)
    return _Rules(
        abbreviation=_alternation(kinds, r"\Z"),
        kinds=kinds,
        # An abbreviation that may end a sentence, before a word: sentencex often keeps
        # `usw. Dann` together (`_judge` keeps `usw. und` whole).
        endings=_alternation(ending, r"\s+(?=[\"'«„(\-–—\s]*[^\W\d_])") if ending else None,
        multipart=_alternation(multipart, "") if multipart else None,
        not_initials=frozenset(NOT_INITIALS.get(language, "").split()),
        dotted_ordinals=language in DOTTED_ORDINALS,
        ordinal_before=frozenset(cues[0].split()),
        ordinal_after=frozenset(cues[1].split()),
        tag=re.compile(rf"(?:[{_CAPITAL}][\w'-]*\s+){{1,3}}(?:{'|'.join(verbs.split())})\b")
        if verbs
        else None,
    )


def _alternation(words: Iterable[str], tail: str) -> re.Pattern[str]:
    """`words` as abbreviations: each inner dot may be followed by a space (`z.B` matches
    `z. B.`), a final dot closes each."""
    forms = sorted(words, key=len, reverse=True)
    body = "|".join(r"\.\s?".join(re.escape(part) for part in w.split(".")) for w in forms)
    return re.compile(rf"(?<!\w)(?:{body})\.{tail}")
