"""Split normalized text into engine-sized chunks of whole sentences, in any script.

Invariants (property-tested): the chunks' `text`, joined, reproduce the input without its
scene breaks (paragraphs with no letters or digits, see `split_scenes`); every chunk has
something to say and is at most `max_chars` long; a chunk ends at a sentence or clause
boundary whenever it contains one. The one loss besides scene breaks: a run of more than
`max_chars` characters without letters or digits inside a paragraph, which no engine can say.
Each chunk's `text` keeps the whitespace that follows it, so `speech` (the stripped text) is
what an engine reads.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from worker.synthesis.sentences import CLOSERS, boundaries
from worker.synthesis.text import PARAGRAPH_BREAK, has_words

_CLAUSE_BREAK = re.compile(
    rf"[,;:)\]]\s+|\s+-\s+|[、，；：،][{CLOSERS}]*\s*|[,;:](?=[^\s\x00-\x7f])|(?<=[^\s\x00-\x7f])[,;:]\s*"
)
_SPACE = re.compile(r"\s+")
_PARAGRAPH = re.compile(r".+?(?:\n\n|\Z)", flags=re.DOTALL)


@dataclass(frozen=True)
class Chunk:
    """Engine-sized text. `scene_end`: a scene break (a paragraph with nothing to say, such
    as `***`) follows, which is not a chunk; a scene end is also a paragraph end."""

    index: int
    text: str
    paragraph_end: bool
    scene_end: bool = False
    spoken: str | None = None
    """What the engine reads (`speech.to_speech` of `text`), once the plan has worked it out."""

    @property
    def speech(self) -> str:
        return self.spoken if self.spoken is not None else " ".join(self.text.split())


def chunk_text(text: str, max_chars: int, min_chars: int, *, language: str) -> list[Chunk]:
    """Pack whole sentences of `text` (normalized, in `language`, a code such as `de` or
    `en-GB`) into chunks of at most `max_chars`.

    Scene breaks produce no chunk: the chunk before one has `scene_end`.
    """
    if max_chars < 3 * len(PARAGRAPH_BREAK) or min_chars * 2 > max_chars:
        raise ValueError("max_chars must be at least 6 and at least twice min_chars")
    scenes = split_scenes(text)
    texts: list[tuple[str, bool]] = []
    for number, scene in enumerate(scenes):
        parts = _chunk_scene(scene, max_chars, min_chars, language)
        last_scene = number == len(scenes) - 1
        texts.extend((t, not last_scene and i == len(parts) - 1) for i, t in enumerate(parts))
    return [
        Chunk(
            index=i,
            text=t,
            paragraph_end=scene_end or t.endswith("\n") or i == len(texts) - 1,
            scene_end=scene_end,
        )
        for i, (t, scene_end) in enumerate(texts)
    ]


def paragraphs(text: str) -> list[str]:
    """The paragraphs of normalized text, each with the break that follows it."""
    return _PARAGRAPH.findall(text)


def split_scenes(text: str) -> list[str]:
    """The spoken runs of paragraphs between scene breaks, paragraphs without letters or
    digits (`***`, `---`, `⁂`), which are dropped."""
    scenes: list[str] = []
    current = ""
    for paragraph in paragraphs(text):
        if has_words(paragraph):
            current += paragraph
        elif current:
            scenes.append(current)
            current = ""
    if current:
        scenes.append(current)
    return scenes


def _chunk_scene(scene: str, max_chars: int, min_chars: int, language: str) -> list[str]:
    pieces = [p for par in paragraphs(scene) for p in _cut(par, max_chars, min_chars, language)]
    # A run without letters or digits longer than a chunk cannot join a neighbour: dropped.
    return [c for c in _merge_small(pieces, max_chars, min_chars, language) if has_words(c)]


class _Boundaries:
    """Where a paragraph may be cut, best first: sentence ends, clause breaks (with the
    pauses inside a sentence such as `"Stop!" | cried Ana`), spaces, and any grapheme
    boundary (for scripts without spaces, and tokens longer than a chunk)."""

    def __init__(self, text: str, language: str) -> None:
        self.text = text
        self.language = language
        self._words = list(itertools.accumulate((has_words(c) for c in text), initial=0))

    @cached_property
    def levels(self) -> tuple[list[int], ...]:
        text = self.text
        ends, pauses = boundaries(text, self.language)
        sentences = set(ends)
        clauses = {m.end() for m in _CLAUSE_BREAK.finditer(text)}.union(pauses)
        spaces = {m.end() for m in _SPACE.finditer(text)}
        inner = [i for i in range(1, len(text)) if _grapheme_boundary(text, i)]
        found = (sentences, clauses, spaces)
        return (*(sorted(c for c in level if 0 < c < len(text)) for level in found), inner)

    def speaks(self, start: int, end: int, min_chars: int) -> bool:
        return self._words[end] > self._words[start] and len(self.text[start:end].strip()) >= (
            min_chars
        )

    def best_cut(self, start: int, limit: int, min_chars: int) -> int:
        """The furthest cut in (start, limit] of the best level that leaves both sides
        something to say."""
        end = len(self.text)
        for level in self.levels:
            low, high = bisect.bisect_right(level, start), bisect.bisect_right(level, limit)
            for cut in reversed(level[low:high]):
                if self.speaks(start, cut, min_chars) and self.speaks(cut, end, min_chars):
                    return cut
        graphemes = self.levels[-1]
        high = bisect.bisect_right(graphemes, limit)
        return graphemes[high - 1] if high and graphemes[high - 1] > start else limit


def _grapheme_boundary(text: str, i: int) -> bool:
    """False inside a combining sequence, an emoji sequence or a conjoining Hangul syllable."""
    char = text[i]
    code = ord(char)
    if unicodedata.category(char)[0] == "M" or text[i - 1] == "\u200d" or char == "\u200d":
        return False
    return not (0x1160 <= code <= 0x11FF or 0xD7B0 <= code <= 0xD7FF or 0x1F3FB <= code <= 0x1F3FF)


def _cut(paragraph: str, max_chars: int, min_chars: int, language: str) -> list[str]:
    """Cut a paragraph into pieces of at most `max_chars`, each at the best boundary."""
    if len(paragraph) <= max_chars:
        return [paragraph]
    bounds = _Boundaries(paragraph, language)
    pieces: list[str] = []
    start = 0
    while len(paragraph) - start > max_chars:
        cut = bounds.best_cut(start, start + max_chars, min_chars)
        pieces.append(paragraph[start:cut])
        start = cut
    pieces.append(paragraph[start:])
    return pieces


def _merge_small(chunks: list[str], max_chars: int, min_chars: int, language: str) -> list[str]:
    """Fold chunks with fewer than `min_chars` of speech (a lone "?") into a neighbour.

    When neither neighbour has room, the fragment and its neighbour are re-cut at the best
    boundary near their middle.
    """
    result: list[str] = []
    for chunk in chunks:
        if result and (_too_small(result[-1], min_chars) or _too_small(chunk, min_chars)):
            result[-1:] = _combine(result[-1], chunk, max_chars, min_chars, language)
        else:
            result.append(chunk)
    return result


def _too_small(chunk: str, min_chars: int) -> bool:
    return len(chunk.strip()) < min_chars or not has_words(chunk)


def _combine(first: str, second: str, max_chars: int, min_chars: int, language: str) -> list[str]:
    joined = first + second
    if len(joined) <= max_chars:
        return [joined]
    bounds = _Boundaries(joined, language)
    middle = len(joined) // 2
    for level in bounds.levels:
        fitting = [c for c in level if max(c, len(joined) - c) <= max_chars]
        speaking = [
            c
            for c in fitting
            if bounds.speaks(0, c, min_chars) and bounds.speaks(c, len(joined), min_chars)
        ]
        if speaking:
            cut = min(speaking, key=lambda c: abs(c - middle))
            return [joined[:cut], joined[cut:]]
    return [first, second]
