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
from functools import cached_property
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from worker.synthesis.offsets import raw_origins
from worker.synthesis.sentences import sentence_spans
from worker.synthesis.speech import PAUSE_PATTERN, to_speech
from worker.synthesis.text import has_words

VERSION = 1
FRAME_S = 0.005  # loudness is measured per frame this long: pauses are placed to within one
MIN_PAUSE_S = 0.1  # a shorter quiet run is most often a stop consonant, ...
SHORT_S, SHORT = 0.08, 0.5  # ... so one at least this long costs this much more (see `_assign`)
GAP_S = 0.02  # a louder blip shorter than this (a click) does not cut a pause in two
BLIP_S, BLIP_DB = 0.12, 12.0  # nor does a sound this short and this far below the loud frames
QUIET_DB = 30.0  # a frame this far below the chunk's loud ones (its 90th percentile) is quiet
SCALE, SEARCH_S = 0.15, (0.6, 3.0)  # a misplacement's unit: this share of the chunk, within these
BONUS, LONG, MISS, STRETCH = 0.25, 0.6 / FRAME_S, 10.0, 2.0  # see `_assign`, fit on Piper
NEAR, MISS_PHRASE = 0.1, 1.0  # ... and for a phrase's end (a comma's: a voice may not pause)
PACE, PACE_S = 0.002, 0.5  # ... and for a phrase's misfit, on its length (+ this)
PHRASE_END = re.compile(  # after a comma and its closing quotes, or a dash between spaces
    r"[,;:][\"'»”’)\]]*(?=\s)|[,;:、，；：][」』”）]*(?=[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af])"
    r"|\s[-–—](?=\s)"
)
_FLOOR_DB = -120.0
_CUE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})

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

    @cached_property
    def sentences(self) -> tuple[Sentence, ...]:
        """Its sentences (`story_sentences`, the costly part: each one said in speech), found
        once for the live track and the final one."""
        return tuple(story_sentences(self))


@dataclass(frozen=True)
class Sentence:
    """Spans of the normalized and the raw text, and the length of the spoken form."""

    start: int
    end: int
    char_start: int
    char_end: int
    spoken: int
    phrases: tuple[int, ...] = ()  # spoken lengths of its parts between commas and the like


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
    bounds = Bounds(story.sentences)
    for stretch in stretches(story.spans, landings, pieces, rate):
        bounds.add(*stretch, rate)
    return Track(duration, tuple(bounds.cues(story.raw, len(bounds.sentences))))


class Bounds:
    """Where each sentence starts and ends (seconds), gathered chunk by chunk: a sentence starts
    in its first chunk and ends in its last."""

    def __init__(self, sentences: Sequence[Sentence]) -> None:
        self.sentences = sentences
        self._opening, self._closing = [s.start for s in sentences], [s.end for s in sentences]
        self._starts, self._ends = dict[int, float](), dict[int, float]()
        self._cues: list[Cue] = []
        self._next = 0  # the sentence to look at next for a cue

    def add(
        self, span: tuple[int, int], start: int, end: int, loudness: Envelope, rate: int
    ) -> None:
        """Place the sentences of one stretch of text heard from sample `start` to `end`."""
        parts = range(bisect_right(self._closing, span[0]), bisect_left(self._opening, span[1]))
        if not parts:
            return
        units, ends = _units([self.sentences[n] for n in parts], span)
        weights = np.cumsum(units)
        shares = [float(w) for w in weights[:-1] / weights[-1]]
        placed = [at for at, end in zip(place(loudness, shares, ends), ends, strict=True) if end]
        self._starts.setdefault(parts[0], start / rate)
        self._ends[parts[-1]] = end / rate
        frame = frame_samples(rate)
        for before, after, (quiet, loud) in zip(parts[:-1], parts[1:], placed, strict=True):
            self._ends[before] = (start + quiet * frame) / rate
            self._starts.setdefault(after, (start + loud * frame) / rate)

    def cues(self, raw: str, through: int) -> list[Cue]:
        """The cues of the first `through` sentences (those no later stretch can move), numbered
        as the whole track numbers them; a sentence said in no stretch has none."""
        while self._next < min(through, len(self.sentences)):
            n, self._next = self._next, self._next + 1
            if n in self._starts and n in self._ends:
                s, begin = self.sentences[n], round(self._starts[n], 3)
                finish = round(max(self._ends[n], begin + 0.001), 3)  # a cue must last
                text = raw[s.char_start : s.char_end]
                self._cues.append(
                    Cue(len(self._cues), text, s.char_start, s.char_end, begin, finish)
                )
        return list(self._cues)


