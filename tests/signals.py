"""Synthesized test signals. Amplitudes are given as per-channel peak level in dBFS."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf


def db_to_amplitude(dbfs: float) -> float:
    return float(10 ** (dbfs / 20))


def sine(
    *,
    frequency_hz: float = 1000.0,
    dbfs: float = -20.0,
    seconds: float = 1.0,
    sample_rate_hz: int = 48000,
    channels: int = 2,
    phase_rad: float = 0.0,
) -> np.ndarray:
    """A sine tone shaped ``(channels, samples)``, float64, identical in every channel."""
    t = np.arange(round(seconds * sample_rate_hz)) / sample_rate_hz
    tone = db_to_amplitude(dbfs) * np.sin(2 * np.pi * frequency_hz * t + phase_rad)
    return np.tile(tone, (channels, 1))


def sine_sequence(
    segments: list[tuple[float, float]],
    *,
    frequency_hz: float = 1000.0,
    sample_rate_hz: int = 48000,
    channels: int = 2,
) -> np.ndarray:
    """Concatenate ``(seconds, dbfs)`` segments of one continuous-phase sine tone."""
    levels = np.concatenate(
        [np.full(round(s * sample_rate_hz), db_to_amplitude(d)) for s, d in segments]
    )
    t = np.arange(levels.size) / sample_rate_hz
    return np.tile(levels * np.sin(2 * np.pi * frequency_hz * t), (channels, 1))


def write(
    path: Path, audio: np.ndarray, *, sample_rate_hz: int, subtype: str | None = None
) -> Path:
    """Write ``(channels, samples)`` audio with soundfile (format from the suffix)."""
    sf.write(str(path), np.asarray(audio).T, sample_rate_hz, subtype=subtype)
    return path
