"""The `create_voice_profile` job action: a reference recording in, a stored voice out.

The recording becomes Chatterbox conditionals (`prepare_conditionals`), saved with their own
`save()` at `voices/{user_id}/{voice_id}.pt`, or `voices/{user_id}/{voice_id}/{submission}.pt`
for the API's numbered submissions (`profile_key`); a short sample is narrated in the
new voice and stored beside it (`…_sample.mp3`). Independent of RunPod: the handler supplies
the engine, the store and the request, and turns the returned `VoiceProfileOutcome` or the
raised `TTSError` into its output and callbacks.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from shared.errors import InvalidInputError, ModelUnavailableError, VoiceProfileMissingError
from shared.types import MAX_VOICE_NAME_CHARS, AudioFormat, normalize_language
from worker.bucket import check_key, profile_key, sample_key
from worker.config import SynthesisSettings
from worker.engines.base import Engine, SynthesisParams, Voice
from worker.storage import ObjectStore
from worker.synthesis.synthesizer import StorySynthesizer

GENERATION_METHOD = "chatterbox_prepare_conditionals"
PROFILE_CONTENT_TYPE = "application/octet-stream"
SAMPLE_FORMAT: AudioFormat = "mp3"
SAMPLE_TEXTS = {
    "ar": "مرحبا! هكذا يبدو صوتي عندما أقرأ لك قصة.",
    "da": "Hej! Sådan lyder min stemme, når jeg læser en historie for dig.",
    "de": "Hallo! So klingt meine Stimme, wenn ich dir eine Geschichte vorlese.",
    "el": "Γεια σου! Έτσι ακούγεται η φωνή μου όταν σου διαβάζω μια ιστορία.",
    "en": "Hello! This is how my voice sounds when I read you a story.",
    "es": "¡Hola! Así suena mi voz cuando te leo un cuento.",
    "fi": "Hei! Tältä ääneni kuulostaa, kun luen sinulle tarinan.",
    "fr": "Bonjour ! Voici ma voix quand je te lis une histoire.",
    "he": "שלום! כך נשמע הקול שלי כשאני מקריא לך סיפור.",
    "hi": "नमस्ते! जब मैं तुम्हें कहानी सुनाता हूँ तो मेरी आवाज़ ऐसी लगती है।",
    "it": "Ciao! Ecco come suona la mia voce quando ti leggo una storia.",
    "ja": "こんにちは！お話を読むとき、私の声はこんなふうに聞こえます。",
    "ko": "안녕하세요! 이야기를 읽어 줄 때 제 목소리는 이렇게 들려요.",
    "ms": "Helo! Beginilah bunyi suara saya apabila saya membacakan cerita untuk awak.",
    "nl": "Hallo! Zo klinkt mijn stem als ik je een verhaal voorlees.",
    "no": "Hei! Slik høres stemmen min ut når jeg leser en historie for deg.",
    "pl": "Cześć! Tak brzmi mój głos, kiedy czytam ci bajkę.",
    "pt": "Olá! É assim que soa a minha voz quando te leio uma história.",
    "ru": "Привет! Так звучит мой голос, когда я читаю тебе сказку.",
    "sv": "Hej! Så här låter min röst när jag läser en saga för dig.",
    "sw": "Habari! Hivi ndivyo sauti yangu inavyosikika ninapokusomea hadithi.",
    "tr": "Merhaba! Sana bir hikâye okurken sesim böyle duyuluyor.",
    "zh": "你好！我给你讲故事的时候，我的声音听起来是这样的。",
}


@runtime_checkable
class VoiceCloningEngine(Engine, Protocol):
    def conditionals_from_reference(self, data: bytes) -> Any: ...

    def serialize_profile(self, conds: Any) -> bytes: ...

    def load_profile(self, data: bytes) -> Any: ...


@dataclass(frozen=True)
class VoiceProfileRequest:
    user_id: str
    name: str
    voice_id: str | None = None
    reference_audio: bytes | None = field(default=None, repr=False)
    reference_audio_key: str | None = None
    language: str = "en"
    sample_text: str | None = None
    seed: int | None = None
    submission: int | None = None
    """The API's submission number: the profile and sample get keys of their own."""


