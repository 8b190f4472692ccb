"""Odd and hostile audio through the analysis: a valid Analysis with notes, or a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from signals import sine, write

from mixcoach.analysis import analyze
from mixcoach.errors import AudioError


def strict_json(text: str) -> object:
    """Parse JSON refusing NaN and Infinity, which are not JSON."""

    def refuse(constant: str) -> None:
        raise ValueError(f"non-JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


def test_digital_silence_has_no_loudness_and_says_why(tmp_path: Path) -> None:
    path = write(
        tmp_path / "silence.wav", np.zeros((2, 44100 * 5)), sample_rate_hz=44100, subtype="PCM_16"
    )
    analysis = analyze(path)
    assert analysis.loudness.integrated_lufs is None
    assert analysis.loudness.true_peak_dbtp is None
    assert any("silen" in note.lower() for note in analysis.loudness.notes)
    strict_json(analysis.model_dump_json())


def test_200_ms_file_is_shorter_than_a_gating_block(tmp_path: Path) -> None:
    path = write(
        tmp_path / "blip.wav", sine(seconds=0.2, sample_rate_hz=44100), sample_rate_hz=44100
    )
    analysis = analyze(path)
    assert analysis.file.duration_s == pytest.approx(0.2, abs=1e-3)
    assert analysis.loudness.integrated_lufs is None
    assert analysis.loudness.sample_peak_dbfs == pytest.approx(-20.0, abs=0.05)
    assert analysis.loudness.notes
    strict_json(analysis.model_dump_json())


def test_nan_and_inf_samples_are_counted_and_ignored(tmp_path: Path) -> None:
    audio = sine(dbfs=-23, seconds=5, sample_rate_hz=48000)
    audio[0, 1000:1010] = np.nan
    audio[1, 5000] = np.inf
    path = write(tmp_path / "nan.wav", audio, sample_rate_hz=48000, subtype="FLOAT")
    analysis = analyze(path)
    assert analysis.defects.nonfinite_samples == 11
    assert analysis.loudness.integrated_lufs == pytest.approx(-23.0, abs=0.1)
    strict_json(analysis.model_dump_json())


def test_192_khz_32_bit_float(tmp_path: Path) -> None:
    path = write(
        tmp_path / "hires.wav",
        sine(dbfs=-23, seconds=4, sample_rate_hz=192000),
        sample_rate_hz=192000,
        subtype="FLOAT",
    )
    analysis = analyze(path)
    assert (analysis.file.sample_rate_hz, analysis.file.bit_depth, analysis.file.sample_format) == (
        192000,
        32,
        "float",
    )
    assert analysis.loudness.integrated_lufs == pytest.approx(-23.0, abs=0.1)


def test_one_hour_file_is_analysed_in_blocks(tmp_path: Path) -> None:
    rate, seconds = 8000, 3600
    path = tmp_path / "hour.wav"
    t = np.arange(rate * 60) / rate
    minute = (0.05 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    with sf.SoundFile(str(path), "w", samplerate=rate, channels=1, subtype="PCM_16") as out:
        for _ in range(seconds // 60):
            out.write(minute)
    analysis = analyze(path)
    assert analysis.file.duration_s == pytest.approx(seconds, abs=0.01)
    assert analysis.loudness.integrated_lufs is not None
    assert len(analysis.loudness.short_term_lufs.values) == pytest.approx(seconds * 10, rel=0.01)


def test_truncated_data_is_analysed_with_a_note(tmp_path: Path) -> None:
    path = write(
        tmp_path / "cut.wav", sine(dbfs=-23, seconds=10, sample_rate_hz=44100), sample_rate_hz=44100
    )
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # the header still announces 10 s
    analysis = analyze(path)
    assert analysis.file.duration_s == pytest.approx(5.0, abs=0.01)
    assert any("truncated" in note for note in analysis.notes)


def test_undecodable_file_raises_audio_error(tmp_path: Path) -> None:
    path = tmp_path / "song.mp3"
    path.write_text("ID3 but not really")
    with pytest.raises(AudioError, match=r"song\.mp3"):
        analyze(path)
