"""Offsets back into the text as submitted: for each character of the normalized text, the
raw character it comes from (`raw_origins`), so that a read-along cue can quote the story as
the app stored it whatever normalisation did."""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from worker.synthesis.text import normalize_text

_ANCHOR, _LOOKAHEAD, _SKIPS = 4, 512, 4  # see `_resync`
_MARKED = re.compile(r"(?s).[\u0300-\u036f\u1160-\u11ff\u1dc0-\u1dff\u20d0-\u20ff\u3099\u309a]+")
_SPACES = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)

Indices = npt.NDArray[np.int64]


def raw_origins(raw: str, normalized: str) -> Indices:
    """For each character of `normalized`, the index in `raw` of the one it comes from.
    Normalizing folds characters (NFKC, typography), drops a few (controls, letters of foreign
    scripts) and moves whitespace: without whitespace, and each raw character folded alone,
    the two are one string but for a few changes, matched run by run."""
    folded, owner = _fold(raw)
    codes = np.frombuffer(normalized.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    kept = np.flatnonzero(~np.isin(codes, _SPACES))
    origins = np.zeros(len(normalized), dtype=np.int64)  # whitespace: the character before's
    matched = _match("".join(normalized.split()), folded)
    origins[kept] = owner[np.minimum(matched, max(len(folded) - 1, 0))]
    return np.maximum.accumulate(origins)


def _fold(raw: str) -> tuple[str, Indices]:
    """`raw` normalized a character (or a letter and its marks) at a time, without whitespace;
    and the raw index each of its characters comes from."""
    codes = np.frombuffer(raw.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    unique, inverse = np.unique(codes, return_inverse=True)
    forms = ["".join(normalize_text(chr(code)).split()) for code in unique]
    pieces = [forms[i] for i in inverse.tolist()]
    for m in _MARKED.finditer(raw):  # NFKC composes these: `e` + U+0301 is one `é`
        start, end = m.span()
        pieces[start:end] = ["".join(normalize_text(m.group()).split())] + [""] * (end - start - 1)
    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    return "".join(pieces), np.repeat(np.arange(len(raw), dtype=np.int64), lengths)


def _match(a: str, b: str) -> Indices:
    """For each character of `a`, the one of `b` it matches (`b`: `a` with a few changes)."""
    matched = np.zeros(len(a), dtype=np.int64)
    i = k = 0
    while i < len(a):
        run = _common_run(a, i, b, k)
        matched[i : i + run] = np.arange(k, k + run)
        i, k = _resync(a, i + run, b, k + run, matched)
    return matched


def _common_run(a: str, i: int, b: str, k: int) -> int:
    """How many characters of `a` from `i` equal `b`'s from `k`, compared by halving slices."""
    run, step = 0, 256
    while step:
        piece = a[i + run : i + run + step]
        same = bool(piece) and piece == b[k + run : k + run + len(piece)]
        run, step = (run + len(piece), step) if same else (run, step // 2)
    return run


def _resync(a: str, i: int, b: str, k: int, matched: Indices) -> tuple[int, int]:
    """Past a mismatch: the next characters of `a` found a little further in `b` (those between
    were dropped), or after up to `_SKIPS` of `a` (composed of several); else one for one."""
    if i >= len(a):
        return i, k
    for skip in range(_SKIPS):
        anchor = a[i + skip : i + skip + _ANCHOR]
        found = b.find(anchor, k, k + _LOOKAHEAD + len(anchor)) if anchor else -1
        if found >= 0:
            matched[i : i + skip] = k + np.arange(skip) * (found - k) // max(skip, 1)
            return i + skip, found
    matched[i] = k
    return i + 1, min(k + 1, len(b))
