"""The read-along track: when each sentence of the story, as submitted, is heard in the file.

Chunk edges are exact: the assembly says where each piece of audio lands, to the sample. In a
chunk, sentences go to the pauses that best fit their shares of its spoken text (else to those
shares), from its own audio and text alone: a chunk from a checkpoint is placed as when made."""

from __future__ import annotations

import json
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from worker.synthesis.sentences import sentence_spans
from worker.synthesis.speech import PAUSE_PATTERN, to_speech
from worker.synthesis.text import has_words, normalize_text

VERSION = 1
FRAME_S = 0.005  # loudness is measured per frame this long: pauses are placed to within one
MIN_PAUSE_S = 0.1  # a shorter quiet run is a stop consonant, not a pause between sentences
GAP_S = 0.02  # a louder blip shorter than this (a click) does not cut a pause in two
QUIET_DB = 30.0  # a frame this far below the chunk's loud ones (its 90th percentile) is quiet
SCALE, SEARCH_S = 0.15, (0.6, 3.0)  # a misplacement's unit: this share of the chunk, within these
BONUS, LONG, MISS, STRETCH = 0.25, 0.6 / FRAME_S, 10.0, 2.0  # see `_assign`, fit on Piper
_FLOOR_DB = -120.0
_ANCHOR, _LOOKAHEAD, _SKIPS = 4, 512, 4  # see `_resync`
_CUE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_MARKED = re.compile(r"(?s).[\u0300-\u036f\u1160-\u11ff\u1dc0-\u1dff\u20d0-\u20ff\u3099\u309a]+")
_SPACES = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)

Envelope = npt.NDArray[np.float32]
Indices = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Landing:
    """Where a piece of audio (a chunk, or its part between pauses) lands in the file (samples),
    and its loudness per frame (dB) to find its pauses in."""

    start: int
    length: int
    envelope: Envelope


@dataclass(frozen=True)
class StoryText:
    """What the track needs of a story's text, and which of it each planned chunk speaks."""

    raw: str
    normalized: str
    language: str
    spans: tuple[tuple[int, int], ...]  # what of `normalized` each planned chunk speaks
    pronunciations: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Sentence:
    """Spans of the normalized and the raw text, and the length of the spoken form."""

    start: int
    end: int
    char_start: int
    char_end: int
    spoken: int


@dataclass(frozen=True)
class Cue:
    index: int
    text: str
    char_start: int
    char_end: int
    start: float
    end: float


@dataclass(frozen=True)
class Track:
    duration: float
    cues: tuple[Cue, ...]

    def to_json(self) -> str:
        sentences = [cue.__dict__ for cue in self.cues]
        body = {"version": VERSION, "duration": round(self.duration, 3), "sentences": sentences}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))

    def to_vtt(self) -> str:
        return "WEBVTT\n\n" + "\n".join(map(_vtt_cue, self.cues))


def build_track(
    story: StoryText, landings: Sequence[Landing], pieces: Sequence[int], rate: int, duration: float
) -> Track:
    """The track of a rendered story: `landings` in the order the pieces were added, `pieces`
    how many each planned chunk had."""
    sentences = story_sentences(story)
    starts, ends = dict[int, float](), dict[int, float]()  # seconds, by sentence number
    opening, closing = [s.start for s in sentences], [s.end for s in sentences]
    for span, start, end, loudness in _stretches(story.spans, landings, pieces, rate):
        parts = range(bisect_right(closing, span[0]), bisect_left(opening, span[1]))  # in part
        if not parts:
            continue
        weights = np.cumsum([_weight(sentences[n], span) for n in parts])
        placed = place(loudness, [float(w) for w in weights[:-1] / weights[-1]])
        starts.setdefault(parts[0], start / rate)  # a sentence starts in its first chunk
        ends[parts[-1]] = end / rate  # and ends in its last
        frame = frame_samples(rate)
        for before, after, (quiet, loud) in zip(parts[:-1], parts[1:], placed, strict=True):
            ends[before] = (start + quiet * frame) / rate
            starts.setdefault(after, (start + loud * frame) / rate)
    cues: list[Cue] = []
    for n in sorted(starts.keys() & ends.keys()):
        s, begin = sentences[n], round(starts[n], 3)
        finish = round(max(ends[n], begin + 0.001), 3)  # a cue must last
        text = story.raw[s.char_start : s.char_end]
        cues.append(Cue(len(cues), text, s.char_start, s.char_end, begin, finish))
    return Track(duration, tuple(cues))


def _weight(s: Sentence, span: tuple[int, int]) -> float:
    """The spoken length of the part of a sentence inside a chunk."""
    return s.spoken * (min(s.end, span[1]) - max(s.start, span[0])) / (s.end - s.start)


