"""What the listener reads, through the whole story job: the worker's signed callbacks into
the real callback API, and the story's Firestore document (emulator) at the end.

- a story partly in a script its language cannot read is refused before any work, naming
  the script and the language to choose; the few letters still dropped are counted;
- a voice belongs to its user: another user's stored voice is refused before any work;
- an engine that cannot use the requested voice fails, never narrates in another voice."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from shared.signing import generate_secret
from tests.helpers.callback_api import Stories, dev_api
from tests.helpers.fakes import ToneEngine
from worker.config import ServiceSettings, SynthesisSettings
from worker.delivery.sender import CallbackSender
from worker.engines.base import Engine, Voice, VoiceSource
from worker.jobs.common import Loaded
from worker.jobs.story import TTSJobRunner
from worker.storage import LocalObjectStore
from worker.synthesis.synthesizer import StorySynthesizer

SECRET = generate_secret()
ENGLISH = (
    "The owl woke at dusk. She stretched her wings and looked at the moon. "
    "Far below, the river ran silver between the trees, and the fox was already awake.\n\n"
)
MOSTLY_RUSSIAN = (  # the story: three of its four sentences, 75% of its letters
    "Once upon a time. Жили-были дед да баба. Они жили у самого синего моря. "
    "Старик ловил неводом рыбу."
)


class Recorder(ToneEngine):
    """The tone engine in English and Russian, noting every voice it is asked to prepare."""

    def __init__(self) -> None:
        super().__init__()
        self.capabilities = replace(self.capabilities, languages=frozenset({"en", "ru"}))
        self.voices: list[VoiceSource | None] = []

    def prepare_voice(self, source: VoiceSource | None) -> Voice:
        self.voices.append(source)
        return super().prepare_voice(source)


@pytest.fixture
def api(firestore_env: Any) -> Iterator[str]:
    with dev_api(SECRET) as url:
        yield url


def runner(tmp_path: Path, engine: Engine, **overrides: Any) -> TTSJobRunner:
    service = ServiceSettings(
        **{
            "callback_signing_secret": SECRET,
            "callback_allow_loopback_http": True,
            "callback_backoff_initial_s": 0.01,
            "callback_max_attempts": 2,
            "progress_min_interval_s": 0,
            "local_storage_public_url": "https://audio.example.com",
            "stream_enabled": False,
        }
        | overrides
    )
    store = LocalObjectStore(tmp_path / "bucket", service.local_storage_public_url)
    synthesizer = StorySynthesizer(engine, SynthesisSettings(chunk_max_chars=120))
    return TTSJobRunner(Loaded.ready(synthesizer), store, CallbackSender(service, store), service)


def job(api: str, story_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "text": ENGLISH * 3,
        "story_id": story_id,
        "user_id": "u1",
        "callback_url": f"{api}/api/tts/callback",
    } | overrides


def test_a_story_mostly_in_cyrillic_is_refused_naming_the_script_and_the_language(
    tmp_path: Path, api: str, stories: Stories
) -> None:
    stories.create("mixed")
    engine = Recorder()
    output = runner(tmp_path, engine).run("job-mixed", job(api, "mixed", text=MOSTLY_RUSSIAN))

    message = (
        "Part of this story (3 of its 4 sentences) is written in Cyrillic script, which "
        "English narration cannot read. Please choose Russian as the story's language, or "
        "remove that part, and submit the story again."
    )
    assert output["error"] == message
    assert (output["error_type"], output["stage"]) == ("unsupported_language", "text")
    assert output["callback_delivered"] is True
    assert engine.calls == []  # refused before any work
    assert engine.voices == []
    story = stories.get("mixed")
    assert story["audioStatus"] == "failed"
    assert story["audioError"] == message
    assert "Cyrillic" in story["audioErrorDetails"]
    assert story["audioErrorMetadata"]["error_type"] == "unsupported_language"
    assert story["audioErrorMetadata"]["retryable"] is False


def test_the_few_letters_still_dropped_are_counted_in_the_output_and_the_story(
    tmp_path: Path, api: str, stories: Stories
) -> None:
    stories.create("named")
    text = ENGLISH * 2 + "The old monk wrote 你好 on the wall.\n\n" + ENGLISH * 2
    engine = Recorder()
    output = runner(tmp_path, engine).run("job-named", job(api, "named", text=text))

    assert output["status"] == "ready", output
    assert (output["letters_dropped"], output["scripts_dropped"]) == (2, ("Han",))
    assert not any("你" in said for said, _ in engine.calls)
    story = stories.get("named")
    assert story["audioStatus"] == "ready"
    tts = story["audioMetadata"]["tts"]
    assert (tts["letters_dropped"], tts["scripts_dropped"]) == (2, ["Han"])


def test_a_story_in_its_language_drops_nothing(tmp_path: Path, api: str, stories: Stories) -> None:
    stories.create("plain")
    output = runner(tmp_path, Recorder()).run("job-plain", job(api, "plain"))
    assert (output["letters_dropped"], output["scripts_dropped"]) == (0, ())
    assert stories.get("plain")["audioMetadata"]["tts"]["letters_dropped"] == 0


def test_another_users_voice_is_refused_before_any_work(
    tmp_path: Path, api: str, stories: Stories
) -> None:
    stories.create("stolen")
    engine = Recorder()
    stolen = job(api, "stolen", voice_storage_key="voices/someone_else/v1.pt")
    output = runner(tmp_path, engine).run("job-stolen", stolen)

    message = (
        "The stored voice belongs to another account. "
        "Please choose one of your own voices and try again."
    )
    assert output["error"] == message
    assert (output["error_type"], output["stage"]) == ("invalid_input", "validate")
    assert engine.calls == []
    assert engine.voices == []
    story = stories.get("stolen")
    assert story["audioStatus"] == "failed"
    assert story["audioError"] == message
    assert story["audioErrorDetails"] == "voice_storage_key: must lie under voices/u1/"


@pytest.mark.parametrize(
    ("key", "shared"),
    [
        ("voices/u1/v1.pt", None),  # where the voice-profile job stores the user's voices
        ("narrators/anna.wav", "narrators/"),  # the app's own narrators, when configured
    ],
)
def test_the_users_own_voice_and_the_apps_narrators_are_used(
    tmp_path: Path, api: str, stories: Stories, key: str, shared: str | None
) -> None:
    stories.create("own")
    engine = Recorder()
    worker = runner(tmp_path, engine, shared_voice_prefix=shared)
    output = worker.run("job-own", job(api, "own", voice_storage_key=key))
    assert output["status"] == "ready", output
    assert [source.storage_key for source in engine.voices if source] == [key]


def test_a_narrators_key_is_another_users_when_no_shared_prefix_is_configured(
    tmp_path: Path, api: str, stories: Stories
) -> None:
    stories.create("narrator")
    output = runner(tmp_path, Recorder()).run(
        "job-narrator", job(api, "narrator", voice_storage_key="narrators/anna.wav")
    )
    assert output["error_type"] == "invalid_input"


@pytest.mark.slow
def test_piper_fails_a_story_in_a_recorded_voice_instead_of_using_its_own(
    tmp_path: Path, api: str, stories: Stories, piper_engine: Engine
) -> None:
    stories.create("cloned")
    cloned = job(api, "cloned", voice_id="v1", voice_storage_key="voices/u1/v1.pt")
    output = runner(tmp_path, piper_engine).run("job-cloned", cloned)

    assert (output["error_type"], output["stage"]) == ("voice_unsupported", "voice")
    assert output["retryable"] is False
    story = stories.get("cloned")
    assert story["audioStatus"] == "failed"
    assert "recorded voice" in story["audioError"]
    assert story["audioErrorMetadata"]["error_type"] == "voice_unsupported"
    assert "audioUrl" not in story
