"""Agreement with an independent meter, FFmpeg's ``ebur128`` filter, on real music.

The music is the soundtrack of the freeware adventure game Drascula (Alcachofa Soft), shipped by
Debian as ``drascula-music``: 44.1 kHz stereo Ogg Vorbis, orchestral and synth pieces from quiet
and wide (LRA 15 LU) to loud with true-peak overs. FFmpeg prints its summary to 0.1, so the
tolerances below include up to 0.05 of rounding.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from meters_support import ffmpeg_summary, loudness_of_file

MUSIC_DIR = Path("/usr/share/scummvm/drascula/audio")
PACKAGE = "drascula-music"
# Long, varied tracks: wide range (12, 25, 26), true-peak overs (2, 3, 13), steady (1, 17, 20).
TRACKS = [
    "track1",
    "track2",
    "track3",
    "track12",
    "track13",
    "track17",
    "track20",
    "track25",
    "track26",
]

INTEGRATED_TOLERANCE_LU = 0.1
LRA_TOLERANCE_LU = 0.5
TRUE_PEAK_TOLERANCE_DB = 0.3


@pytest.fixture(scope="module")
def music_dir() -> Path:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (Debian package ffmpeg): no ebur128 reference meter")
    if not (MUSIC_DIR / "track1.ogg").exists():
        pytest.skip(f"real music not found at {MUSIC_DIR}: install the Debian package {PACKAGE}")
    return MUSIC_DIR


@pytest.mark.parametrize("track", TRACKS)
def test_agrees_with_ffmpeg_ebur128(music_dir: Path, track: str) -> None:
    path = music_dir / f"{track}.ogg"
    reference = ffmpeg_summary(path)
    result = loudness_of_file(path)
    assert result.integrated_lufs == pytest.approx(
        reference["integrated_lufs"], abs=INTEGRATED_TOLERANCE_LU
    )
    assert result.loudness_range_lu == pytest.approx(
        reference["loudness_range_lu"], abs=LRA_TOLERANCE_LU
    )
    assert result.true_peak_dbtp == pytest.approx(
        reference["true_peak_dbtp"], abs=TRUE_PEAK_TOLERANCE_DB
    )
    # Both meters see the same overs: FFmpeg's peak clearly above -1 dBTP means a range here.
    if abs(reference["true_peak_dbtp"] + 1.0) > TRUE_PEAK_TOLERANCE_DB:
        assert bool(result.true_peak_overs) == (reference["true_peak_dbtp"] > -1.0)
