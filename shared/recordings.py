"""A voice recording's format and length, read from its headers alone (no decoding, no numpy).

The API checks an upload with `check_recording` before it creates a voice, so that a listener
learns at once that a recording is empty, too large, unreadable, too short or too long, in the
sentences the worker uses when it decodes the recording itself
(`worker/engines/reference_audio.py`).
The length comes from the container: WAV's data size, FLAC's STREAMINFO, Ogg's last granule
position (Opus, Vorbis), MP3's Xing/VBRI frame count (or its bitrate), MP4's `mvhd`, and
Matroska/WebM's `Duration`. Browsers' MediaRecorder writes WebM without a duration, and
Safari's fragmented MP4 with a zero one: then the length is unknown here and the worker
measures it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from shared.errors import VoiceProfileInvalidError

FORMATS = "WAV, FLAC, OGG, MP3, M4A or WebM"
UNREADABLE = f"The voice recording could not be read. Please upload {FORMATS} audio."


@dataclass(frozen=True)
class Recording:
    format: str
    seconds: float | None
    """None when the container does not say (WebM from MediaRecorder)."""


@dataclass(frozen=True)
class RecordingLimits:
    max_bytes: int
    min_seconds: float
    max_seconds: float


def check_recording(data: bytes, limits: RecordingLimits) -> Recording:
    """The recording's format and length; `VoiceProfileInvalidError` (field `recording`) with
    the listener's sentence when it is empty, too large, unreadable, too short or too long."""
    if not data:
        raise _refused("The voice recording is empty. Please record it again.", "empty upload")
    if len(data) > limits.max_bytes:
        raise too_large(limits, len(data))
    recording = probe_recording(data)
    seconds = recording.seconds
    if seconds is not None and seconds <= limits.min_seconds:
        raise _refused(
            "The voice recording is too short. Please record at least "
            f"{limits.min_seconds:g} seconds of speech.",
            f"reference recording is {seconds:.1f} s",
        )
    if seconds is not None and seconds > limits.max_seconds:
        raise _refused(
            "The voice recording is too long. Please record at most "
            f"{limits.max_seconds:g} seconds of speech.",
            f"reference recording is {seconds:.1f} s",
        )
    return recording


def too_large(limits: RecordingLimits, size: int | None = None) -> VoiceProfileInvalidError:
    """The refusal of a recording over `limits.max_bytes` (`size`, when known)."""
    return _refused(
        f"The voice recording is too large (at most {limits.max_bytes / 2**20:.0f} MB). "
        "Please record a shorter clip, or upload it as MP3 or M4A.",
        f"{size} bytes (limit {limits.max_bytes})" if size else f"over {limits.max_bytes} bytes",
    )


def probe_recording(data: bytes) -> Recording:
    """The format and length of `data`; `VoiceProfileInvalidError` when neither is known."""
    for magic, offset, name, length in _PROBES:
        if data[offset : offset + len(magic)] == magic:
            try:
                seconds = length(data)
            except (struct.error, IndexError, ValueError, ZeroDivisionError):
                raise _refused(UNREADABLE, f"damaged {name} headers") from None
            # A streaming writer leaves the length unwritten (Safari's fragmented MP4, FLAC's
            # zero sample count): unknown then, not short. WAV counts its data as it is.
            unwritten = seconds is not None and seconds <= 0 and name != "wav"
            return Recording(name, None if unwritten else seconds)
    if _mp3_start(data) is not None:
        try:
            return Recording("mp3", _mp3_seconds(data))
        except (struct.error, IndexError, ValueError, ZeroDivisionError):
            raise _refused(UNREADABLE, "damaged mp3 headers") from None
    raise _refused(UNREADABLE, "not a recognised audio format")


def _refused(sentence: str, details: str) -> VoiceProfileInvalidError:
    return VoiceProfileInvalidError(sentence, details=details, context={"field": "recording"})


def _wav_seconds(data: bytes) -> float:
    if data[8:12] != b"WAVE":
        raise ValueError("not WAVE")
    byte_rate, pos = 0, 12
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        if chunk == b"fmt ":
            channels, rate, byte_rate = struct.unpack_from("<HII", data, pos + 10)
            bits = struct.unpack_from("<H", data, pos + 22)[0]
            byte_rate = byte_rate or rate * channels * bits // 8
        elif chunk == b"data":
            available = len(data) - pos - 8  # recorders that stream write 0 or 0xFFFFFFFF
            size = available if size in (0, 0xFFFFFFFF) else min(size, available)
            return size / byte_rate
        pos += 8 + size + (size & 1)
    raise ValueError("no data chunk")


def _flac_seconds(data: bytes) -> float:
    if data[4] & 0x7F != 0:  # STREAMINFO must come first
        raise ValueError("no STREAMINFO")
    packed = int.from_bytes(data[18:26], "big")
    rate, total = packed >> 44, packed & ((1 << 36) - 1)
    return total / rate


