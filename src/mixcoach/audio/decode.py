"""Decode an audio file once, in blocks, at its native sample rate.

This module is the one boundary where audio enters Mixcoach: everything after it sees float32
arrays shaped ``(channels, samples)``. The format is recognised from the file's content, never
from its name, so a mislabelled file is read as what it really is.

libsndfile (inside the ``soundfile`` wheel) reads WAV, AIFF, FLAC, OGG and MP3 without any
system package; FFmpeg (inside the ``av`` wheel) reads the rest (M4A/AAC, Opus, WMA...).
Blocks keep memory bounded: an hour of 192 kHz audio never sits in memory at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mixcoach.errors import AudioError

#: libsndfile subtypes and the bit depth and sample format they carry.
_SUBTYPE_DEPTH: dict[str, tuple[int | None, str]] = {
    "PCM_S8": (8, "int"),
    "PCM_U8": (8, "int"),
    "PCM_16": (16, "int"),
    "PCM_24": (24, "int"),
    "PCM_32": (32, "int"),
    "FLOAT": (32, "float"),
    "DOUBLE": (64, "float"),
    "ULAW": (8, "int"),
    "ALAW": (8, "int"),
    "IMA_ADPCM": (4, "int"),
    "MS_ADPCM": (4, "int"),
    "VORBIS": (None, "lossy"),
    "OPUS": (None, "lossy"),
    "MPEG_LAYER_III": (None, "lossy"),
    "MPEG_LAYER_II": (None, "lossy"),
    "MPEG_LAYER_I": (None, "lossy"),
}

#: Codecs FFmpeg decodes losslessly; everything else it decodes is treated as lossy.
_LOSSLESS_FFMPEG = {"alac", "flac", "wavpack", "tta", "ape", "mlp", "truehd"}

MIN_SAMPLE_RATE_HZ = 8_000
MAX_SAMPLE_RATE_HZ = 384_000


@dataclass(frozen=True)
class AudioInfo:
    """What the container says about the audio, read before any sample is decoded."""

    format: (
        str  # container as recognised from content: "wav", "aiff", "flac", "ogg", "mp3", "m4a"...
    )
    codec: str  # "pcm_16", "float", "vorbis", "mp3", "aac"...
    sample_rate_hz: int
    channels: int
    frames: int  # samples per channel the decoder expects (an estimate for some lossy streams)
    declared_frames: int  # samples per channel the header announces (more than frames: truncated)
    bit_depth: int | None  # None for lossy codecs
    sample_format: str  # "int", "float" or "lossy"
    bitrate_kbps: float | None
    size_bytes: int

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate_hz


class AudioSource:
    """An opened audio file that yields its samples in blocks, once."""

    def __init__(self, path: Path, info: AudioInfo, reader: Any, backend: str) -> None:
        self.path = path
        self.info = info
        self._reader = reader
        self._backend = backend

    def blocks(self, *, block_frames: int) -> Iterator[np.ndarray]:
        """Yield float32 blocks shaped ``(channels, n)`` with ``n <= block_frames``.

        Every block but the last has exactly ``block_frames`` samples per channel.
        """
        if block_frames <= 0:
            raise ValueError(f"block_frames must be positive, got {block_frames}")
        if self._backend == "soundfile":
            yield from self._soundfile_blocks(block_frames)
        else:
            yield from self._rebuffer(self._ffmpeg_chunks(), block_frames)

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> AudioSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _soundfile_blocks(self, block_frames: int) -> Iterator[np.ndarray]:
        reader = self._reader
        try:
            while True:
                data = reader.read(block_frames, dtype="float32", always_2d=True)
                if data.shape[0] == 0:
                    return
                yield np.ascontiguousarray(data.T)
                if data.shape[0] < block_frames:
                    return
        except RuntimeError as exc:  # libsndfile reports decode failures mid-stream this way
            raise AudioError(
                f"{self.path}: the audio data is damaged and stops decoding ({exc})."
            ) from exc

    def _ffmpeg_chunks(self) -> Iterator[np.ndarray]:
        import av

        container = self._reader
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp", layout=stream.layout.name, rate=stream.rate)
        try:
            for packet in container.demux(stream):
                for frame in packet.decode():
                    for out in resampler.resample(frame):
                        yield out.to_ndarray().reshape(self.info.channels, -1)
            for out in resampler.resample(None):
                yield out.to_ndarray().reshape(self.info.channels, -1)
        except av.error.FFmpegError as exc:
            raise AudioError(
                f"{self.path}: the audio data is damaged and stops decoding ({exc})."
            ) from exc

    @staticmethod
    def _rebuffer(chunks: Iterator[np.ndarray], block_frames: int) -> Iterator[np.ndarray]:
        pending: list[np.ndarray] = []
        held = 0
        for chunk in chunks:
            pending.append(chunk)
            held += chunk.shape[1]
            while held >= block_frames:
                joined = np.concatenate(pending, axis=1)
                yield np.ascontiguousarray(joined[:, :block_frames], dtype=np.float32)
                rest = joined[:, block_frames:]
                pending = [rest] if rest.shape[1] else []
                held = rest.shape[1]
        if held:
            yield np.ascontiguousarray(np.concatenate(pending, axis=1), dtype=np.float32)


def open_audio(path: str | os.PathLike[str]) -> AudioSource:
    """Open ``path`` for block decoding, recognising the format from its content.

    Raises :class:`AudioError` with a message naming the file and the reason when the file is
    missing, empty, not audio, or has a sample rate outside 8-384 kHz.
    """
    path = Path(path)
    if not path.exists():
        raise AudioError(f"{path}: no such file.")
    if path.is_dir():
        raise AudioError(f"{path}: is a folder, not an audio file.")
    size = path.stat().st_size
    if size == 0:
        raise AudioError(f"{path}: the file is empty (0 bytes).")

    source = _open_with_soundfile(path, size)
    if source is None:
        source = _open_with_ffmpeg(path, size)
    info = source.info
    if info.channels < 1:
        source.close()
        raise AudioError(f"{path}: the file has no audio channels.")
    if not MIN_SAMPLE_RATE_HZ <= info.sample_rate_hz <= MAX_SAMPLE_RATE_HZ:
        source.close()
        raise AudioError(
            f"{path}: sample rate {info.sample_rate_hz} Hz is outside the supported "
            f"{MIN_SAMPLE_RATE_HZ // 1000}-{MAX_SAMPLE_RATE_HZ // 1000} kHz."
        )
    return source


def _open_with_soundfile(path: Path, size: int) -> AudioSource | None:
    import soundfile as sf

    try:
        reader = sf.SoundFile(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError):
        return None  # not a format libsndfile recognises from its content; FFmpeg may
    subtype = reader.subtype or ""
    bit_depth, sample_format = _SUBTYPE_DEPTH.get(subtype, (None, "int"))
    fmt = {"WAVEX": "wav", "RF64": "wav", "W64": "wav", "MPEG": "mp3"}.get(
        reader.format, reader.format.lower()
    )
    duration = reader.frames / reader.samplerate if reader.samplerate else 0.0
    bitrate = (size * 8 / duration / 1000) if sample_format == "lossy" and duration > 0 else None
    info = AudioInfo(
        format=fmt,
        codec={"MPEG_LAYER_III": "mp3"}.get(subtype, subtype.lower()),
        sample_rate_hz=int(reader.samplerate),
        channels=int(reader.channels),
        frames=int(reader.frames),
        declared_frames=_wav_declared_frames(path) if fmt == "wav" else int(reader.frames),
        bit_depth=bit_depth,
        sample_format=sample_format,
        bitrate_kbps=bitrate,
        size_bytes=size,
    )
    return AudioSource(path, info, reader, "soundfile")


def _open_with_ffmpeg(path: Path, size: int) -> AudioSource:
    import av

    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        claimed = _claimed_format(path)
        if claimed:
            raise AudioError(
                f"{path}: starts like {claimed} file but its header is damaged or truncated, "
                "so no audio can be decoded."
            ) from exc
        raise AudioError(
            f"{path}: not an audio file Mixcoach can read (its content is not WAV, AIFF, FLAC, "
            f"OGG, MP3, M4A or another format FFmpeg decodes: {_reason(exc)})."
        ) from exc
    if not container.streams.audio:
        kind = container.format.long_name or container.format.name
        container.close()
        raise AudioError(
            f"{path}: not an audio file Mixcoach can read: it is {kind}, with no audio stream."
        )
    stream = container.streams.audio[0]
    codec = stream.codec_context.name
    fmt_names = container.format.name.split(",")
    fmt = "m4a" if "mp4" in fmt_names or "m4a" in fmt_names else fmt_names[0]
    lossless = codec in _LOSSLESS_FFMPEG or codec.startswith("pcm_")
    if stream.duration is not None and stream.time_base is not None:
        seconds = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        seconds = container.duration / 1_000_000
    else:
        seconds = 0.0
    bits = getattr(stream.codec_context, "bits_per_raw_sample", None) or None
    info = AudioInfo(
        format=fmt,
        codec=codec,
        sample_rate_hz=int(stream.rate or 0),
        channels=int(stream.channels),
        frames=round(seconds * (stream.rate or 0)),
        declared_frames=round(seconds * (stream.rate or 0)),
        bit_depth=bits if lossless else None,
        sample_format="int" if lossless else "lossy",
        bitrate_kbps=(stream.bit_rate / 1000) if stream.bit_rate else None,
        size_bytes=size,
    )
    return AudioSource(path, info, container, "ffmpeg")


#: Leading bytes of the containers Mixcoach reads, to name a file whose header is damaged.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"RIFF", "a WAV"),
    (b"RF64", "a WAV"),
    (b"FORM", "an AIFF"),
    (b"fLaC", "a FLAC"),
    (b"OggS", "an OGG"),
    (b"ID3", "an MP3"),
)


def _wav_declared_frames(path: Path) -> int:
    """Frames the RIFF ``data`` chunk announces (libsndfile quietly trusts the file size instead).

    Returns -1 when the header has no usable size (streamed WAVs write 0 or 0xFFFFFFFF).
    """
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return -1
    position, block_align = 12, 0
    while position + 8 <= len(head):
        chunk, size = (
            head[position : position + 4],
            int.from_bytes(head[position + 4 : position + 8], "little"),
        )
        if chunk == b"fmt " and position + 22 <= len(head):
            block_align = int.from_bytes(head[position + 20 : position + 22], "little")
        if chunk == b"data":
            if block_align == 0 or size in (0, 0xFFFFFFFF):
                return -1
            return size // block_align
        position += 8 + size + (size & 1)
    return -1


def _claimed_format(path: Path) -> str | None:
    with path.open("rb") as handle:
        head = handle.read(12)
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head[4:8] == b"ftyp":
        return "an M4A/MP4"
    return None


def _reason(exc: BaseException) -> str:
    strerror = getattr(exc, "strerror", None)  # FFmpeg errors carry a clean message here
    if isinstance(strerror, str) and strerror:
        return strerror[0].lower() + strerror[1:]
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
