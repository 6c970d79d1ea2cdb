"""Markup, pauses and pronunciations: what every language shares around its words.

HTML, SSML and Markdown are removed and emoji dropped; an SSML `<break>` becomes a pause mark
(`PAUSE_MARK`), which `split_pauses` turns back into (text, pause) segments; a story's
pronunciation dictionary applies last, to the spoken words.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from functools import lru_cache

from shared.types import (
    MAX_PRONUNCIATION_KEY_CHARS,
    MAX_PRONUNCIATION_VALUE_CHARS,
    MAX_PRONUNCIATIONS,
)

PARAGRAPH_BREAK = "\n\n"


PARAGRAPH_BREAK = "\n\n"

PAUSE_MARK = "<pause {seconds:g}s>"
"""How a pause is written in speech: `<pause 2s>`, `<pause 0.5s>`. Never spoken: markup in
the input is removed before the marks are written, so only `to_speech` makes them."""
PAUSE_PATTERN = re.compile(r"\s*<pause (\d+(?:\.\d+)?)s>\s*")
PAUSE_AT_START = re.compile(r"^(?:\s*<pause \d+(?:\.\d+)?s>)+\s*")
DEFAULT_BREAK_S = 0.5
MAX_BREAK_S = 10.0
_BREAK_STRENGTHS = {
    "none": 0.0, "x-weak": 0.1, "weak": 0.25, "medium": 0.5, "strong": 1.0, "x-strong": 2.0,
}  # fmt: skip

# -- markup ---------------------------------------------------------------------------------

BREAK_TAG = re.compile(r"<break\b([^<>]*?)/?>", re.IGNORECASE)
_BREAK_TIME = re.compile(r"""time\s*=\s*["']?\s*(\d+(?:\.\d+)?)\s*(ms|s)\b""", re.IGNORECASE)
_BREAK_STRENGTH = re.compile(r"""strength\s*=\s*["']?([a-z-]+)""", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(
    r"</?(?:a|abbr|audio|b|blockquote|br|cite|code|del|div|em|emphasis|h[1-6]|hr|i|img|ins|"
    r"lang|li|mark|ol|p|pause|phoneme|pre|prosody|q|s|say-as|small|span|speak|strong|sub|sup|u|ul|"
    r"voice)\b[^<>]*>",
    re.IGNORECASE,
)
"""HTML and SSML elements by name (and our own pause mark, which text may not forge):
`x<y and y>z` is not a tag."""
_MARKDOWN: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links and images keep their text
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<!\w)_(?=\S)([^_]+?)(?<=\S)_(?!\w)"), r"\1"),
    (re.compile(r"~~(.+?)~~"), r"\1"),
    (re.compile(r"`+([^`]*)`+"), r"\1"),
    (re.compile(r"(?m)^\s*#{1,6}\s+"), ""),  # headings
    (re.compile(r"(?m)^\s*>\s?"), ""),  # quotes
    (re.compile(r"(?m)^\s*[-*+]\s+"), ""),  # bullets
    (re.compile(r"(?m)^\s*(?:-{3,}|\*{3,}|_{3,})\s*$"), ""),  # rules
)
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufe0e\ufe0f\u200d"
    "\u20e3\U000e0020-\U000e007f]"
)


def break_seconds(attributes: str) -> float:
    if time := _BREAK_TIME.search(attributes):
        seconds = float(time.group(1)) / (1000 if time.group(2).lower() == "ms" else 1)
    elif strength := _BREAK_STRENGTH.search(attributes):
        seconds = _BREAK_STRENGTHS.get(strength.group(1).lower(), DEFAULT_BREAK_S)
    else:
        seconds = DEFAULT_BREAK_S
    return min(seconds, MAX_BREAK_S)


def strip_markup(text: str) -> str:
    """Remove HTML/SSML tags and comments, decode entities, and unwrap Markdown."""
    text = _TAG.sub(" ", _COMMENT.sub(" ", text))
    text = html.unescape(text).replace("<", " ").replace(">", " ")
    for pattern, replacement in _MARKDOWN:
        text = pattern.sub(replacement, text)
    return _EMOJI.sub("", text)


def pause_mark(seconds: float) -> str:
    return PAUSE_MARK.format(seconds=round(seconds, 3))


def split_pauses(speech: str) -> list[tuple[str, float]]:
    """Segments of `speech` as (text, seconds of pause after it); the last one pauses 0.

    Consecutive pauses add up; a pause before any text is a segment with empty text.
    """
    segments: list[tuple[str, float]] = []
    parts = PAUSE_PATTERN.split(speech)
    for i in range(0, len(parts), 2):
        text = parts[i].strip()
        pause = float(parts[i + 1]) if i + 1 < len(parts) else 0.0
        if not text and segments:
            previous, seconds = segments[-1]
            segments[-1] = (previous, seconds + pause)
        elif text or pause:
            segments.append((text, pause))
    return segments


# -- pronunciations -------------------------------------------------------------------------


def check_pronunciations(pronunciations: Mapping[str, str]) -> None:
    """Raise ValueError unless the dictionary is within the job contract's bounds."""
    if len(pronunciations) > MAX_PRONUNCIATIONS:
        raise ValueError(f"at most {MAX_PRONUNCIATIONS} pronunciations")
    for key, value in pronunciations.items():
        if not key.strip() or len(key) > MAX_PRONUNCIATION_KEY_CHARS:
            raise ValueError(f"a word is 1 to {MAX_PRONUNCIATION_KEY_CHARS} characters")
        if len(value) > MAX_PRONUNCIATION_VALUE_CHARS:
            raise ValueError(f"a pronunciation is at most {MAX_PRONUNCIATION_VALUE_CHARS} chars")


@lru_cache(maxsize=64)
def _pronunciation_pattern(
    items: tuple[tuple[str, str], ...],
) -> tuple[re.Pattern[str], dict[str, str]]:
    table = {key.strip().casefold(): value for key, value in items}
    keys = sorted(table, key=len, reverse=True)
    alternatives = "|".join(re.escape(key) for key in keys)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE), table


def apply_pronunciations(text: str, pronunciations: Mapping[str, str]) -> str:
    """Replace whole words of `text` by their pronunciation, ignoring case, longest key first;
    a replaced word written with a leading capital keeps one."""
    if not pronunciations:
        return text
    check_pronunciations(pronunciations)
    pattern, table = _pronunciation_pattern(tuple(sorted(pronunciations.items())))

    def replace(m: re.Match[str]) -> str:
        spoken = table[m.group(0).casefold()]
        if m.group(0)[:1].isupper() and spoken:
            return spoken[0].upper() + spoken[1:]
        return spoken

    return pattern.sub(replace, text)