def _units(sentences: Sequence[Sentence], span: tuple[int, int]) -> tuple[list[float], list[bool]]:
    """The spoken lengths of the phrases of a chunk's sentences (one for a sentence the chunk
    holds part of), and whether a sentence ends at each boundary between them or a phrase only.
    Placing the phrases too gives a comma its own pause, so a sentence's start never takes it."""
    units: list[float] = []
    ends: list[bool] = []
    for s in sentences:
        whole = span[0] <= s.start and s.end <= span[1] and len(s.phrases) > 1
        parts = s.phrases if whole else (_weight(s, span),)
        units += parts
        ends += [False] * (len(parts) - 1) + [True]
    return units, ends[:-1]


def _weight(s: Sentence, span: tuple[int, int]) -> float:
    """The spoken length of the part of a sentence inside a chunk."""
    return s.spoken * (min(s.end, span[1]) - max(s.start, span[0])) / (s.end - s.start)


def stretches(
    spans: Sequence[tuple[int, int]], landings: Sequence[Landing], pieces: Sequence[int], rate: int
) -> list[tuple[tuple[int, int], int, int, Envelope]]:
    """Each chunk of text with its audio: its span, first and last sample, and its pieces'
    envelopes on one frame grid from its first sample (pauses between pieces quiet)."""
    groups: dict[tuple[int, int], list[Landing]] = {}  # spans ascend: one key per chunk
    for span, end, count in zip(spans, np.cumsum(pieces), pieces, strict=True):
        groups.setdefault(span, []).extend(landings[end - count : end])
    size = frame_samples(rate)
    found: list[tuple[tuple[int, int], int, int, Envelope]] = []
    for span, own in groups.items():
        begin, end = own[0].start, max(piece.start + piece.length for piece in own)
        joined = np.full(-(-(end - begin) // size), _FLOOR_DB, dtype=np.float32)
        for piece in own:
            at = round((piece.start - begin) / size)
            part = piece.envelope[: max(0, len(joined) - at)]
            joined[at : at + len(part)] = np.maximum(joined[at : at + len(part)], part)
        found.append((span, begin, end, joined))
    return found


def frame_samples(rate: int) -> int:
    return max(1, round(rate * FRAME_S))


def envelope(samples: npt.NDArray[np.float32], rate: int) -> Envelope:
    """Loudness (dB) per frame; the last frame padded with silence."""
    size = frame_samples(rate)
    frames = np.pad(samples, (0, -len(samples) % size)).reshape(-1, size)
    power = np.einsum("ij,ij->i", frames, frames) / size  # a dot product a frame: no copies
    loudness: Envelope = (10 * np.log10(power + 1e-12)).astype(np.float32)
    return loudness


def place(
    envelope: Envelope, shares: Sequence[float], sentence_ends: Sequence[bool] | None = None
) -> list[tuple[int, int]]:
    """For each boundary in a chunk (at `shares` of its spoken text, ascending; a sentence's
    end unless `sentence_ends` says a phrase's only), the frames where the speech before goes
    quiet and the next begins: a pause near where the share falls on the voiced frames (where
    speech keeps an even pace), else that frame."""
    loud = float(np.percentile(envelope, 90))
    quiet = envelope < loud - QUIET_DB
    edges = np.diff(np.concatenate(([0], quiet.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    starts, ends = _joined(envelope, starts, ends, loud)
    keep = (ends - starts >= round(SHORT_S / FRAME_S)) & (starts > 0) & (ends < len(quiet))
    starts, ends = starts[keep], ends[keep]  # inside: the chunk's ends are trimmed silence
    voiced = np.cumsum(~quiet, dtype=np.int64)  # voiced frames up to each frame
    spoken = np.asarray(shares, dtype=np.float64) * voiced[-1]
    expected = np.searchsorted(voiced, spoken).astype(np.int64)
    scale = min(max(len(envelope) * SCALE, SEARCH_S[0] / FRAME_S), SEARCH_S[1] / FRAME_S)
    firm = np.ones(len(shares), dtype=bool) if sentence_ends is None else np.array(sentence_ends)
    miss = np.where(firm, MISS, MISS_PHRASE).astype(np.float64)
    return _assign(starts, ends, expected, spoken, voiced, scale, miss) if len(shares) else []


def _joined(
    envelope: Envelope, starts: Indices, ends: Indices, loud_db: float
) -> tuple[Indices, Indices]:
    """The quiet runs, joined where the sound between two does not part them: a click (under
    `GAP_S`), or a short faint sound (under `BLIP_S`, `BLIP_DB` below the loud frames) once the
    runs make a pause together (`MIN_PAUSE_S`): the breath or trailing consonant a voice leaves
    in the pause after a sentence, where a stop's closure and its faint release make none."""
    runs: list[list[int]] = []  # start, end, quiet frames
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if runs:
            last = runs[-1]
            gap, peak = start - last[1], float(envelope[last[1] : start].max())
            faint = gap < BLIP_S / FRAME_S and peak < loud_db - BLIP_DB
            if gap < round(GAP_S / FRAME_S) or (
                faint and last[2] + end - start >= MIN_PAUSE_S / FRAME_S
            ):
                last[1:] = [end, last[2] + end - start]
                continue
        runs.append([start, end, end - start])
    joined = np.array([run[:2] for run in runs], dtype=np.int64).reshape(-1, 2)
    return joined[:, 0], joined[:, 1]


def _assign(
    starts: Indices,
    ends: Indices,
    expected: Indices,
    spoken: Floats,
    voiced: Indices,
    scale: float,
    miss: Floats,
) -> list[tuple[int, int]]:
    """`place`'s pauses for all boundaries at once, in order, at the least cost, by dynamic
    programming over the pauses and the expected frames (no pause there). A pause costs `NEAR`
    times its squared distance from the expected frame (in `scale`s) less a bonus for its
    length, up to `LONG` (a comma's is mostly shorter), plus `SHORT` if under `MIN_PAUSE_S` (a
    voice in a hurry may leave 90 ms after a sentence); no pause costs `miss` (`MISS` at a
    sentence's end, `MISS_PHRASE` at a comma's); each phrase costs its voiced frames' squared
    misfit to its share, times `STRETCH` (in `scale`s) plus `PACE` over its expected frames
    (and `PACE_S`), since a long phrase strays further than a short one. The misfits weigh
    most: a voice's pace drifts over a chunk, but a phrase keeps close to its share, so short
    sentences after a quickly read long one keep their own pauses."""
    k, m = len(expected), len(starts)
    lo, hi = np.concatenate((starts, expected)), np.concatenate((ends, expected))
    off = np.maximum(0, np.maximum(starts - expected[:, None], expected[:, None] - ends))
    length = ends - starts
    bonus = BONUS * np.minimum(length, LONG) / LONG - SHORT * (length < MIN_PAUSE_S / FRAME_S)
    cost = np.hstack(
        (NEAR * (off / scale) ** 2 - bonus, np.where(np.eye(k), miss[:, None], np.inf))
    )
    said = np.concatenate(([0], voiced))[hi].astype(np.float64)  # voiced before each end
    marks = np.concatenate(([0.0], spoken, [float(voiced[-1])]))  # ... expected there
    lengths = np.diff(marks)  # each phrase's expected voiced frames
    weight = STRETCH / scale**2 + PACE / (lengths + PACE_S / FRAME_S)
    total = cost[0] + weight[0] * (said - marks[1]) ** 2
    back = np.zeros((k, m + k), dtype=np.int64)
    for i in range(1, k):
        step = total[:, None] + weight[i] * (said[None, :] - said[:, None] - lengths[i]) ** 2
        step[hi[:, None] > lo[None, :]] = np.inf  # out of order
        back[i] = np.argmin(step, axis=0)
        total = cost[i] + step[back[i], np.arange(m + k)]
    chosen = [int(np.argmin(total + weight[k] * (said - marks[k]) ** 2))]  # and the last phrase
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
            phrases = _phrases(speech)
            sentences.append(Sentence(start, end, int(origins[start]), char_end, spoken, phrases))
    return sentences


def _phrases(speech: str) -> tuple[int, ...]:
    """The spoken lengths of a sentence's parts between the marks a voice may pause at."""
    cuts = [0, *(m.end() for m in PHRASE_END.finditer(speech)), len(speech)]
    parts = (" ".join(PAUSE_PATTERN.sub(" ", speech[a:b]).split()) for a, b in pairwise(cuts))
    return tuple(len(part) for part in parts if part)


def _vtt_cue(cue: Cue) -> str:
    """A cue, its text on one line with what cue text may not hold escaped (`-->` needs `>`)."""
    text = " ".join(cue.text.split()).translate(_CUE_ESCAPES)
    return f"{cue.index + 1}\n{_vtt_time(cue.start)} --> {_vtt_time(cue.end)}\n{text}\n"


def _vtt_time(seconds: float) -> str:
    hours, rest = divmod(round(seconds * 1000), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
