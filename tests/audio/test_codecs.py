"""The track through the delivery codecs (AAC, Opus, MP3), encoded in-process and measured again,
against FFmpeg's own command-line encoders measured by its ebur128 filter, on real music.

The music: Debian's drascula-music (orchestral and synth game soundtrack, 44.1 kHz) and
singularity-music (electronic, 48 kHz), excerpts raised to a loud master's peak so the codecs'
overshoot matters, as it does on the masters Mixcoach reviews.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from meters_support import ffmpeg_summary

from mixcoach.audio.codecs import CODECS, Codec, decode, encode, loudness_of, through_codec

EXCERPTS = [
    Path("/usr/share/scummvm/drascula/audio/track13.ogg"),
    Path("/usr/share/games/singularity/music/A New Journey.ogg"),
]
SECONDS = 20.0
#: ffmpeg prints its summary to 0.1 dB, and its encoders may be another FFmpeg release's.
TRUE_PEAK_TOLERANCE_DB = 0.3
LOUDNESS_TOLERANCE_LU = 0.2
#: ffmpeg's own arguments for each delivery codec.
FFMPEG_ARGUMENTS = {
    "AAC 256 kbps": (["-c:a", "aac", "-b:a", "256k"], "m4a"),
    "Opus 160 kbps": (["-c:a", "libopus", "-b:a", "160k", "-ar", "48000"], "ogg"),
    "MP3 320 kbps": (["-c:a", "libmp3lame", "-b:a", "320k"], "mp3"),
}


def excerpt(path: Path, *, peak: float) -> tuple[np.ndarray, int]:
    """The middle ``SECONDS`` of ``path``, scaled to a sample peak of ``peak``."""
    if not path.exists():
        pytest.skip(f"real music not found at {path}: install drascula-music and singularity-music")
    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    middle = audio.shape[0] // 2
    half = int(SECONDS * rate / 2)
    piece = audio[max(0, middle - half) : middle + half].T
    return piece * (peak / np.abs(piece).max()), rate


@pytest.fixture(scope="module")
def ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    if found is None:
        pytest.skip("ffmpeg is not installed (Debian package ffmpeg): no reference encoder")
    return found


@pytest.mark.parametrize("codec", CODECS, ids=lambda c: c.name)
@pytest.mark.parametrize("path", EXCERPTS, ids=lambda p: p.stem)
def test_decoded_peaks_and_loudness_agree_with_ffmpegs_own_encode(
    ffmpeg: str, path: Path, codec: Codec, tmp_path: Path
) -> None:
    audio, rate = excerpt(path, peak=0.97)
    source = tmp_path / "master.wav"
    sf.write(source, audio.T, rate, subtype="FLOAT")
    arguments, suffix = FFMPEG_ARGUMENTS[codec.name]
    encoded = tmp_path / f"encoded.{suffix}"
    subprocess.run(
        [ffmpeg, "-nostats", "-hide_banner", "-i", str(source), *arguments, str(encoded)],
        check=True,
        capture_output=True,
    )
    theirs, original = ffmpeg_summary(encoded), ffmpeg_summary(source)
    ours = through_codec(audio, rate, codec)
    assert ours.true_peak_dbtp == pytest.approx(
        theirs["true_peak_dbtp"], abs=TRUE_PEAK_TOLERANCE_DB
    )
    assert ours.loudness_change_lu == pytest.approx(
        theirs["integrated_lufs"] - original["integrated_lufs"], abs=LOUDNESS_TOLERANCE_LU
    )


def test_a_loud_master_overshoots_after_aac_and_a_quieter_one_keeps_its_headroom() -> None:
    aac = next(c for c in CODECS if c.encoder == "aac")
    # Pushed 6 dB into a clipper just under full scale, as loud masters are.
    music, rate = excerpt(EXCERPTS[1], peak=0.99)
    loud = np.clip(music * 2.0, -0.99, 0.99)
    hot = through_codec(loud, rate, aac)
    # Lossy coding rebuilds the waveform: the peaks grow, and past full scale samples clip.
    assert hot.true_peak_change_db is not None and hot.true_peak_change_db > 0.1
    assert hot.clipped_samples > 0
    quiet = through_codec(loud * 10 ** (-6 / 20), rate, aac)
    # 6 dB lower in, 6 dB lower out (the codec is level-independent), and no clipping.
    assert quiet.true_peak_dbtp == pytest.approx(hot.true_peak_dbtp - 6.0, abs=0.3)
    assert quiet.clipped_samples == 0
    # Loudness barely moves (a fraction of a LU): what a codec changes is the peaks.
    assert hot.loudness_change_lu is not None and abs(hot.loudness_change_lu) < 0.5


def test_opus_runs_at_48_khz_whatever_the_source_rate() -> None:
    opus = next(c for c in CODECS if c.encoder == "libopus")
    audio, rate = excerpt(EXCERPTS[0], peak=0.5)
    assert rate == 44100
    decoded, decoded_rate = decode(encode(audio, rate, opus))
    assert decoded_rate == 48000 and decoded.shape[0] == 2
    # The whole excerpt comes back (give or take the codec's priming and padding).
    assert decoded.shape[1] / decoded_rate == pytest.approx(SECONDS, abs=0.1)


def test_mono_goes_through_and_surround_is_refused_with_the_count() -> None:
    audio, rate = excerpt(EXCERPTS[1], peak=0.5)
    mono = audio.mean(axis=0, keepdims=True)
    result = through_codec(mono, rate, CODECS[0])
    assert result.true_peak_dbtp is not None
    original = loudness_of(mono, rate)
    assert original.true_peak_dbtp is not None
    assert result.true_peak_dbtp == pytest.approx(original.true_peak_dbtp, abs=1.0)
    with pytest.raises(ValueError, match="not 6 channels"):
        encode(np.zeros((6, rate), dtype=np.float32), rate, CODECS[0])
