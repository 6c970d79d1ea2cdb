"""A recording's format and length from its headers: files written by libsndfile (the worker's
decoder), and the MP4 and WebM containers that phones and browsers record, built box by box."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
import soundfile as sf

from shared.errors import VoiceProfileInvalidError
from shared.recordings import RecordingLimits, check_recording, probe_recording

LIMITS = RecordingLimits(max_bytes=2**20, min_seconds=5.0, max_seconds=60.0)


def encoded(seconds: float, format: str, subtype: str, rate: int = 16_000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    buffer = io.BytesIO()
    sf.write(buffer, 0.3 * np.sin(2 * np.pi * 220 * t), rate, format=format, subtype=subtype)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("format", "subtype", "name"),
    [
        ("WAV", "PCM_16", "wav"),
        ("WAV", "FLOAT", "wav"),
        ("FLAC", "PCM_16", "flac"),
        ("OGG", "VORBIS", "ogg"),
        ("OGG", "OPUS", "ogg"),
        ("MP3", "MPEG_LAYER_III", "mp3"),
    ],
)
def test_the_length_of_what_the_worker_decodes_is_read_from_its_headers(
    format: str, subtype: str, name: str
) -> None:
    recording = probe_recording(encoded(7, format, subtype))
    assert recording.format == name
    assert recording.seconds == pytest.approx(7, abs=0.15)


def box(kind: bytes, content: bytes) -> bytes:
    return struct.pack(">I", 8 + len(content)) + kind + content


def m4a(seconds: float, version: int = 0) -> bytes:
    if version == 0:
        header = struct.pack(">B3xIIII", 0, 0, 0, 1000, int(seconds * 1000))
    else:
        header = struct.pack(">B3xQQIQ", 1, 0, 0, 1000, int(seconds * 1000))
    moov = box(b"moov", box(b"mvhd", header + b"\0" * 80))
    return box(b"ftyp", b"M4A \0\0\0\0") + box(b"mdat", b"\0" * 64) + moov


def ebml(element: int, content: bytes) -> bytes:
    width = (element.bit_length() + 7) // 8
    return element.to_bytes(width, "big") + bytes([0x80 | len(content)]) + content


def webm(seconds: float | None) -> bytes:
    info = ebml(0x2AD7B1, (1_000_000).to_bytes(3, "big"))
    if seconds is not None:
        info += ebml(0x4489, struct.pack(">d", seconds * 1000))
    segment_header = (0x18538067).to_bytes(4, "big") + b"\x01\xff\xff\xff\xff\xff\xff\xff"
    cluster = (0x1F43B675).to_bytes(4, "big") + b"\x01\xff\xff\xff\xff\xff\xff\xff"
    return (
        ebml(0x1A45DFA3, ebml(0x4282, b"webm")) + segment_header + ebml(0x1549A966, info) + cluster
    )


@pytest.mark.parametrize("version", [0, 1])
def test_a_phones_m4a_is_measured_by_its_movie_header(version: int) -> None:
    assert probe_recording(m4a(12.5, version)).seconds == pytest.approx(12.5)


def test_a_length_left_unwritten_by_a_streaming_recorder_is_unknown_not_short() -> None:
    assert probe_recording(m4a(0)).seconds is None  # Safari's fragmented MP4
    assert check_recording(m4a(0), LIMITS).format == "m4a"


def test_a_browsers_webm_is_measured_when_it_says_and_left_to_the_worker_when_not() -> None:
    assert probe_recording(webm(9.0)).seconds == pytest.approx(9.0)
    assert probe_recording(webm(None)).seconds is None
    assert check_recording(webm(None), LIMITS).format == "webm"


@pytest.mark.parametrize(
    ("data", "sentence"),
    [
        (b"", "The voice recording is empty."),
        (b"%PDF-1.7 not audio", "The voice recording could not be read."),
        (b"RIFF\0\0\0\0WAVEfmt ", "The voice recording could not be read."),
        (b"\0\0\0\x10ftypM4A ", "The voice recording could not be read."),
        (b"RIFF" + b"\0" * 2**20, "The voice recording is too large (at most 1 MB)."),
        (m4a(5.0), "The voice recording is too short. Please record at least 5 seconds"),
        (m4a(60.5), "The voice recording is too long. Please record at most 60 seconds"),
    ],
)
def test_a_recording_the_worker_cannot_use_is_refused_in_the_listeners_words(
    data: bytes, sentence: str
) -> None:
    with pytest.raises(VoiceProfileInvalidError) as refused:
        check_recording(data, LIMITS)
    assert refused.value.message.startswith(sentence)
    assert refused.value.context == {"field": "recording"}