@dataclass(frozen=True)
class VoiceProfileOutcome:
    """A created, stored voice: everything the output and the success callback report."""

    voice_id: str
    user_id: str
    name: str
    profile_key: str
    profile_url: str
    profile_size_bytes: int
    profile_sha256: str
    sample_key: str
    sample_url: str
    sample_content_type: str
    sample_duration_seconds: float
    language: str
    generation_method: str
    engine: str
    engine_version: str
    sample_rate: int
    created_at: str
    """ISO 8601, to the second, UTC."""
    timings: Mapping[str, float]

    def to_output(self) -> dict[str, Any]:
        """The RunPod job output, before what it says of its callback."""
        return asdict(self)


def create_voice_profile(
    request: VoiceProfileRequest,
    *,
    engine: Engine,
    store: ObjectStore,
    settings: SynthesisSettings | None = None,
) -> VoiceProfileOutcome:
    """Create, check and store a profile and its sample."""
    started = time.perf_counter()
    cloner = _cloner(engine)
    name = _check_name(request.name)
    voice_id = request.voice_id or uuid.uuid4().hex
    key = profile_key(request.user_id, voice_id, request.submission)
    reference = _reference_audio(request, store)
    conds = cloner.conditionals_from_reference(reference)
    profile = cloner.serialize_profile(conds)
    cloner.load_profile(profile)  # what was saved must load and pass the checks
    metadata = {
        "user_id": request.user_id,
        "voice_id": voice_id,
        "generation_method": GENERATION_METHOD,
    }
    with tempfile.TemporaryDirectory() as tmp:
        sample = StorySynthesizer(cloner, settings or SynthesisSettings()).synthesize(
            _sample_text(request),
            Path(tmp),
            voice=Voice(name=voice_id, data=conds),
            params=SynthesisParams(language=request.language, seed=request.seed),
            fmt=SAMPLE_FORMAT,
        )
        stored_profile = store.put_bytes(key, profile, PROFILE_CONTENT_TYPE, metadata)
        sample_at = sample_key(key, sample.spec.extension)
        stored_sample = store.put_file(sample_at, sample.path, sample.content_type, metadata)
    caps = cloner.capabilities
    return VoiceProfileOutcome(
        voice_id=voice_id,
        user_id=request.user_id,
        name=name,
        profile_key=stored_profile.key,
        profile_url=stored_profile.url,
        profile_size_bytes=stored_profile.size_bytes,
        profile_sha256=hashlib.sha256(profile).hexdigest(),
        sample_key=stored_sample.key,
        sample_url=stored_sample.url,
        sample_content_type=sample.content_type,
        sample_duration_seconds=round(sample.duration_seconds, 3),
        language=request.language,
        generation_method=GENERATION_METHOD,
        engine=caps.name,
        engine_version=caps.version,
        sample_rate=sample.sample_rate,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        timings={
            "sample_engine_s": round(sample.timings.engine_s, 3),
            "total_s": round(time.perf_counter() - started, 3),
        },
    )


def _cloner(engine: Engine) -> VoiceCloningEngine:
    if not isinstance(engine, VoiceCloningEngine) or not engine.capabilities.voice_cloning:
        raise ModelUnavailableError(
            "Creating a voice is not available right now. Please try again later.",
            details=f"the {engine.capabilities.name} engine cannot clone voices",
        )
    return engine


def _check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_VOICE_NAME_CHARS:
        raise InvalidInputError(
            f"Please give the voice a name of 1 to {MAX_VOICE_NAME_CHARS} characters.",
            details="voice name is empty or too long",
        )
    return name


def _reference_audio(request: VoiceProfileRequest, store: ObjectStore) -> bytes:
    if request.reference_audio is not None:
        return request.reference_audio
    if not request.reference_audio_key:
        raise InvalidInputError(
            "Please record your voice before creating it.",
            details="neither reference_audio nor reference_audio_key was given",
        )
    data = store.get_bytes(check_key(request.reference_audio_key))
    if data is None:
        raise VoiceProfileMissingError(
            "The voice recording was not found. Please record it again.",
            details=f"no reference recording at {request.reference_audio_key}",
        )
    return data


def _sample_text(request: VoiceProfileRequest) -> str:
    if request.sample_text and request.sample_text.strip():
        return request.sample_text
    language = normalize_language(request.language)
    if language not in SAMPLE_TEXTS:
        raise InvalidInputError(
            "Please provide a sample sentence in the voice's language.",
            details=f"no default sample text for language {language!r}",
        )
    return SAMPLE_TEXTS[language]
