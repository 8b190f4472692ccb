"""Planted limiting of known depth on real music, for the limiting tests and bench/limiting_eval.py.

The depth is the gain reduction on the loudest peak: the excerpt is scaled so its highest sample
sits at the ceiling, driven ``depth_db`` into a hard clipper or a look-ahead brick-wall limiter,
and so comes out with its loudest peak ``depth_db`` lower than it went in.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import ndimage

#: Tuning set (the Drascula soundtrack) and held-out set (the Singularity soundtrack).
TUNING_DIR = Path("/usr/share/scummvm/drascula/audio")
HELD_OUT_DIR = Path("/usr/share/games/singularity/music")
CEILING_DBFS = -0.3
#: Limiter recovery: this many seconds per 10 dB (a fast and a slow mastering limiter).
RELEASES_S = (0.03, 0.15)
LOOKAHEAD_S = 0.002


def tuning_tracks() -> list[Path]:
    return sorted(TUNING_DIR.glob("track*.ogg"))


def held_out_tracks() -> list[Path]:
    return sorted(HELD_OUT_DIR.rglob("*.ogg"))


def loudest_excerpt(path: Path, *, seconds: float) -> tuple[np.ndarray, int]:
    """The loudest ``seconds`` of a file (1 s steps), float64 ``(channels, n)``, and its rate."""
    audio, sample_rate_hz = sf.read(str(path), dtype="float32", always_2d=True)
    audio = audio.T.astype(np.float64)
    n = round(seconds * sample_rate_hz)
    if audio.shape[1] <= n:
        return audio, sample_rate_hz
    energy = np.concatenate([[0.0], np.cumsum((audio**2).sum(axis=0))])
    starts = np.arange(0, audio.shape[1] - n, sample_rate_hz)
    start = int(starts[np.argmax(energy[starts + n] - energy[starts])])
    return audio[:, start : start + n], sample_rate_hz


def _driven(audio: np.ndarray, depth_db: float) -> np.ndarray:
    return audio * (10 ** ((CEILING_DBFS + depth_db) / 20) / np.abs(audio).max())


def clip(audio: np.ndarray, *, depth_db: float) -> np.ndarray:
    """Hard clipping at the ceiling, ``depth_db`` below the loudest peak."""
    ceiling = 10 ** (CEILING_DBFS / 20)
    return np.clip(_driven(audio, depth_db), -ceiling, ceiling)


def limit(
    audio: np.ndarray, *, sample_rate_hz: int, depth_db: float, release_s: float
) -> np.ndarray:
    """A look-ahead brick-wall limiter with linked channels, ``depth_db`` on the loudest peak.

    The gain (dB) never exceeds what keeps each sample at the ceiling, held over the look-ahead
    on both sides, and recovers 10 dB per ``release_s``: ``g[n] = min(need[n], g[n-1] + rate)``
    as a running minimum in closed form. It is then smoothed over the look-ahead with a moving
    average of held values, which never rises above the need, so no sample passes the ceiling.
    """
    driven = _driven(audio, depth_db)
    level = np.abs(driven).max(axis=0)
    need = np.minimum(0.0, CEILING_DBFS - 20 * np.log10(np.maximum(level, 1e-12)))
    span = max(1, round(LOOKAHEAD_S * sample_rate_hz))
    need = ndimage.minimum_filter1d(need, 2 * span + 1, mode="nearest")
    rate = 10.0 / (release_s * sample_rate_hz)
    ramp = np.arange(need.size) * rate
    gain = np.minimum(0.0, ramp + np.minimum.accumulate(need - ramp))
    gain = ndimage.minimum_filter1d(gain, 2 * span + 1, mode="nearest")
    gain = ndimage.uniform_filter1d(gain, span + 1, mode="nearest")
    return np.asarray(driven * 10 ** (gain / 20))


def plants(audio: np.ndarray, *, sample_rate_hz: int, depth_db: float) -> dict[str, np.ndarray]:
    """The excerpt through the clipper and each limiter, by name."""
    out = {"clip": clip(audio, depth_db=depth_db)}
    for release_s in RELEASES_S:
        out[f"limiter {release_s * 1000:.0f} ms"] = limit(
            audio, sample_rate_hz=sample_rate_hz, depth_db=depth_db, release_s=release_s
        )
    return out
