"""Decoding: every format, depth, channel count and rate; format from content; bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from signals import write

from mixcoach.audio.decode import open_audio
from mixcoach.errors import AudioError


def _music_like(*, channels: int, sample_rate_hz: int, seconds: float = 1.5) -> np.ndarray:
    """Three partials per channel at different frequencies, peak about -6 dBFS."""
    t = np.arange(round(seconds * sample_rate_hz)) / sample_rate_hz
    rows = []
    for ch in range(channels):
        base = 220.0 * (1 + ch * 0.25)
        rows.append(sum(0.15 * np.sin(2 * np.pi * base * k * t + ch) for k in (1, 2, 3)))
    return np.array(rows)


def _decode_all(path: Path, *, block_frames: int = 4096) -> tuple[np.ndarray, object]:
    with open_audio(path) as source:
        blocks = list(source.blocks(block_frames=block_frames))
        info = source.info
    for block in blocks[:-1]:
        assert block.shape[1] == block_frames
    assert all(b.dtype == np.float32 for b in blocks)
    return np.concatenate(blocks, axis=1), info


# (suffix, subtype, bit depth, sample format, tolerance of the decoded samples)
LOSSLESS = [
    ("wav", "PCM_16", 16, "int", 2 / 2**15),
    ("wav", "PCM_24", 24, "int", 2 / 2**23),
    ("wav", "PCM_32", 32, "int", 1e-6),
    ("wav", "FLOAT", 32, "float", 1e-7),
    ("wav", "DOUBLE", 64, "float", 1e-7),
    ("aiff", "PCM_16", 16, "int", 2 / 2**15),
    ("aiff", "PCM_24", 24, "int", 2 / 2**23),
    ("flac", "PCM_16", 16, "int", 2 / 2**15),
    ("flac", "PCM_24", 24, "int", 2 / 2**23),
]


@pytest.mark.parametrize(("suffix", "subtype", "depth", "sample_format", "tolerance"), LOSSLESS)
@pytest.mark.parametrize("channels", [1, 2, 6])
def test_lossless_formats_decode_exactly(
    tmp_path: Path,
    suffix: str,
    subtype: str,
    depth: int,
    sample_format: str,
    tolerance: float,
    channels: int,
) -> None:
    audio = _music_like(channels=channels, sample_rate_hz=44100)
    path = write(tmp_path / f"t.{suffix}", audio, sample_rate_hz=44100, subtype=subtype)
    decoded, info = _decode_all(path)
    assert info.format == suffix
    assert info.bit_depth == depth
    assert info.sample_format == sample_format
    assert info.channels == channels
    assert info.sample_rate_hz == 44100
    assert decoded.shape == audio.shape
    assert info.frames == info.declared_frames == audio.shape[1]
    np.testing.assert_allclose(decoded, audio, atol=tolerance)


@pytest.mark.parametrize("sample_rate_hz", [8000, 22050, 44100, 96000, 192000])
def test_native_sample_rate_is_kept(tmp_path: Path, sample_rate_hz: int) -> None:
    audio = _music_like(channels=2, sample_rate_hz=sample_rate_hz, seconds=0.5)
    path = write(tmp_path / "t.wav", audio, sample_rate_hz=sample_rate_hz, subtype="FLOAT")
    decoded, info = _decode_all(path)
    assert info.sample_rate_hz == sample_rate_hz
    assert decoded.shape[1] == audio.shape[1]
    assert info.duration_s == pytest.approx(0.5, abs=1 / sample_rate_hz)


@pytest.mark.parametrize(
    ("suffix", "subtype", "codec"),
    [("ogg", "VORBIS", "vorbis"), ("mp3", "MPEG_LAYER_III", "mp3"), ("ogg", "OPUS", "opus")],
)
def test_lossy_formats_through_libsndfile(
    tmp_path: Path, suffix: str, subtype: str, codec: str
) -> None:
    rate = 48000 if subtype == "OPUS" else 44100
    audio = _music_like(channels=2, sample_rate_hz=rate, seconds=2.0)
    path = write(tmp_path / f"t.{suffix}", audio, sample_rate_hz=rate, subtype=subtype)
    decoded, info = _decode_all(path)
    assert (info.format, info.codec, info.sample_format, info.bit_depth) == (
        suffix,
        codec,
        "lossy",
        None,
    )
    assert info.bitrate_kbps is not None and info.bitrate_kbps > 16
    # A lossy codec keeps the level of a steady tone: RMS within 0.5 dB over the middle second.
    middle = slice(rate // 2, rate * 3 // 2)
    level = 20 * np.log10(
        np.sqrt(np.mean(decoded[:, middle] ** 2)) / np.sqrt(np.mean(audio[:, middle] ** 2))
    )
    assert abs(level) < 0.5


def test_m4a_aac_through_ffmpeg(tmp_path: Path) -> None:
    import av

    rate, seconds = 44100, 2.0
    audio = _music_like(channels=2, sample_rate_hz=rate, seconds=seconds).astype(np.float32)
    path = tmp_path / "t.m4a"
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("aac", rate=rate, layout="stereo")
        for start in range(0, audio.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(audio[:, start : start + 1024]), format="fltp", layout="stereo"
            )
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    decoded, info = _decode_all(path)
    assert (info.format, info.codec, info.sample_format, info.channels) == (
        "m4a",
        "aac",
        "lossy",
        2,
    )
    assert decoded.shape[1] == pytest.approx(seconds * rate, abs=rate * 0.05)
    rms = np.sqrt(np.mean(decoded[:, rate // 2 : rate * 3 // 2] ** 2))
    assert 20 * np.log10(rms / np.sqrt(np.mean(audio**2))) == pytest.approx(0, abs=0.5)


def test_format_comes_from_content_not_name(tmp_path: Path) -> None:
    audio = _music_like(channels=2, sample_rate_hz=44100)
    flac = write(tmp_path / "t.flac", audio, sample_rate_hz=44100, subtype="PCM_24")
    mislabelled = flac.rename(tmp_path / "actually-flac.wav")
    decoded, info = _decode_all(mislabelled)
    assert info.format == "flac"
    np.testing.assert_allclose(decoded, audio, atol=2 / 2**23)


def test_block_size_does_not_change_samples(tmp_path: Path) -> None:
    audio = _music_like(channels=2, sample_rate_hz=44100)
    path = write(tmp_path / "t.wav", audio, sample_rate_hz=44100, subtype="FLOAT")
    small, _ = _decode_all(path, block_frames=1000)
    large, _ = _decode_all(path, block_frames=1 << 20)
    np.testing.assert_array_equal(small, large)


def _bad_file(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "bad.wav"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("These are lyrics, not audio.\n" * 20)
    elif kind == "truncated header":
        path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    elif kind == "random bytes":
        path.write_bytes(np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    elif kind == "png image":
        path = tmp_path / "cover.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)
    elif kind == "missing":
        pass
    elif kind == "folder":
        path.mkdir()
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("empty", "the file is empty (0 bytes)"),
        ("text", "not an audio file Mixcoach can read"),
        ("truncated header", "starts like a WAV file but its header is damaged or truncated"),
        ("random bytes", "not an audio file Mixcoach can read"),
        ("png image", "not an audio file Mixcoach can read"),
        ("missing", "no such file"),
        ("folder", "is a folder, not an audio file"),
    ],
)
def test_unreadable_files_get_a_precise_message(tmp_path: Path, kind: str, message: str) -> None:
    path = _bad_file(tmp_path, kind)
    with pytest.raises(AudioError) as caught:
        open_audio(path)
    assert str(path) in caught.value.message
    assert message in caught.value.message


def test_sample_rate_outside_the_supported_range_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path / "t.wav", _music_like(channels=1, sample_rate_hz=4000), sample_rate_hz=4000
    )
    with pytest.raises(AudioError, match="sample rate 4000 Hz is outside the supported 8-384 kHz"):
        open_audio(path)
