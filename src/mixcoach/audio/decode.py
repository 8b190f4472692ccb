"""Decode an audio file once, in blocks, at its native sample rate.

This module is the one boundary where audio enters Mixcoach: everything after it sees float32
arrays shaped ``(channels, samples)``. The format is recognised from the file's content, never
from its name, so a mislabelled file is read as what it really is.

libsndfile (inside the ``soundfile`` wheel) reads WAV, AIFF, FLAC, OGG and MP3 without any
system package; FFmpeg (inside the ``av`` wheel) reads the rest (M4A/AAC, Opus, WMA...).
Blocks keep memory bounded: an hour of 192 kHz audio never sits in memory at once.

A header's length is a claim, not a fact: a FLAC written by a stream encoder says "length
unknown" (0 samples), libsndfile reports an Ogg stream it cannot find the end of as the largest
count it has. Neither is read as a length: :attr:`AudioInfo.frames` is None then, and
:func:`count_frames` counts what really decodes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

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
#: More than the 24 of 22.2, the largest loudspeaker layout of ITU-R BS.2051; every channel
#: adds its share to each decoded block and to the loudness meter's oversampling.
MAX_CHANNELS = 32

#: What libsndfile reports as the length of a stream whose length it does not know.
_SF_COUNT_MAX = 2**63 - 1


@dataclass(frozen=True)
class AudioInfo:
    """What the container says about the audio, read before any sample is decoded."""

    format: (
        str  # container as recognised from content: "wav", "aiff", "flac", "ogg", "mp3", "m4a"...
    )
    codec: str  # "pcm_16", "float", "vorbis", "mp3", "aac"...
    sample_rate_hz: int
    channels: int
    #: Samples per channel the decoder expects (an estimate for some lossy streams); None when
    #: the header does not say (count them with :func:`count_frames`).
    frames: int | None
    #: Samples per channel the header announces (more than decode: truncated); None: unsaid.
    declared_frames: int | None
    bit_depth: int | None  # None for lossy codecs
    sample_format: str  # "int", "float" or "lossy"
    bitrate_kbps: float | None
    size_bytes: int
    #: The container shows the stream stops before its end (an Ogg stream whose last page is
    #: incomplete or never marked the end): the file was cut off.
    cut_off: bool = False

    @property
    def duration_s(self) -> float | None:
        """What the header says, in seconds; None when it does not say."""
        return None if self.frames is None else self.frames / self.sample_rate_hz


class AudioSource:
    """An opened audio file that yields its samples in blocks, once."""

    def __init__(self, path: Path, info: AudioInfo, reader: Any, backend: str) -> None:
        self.path = path
        self.info = info
        self._reader = reader
        self._backend = backend
        self._bytes_read = 0

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

    @property
    def fraction_read(self) -> float:
        """How far into the file's bytes FFmpeg's decoding has come, 0..1: progress for a file
        whose header gives no length (always an FFmpeg source), a little ahead of the blocks
        handed out, which are decoded in advance. Safe to read from another thread: it reads
        one counter."""
        return min(self._bytes_read / max(self.info.size_bytes, 1), 1.0)

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
                if packet.pos is not None:
                    self._bytes_read = max(self._bytes_read, packet.pos + packet.size)
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
    missing, empty, not audio, has more than :data:`MAX_CHANNELS` channels or a sample rate
    outside 8-384 kHz.
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
    # Past their own limits the decoders see no channels at all; the header still says how many.
    channels = info.channels if info.channels > 0 else _declared_channels(path)
    if channels is not None and channels > MAX_CHANNELS:
        source.close()
        raise AudioError(
            f"{path}: the file has {channels} channels; Mixcoach reads files of up to "
            f"{MAX_CHANNELS} channels."
        )
    if info.channels < 1:
        source.close()
        raise AudioError(f"{path}: the file has no audio channels.")
    if not MIN_SAMPLE_RATE_HZ <= info.sample_rate_hz <= MAX_SAMPLE_RATE_HZ:
        source.close()
        raise AudioError(
            f"{path}: sample rate {info.sample_rate_hz} Hz is outside the supported "
            f"{MIN_SAMPLE_RATE_HZ // 1000}-{MAX_SAMPLE_RATE_HZ // 1000} kHz."
        )
    if info.format == "ogg" and _ogg_cut_off(path):
        source.info = replace(info, cut_off=True)
    return source


def count_frames(
    path: str | os.PathLike[str], *, stop_after_frames: int | None = None
) -> tuple[int, bool]:
    """Samples per channel that really decode from ``path`` (a file :func:`open_audio`
    accepted), for a header that gives no length.

    Decodes with FFmpeg, packet by packet and without converting the samples, and counts; with
    ``stop_after_frames`` it stops as soon as the count passes it, so enforcing a limit costs
    no more decoding than the limit's worth. Returns ``(frames, complete)``: ``complete`` is
    False when it stopped early. Raises :class:`AudioError` when the audio stops decoding.
    """
    import av

    path = Path(path)
    counted = 0
    try:
        with av.open(str(path), mode="r") as container:
            for packet in container.demux(container.streams.audio[0]):
                for frame in packet.decode():
                    counted += frame.samples
                if stop_after_frames is not None and counted > stop_after_frames:
                    return counted, False
    except av.error.FFmpegError as exc:
        raise AudioError(
            f"{path}: the audio data is damaged and stops decoding ({_reason(exc)})."
        ) from exc
    return counted, True


def _open_with_soundfile(path: Path, size: int) -> AudioSource | None:
    import soundfile as sf

    try:
        reader = sf.SoundFile(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError):
        return None  # not a format libsndfile recognises from its content; FFmpeg may
    if reader.frames >= _SF_COUNT_MAX:
        # libsndfile's "length unknown" (a FLAC header with 0 samples, an Ogg stream whose end
        # it cannot find); its reads then fail at the end, where FFmpeg decodes to the last one.
        reader.close()
        return None
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
        declared_frames=_riff_header(path)[1] if fmt == "wav" else int(reader.frames),
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
        kind = _silent_kind(container)
        container.close()
        raise AudioError(f"{path}: not an audio file Mixcoach can read: it is {kind}.")
    stream = container.streams.audio[0]
    codec = stream.codec_context.name
    fmt_names = container.format.name.split(",")
    fmt = "m4a" if "mp4" in fmt_names or "m4a" in fmt_names else fmt_names[0]
    lossless = codec in _LOSSLESS_FFMPEG or codec.startswith("pcm_")
    frames: int | None = None  # the container gives no length (a FLAC header saying 0)
    if stream.duration is not None and stream.time_base is not None:
        frames = round(float(stream.duration * stream.time_base) * (stream.rate or 0))
    elif container.duration is not None:
        frames = round(container.duration / 1_000_000 * (stream.rate or 0))
    bits = getattr(stream.codec_context, "bits_per_raw_sample", None) or (
        _flac_bits_per_sample(path) if codec == "flac" else None
    )
    info = AudioInfo(
        format=fmt,
        codec=codec,
        sample_rate_hz=int(stream.rate or 0),
        channels=int(stream.channels),
        frames=frames,
        declared_frames=frames,
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


def _silent_kind(container: Any) -> str:
    """What a file FFmpeg opened but found no sound in is, in a producer's words (FFmpeg's own
    names, "piped png sequence" or "QuickTime / MOV", mean little to them)."""
    if container.streams.video:
        still = container.format.name.endswith("_pipe") or container.format.name == "image2"
        return "an image" if still else "a video with no sound track"
    return "a file with no sound in it"


def _flac_bits_per_sample(path: Path) -> int | None:
    """Bits per sample from a native FLAC's STREAMINFO (FFmpeg's wheel does not expose them)."""
    with path.open("rb") as handle:
        head = handle.read(26)
    if len(head) < 26 or head[:4] != b"fLaC" or head[4] & 0x7F != 0:
        return None
    # STREAMINFO's body starts at byte 8; its bytes 10-17 hold the sample rate (20 bits), the
    # channels (3), the bits per sample minus one (5) and the total samples (36).
    return ((int.from_bytes(head[18:26], "big") >> 36) & 0x1F) + 1


def _declared_channels(path: Path) -> int | None:
    """The channel count a WAV or AIFF header announces (None for other files)."""
    channels = _riff_header(path)[0]
    if channels is not None:
        return channels
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if head[:4] != b"FORM" or head[8:12] not in (b"AIFF", b"AIFC"):
        return None
    position = 12
    while position + 10 <= len(head):
        chunk = head[position : position + 4]
        size = int.from_bytes(head[position + 4 : position + 8], "big")
        if chunk == b"COMM":
            return int.from_bytes(head[position + 8 : position + 10], "big")
        position += 8 + size + (size & 1)
    return None


def _riff_header(path: Path) -> tuple[int | None, int | None]:
    """Channels and frames a WAV (RIFF) header announces: the ``fmt `` chunk's channel count
    and the ``data`` chunk's size in frames (libsndfile quietly trusts the file size instead).

    Either is None when the header does not say: not a RIFF WAV, or a streamed WAV whose data
    size is 0 or 0xFFFFFFFF.
    """
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None, None
    position, block_align, channels = 12, 0, None
    while position + 8 <= len(head):
        chunk, size = (
            head[position : position + 4],
            int.from_bytes(head[position + 4 : position + 8], "little"),
        )
        if chunk == b"fmt " and position + 22 <= len(head):
            channels = int.from_bytes(head[position + 10 : position + 12], "little")
            block_align = int.from_bytes(head[position + 20 : position + 22], "little")
        if chunk == b"data":
            if block_align == 0 or size in (0, 0xFFFFFFFF):
                return channels, None
            return channels, size // block_align
        position += 8 + size + (size & 1)
    return channels, None


#: Ogg page header flags (RFC 3533): the first and the last page of a logical stream.
_OGG_BOS, _OGG_EOS = 0x02, 0x04


def _ogg_cut_off(path: Path) -> bool:
    """Whether an Ogg file stops before its stream does: it ends inside a page, or a logical
    stream that began never reached its end-of-stream page.

    Walks the page headers (27 bytes and a segment table each) without reading the bodies.
    Bytes that are not a page (zero padding after the last page, or damage) are skipped to the
    next capture pattern, as a decoder does.
    """
    begun: set[int] = set()
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        position = 0
        while position < size:
            handle.seek(position)
            head = handle.read(27)
            if len(head) < 27 and (b"OggS".startswith(head) or head.startswith(b"OggS")):
                return True  # the file ends inside a page header
            if not head.startswith(b"OggS") or head[4] != 0:
                found = _next_capture(handle, position + 1, size)
                if found is None:
                    break
                position = found
                continue
            table = handle.read(head[26])
            end = position + 27 + len(table) + sum(table)
            if len(table) < head[26] or end > size:
                return True  # the file ends inside this page
            serial = int.from_bytes(head[14:18], "little")
            if head[5] & _OGG_BOS:
                begun.add(serial)
            if head[5] & _OGG_EOS:
                begun.discard(serial)
            position = end
    return bool(begun)


def _next_capture(handle: BinaryIO, start: int, size: int) -> int | None:
    """Offset of the next ``OggS`` at or after ``start``, or None."""
    chunk_bytes = 1 << 16
    position = start
    while position < size:
        handle.seek(position)
        found = handle.read(chunk_bytes + 3).find(b"OggS")
        if found >= 0:
            return position + found
        position += chunk_bytes
    return None


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
