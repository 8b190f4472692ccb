"""Excerpts of the real recordings installed on the test machines, and the ways a producer
re-renders one (louder and hard-clipped, loudness-matched, with a high shelf)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from scipy import signal

DRASCULA = Path("/usr/share/scummvm/drascula/audio")
SINGULARITY = Path("/usr/share/games/singularity/music")


def excerpt(path: Path, *, start_s: float = 20.0, seconds: float = 25.0) -> tuple[np.ndarray, int]:
    """``seconds`` of ``path`` from ``start_s`` as float64 ``(channels, samples)``, and its rate."""
    if not path.exists():
        pytest.skip(f"{path} is not installed (scripts/test.sh installs it)")
    rate = sf.info(str(path)).samplerate
    audio, rate = sf.read(
        str(path),
        start=round(start_s * rate),
        frames=round(seconds * rate),
        dtype="float64",
        always_2d=True,
    )
    return audio.T, rate


def at_loudness(audio: np.ndarray, rate: int, *, lufs: float) -> np.ndarray:
    """``audio`` with its integrated loudness (pyloudnorm) moved to ``lufs``."""
    measured = pyloudnorm.Meter(rate).integrated_loudness(audio.T)
    return audio * 10 ** ((lufs - measured) / 20)


def hard_clipped(audio: np.ndarray, *, gain_db: float) -> np.ndarray:
    """``audio`` pushed by ``gain_db`` into a converter that clips at full scale."""
    return np.clip(audio * 10 ** (gain_db / 20), -1.0, 1.0)


def high_shelf(audio: np.ndarray, rate: int, *, gain_db: float, corner_hz: float) -> np.ndarray:
    """A first-order high shelf of ``gain_db`` above ``corner_hz`` (unity below it)."""
    g = 10 ** (gain_db / 20)
    w = np.tan(np.pi * corner_hz / rate)
    b = [(g + w) / (1 + w), (w - g) / (1 + w)]
    a = [1.0, (w - 1) / (1 + w)]
    return signal.lfilter(b, a, audio, axis=-1)


def write(path: Path, audio: np.ndarray, rate: int, *, subtype: str = "FLOAT") -> Path:
    """``audio`` as a WAV file (32-bit float; ``"PCM_16"`` for uploads under a small limit)."""
    sf.write(str(path), audio.T, rate, subtype=subtype)
    return path
