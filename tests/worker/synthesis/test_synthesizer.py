from dataclasses import asdict

import numpy as np
import pytest
import soundfile as sf

from shared.errors import (
    AudioProcessingError,
    ErrorType,
    GenerationFailedError,
    ModelUnavailableError,
    TextEmptyError,
    UnsupportedLanguageError,
)
from tests.helpers.fakes import (
    FaultyEngine,
    ToneEngine,
    clipped_audio,
    nan_audio,
    raise_runtime,
    silent_audio,
    too_short_audio,
    truncated_audio,
)
from worker.config import SynthesisSettings
from worker.engines.base import EngineAudio, SynthesisParams, Voice
from worker.synthesis.assembly import Assembler
from worker.synthesis.encoding import StreamEncoder
from worker.synthesis.quality import QualityReport, StoryPace, check_chunk
from worker.synthesis.synthesizer import StorySynthesizer
from worker.synthesis.writer import AudioWriter

STORY = (
    "The lighthouse stood at the end of the pier. Every night its lamp turned slowly.\n\n"
    "One evening the lamp went dark. Nobody in the village knew why.\n\n"
    "Old Mr. Hale climbed the stairs with a lantern, counting every step."
)
SETTINGS = SynthesisSettings(chunk_max_chars=90, output_format="wav")


def run(engine, tmp_path, text=STORY, settings=SETTINGS, **kwargs):
    synthesizer = StorySynthesizer(engine, settings)
    return synthesizer.synthesize(text, tmp_path, voice=Voice("v"), **kwargs)


def test_story_becomes_one_file_with_metadata(tmp_path) -> None:
    engine = ToneEngine(levels=(0.05, 0.4))
    progress: list[tuple[int, int]] = []
    result = run(engine, tmp_path, on_progress=lambda d, t: progress.append((d, t)))
    decoded, rate = sf.read(result.path)
    assert result.chunk_count == len(engine.calls) == 3
    assert progress == [(1, 3), (2, 3), (3, 3)]
    assert abs(len(decoded) / rate - result.duration_seconds) < 0.05
    assert result.retries == 0
    assert result.engine == "tone"
    assert result.chunk_count == 3
    timings = asdict(result.timings)
    assert set(timings) >= {"text_s", "generation_s", "assembly_s", "encoding_s"}
    assert all(seconds >= 0 for seconds in timings.values())
    assert result.path == tmp_path / "story.wav"


@pytest.mark.parametrize(
    "fault",
    [raise_runtime, nan_audio, silent_audio, truncated_audio, clipped_audio, too_short_audio],
)
def test_a_bad_chunk_is_regenerated(tmp_path, fault) -> None:
    engine = FaultyEngine({1: [fault]})
    result = run(engine, tmp_path)
    assert result.retries == 1
    assert result.chunk_count == 3
    attempts = [params.attempt for _, params in engine.calls]
    assert attempts == [0, 0, 1, 0]


def test_retries_exhausted_fail_the_job_naming_the_chunk(tmp_path) -> None:
    engine = FaultyEngine({2: [silent_audio, raise_runtime, truncated_audio]})
    with pytest.raises(GenerationFailedError) as info:
        run(engine, tmp_path)
    error = info.value
    assert error.error_type is ErrorType.GENERATION_FAILED
    assert error.context == {"chunk_index": 2, "attempts": 3}
    assert "Part 3 of 3" in error.message
    assert '"Old Mr. Hale climbed the stairs with a' in error.message
    assert "mostly silent" in error.details
    assert "RuntimeError" in error.details
    assert "truncated" in error.details
    assert not (tmp_path / "story.wav").exists()  # no half-written file is left


def test_retry_count_is_configurable(tmp_path) -> None:
    engine = FaultyEngine({0: [silent_audio]})
    with pytest.raises(GenerationFailedError):
        run(engine, tmp_path, settings=SynthesisSettings(chunk_max_retries=0))


def test_errors_that_retrying_cannot_fix_propagate_at_once(tmp_path) -> None:
    class Unavailable(ToneEngine):
        def synthesize(self, text, voice, params):
            self.calls.append((text, params))
            raise ModelUnavailableError(details="weights missing")

    engine = Unavailable()
    with pytest.raises(ModelUnavailableError):
        run(engine, tmp_path)
    assert len(engine.calls) == 1


def test_invalid_text_fails_before_any_generation(tmp_path) -> None:
    engine = ToneEngine()
    with pytest.raises(TextEmptyError):
        run(engine, tmp_path, text=" \n ")
    with pytest.raises(UnsupportedLanguageError):
        run(engine, tmp_path, params=SynthesisParams(language="de"))
    assert engine.calls == []


