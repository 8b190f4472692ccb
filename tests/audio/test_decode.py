"""Decoding: every format, depth, channel count and rate; format from content; bad files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from signals import write
from test_bad_input import (
    SF_UNKNOWN_LENGTH,
    cut_ogg,
    flac_of_unknown_length,
    vorbis_with_trailing_zeros,
    wav_with_channels,
)

from mixcoach.audio.decode import MAX_CHANNELS, count_frames, open_audio
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


def test_a_flac_saying_length_unknown_is_decoded_to_its_last_sample(tmp_path: Path) -> None:
    audio = _music_like(channels=2, sample_rate_hz=44100, seconds=3.0)
    path = flac_of_unknown_length(tmp_path / "streamed.flac", audio, sample_rate_hz=44100)
    assert sf.info(str(path)).frames == SF_UNKNOWN_LENGTH
    if shutil.which("ffprobe"):
        command = ["ffprobe", "-v", "error", "-show_entries", "stream=duration", "-of", "csv=p=0"]
        probed = subprocess.run(
            [*command, str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert probed.stdout.strip() == "N/A"
    decoded, info = _decode_all(path)
    assert (info.format, info.bit_depth, info.channels) == ("flac", 16, 2)
    assert info.frames is None and info.duration_s is None  # not 2**63 - 1 samples
    np.testing.assert_allclose(decoded, audio, atol=2 / 2**15)
    assert count_frames(path) == (audio.shape[1], True)
    counted, complete = count_frames(path, stop_after_frames=44100)
    assert not complete and 44100 < counted < audio.shape[1]


def test_an_ogg_with_zero_bytes_after_its_last_page_decodes_whole(tmp_path: Path) -> None:
    audio = _music_like(channels=2, sample_rate_hz=44100, seconds=10.0)
    path = vorbis_with_trailing_zeros(tmp_path / "padded.ogg", audio, sample_rate_hz=44100)
    assert sf.info(str(path)).frames == SF_UNKNOWN_LENGTH
    decoded, info = _decode_all(path)
    assert (info.format, info.codec, info.cut_off) == ("ogg", "vorbis", False)
    assert decoded.shape[1] == pytest.approx(audio.shape[1], abs=2048)  # the codec's padding


@pytest.mark.parametrize(
    ("cut", "cut_off"),
    [
        ("nothing", False),
        ("zero bytes after the last page", False),
        ("half the file", True),
        ("the last page", True),
        ("inside the capture pattern", True),
    ],
)
def test_an_ogg_cut_off_before_its_end_is_recognised(
    tmp_path: Path, cut: str, cut_off: bool
) -> None:
    path = cut_ogg(tmp_path / "t.ogg", seconds=6.0, keep=1.0)
    data = path.read_bytes()
    last_page = data.rfind(b"OggS")
    assert data[last_page + 5] & 0x04, "libsndfile marks its last page end-of-stream"
    data = {
        "nothing": data,
        "zero bytes after the last page": data + b"\0" * 7,
        "half the file": data[: len(data) // 2],
        "the last page": data[:last_page],
        "inside the capture pattern": data[: last_page + 2],
    }[cut]
    path.write_bytes(data)
    with open_audio(path) as source:
        assert source.info.cut_off is cut_off
        decoded = sum(block.shape[1] for block in source.blocks(block_frames=4096))
    assert decoded > 0


@pytest.mark.parametrize("channels", [40, 2000])
def test_too_many_channels_are_refused_by_count(tmp_path: Path, channels: int) -> None:
    """libsndfile refuses more than 1024 channels and FFmpeg then reports none: the message
    gives the header's count, not "no audio channels"."""
    path = wav_with_channels(tmp_path / "many.wav", channels)
    with pytest.raises(AudioError) as caught:
        open_audio(path)
    message = caught.value.message
    assert f"{channels} channels" in message and f"up to {MAX_CHANNELS} channels" in message
    assert "no audio channels" not in message


def test_the_most_channels_still_open(tmp_path: Path) -> None:
    path = wav_with_channels(tmp_path / "many.wav", MAX_CHANNELS, frames=4800)
    decoded, info = _decode_all(path)
    assert info.channels == MAX_CHANNELS and decoded.shape == (MAX_CHANNELS, 4800)


@pytest.mark.parametrize(
    ("name", "source", "said"),
    [
        ("cover.png", ["-f", "lavfi", "-i", "color=red:s=32x32", "-frames:v", "1"], "an image"),
        (
            "clip.mkv",
            ["-f", "lavfi", "-i", "testsrc=s=64x64:d=1", "-c:v", "mjpeg"],
            "a video with no sound track",
        ),
    ],
)
def test_a_file_without_sound_is_named_in_plain_words(
    tmp_path: Path, name: str, source: list[str], said: str
) -> None:
    """Real files FFmpeg opens and finds no sound in: the refusal says what they are, not
    FFmpeg's names for them ("piped png sequence", "Matroska / WebM")."""
    path = tmp_path / name
    subprocess.run(["ffmpeg", "-v", "error", *source, str(path)], check=True)
    with pytest.raises(AudioError) as caught:
        open_audio(path)
    message = caught.value.message
    assert f"it is {said}." in message
    assert "png" not in message.replace(str(path), "") and "Matroska" not in message
