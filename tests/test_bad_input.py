"""Odd and hostile audio through the analysis: a valid Analysis with notes, or a clear error.

The makers of hostile files at the top are shared with the decoding and upload tests; each
writes a real file with a real encoder (libsndfile, the `av` wheel's FFmpeg, Python's `wave`)
and then, where a producer's file would, breaks one thing in it.
"""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from findings.measured import MUSIC_CODES
from signals import sine, write

from mixcoach.analysis import analyze
from mixcoach.errors import AudioError
from mixcoach.findings.model import FeedbackType
from mixcoach.knowledge.thresholds import thresholds

#: What libsndfile reports as the length of a stream whose length it does not know.
SF_UNKNOWN_LENGTH = 2**63 - 1


def flac_of_unknown_length(path: Path, audio: np.ndarray, *, sample_rate_hz: int) -> Path:
    """A FLAC whose STREAMINFO says "length unknown" (0 total samples), as a streaming encoder
    leaves it: written by libsndfile, then the 36-bit total-samples field set to 0."""
    write(path, audio, sample_rate_hz=sample_rate_hz, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0, "STREAMINFO comes first"
    # STREAMINFO's body starts at byte 8; its bytes 10-17 hold the sample rate (20 bits), the
    # channels (3), the bits per sample (5) and the total samples (36).
    fields = int.from_bytes(data[18:26], "big")
    assert fields & ((1 << 36) - 1) == audio.shape[1]
    data[18:26] = (fields & ~((1 << 36) - 1)).to_bytes(8, "big")
    path.write_bytes(bytes(data))
    return path


def vorbis_with_trailing_zeros(
    path: Path, audio: np.ndarray, *, sample_rate_hz: int, zeros: int = 5
) -> Path:
    """An Ogg Vorbis file from FFmpeg's own Vorbis encoder (the `av` wheel's) with a few zero
    bytes after its last page, as a careless copy or upload leaves them."""
    import av

    samples = np.ascontiguousarray(audio, dtype=np.float32)
    layout = "stereo" if samples.shape[0] == 2 else "mono"
    with av.open(str(path), mode="w", format="ogg") as container:
        stream = container.add_stream("vorbis", rate=sample_rate_hz, layout=layout)
        stream.codec_context.options = {"strict": "experimental"}
        for start in range(0, samples.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(samples[:, start : start + 1024]), format="fltp", layout=layout
            )
            frame.sample_rate = sample_rate_hz
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    path.write_bytes(path.read_bytes() + b"\0" * zeros)
    return path


def libsndfile_vorbis(path: Path, audio: np.ndarray, *, sample_rate_hz: int) -> Path:
    """An Ogg Vorbis file from libsndfile, written a second at a time (its encoder writes
    nothing when handed minutes in one call)."""
    with sf.SoundFile(
        str(path), "w", samplerate=sample_rate_hz, channels=audio.shape[0], format="OGG"
    ) as out:
        for start in range(0, audio.shape[1], sample_rate_hz):
            out.write(audio[:, start : start + sample_rate_hz].T)
    return path


def noise(*, seconds: float, sample_rate_hz: int = 44100, dbfs: float = -20.0) -> np.ndarray:
    """Stereo white noise (unrelated channels), peak about ``dbfs`` + 12 dB."""
    rng = np.random.default_rng(4)
    return 10 ** (dbfs / 20) * rng.standard_normal((2, round(seconds * sample_rate_hz)))


def cut_ogg(path: Path, *, seconds: float = 10.0, keep: float = 0.5) -> Path:
    """An Ogg Vorbis file of ``seconds`` of noise cut off after ``keep`` of its bytes (an
    interrupted download), mid-page."""
    libsndfile_vorbis(path, noise(seconds=seconds), sample_rate_hz=44100)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def wav_with_channels(path: Path, channels: int, *, frames: int = 64) -> Path:
    """A 16-bit 48 kHz WAV of ``channels`` channels, written by Python's `wave` (libsndfile
    refuses to write more than 1024)."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(48000)
        out.writeframes(np.full((frames, channels), 1000, dtype="<i2").tobytes())
    return path


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


def test_a_flac_of_unknown_length_is_analysed_for_its_real_length(tmp_path: Path) -> None:
    audio = sine(dbfs=-23, seconds=3.0, sample_rate_hz=44100)
    path = flac_of_unknown_length(tmp_path / "streamed.flac", audio, sample_rate_hz=44100)
    assert sf.info(str(path)).frames == SF_UNKNOWN_LENGTH  # what the header says
    analysis = analyze(path)
    assert (analysis.file.format, analysis.file.bit_depth) == ("flac", 16)
    assert analysis.file.duration_s == pytest.approx(3.0, abs=1e-4)
    assert analysis.loudness.integrated_lufs == pytest.approx(-23.0, abs=0.1)
    assert any("does not give the length" in note for note in analysis.notes)
    assert not any("truncated" in note for note in analysis.notes)


def test_an_ogg_with_trailing_zero_bytes_is_analysed_whole(tmp_path: Path) -> None:
    audio = sine(dbfs=-23, seconds=10.0, sample_rate_hz=44100)
    path = vorbis_with_trailing_zeros(tmp_path / "padded.ogg", audio, sample_rate_hz=44100)
    assert sf.info(str(path)).frames == SF_UNKNOWN_LENGTH  # libsndfile loses the stream's end
    analysis = analyze(path)
    assert (analysis.file.format, analysis.file.codec) == ("ogg", "vorbis")
    assert analysis.file.duration_s == pytest.approx(10.0, abs=0.05)  # plus the codec's padding
    assert analysis.loudness.integrated_lufs == pytest.approx(-23.0, abs=0.3)
    assert not any("truncated" in note for note in analysis.notes)


def test_a_cut_off_ogg_is_analysed_with_a_note(tmp_path: Path) -> None:
    analysis = analyze(cut_ogg(tmp_path / "cut.ogg", seconds=10.0, keep=0.5))
    assert 3.0 < analysis.file.duration_s < 7.0
    (note,) = [note for note in analysis.notes if "truncated" in note]
    assert f"{analysis.file.duration_s:.2f} s" in note


def test_an_intact_ogg_gets_no_truncation_note(tmp_path: Path) -> None:
    analysis = analyze(cut_ogg(tmp_path / "whole.ogg", seconds=4.0, keep=1.0))
    assert analysis.file.duration_s == pytest.approx(4.0, abs=1e-3)
    assert not any("truncated" in note for note in analysis.notes)


#: Findings that judge the music, and padding around it: none can be made of too little sound.
CONTENT_CODES = MUSIC_CODES | {"silence_padding"}


@pytest.mark.parametrize("feedback_type", ["mixdown", "mastering", "master_review"])
def test_digital_silence_is_not_judged_and_says_why(
    tmp_path: Path, feedback_type: FeedbackType
) -> None:
    path = write(
        tmp_path / "silence.wav", np.zeros((2, 44100 * 5)), sample_rate_hz=44100, subtype="PCM_16"
    )
    analysis = analyze(path, feedback_type=feedback_type)
    assert analysis.findings == []  # not stereo_too_narrow, not padding around nothing
    (note,) = [note for note in analysis.notes if "not judged" in note or "was judged" in note]
    assert "silent" in note and "5.00 s" in note
    judged = {m.metric: m for m in analysis.metrics}
    assert judged["stereo.width"].status == judged["spectrum.tilt_db_per_octave"].status
    assert judged["stereo.width"].status == "unknown"


def test_a_200_ms_file_gets_file_findings_only_and_a_note_naming_the_minimum(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "blip.wav", noise(seconds=0.2), sample_rate_hz=44100)
    analysis = analyze(path, feedback_type="master_review")
    assert not {f.code for f in analysis.findings} & CONTENT_CODES
    minimum = thresholds().value("content.min_sound_s")
    (note,) = [note for note in analysis.notes if "not judged" in note]
    assert "0.20 s" in note and f"{minimum:.1f} s" in note
    width = next(m for m in analysis.metrics if m.metric == "stereo.width")
    assert width.status == "unknown" and width.value is not None  # measured, not judged
    assert "0.20 s" in width.note


def test_the_same_noise_is_judged_once_it_is_long_enough(tmp_path: Path) -> None:
    """Unrelated white noise is far too bright and wide for any genre: judged at 5 s."""
    path = write(tmp_path / "noise.wav", noise(seconds=5.0), sample_rate_hz=44100)
    analysis = analyze(path, feedback_type="master_review")
    assert {"too_bright", "stereo_too_wide"} <= {f.code for f in analysis.findings}
    assert not any("not judged" in note for note in analysis.notes)


def test_a_reference_too_short_to_judge_is_compared_without_findings(tmp_path: Path) -> None:
    track = write(tmp_path / "mix.wav", noise(seconds=5.0), sample_rate_hz=44100)
    reference = write(
        tmp_path / "ref.wav",
        sine(dbfs=-10, seconds=0.5, sample_rate_hz=44100),
        sample_rate_hz=44100,
    )
    analysis = analyze(track, reference_path=reference, feedback_type="mastering")
    assert analysis.reference is not None
    assert not [f.code for f in analysis.findings if f.code.startswith("reference_")]
    (note,) = [note for note in analysis.notes if "reference was not judged" in note]
    assert "the reference holds 0.50 s" in note