def test_assembly_failure_is_a_typed_error_and_stops_generation(tmp_path, monkeypatch) -> None:
    def broken_clean(self, samples):
        raise ValueError("simulated DSP bug")

    monkeypatch.setattr(Assembler, "clean", broken_clean)
    text = " ".join(f"Sentence number {i} of a long story." for i in range(40))
    engine = ToneEngine()
    with pytest.raises(AudioProcessingError) as info:
        run(engine, tmp_path, text=text)
    assert "ValueError" in info.value.details
    assert len(engine.calls) < 20  # generation stopped soon after the failure
    assert not (tmp_path / "story.wav").exists()


def test_multichannel_audio_fails_the_check() -> None:
    engine = ToneEngine()
    audio = engine.synthesize("Two channels of speech here.", Voice("v"), SynthesisParams())
    stereo = EngineAudio(np.stack([audio.samples, audio.samples]), audio.sample_rate)
    assert (
        "not mono"
        in check_chunk("Two channels of speech here.", stereo, SynthesisSettings()).problems
    )


def test_quality_report_measures_what_it_flags() -> None:
    settings = SynthesisSettings()
    engine = ToneEngine()
    good = engine.synthesize(
        "A sentence of about forty characters ok.", Voice("v"), SynthesisParams()
    )
    report = check_chunk("A sentence of about forty characters ok.", good, settings)
    assert report.passed, report.problems
    assert 4 <= report.chars_per_second <= 30
    slow = EngineAudio(np.tile(good.samples, 8), good.sample_rate)
    assert not check_chunk("A sentence of about forty characters ok.", slow, settings).passed
    quiet = EngineAudio(good.samples * 0.001, good.sample_rate)
    assert any("quiet" in p for p in check_chunk("Hi there.", quiet, settings).problems)


def test_encoder_failure_is_a_typed_error(tmp_path, monkeypatch) -> None:
    def full_disk(self, block):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(StreamEncoder, "write", full_disk)
    with pytest.raises(AudioProcessingError) as info:
        run(ToneEngine(), tmp_path)
    assert "No space left" in (info.value.details or "")
    assert not (tmp_path / "story.wav").exists()


LONG_STORY = " ".join(
    f"Sentence number {word} of the story goes on at an even and steady pace."
    for word in ("one", "two", "three", "four", "five", "six", "seven", "eight")
)


class Stutter(ToneEngine):
    """Says the sentences it is asked to say `times` over, on the attempts listed."""

    def __init__(self, stutters: dict[int, int]) -> None:
        super().__init__()
        self.stutters = stutters  # call number -> times

    def synthesize(self, text, voice, params):
        audio = super().synthesize(text, voice, params)
        times = self.stutters.get(len(self.calls), 1)
        return EngineAudio(np.tile(audio.samples, times), audio.sample_rate)


def test_a_repeated_sentence_is_regenerated_once_the_story_has_a_pace(tmp_path) -> None:
    engine = Stutter({5: 2})  # the fifth call says its chunk twice
    result = run(engine, tmp_path, text=LONG_STORY, settings=SynthesisSettings(chunk_max_chars=80))
    assert result.retries == 1
    assert len(engine.calls) == result.chunk_count + 1


def test_audio_off_pace_on_every_attempt_is_kept_at_the_closest_attempt(tmp_path) -> None:
    engine = Stutter({5: 4, 6: 2, 7: 4})  # chunk 5: four times, then twice, then four times
    result = run(engine, tmp_path, text=LONG_STORY, settings=SynthesisSettings(chunk_max_chars=80))
    assert result.retries == 2
    plain = ToneEngine().synthesize("x" * 71, Voice("v"), SynthesisParams()).samples
    assert result.duration_seconds > result.chunk_count * len(plain) / plain.size  # kept: twice


def test_a_scene_break_is_a_longer_pause_and_never_sent_to_the_engine(
    tmp_path, monkeypatch
) -> None:
    pauses: list[float] = []
    add = AudioWriter.add
    monkeypatch.setattr(AudioWriter, "add", lambda w, s, p: pauses.append(p) or add(w, s, p))
    engine = ToneEngine()
    story = (
        "The lamp went dark that night.\n\n* * *\n\n"
        "In the morning the sea was calm. It was very quiet."
    )
    run(engine, tmp_path, text=story, settings=SynthesisSettings(chunk_max_chars=40))
    assert [text for text, _ in engine.calls] == [
        "The lamp went dark that night.",
        "In the morning the sea was calm.",
        "It was very quiet.",
    ]
    assert pauses == [1.5, 0.25, 0.6]


