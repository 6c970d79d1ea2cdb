"""Incremental encoding: MP3 through LAME (lameenc), Opus/OGG and WAV through libsndfile
(soundfile). Both libraries ship in their wheels, so no ffmpeg binary is needed. Blocks are
encoded as they arrive; nothing holds the whole track."""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import lameenc
import numpy as np
import soundfile as sf
import soxr

from shared.errors import AudioProcessingError
from worker.config import SynthesisSettings
from worker.engines.base import Samples

OPUS_RATES = (8_000, 12_000, 16_000, 24_000, 48_000)


@dataclass(frozen=True)
class FormatSpec:
    name: str
    content_type: str
    extension: str
    container: str
    subtype: str


FORMATS: dict[str, FormatSpec] = {
    "mp3": FormatSpec("mp3", "audio/mpeg", ".mp3", "MP3", "MPEG_LAYER_III"),
    "opus": FormatSpec("opus", "audio/ogg", ".ogg", "OGG", "OPUS"),
    "wav": FormatSpec("wav", "audio/wav", ".wav", "WAV", "PCM_16"),
}


def output_rate(fmt: str, input_rate: int) -> int:
    """Opus only takes a few rates; other formats keep the engine's."""
    if fmt != "opus" or input_rate in OPUS_RATES:
        return input_rate
    return next((r for r in OPUS_RATES if r >= input_rate), OPUS_RATES[-1])


class Mp3Frames:
    """Splits an MPEG audio byte stream, fed in arbitrary pieces, into whole frames."""

    def __init__(self) -> None:
        self.count = 0
        self.first_header = b""
        self._pending = b""

    def feed(self, data: bytes) -> list[bytes]:
        """The frames `data` completes; an incomplete last frame waits for the next feed."""
        buffer, frames, offset = self._pending + data, [], 0
        while offset + 4 <= len(buffer):
            size = _frame_size(buffer[offset : offset + 4])
            if offset + size > len(buffer):
                break
            frames.append(buffer[offset : offset + size])
            offset += size
        self._pending = buffer[offset:]
        self.first_header = self.first_header or (frames[0][:4] if frames else b"")
        self.count += len(frames)
        return frames


class FrameSink(Protocol):
    """Takes the MP3 frames of a story as they are encoded (the live stream's segmenter)."""

    def open(self, sample_rate: int, frame_samples: int) -> None:
        """Before the first frame: the stream's rate and samples per frame."""
        ...

    def add(self, frames: list[bytes]) -> None: ...

    def close(self, samples: int, audible: int) -> None:
        """The story is encoded: `samples` long, silent from sample `audible` on."""
        ...


def mpeg_layout(sample_rate: int) -> tuple[bool, int]:
    """(is MPEG-1, samples per frame)."""
    mpeg1 = sample_rate >= 32_000
    return mpeg1, 1152 if mpeg1 else 576


def _frame_size(header: bytes) -> int:
    if header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        raise AudioProcessingError(details="MP3 encoder produced an invalid frame header")
    mpeg1 = bool(header[1] & 0x08)
    kbps = _BITRATES[mpeg1][header[2] >> 4]
    rate = _RATES[mpeg1][(header[2] >> 2) & 3]
    return (144 if mpeg1 else 72) * kbps * 1000 // rate + ((header[2] >> 1) & 1)


