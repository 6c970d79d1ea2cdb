"""What the voice tests share: recordings, the voices collection, uploads, signed callbacks."""

from __future__ import annotations

import io
import math
import struct
import wave
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient
from google.cloud.firestore import Client

from shared.signing import sign
from shared.voice_job_input import (
    VoiceProfileCallbackRequest,
    VoiceProfileErrorCallbackRequest,
    VoiceProfileProgressCallbackRequest,
)

VOICES = "/api/tts/voices"


def tone_wav(seconds: float, rate: int = 16_000) -> bytes:
    """A mono 16-bit WAV of a quiet 220 Hz tone."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 220 * i / rate)))
        for i in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


@dataclass
class Voices:
    db: Client
    collection: str = "voices"

    def create(self, voice_id: str, **fields: Any) -> None:
        self.db.collection(self.collection).document(voice_id).set(fields)

    def get(self, voice_id: str) -> dict[str, Any]:
        snapshot = self.db.collection(self.collection).document(voice_id).get()
        assert snapshot.exists, f"voice {voice_id} does not exist"
        return snapshot.to_dict() or {}

    def ids(self) -> set[str]:
        return {ref.id for ref in self.db.collection(self.collection).list_documents()}


def upload(
    client: TestClient | httpx.Client,
    token: str | None,
    recording: bytes | None = None,
    *,
    idempotency_key: str | None = None,
    **fields: str,
) -> httpx.Response:
    """`POST /api/tts/voices` as the app sends it (`name` defaults to "Grandma")."""
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    files = None if recording is None else {"recording": ("voice.wav", recording, "audio/wav")}
    data = {"name": "Grandma", **fields}
    return client.post(VOICES, data=data, files=files, headers=headers)


CallbackModel = (
    VoiceProfileCallbackRequest
    | VoiceProfileErrorCallbackRequest
    | VoiceProfileProgressCallbackRequest
)
PATHS: dict[type[Any], str] = {
    VoiceProfileCallbackRequest: f"{VOICES}/callback",
    VoiceProfileErrorCallbackRequest: f"{VOICES}/error-callback",
    VoiceProfileProgressCallbackRequest: f"{VOICES}/progress",
}


def send(client: TestClient, secret: str, callback: CallbackModel) -> httpx.Response:
    """A voice callback, signed as the worker signs it."""
    body = callback.to_body()
    headers = {"content-type": "application/json", **sign(secret, body)}
    return client.post(PATHS[type(callback)], content=body, headers=headers)


def ready(user_id: str, voice_id: str, job_id: str, submission: int | None) -> Any:
    """A success callback naming the keys the worker writes for `submission`."""
    stem = f"voices/{user_id}/{voice_id}" + ("" if submission is None else f"/{submission}")
    return VoiceProfileCallbackRequest(
        user_id=user_id,
        voice_id=voice_id,
        job_id=job_id,
        submission=submission,
        name="Grandma",
        profile_key=f"{stem}.pt",
        sample_key=f"{stem}_sample.mp3",
        sample_url=f"https://cdn.example.com/{stem}_sample.mp3",
        generation_method="chatterbox_prepare_conditionals",
    )


def failed(user_id: str, voice_id: str, job_id: str, submission: int | None) -> Any:
    return VoiceProfileErrorCallbackRequest(
        user_id=user_id,
        voice_id=voice_id,
        job_id=job_id,
        submission=submission,
        error="The voice recording is silent. Please record it again.",
        error_details="reference recording is below -50 dBFS",
        metadata={"error_type": "voice_profile_invalid", "retryable": False},
    )


def started(user_id: str, voice_id: str, job_id: str, submission: int | None) -> Any:
    return VoiceProfileProgressCallbackRequest(
        user_id=user_id, voice_id=voice_id, job_id=job_id, submission=submission
    )