def _stretches(
    spans: Sequence[tuple[int, int]], landings: Sequence[Landing], pieces: Sequence[int], rate: int
) -> list[tuple[tuple[int, int], int, int, Envelope]]:
    """Each chunk of text with its audio: its span, first and last sample, and its pieces'
    envelopes on one frame grid from its first sample (pauses between pieces quiet)."""
    groups: dict[tuple[int, int], list[Landing]] = {}  # spans ascend: one key per chunk
    for span, end, count in zip(spans, np.cumsum(pieces), pieces, strict=True):
        groups.setdefault(span, []).extend(landings[end - count : end])
    size = frame_samples(rate)
    stretches: list[tuple[tuple[int, int], int, int, Envelope]] = []
    for span, own in groups.items():
        begin, end = own[0].start, max(piece.start + piece.length for piece in own)
        joined = np.full(-(-(end - begin) // size), _FLOOR_DB, dtype=np.float32)
        for piece in own:
            at = round((piece.start - begin) / size)
            part = piece.envelope[: max(0, len(joined) - at)]
            joined[at : at + len(part)] = np.maximum(joined[at : at + len(part)], part)
        stretches.append((span, begin, end, joined))
    return stretches


def frame_samples(rate: int) -> int:
    return max(1, round(rate * FRAME_S))


def envelope(samples: npt.NDArray[np.float32], rate: int) -> Envelope:
    """Loudness (dB) per frame; the last frame padded with silence."""
    size = frame_samples(rate)
    frames = np.pad(samples, (0, -len(samples) % size)).reshape(-1, size)
    power = np.einsum("ij,ij->i", frames, frames) / size  # a dot product a frame: no copies
    return (10 * np.log10(power + 1e-12)).astype(np.float32)


def place(envelope: Envelope, shares: Sequence[float]) -> list[tuple[int, int]]:
    """For each sentence boundary in a chunk (at `shares` of its spoken text, ascending), the
    frames where the sentence before goes quiet and the next begins: a pause near where the
    share falls on the voiced frames (where speech keeps an even pace), else that frame."""
    quiet = envelope < np.percentile(envelope, 90) - QUIET_DB
    edges = np.diff(np.concatenate(([0], quiet.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    apart = starts[1:] - ends[:-1] >= round(GAP_S / FRAME_S)  # else one pause, cut by a click
    starts, ends = starts[np.r_[True, apart][: len(starts)]], ends[np.r_[apart, True][: len(ends)]]
    keep = (ends - starts >= round(MIN_PAUSE_S / FRAME_S)) & (starts > 0) & (ends < len(quiet))
    starts, ends = starts[keep], ends[keep]  # inside: the chunk's ends are trimmed silence
    spoken = np.asarray(shares, dtype=np.float64) * (voiced := np.cumsum(~quiet))[-1]
    expected = np.searchsorted(voiced, spoken).astype(np.int64)
    scale = float(np.clip(len(envelope) * SCALE, *(s / FRAME_S for s in SEARCH_S)))
    return _assign(starts, ends, expected, spoken, voiced, scale) if len(shares) else []


def _assign(
    starts: Indices, ends: Indices, expected: Indices, spoken: Floats, voiced: Indices, scale: float
) -> list[tuple[int, int]]:
    """`place`'s pauses for all boundaries at once, in order, at the least cost, by dynamic
    programming over the pauses and the expected frames (no pause there). A pause costs its
    squared distance from the expected frame (in `scale`s) less a bonus for its length, up to
    `LONG` (a comma's is mostly shorter); none, `MISS`; each sentence, `STRETCH` times the
    squared misfit of its voiced frames to its share: short ones after a slow one shift too."""
    k, m = len(expected), len(starts)
    lo, hi = np.concatenate((starts, expected)), np.concatenate((ends, expected))
    off = np.maximum(0, np.maximum(starts - expected[:, None], expected[:, None] - ends))
    bonus = BONUS * np.minimum(ends - starts, LONG) / LONG
    cost = np.hstack(((off / scale) ** 2 - bonus, np.where(np.eye(k) > 0, MISS, np.inf)))
    said = np.concatenate(([0], voiced))[hi] * STRETCH**0.5 / scale  # voiced before each end
    marks = np.concatenate(([0.0], spoken)) * STRETCH**0.5 / scale  # ... expected there
    total, back = cost[0] + (said - marks[1]) ** 2, np.zeros((k, m + k), dtype=np.int64)
    for i in range(1, k):
        step = total[:, None] + (said[None, :] - said[:, None] - marks[i + 1] + marks[i]) ** 2
        step[hi[:, None] > lo[None, :]] = np.inf  # out of order
        back[i] = np.argmin(step, axis=0)
        total = cost[i] + step[back[i], np.arange(m + k)]
    chosen = [int(np.argmin(total + (said - marks[-1]) ** 2))]  # and the last sentence
    for i in range(k - 1, 0, -1):
        chosen.append(int(back[i, chosen[-1]]))
    return [(int(lo[c]), int(hi[c])) for c in reversed(chosen)]


def story_sentences(story: StoryText) -> list[Sentence]:
    """The sentences of the normalized text that say something, trimmed of whitespace."""
    origins = raw_origins(story.raw, story.normalized)
    sentences: list[Sentence] = []
    for start, end in sentence_spans(story.normalized, story.language):
        text = story.normalized[start:end]
        start += len(text) - len(text.lstrip())
        end = start + len(text.strip())
        said = has_words(text)  # else a scene break, a row of symbols: not heard
        speech = to_speech(text.strip(), story.language, story.pronunciations) if said else ""
        spoken = len(" ".join(PAUSE_PATTERN.sub(" ", speech).split()))
        if spoken:
            char_end = int(origins[end - 1]) + 1
            while char_end < len(story.raw) and unicodedata.combining(story.raw[char_end]):
                char_end += 1  # the marks on its last letter belong to it
            sentences.append(Sentence(start, end, int(origins[start]), char_end, spoken))
    return sentences


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


def _vtt_cue(cue: Cue) -> str:
    """A cue, its text on one line with what cue text may not hold escaped (`-->` needs `>`)."""
    text = " ".join(cue.text.split()).translate(_CUE_ESCAPES)
    return f"{cue.index + 1}\n{_vtt_time(cue.start)} --> {_vtt_time(cue.end)}\n{text}\n"


def _vtt_time(seconds: float) -> str:
    hours, rest = divmod(round(seconds * 1000), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