def _ogg_seconds(data: bytes) -> float:
    segments = data[26]
    packet = data[27 + segments : 27 + segments + 32]
    rate: int
    skip: int
    if packet.startswith(b"OpusHead"):
        rate, skip = 48_000, struct.unpack_from("<H", packet, 10)[0]
    elif packet.startswith(b"\x01vorbis"):
        rate, skip = struct.unpack_from("<I", packet, 12)[0], 0
    else:
        raise ValueError("neither Opus nor Vorbis")
    last = data.rfind(b"OggS\x00")
    granule: int = struct.unpack_from("<q", data, last + 6)[0]
    return max(0, granule - skip) / rate


def _mp4_seconds(data: bytes) -> float:
    moov = _box(data, 0, len(data), b"moov")
    mvhd = _box(data, moov[0], moov[1], b"mvhd")
    start = mvhd[0]
    scale: int
    duration: int
    if data[start] == 1:
        scale, duration = struct.unpack_from(">IQ", data, start + 20)
    else:
        scale, duration = struct.unpack_from(">II", data, start + 12)
    return duration / scale


def _box(data: bytes, pos: int, end: int, name: bytes) -> tuple[int, int]:
    """The content (start, end) of the first box called `name` between `pos` and `end`."""
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header:
            raise ValueError("bad box size")
        if kind == name:
            return pos + header, min(pos + size, end)
        pos += size
    raise ValueError(f"no {name!r} box")


_SEGMENT, _INFO, _TIMECODE_SCALE, _DURATION = 0x18538067, 0x1549A966, 0x2AD7B1, 0x4489
_UNKNOWN_SIZE = -1


def _webm_seconds(data: bytes) -> float | None:
    pos, end = 0, len(data)
    while pos < end:  # top level: the EBML header, then the Segment
        element, size, pos = _element(data, pos)
        if element == _SEGMENT:
            return _info_seconds(data, pos, end if size == _UNKNOWN_SIZE else pos + size)
        pos += size
    return None


def _info_seconds(data: bytes, pos: int, end: int) -> float | None:
    while pos < end:
        element, size, pos = _element(data, pos)
        if size == _UNKNOWN_SIZE:
            return None  # a live cluster: Info, when present, came before it
        if element == _INFO:
            scale, duration = 1_000_000, None
            stop = pos + size
            while pos < stop:
                child, length, pos = _element(data, pos)
                if child == _TIMECODE_SCALE:
                    scale = int.from_bytes(data[pos : pos + length], "big")
                elif child == _DURATION:
                    duration = struct.unpack(
                        ">f" if length == 4 else ">d", data[pos : pos + length]
                    )[0]
                pos += length
            return None if duration is None else duration * scale / 1e9
        pos += size
    return None


def _element(data: bytes, pos: int) -> tuple[int, int, int]:
    """An EBML element's id, its size (`_UNKNOWN_SIZE` when unknown) and where its data starts."""
    element, pos = _vint(data, pos, keep_marker=True)
    size, after = _vint(data, pos, keep_marker=False)
    width = after - pos
    return element, _UNKNOWN_SIZE if size == (1 << (7 * width)) - 1 else size, after


def _vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int]:
    first = data[pos]
    width = 8 - first.bit_length() + 1
    if not 1 <= width <= 8:
        raise ValueError("bad EBML number")
    value = first if keep_marker else first & ((1 << (8 - width)) - 1)
    for byte in data[pos + 1 : pos + width]:
        value = (value << 8) | byte
    return value, pos + width


_MP3_RATES = {3: (44_100, 48_000, 32_000), 2: (22_050, 24_000, 16_000), 0: (11_025, 12_000, 8_000)}
_MP3_KBPS = {
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}


def _mp3_start(data: bytes) -> int | None:
    """Where the first MPEG layer III frame starts (after an ID3v2 tag), or None."""
    pos = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
        pos = 10 + size + (10 if data[5] & 0x10 else 0)
    header = data[pos : pos + 4]
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    if version == 1 or layer != 1 or header[2] >> 4 in (0, 15) or (header[2] >> 2) & 3 == 3:
        return None
    return pos


def _mp3_seconds(data: bytes) -> float:
    pos = _mp3_start(data)
    assert pos is not None
    version = (data[pos + 1] >> 3) & 3
    rate = _MP3_RATES[version][(data[pos + 2] >> 2) & 3]
    kbps = _MP3_KBPS[3 if version == 3 else 2][data[pos + 2] >> 4]
    per_frame = 1152 if version == 3 else 576
    frame = data[pos : pos + 200]
    for tag, offset in ((b"Xing", 8), (b"Info", 8), (b"VBRI", 14)):
        found = frame.find(tag)
        if found > 0 and (tag == b"VBRI" or struct.unpack_from(">I", frame, found + 4)[0] & 1):
            frames: int = struct.unpack_from(">I", frame, found + offset)[0]
            return frames * per_frame / rate
    return (len(data) - pos) * 8 / (kbps * 1000)  # constant bitrate


_PROBES = (
    (b"RIFF", 0, "wav", _wav_seconds),
    (b"fLaC", 0, "flac", _flac_seconds),
    (b"OggS", 0, "ogg", _ogg_seconds),
    (b"ftyp", 4, "m4a", _mp4_seconds),
    (b"\x1a\x45\xdf\xa3", 0, "webm", _webm_seconds),
)
