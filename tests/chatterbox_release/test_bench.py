"""The GPU benchmark starts and finishes on the CPU with tiny lengths, and its figures add up."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_engine_benchmark_prints_one_json_object_of_figures() -> None:
    command = [sys.executable, "-m", "bench.engine", "--variant", "turbo", "--tokens", "3"]
    done = subprocess.run(
        [*command, "--repeats", "1", "--device", "cpu"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout)  # the whole of stdout: one object
    assert report["variant"] == "turbo"
    assert report["device"] == "cpu"
    assert report["tokens_forced"] == 3
    assert set(report["modes"]) == {"sdpa", "eager"}  # bf16 needs CUDA
    for figures in report["modes"].values():
        assert figures["tokens_per_call"] == 4  # turbo samples one token before its loop
        assert figures["t3_tokens_per_s"] > 0
        assert figures["s3gen_s_per_audio_s"] > 0
        expected = 25 / figures["t3_tokens_per_s"] + figures["s3gen_s_per_audio_s"]
        assert math.isclose(figures["engine_rtf"], expected, rel_tol=0.01)
        assert figures["sample_engine_s"] > 0
        assert math.isfinite(figures["first_logits_max_abs_diff"])
    assert report["modes"]["sdpa"]["sdpa_calls"] > 0
    assert report["modes"]["eager"]["sdpa_calls"] == 0