_BITRATES = {
    True: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    False: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {True: (44_100, 48_000, 32_000), False: (22_050, 24_000, 16_000)}
LAME_ENCODER_DELAY = 576


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def lame_info_frame(
    first_header: bytes, frames: int, music_bytes: int, samples: int, sample_rate: int
) -> bytes:
    """A Xing "Info" frame with a LAME tag, so decoders drop the encoder's delay and padding
    and the file decodes to exactly `samples` samples (gapless)."""
    mpeg1, per_frame = mpeg_layout(sample_rate)
    header = bytearray(first_header)
    header[2] &= 0xFD  # no padding bit: the frame size below is exact
    size = _frame_size(bytes(header))
    total_bytes = size + music_bytes
    padding = frames * per_frame - LAME_ENCODER_DELAY - samples
    frame = bytearray(size)
    frame[:4] = header
    xing = 4 + (17 if mpeg1 else 9)  # after the side information of a mono frame
    toc = bytes(min(255, i * 256 // 100) for i in range(100))
    frame[xing : xing + 120] = b"Info" + struct.pack(">III", 0x0F, frames, total_bytes) + toc
    frame[xing + 116 : xing + 120] = struct.pack(">I", 50)
    lame = xing + 120
    frame[lame : lame + 9] = b"LAME3.100"
    frame[lame + 9] = 0x01  # tag revision 0, constant bitrate
    frame[lame + 20] = min(255, _BITRATES[mpeg1][header[2] >> 4])
    frame[lame + 21 : lame + 24] = (
        (LAME_ENCODER_DELAY << 12) | max(0, min(padding, 0xFFF))
    ).to_bytes(3, "big")
    frame[lame + 28 : lame + 32] = struct.pack(">I", total_bytes)
    frame[lame + 34 : lame + 36] = struct.pack(">H", _crc16(bytes(frame[: lame + 34])))
    return bytes(frame)


class _Mp3Writer:
    """Constant-bitrate MP3 through LAME (lameenc), to a file and/or a `FrameSink`.

    In the file, the first frame is reserved for the LAME info frame, written on close once
    the totals are known. The sink gets the same frames, as they are encoded.
    """

    def __init__(
        self,
        path: Path | None,
        sample_rate: int,
        kbps: int,
        quality: int,
        sink: FrameSink | None = None,
    ) -> None:
        self._encoder = lameenc.Encoder()
        self._encoder.set_bit_rate(kbps)
        self._encoder.set_in_sample_rate(sample_rate)
        self._encoder.set_channels(1)
        self._encoder.set_quality(quality)
        self._rate = sample_rate
        self._samples = 0
        self._audible = 0
        self._frames = Mp3Frames()
        self._sink = sink
        mpeg1, frame_samples = mpeg_layout(sample_rate)
        self._reserved = (144 if mpeg1 else 72) * kbps * 1000 // sample_rate
        self._file = path.open("wb") if path else None
        if self._file:
            self._file.write(bytes(self._reserved))
        if sink:
            sink.open(sample_rate, frame_samples)

    def write(self, block: Samples) -> None:
        pcm = (block * 32767).astype("<i2")
        if self._sink and (sound := np.flatnonzero(pcm)).size:
            self._audible = self._samples + int(sound[-1]) + 1
        self._samples += len(block)
        self._emit(self._encoder.encode(pcm.tobytes()))

    def close(self) -> None:
        if self._samples:  # LAME refuses to flush an encoder that never started
            self._emit(self._encoder.flush())
        if self._sink:
            self._sink.close(self._samples, self._audible)
        if self._file:
            self._finish_file(self._file)

    def _finish_file(self, file: BinaryIO) -> None:
        music = file.tell() - self._reserved
        if not self._frames.count:
            file.truncate(0)
        else:
            file.seek(0)
            file.write(
                lame_info_frame(
                    self._frames.first_header, self._frames.count, music, self._samples, self._rate
                )
            )
        file.close()

    def _emit(self, data: bytes) -> None:
        frames = self._frames.feed(data)
        if self._file:
            self._file.write(data)
        if self._sink and frames:
            self._sink.add(frames)


class _SoundFileWriter:
    """Opus/OGG and WAV through libsndfile."""

    def __init__(self, path: Path, spec: FormatSpec, sample_rate: int) -> None:
        self._file = sf.SoundFile(
            path,
            "w",
            samplerate=sample_rate,
            channels=1,
            format=spec.container,
            subtype=spec.subtype,
        )

    def write(self, block: Samples) -> None:
        self._file.write(block)

    def close(self) -> None:
        self._file.close()


def format_spec(fmt: str) -> FormatSpec:
    """The one lookup of a format's container, content type and file extension."""
    if fmt not in FORMATS:
        raise AudioProcessingError(details=f"unknown output format {fmt!r}")
    return FORMATS[fmt]


def format_for_suffix(suffix: str) -> str | None:
    """The format a file name's suffix asks for (`.ogg` is Opus), or None."""
    suffix = suffix.lower()
    return next((spec.name for spec in FORMATS.values() if spec.extension == suffix), None)


class StreamEncoder:
    """Writes mono float32 blocks to `path` as they arrive; `close` finishes the file.

    A `live` sink gets the story as MP3 frames while it is encoded: the very frames of the file
    when the format is MP3, else those of a second LAME encoder at the engine's rate.
    """

    def __init__(
        self,
        path: Path,
        fmt: str,
        sample_rate: int,
        *,
        mp3_kbps: int,
        mp3_quality: int,
        live: FrameSink | None = None,
    ) -> None:
        self.spec = format_spec(fmt)
        self.input_rate = sample_rate
        self.sample_rate = output_rate(fmt, sample_rate)
        self.samples_in = 0
        self._resampler = (
            soxr.ResampleStream(sample_rate, self.sample_rate, 1, dtype="float32")
            if self.sample_rate != sample_rate
            else None
        )
        try:
            self._writer: _Mp3Writer | _SoundFileWriter = (
                _Mp3Writer(path, self.sample_rate, mp3_kbps, mp3_quality, live)
                if fmt == "mp3"
                else _SoundFileWriter(path, self.spec, self.sample_rate)
            )
            self._live = (
                _Mp3Writer(None, sample_rate, mp3_kbps, mp3_quality, live)
                if live and fmt != "mp3"
                else None
            )
        except (OSError, RuntimeError) as exc:
            raise AudioProcessingError(details=f"cannot open the {fmt} encoder: {exc}") from exc

    @classmethod
    def from_settings(
        cls,
        path: Path,
        fmt: str,
        sample_rate: int,
        settings: SynthesisSettings,
        live: FrameSink | None = None,
    ) -> StreamEncoder:
        return cls(
            path,
            fmt,
            sample_rate,
            mp3_kbps=settings.mp3_bitrate_kbps,
            mp3_quality=settings.mp3_quality,
            live=live,
        )

    @property
    def duration_s(self) -> float:
        return self.samples_in / self.input_rate

    def write(self, block: Samples) -> None:
        if len(block) == 0:
            return
        self.samples_in += len(block)
        if self._live is not None:
            self._guarded(self._live.write, np.clip(block, -1.0, 1.0))
        if self._resampler is not None:
            block = self._resampler.resample_chunk(block)
        self._guarded(self._writer.write, np.clip(block, -1.0, 1.0))

    def close(self) -> None:
        if self._resampler is not None:
            tail = self._resampler.resample_chunk(np.zeros(0, np.float32), last=True)
            self._guarded(self._writer.write, np.clip(tail, -1.0, 1.0))
        if self._live is not None:
            self._guarded(self._live.close)
        self._guarded(self._writer.close)

    def _guarded(self, action: Callable[..., None], *args: Samples) -> None:
        try:
            action(*args)
        except (OSError, RuntimeError) as exc:
            raise AudioProcessingError(details=f"{self.spec.name} encoding failed: {exc}") from exc
