"""Voice sources as the jobs give them: base64 fields of a job's input, decoded.

Both the story job and the voice-profile job accept a recording or a profile inline; what the
engine then does with a `VoiceSource` (reading stored voices, checking and caching them) is in
`worker/engines/voice_resolution.py`, and decoding a recording in
`worker/engines/reference_audio.py`.
"""

from __future__ import annotations

import base64
import binascii

from shared.errors import VoiceProfileInvalidError


def decode_base64(value: str, what: str) -> bytes:
    """Decode a base64 field of a job; a data: URL prefix is accepted."""
    _, _, payload = value.rpartition(",") if value.startswith("data:") else ("", "", value)
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise VoiceProfileInvalidError(details=f"the {what} is not valid base64") from exc