def test_a_story_of_scene_breaks_only_is_empty(tmp_path) -> None:
    engine = ToneEngine()
    with pytest.raises(TextEmptyError):
        run(engine, tmp_path, text="***\n\n---\n\n⁂")
    assert engine.calls == []


def test_a_story_in_a_script_the_language_cannot_read_fails_before_any_generation(
    tmp_path,
) -> None:
    engine = ToneEngine()
    with pytest.raises(UnsupportedLanguageError) as info:
        run(engine, tmp_path, text="كان يا ما كان في قديم الزمان.")
    assert not info.value.retryable
    assert "Arabic script" in info.value.message
    assert engine.calls == []


def test_scene_pause_may_not_be_shorter_than_the_paragraph_pause() -> None:
    with pytest.raises(ValueError, match="SCENE_PAUSE_MS"):
        SynthesisSettings(paragraph_pause_ms=800, scene_pause_ms=700)


def test_each_chunk_says_its_spoken_form_with_the_jobs_pronunciations() -> None:
    synthesizer = StorySynthesizer(ToneEngine(), SETTINGS)
    plan = synthesizer.prepare(
        "Aelith paid $3.50 in 1999.\n\nThe end came at last.",
        "en",
        pronunciations={"Aelith": "AY-lith"},
    )
    assert [chunk.speech for chunk in plan.chunks] == [
        "AY-lith paid three dollars and fifty cents in nineteen ninety-nine.",
        "The end came at last.",
    ]
    assert plan.chunks[0].text.startswith("Aelith paid $3.50")  # the written text stays


def test_a_chunk_with_nothing_to_say_hands_its_pauses_to_the_one_before() -> None:
    plan = StorySynthesizer(ToneEngine(), SETTINGS).prepare(
        "The lamp went out.\n\n🙂 🙂 🙂\n\nMorning came.", "en"
    )
    assert [chunk.speech for chunk in plan.chunks] == ["The lamp went out.", "Morning came."]
    assert [chunk.index for chunk in plan.chunks] == [0, 1]
    assert plan.chunks[0].paragraph_end


def test_an_ssml_break_is_a_pause_between_two_generations(tmp_path, monkeypatch) -> None:
    engine = ToneEngine()
    pauses: list[float] = []
    synthesizer = StorySynthesizer(engine, SETTINGS)
    plan = synthesizer.prepare('He waited. <break time="2s"/> Nothing happened.', "en")
    add = AudioWriter.add
    monkeypatch.setattr(AudioWriter, "add", lambda w, s, p: pauses.append(p) or add(w, s, p))
    synthesizer.render(plan, tmp_path, voice=Voice("v"), params=SynthesisParams())
    assert [text for text, _ in engine.calls] == ["He waited.", "Nothing happened."]
    assert pauses == [2.0, SETTINGS.paragraph_pause_ms / 1000]


def test_a_story_of_markup_and_emoji_only_has_nothing_to_say() -> None:
    with pytest.raises(TextEmptyError):
        StorySynthesizer(ToneEngine(), SETTINGS).prepare("<p>🙂</p> **🙂**", "en")


def test_spoken_text_longer_than_a_chunk_is_cut_again() -> None:
    prices = ", ".join(f"${n:,}.99" for n in range(1_234_567, 1_234_587))
    settings = SynthesisSettings(chunk_max_chars=200)
    plan = StorySynthesizer(ToneEngine(), settings).prepare(f"Prices: {prices}.\n\nThe end.", "en")
    assert all(len(chunk.speech) <= 200 for chunk in plan.chunks)
    assert len(plan.chunks) >= 8
    assert [chunk.index for chunk in plan.chunks] == list(range(len(plan.chunks)))
    ends = [chunk.paragraph_end for chunk in plan.chunks]
    assert ends.count(True) == 1  # only the last piece of the price list ends its paragraph


def test_short_lines_do_not_set_the_storys_pace() -> None:
    pace = StoryPace(min_chunks=1)
    pace.add(QualityReport((), 1.0, 40.0, 0.1, -20.0, 0.0, None, spoken_chars=12))
    assert pace.expected is None
    pace.add(QualityReport((), 3.0, 15.0, 0.1, -20.0, 0.0, None, spoken_chars=60))
    assert pace.expected == 15.0
