"""Per-chunk quality checks: catch audio that would leave a hole or a glitch in the story."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from worker.config import SynthesisSettings
from worker.engines.base import EngineAudio
from worker.synthesis.signal import dbfs, frame_rms, rms

FRAME_SECONDS = 0.02


@dataclass(frozen=True)
class QualityReport:
    problems: tuple[str, ...]
    duration_s: float
    chars_per_second: float
    silence_ratio: float
    rms_dbfs: float
    clipped_ratio: float

    @property
    def passed(self) -> bool:
        return not self.problems

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


def _unusable(samples: np.ndarray) -> str | None:
    if samples.ndim != 1:
        return "not mono"
    if len(samples) == 0:
        return "no audio"
    if not np.all(np.isfinite(samples)):
        return "non-finite samples (NaN or inf)"
    return None


def check_chunk(speech: str, audio: EngineAudio, settings: SynthesisSettings) -> QualityReport:
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
    if silence_ratio > settings.qa_max_silence_ratio:
        problems.append(f"mostly silent ({silence_ratio:.0%})")
    if overall_rms < settings.qa_min_rms_dbfs:
        problems.append(f"too quiet ({overall_rms:.1f} dBFS)")
    if clipped > settings.qa_max_clipped_ratio:
        problems.append(f"clipped ({clipped:.2%} of samples)")
    return QualityReport(tuple(problems), duration, cps, silence_ratio, overall_rms, clipped)
