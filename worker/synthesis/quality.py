"""Per-chunk quality checks: catch audio that would leave a hole or a glitch in the story.

The speaking rate is measured on the chunk's spoken text against fixed bounds and, once a few
chunks have passed, against the story's own pace (the running median), which is what catches
Chatterbox's best-known failures: a sentence said twice or four times, or half of it dropped.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import numpy as np

from worker.config import SynthesisSettings
from worker.engines.base import EngineAudio, Samples
from worker.synthesis.signal import dbfs, frame_rms, rms

FRAME_SECONDS = 0.02
OFF_PACE = "off the story's pace"
MIN_PACED_CHARS = 40
"""Shorter chunks ("Yes," she said.) vary too much in rate to be judged against the pace."""


@dataclass(frozen=True)
class QualityReport:
    problems: tuple[str, ...]
    duration_s: float
    chars_per_second: float
    silence_ratio: float
    rms_dbfs: float
    clipped_ratio: float
    pace_ratio: float | None = None
    """The chunk's rate over the story's pace, when there was a pace to compare with."""
    spoken_chars: int = 0

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def only_off_pace(self) -> bool:
        """Failed on pace alone: usable audio, if no attempt keeps the story's pace."""
        return bool(self.problems) and all(p.startswith(OFF_PACE) for p in self.problems)

    def measurements(self) -> dict[str, object]:
        """What was measured, for the log line of a failed check (tunes the thresholds)."""
        return {
            "problems": list(self.problems),
            "duration_s": round(self.duration_s, 3),
            "chars_per_second": round(self.chars_per_second, 2),
            "silence_ratio": round(self.silence_ratio, 3),
            "rms_dbfs": round(self.rms_dbfs, 1),
            "clipped_ratio": round(self.clipped_ratio, 5),
        }


def _unusable(samples: Samples) -> str | None:
    if samples.ndim != 1:
        return "not mono"
    if len(samples) == 0:
        return "no audio"
    if not np.all(np.isfinite(samples)):
        return "non-finite samples (NaN or inf)"
    return None


@dataclass
class StoryPace:
    """The story's speaking rate so far: the median of the chunks that passed."""

    min_chunks: int
    rates: list[float] = field(default_factory=list)

    @property
    def expected(self) -> float | None:
        return statistics.median(self.rates) if len(self.rates) >= self.min_chunks else None

    def add(self, report: QualityReport) -> None:
        """Count a chunk's rate, if it is long enough to say something about the pace."""
        if report.spoken_chars >= MIN_PACED_CHARS:
            self.rates.append(report.chars_per_second)


def check_chunk(
    speech: str,
    audio: EngineAudio,
    settings: SynthesisSettings,
    pace: float | None = None,
) -> QualityReport:
    """Check one chunk's audio; `pace` is the story's expected chars/s, once there is one."""
    samples = audio.samples
    duration = samples.shape[-1] / audio.sample_rate
    problem = _unusable(samples)
    if problem:
        return QualityReport((problem,), duration, 0.0, 1.0, -200.0, 0.0)

    levels = frame_rms(samples, max(1, int(audio.sample_rate * FRAME_SECONDS)))
    silent = levels < 10 ** (settings.silence_threshold_dbfs / 20)
    silence_ratio = float(np.mean(silent))
    voiced_s = max(float(np.sum(~silent)) * FRAME_SECONDS, 1e-3)
    cps = len(speech) / voiced_s
    overall_rms = dbfs(rms(samples))
    clipped = float(np.mean(np.abs(samples) >= 0.999))

    problems: list[str] = []
    if audio.truncated:
        problems.append("engine stopped at its length cap (truncated)")
    if cps > settings.qa_max_chars_per_second:
        problems.append(f"too short for the text ({cps:.1f} chars/s)")
    if cps < settings.qa_min_chars_per_second:
        problems.append(f"too long for the text ({cps:.1f} chars/s)")
    ratio = cps / pace if pace is not None and len(speech) >= MIN_PACED_CHARS else None
    if ratio is not None and abs(ratio - 1) > settings.qa_pace_tolerance:
        hint = "words missing?" if ratio > 1 else "repeated?"
        problems.append(f"{OFF_PACE}: {cps:.1f} vs {pace:.1f} chars/s ({hint})")
    if silence_ratio > settings.qa_max_silence_ratio:
        problems.append(f"mostly silent ({silence_ratio:.0%})")
    if overall_rms < settings.qa_min_rms_dbfs:
        problems.append(f"too quiet ({overall_rms:.1f} dBFS)")
    if clipped > settings.qa_max_clipped_ratio:
        problems.append(f"clipped ({clipped:.2%} of samples)")
    return QualityReport(
        tuple(problems), duration, cps, silence_ratio, overall_rms, clipped, ratio, len(speech)
    )
