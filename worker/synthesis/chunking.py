"""Split normalized text into engine-sized chunks of whole sentences.

Invariants (property-tested): the chunks' `text`, joined, reproduce the input exactly, and no
chunk is longer than `max_chars`. Each chunk's `text` keeps the whitespace that follows it, so
`speech` (the stripped text) is what an engine reads.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from worker.synthesis.text import PARAGRAPH_BREAK

logger = logging.getLogger(__name__)

FALLBACK_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft", "ave", "rd", "blvd",
        "capt", "col", "gen", "lt", "sgt", "rev", "gov", "sen", "rep", "hon", "pres",
        "e.g", "i.e", "etc", "vs", "cf", "al", "approx", "dept", "est", "inc", "ltd", "co",
        "corp", "no", "vol", "fig", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
        "sept", "oct", "nov", "dec", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "a.m",
        "p.m", "u.s", "u.k",
    }
)  # fmt: skip
_CLAUSE_BREAK = re.compile(r"[,;:)\]]\s+|\s+-\s+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    paragraph_end: bool

    @property
    def speech(self) -> str:
        return " ".join(self.text.split())


@lru_cache(maxsize=1)
def sentence_tokenizer() -> PunktSentenceTokenizer:
    """NLTK's trained English Punkt model when installed, else an untrained one that knows
    common abbreviations. Never downloads anything."""
    try:
        from nltk.tokenize.punkt import PunktTokenizer

        tokenizer: PunktSentenceTokenizer = PunktTokenizer("english")
        logger.info("sentence splitting with NLTK punkt_tab")
    except LookupError:
        params = PunktParameters()
        params.abbrev_types = set(FALLBACK_ABBREVIATIONS)
        tokenizer = PunktSentenceTokenizer(params)
        logger.info("punkt_tab not installed; sentence splitting with built-in abbreviations")
    return tokenizer


def chunk_text(text: str, max_chars: int, min_chars: int) -> list[Chunk]:
    """Pack whole sentences of `text` (normalized) into chunks of at most `max_chars`."""
    if max_chars < 3 * len(PARAGRAPH_BREAK) or min_chars * 2 > max_chars:
        raise ValueError("max_chars must be at least 6 and at least twice min_chars")
    pieces: list[str] = []
    for sentence in _sentences(text):
        pieces.extend(_split_long(sentence, max_chars))
    chunks = _merge_small(_pack(pieces, max_chars), max_chars, min_chars)
    return [
        Chunk(index=i, text=t, paragraph_end=t.endswith("\n") or i == len(chunks) - 1)
        for i, t in enumerate(chunks)
    ]


def _sentences(text: str) -> Iterator[str]:
    """Sentences with their trailing whitespace; paragraph ends are always sentence ends."""
    tokenizer = sentence_tokenizer()
    for match in re.finditer(r".+?(?:\n\n|\Z)", text, flags=re.DOTALL):
        paragraph = match.group()
        starts = [start for start, _ in tokenizer.span_tokenize(paragraph)][1:]
        bounds = [0, *starts, len(paragraph)]
        yield from (paragraph[a:b] for a, b in itertools.pairwise(bounds) if b > a)


def _split_long(sentence: str, max_chars: int) -> list[str]:
    """Split an over-long sentence at clause punctuation, then between words.

    A single token longer than `max_chars` (a URL, a run of digits) is cut as a last resort.
    """
    if len(sentence) <= max_chars:
        return [sentence]
    for pattern in (_CLAUSE_BREAK, _SPACE):
        cuts = [m.end() for m in pattern.finditer(sentence) if m.end() < len(sentence)]
        if cuts:
            parts = [sentence[a:b] for a, b in itertools.pairwise([0, *cuts, len(sentence)])]
            packed = _pack(parts, max_chars)
            return [p for part in packed for p in _split_long(part, max_chars)]
    return [sentence[i : i + max_chars] for i in range(0, len(sentence), max_chars)]


def _pack(pieces: list[str], max_chars: int) -> list[str]:
    """Greedily join consecutive pieces while they fit; never across a paragraph end."""
    packed: list[str] = []
    current = ""
    for piece in pieces:
        if current and (len(current) + len(piece) > max_chars or current.endswith("\n")):
            packed.append(current)
            current = ""
        current += piece
    if current:
        packed.append(current)
    return packed


def _merge_small(chunks: list[str], max_chars: int, min_chars: int) -> list[str]:
    """Fold chunks with fewer than `min_chars` of speech (a lone "?") into a neighbour.

    When neither neighbour has room, the fragment and its neighbour are re-split between
    words into two parts of similar size.
    """
    result: list[str] = []
    for chunk in chunks:
        if result and min(_speech_len(result[-1]), _speech_len(chunk)) < min_chars:
            result[-1:] = _combine(result[-1], chunk, max_chars)
        else:
            result.append(chunk)
    return result


def _combine(first: str, second: str, max_chars: int) -> list[str]:
    joined = first + second
    if len(joined) <= max_chars:
        return [joined]
    middle = len(joined) // 2
    # Scripts written without spaces (Chinese, Japanese) may be cut between any characters.
    cuts = [m.end() for m in _SPACE.finditer(joined) if 0 < m.end() < len(joined)] or [middle]
    cut = min(cuts, key=lambda c: abs(c - middle))
    if max(cut, len(joined) - cut) > max_chars:
        return [first, second]
    return [joined[:cut], joined[cut:]]


def _speech_len(chunk: str) -> int:
    return len(chunk.strip())
