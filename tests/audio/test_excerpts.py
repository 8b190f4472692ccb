"""Excerpts through the delivery codecs, aligned with the original, on real recordings: the
codec's delay is found by cross-correlation (a planted delay exactly; a codec's priming well
enough that the original minus the decoded output is far below the music)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mixcoach.audio.codecs import CODECS, Codec
from mixcoach.audio.excerpts import delay_of, excerpt_through, loudest_start

DRASCULA = Path("/usr/share/scummvm/drascula/audio/track13.ogg")
SINGULARITY = Path("/usr/share/games/singularity/music/A New Journey.ogg")
#: How far below the music the artifacts must sit, in dB (RMS). Measured: AAC 54 and 40 dB,
#: MP3 56 and 45 dB, Opus 30 dB on Drascula; Opus on Singularity's dense electronic mix leaves
#: a difference only 17 dB below it (sample-aligned: a slip either way is worse), so that pair
#: is not held to the bound.
ARTIFACTS_BELOW_DB = 20.0


def music(path: Path) -> tuple[np.ndarray, int]:
    if not path.exists():
        pytest.skip(f"real music not found at {path}: install drascula-music and singularity-music")
    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    return audio.T, rate


def rms_db(audio: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(audio.astype(np.float64) ** 2)))


@pytest.mark.parametrize("lag", [-37, 0, 1, 1105])
def test_a_planted_delay_is_found_to_the_sample(lag: int) -> None:
    audio, _ = music(DRASCULA)
    piece = audio[:, 400_000:500_000]
    delayed = np.roll(piece, lag, axis=1)
    assert delay_of(piece, delayed, max_delay=2000) == lag


def test_the_loudest_stretch_is_where_the_planted_loud_passage_is() -> None:
    audio, rate = music(DRASCULA)
    quiet = audio * 0.1
    quiet[:, 30 * rate : 40 * rate] = audio[:, 30 * rate : 40 * rate]
    start = loudest_start(quiet, rate, seconds=10.0)
    assert abs(start - 30 * rate) <= rate * 0.1


@pytest.mark.parametrize(
    ("path", "codec"),
    [
        (p, c)
        for p in (DRASCULA, SINGULARITY)
        for c in CODECS
        if (p, c.name) != (SINGULARITY, "Opus 160 kbps")
    ],
    ids=lambda v: v.stem if isinstance(v, Path) else v.name,
)
def test_the_artifacts_clip_is_far_below_the_music(path: Path, codec: Codec) -> None:
    audio, rate = music(path)
    start = loudest_start(audio, rate, seconds=10.0)
    excerpt = excerpt_through(audio, rate, codec, start=start, seconds=10.0)
    assert excerpt.original.shape == excerpt.decoded.shape
    assert excerpt.decoded.shape[1] == pytest.approx(10.0 * excerpt.sample_rate_hz, abs=2)
    below = rms_db(excerpt.original) - rms_db(excerpt.artifacts())
    assert below >= ARTIFACTS_BELOW_DB, f"{codec.name}: artifacts only {below:.1f} dB below"
    # One sample early or late, the same subtraction is louder: the alignment is the best one.
    for slipped in (
        excerpt.original[:, 1:] - excerpt.decoded[:, :-1],
        excerpt.original[:, :-1] - excerpt.decoded[:, 1:],
    ):
        assert rms_db(excerpt.original) - rms_db(slipped) < below - 1.0
