"""Shared by the spectrum, stereo, dynamics and defects tests: run a meter, synthesize material.

Meters are driven exactly as ``measure()`` drives them: in-memory audio goes through
``FrameSpec`` + ``BlockFramer`` in blocks of ``block_seconds``; files go through
``decode.open_audio`` + ``frame.frame_blocks``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
from scipy import ndimage, signal

from mixcoach.audio.decode import open_audio
from mixcoach.audio.defects import Defects, DefectsMeter
from mixcoach.audio.dynamics import Dynamics, DynamicsMeter
from mixcoach.audio.frame import Block, BlockFramer, FrameSpec, frame_blocks
from mixcoach.audio.loudness import Loudness, LoudnessMeter
from mixcoach.audio.rhythm import Rhythm, RhythmMeter
from mixcoach.audio.spectrum import Spectrum, SpectrumMeter
from mixcoach.audio.stereo import Stereo, StereoMeter
from mixcoach.audio.tonality import Tonality, TonalityMeter

RESULTS = {
    "loudness": LoudnessMeter,
    "spectrum": SpectrumMeter,
    "stereo": StereoMeter,
    "dynamics": DynamicsMeter,
    "defects": DefectsMeter,
    "rhythm": RhythmMeter,
    "tonality": TonalityMeter,
}


def array_blocks(audio: np.ndarray, *, sample_rate_hz: int, block_seconds: float) -> list[Block]:
    """Frame ``(channels, n)`` audio in ``block_seconds`` blocks, as float32 as decode gives it."""
    audio = np.asarray(audio, dtype=np.float32)
    spec = FrameSpec.for_stream(
        sample_rate_hz=sample_rate_hz,
        channels=audio.shape[0],
        total_frames=audio.shape[1],
        block_seconds=block_seconds,
    )
    framer = BlockFramer(spec)
    starts = list(range(0, audio.shape[1], spec.block_frames)) or [0]
    return [
        framer.frame(audio[:, s : s + spec.block_frames], is_last=i == len(starts) - 1)
        for i, s in enumerate(starts)
    ]


def _run(kind: str, spec: FrameSpec, blocks: Any) -> Any:
    meter: Any = RESULTS[kind](spec)
    loudness = LoudnessMeter(spec) if kind == "dynamics" else None
    for block in blocks:
        meter.update(block)
        if loudness is not None:
            loudness.update(block)
    if loudness is not None:
        return meter.result(loudness=loudness.result())
    return meter.result()


def measure(
    kind: str, audio: np.ndarray, *, sample_rate_hz: int, block_seconds: float = 10.0
) -> Any:
    """Run one meter (a key of :data:`RESULTS`) over ``(channels, n)`` audio, block by block."""
    blocks = array_blocks(audio, sample_rate_hz=sample_rate_hz, block_seconds=block_seconds)
    spec = FrameSpec.for_stream(
        sample_rate_hz=sample_rate_hz,
        channels=np.asarray(audio).shape[0],
        total_frames=np.asarray(audio).shape[1],
        block_seconds=block_seconds,
    )
    return _run(kind, spec, blocks)


def measure_file(kind: str, path: Path, *, block_seconds: float = 10.0) -> Any:
    """Run one meter over a file, decoded in blocks exactly as ``measure()`` does."""
    with open_audio(path) as source:
        info = source.info
        spec = FrameSpec.for_stream(
            sample_rate_hz=info.sample_rate_hz,
            channels=info.channels,
            total_frames=info.frames,
            block_seconds=block_seconds,
        )
        return _run(kind, spec, frame_blocks(spec, source.blocks(block_frames=spec.block_frames)))


def loudness_of(audio: np.ndarray, **kw: Any) -> Loudness:
    result: Loudness = measure("loudness", audio, **kw)
    return result


def loudness_of_file(path: Path, **kw: Any) -> Loudness:
    result: Loudness = measure_file("loudness", path, **kw)
    return result


def spectrum_of(audio: np.ndarray, **kw: Any) -> Spectrum:
    result: Spectrum = measure("spectrum", audio, **kw)
    return result


def stereo_of(audio: np.ndarray, **kw: Any) -> Stereo:
    result: Stereo = measure("stereo", audio, **kw)
    return result


def dynamics_of(audio: np.ndarray, **kw: Any) -> Dynamics:
    result: Dynamics = measure("dynamics", audio, **kw)
    return result


def defects_of(audio: np.ndarray, **kw: Any) -> Defects:
    result: Defects = measure("defects", audio, **kw)
    return result


def rhythm_of(audio: np.ndarray, **kw: Any) -> Rhythm:
    result: Rhythm = measure("rhythm", audio, **kw)
    return result


def tonality_of(audio: np.ndarray, **kw: Any) -> Tonality:
    result: Tonality = measure("tonality", audio, **kw)
    return result


# --- material ---------------------------------------------------------------------------------


def white_noise(
    *, seconds: float, sample_rate_hz: int, channels: int = 1, seed: int = 0
) -> np.ndarray:
    """Independent Gaussian noise per channel, RMS 0.1 (-20 dBFS)."""
    rng = np.random.default_rng(seed)
    return 0.1 * rng.standard_normal((channels, round(seconds * sample_rate_hz)))


def pink_noise(
    *, seconds: float, sample_rate_hz: int, channels: int = 1, seed: int = 0
) -> np.ndarray:
    """Noise with equal energy in every octave from 20 Hz to 20 kHz (or Nyquist), RMS 0.1."""
    white = white_noise(
        seconds=seconds, sample_rate_hz=sample_rate_hz, channels=channels, seed=seed
    )
    spectrum = np.fft.rfft(white, axis=-1)
    frequencies = np.fft.rfftfreq(white.shape[-1], 1 / sample_rate_hz)
    audible = (frequencies >= 20.0) & (frequencies <= 20000.0)
    spectrum[:, audible] /= np.sqrt(frequencies[audible])
    spectrum[:, ~audible] = 0
    pink = np.fft.irfft(spectrum, n=white.shape[-1], axis=-1)
    return np.asarray(0.1 * pink / np.sqrt(np.mean(pink**2)))


def peaking_filter(
    *, sample_rate_hz: int, frequency_hz: float, gain_db: float, q: float
) -> tuple[np.ndarray, np.ndarray]:
    """RBJ cookbook peaking filter, ``(b, a)``."""
    amplitude = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * frequency_hz / sample_rate_hz
    alpha = np.sin(w0) / (2 * q)
    b = np.array([1 + alpha * amplitude, -2 * np.cos(w0), 1 - alpha * amplitude])
    a = np.array([1 + alpha / amplitude, -2 * np.cos(w0), 1 - alpha / amplitude])
    return b, a


def shelf_filter(
    *, sample_rate_hz: int, frequency_hz: float, gain_db: float, high: bool
) -> tuple[np.ndarray, np.ndarray]:
    """RBJ cookbook shelving filter (slope 1), high or low shelf, ``(b, a)``."""
    amplitude = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * frequency_hz / sample_rate_hz
    cos, alpha = np.cos(w0), np.sin(w0) / np.sqrt(2)
    root = 2 * np.sqrt(amplitude) * alpha
    sign = 1 if high else -1
    b = amplitude * np.array(
        [
            (amplitude + 1) + sign * (amplitude - 1) * cos + root,
            -2 * sign * ((amplitude - 1) + sign * (amplitude + 1) * cos),
            (amplitude + 1) + sign * (amplitude - 1) * cos - root,
        ]
    )
    a = np.array(
        [
            (amplitude + 1) - sign * (amplitude - 1) * cos + root,
            2 * sign * ((amplitude - 1) - sign * (amplitude + 1) * cos),
            (amplitude + 1) - sign * (amplitude - 1) * cos - root,
        ]
    )
    return b, a


def apply(coefficients: tuple[np.ndarray, np.ndarray], audio: np.ndarray) -> np.ndarray:
    """Filter ``(channels, n)`` audio along time with ``(b, a)``."""
    b, a = coefficients
    return np.asarray(signal.lfilter(b, a, audio, axis=-1))


def music(*, seconds: float, sample_rate_hz: int, seed: int = 1) -> np.ndarray:
    """Stereo drums, bass and pad at 120 BPM with varied hit velocities, peak -1 dBFS.

    Kick and snare in the centre, hi-hat right of centre, a bass line on every beat and a pad
    whose two sides have independent phases (so the mix is partly wide, as real mixes are).
    """
    sr = sample_rate_hz
    n = round(seconds * sr)
    rng = np.random.default_rng(seed)
    out = np.zeros((2, n))

    def place(sound: np.ndarray, at_s: float, gain: float, pan: float = 0.0) -> None:
        i = round(at_s * sr)
        m = min(sound.size, n - i)
        if m > 0:
            out[0, i : i + m] += sound[:m] * gain * np.sqrt(0.5 * (1 - pan))
            out[1, i : i + m] += sound[:m] * gain * np.sqrt(0.5 * (1 + pan))

    t = np.arange(round(0.35 * sr)) / sr
    kick = np.sin(2 * np.pi * (50 * t + (70 / 25) * (1 - np.exp(-25 * t)))) * np.exp(-t / 0.12)
    t = np.arange(round(0.25 * sr)) / sr
    snare = 0.6 * rng.standard_normal(t.size) * np.exp(-t / 0.06) + 0.5 * np.sin(
        2 * np.pi * 190 * t
    ) * np.exp(-t / 0.08)
    t = np.arange(round(0.08 * sr)) / sr
    hat = 0.5 * np.diff(rng.standard_normal(t.size + 1)) * np.exp(-t / 0.02)
    step_s = 0.125
    for step in range(int(seconds / step_s)):
        position, at = step % 16, step * step_s
        velocity = 10 ** (rng.uniform(-4, 0) / 20)
        if position in (0, 8) or (position == 10 and rng.random() < 0.5):
            place(kick, at, 0.8 * velocity)
        if position in (4, 12):
            place(snare, at, 0.5 * velocity)
        if position % 2 == 0:
            place(hat, at, 0.25 * velocity, pan=0.5)
    roots = [41.2, 55.0, 49.0, 36.7]
    t_note = np.arange(round(0.45 * sr)) / sr
    t_pad = np.arange(round(2 * sr)) / sr
    pad_envelope = np.minimum(1, t_pad / 0.3) * np.minimum(1, (2 - t_pad) / 0.3)
    for bar in range(int(seconds / 2) + 1):
        root = roots[bar % 4]
        note = (
            np.sin(2 * np.pi * 2 * root * t_note) + 0.3 * np.sin(2 * np.pi * 4 * root * t_note)
        ) * (np.minimum(1, t_note / 0.005) * np.exp(-t_note / 0.4))
        for beat in range(4):
            place(note, bar * 2 + beat * 0.5, 0.35)
        for ratio in (4, 5, 6):
            for side in (0, 1):
                phase = rng.uniform(0, 2 * np.pi)
                i = round(bar * 2 * sr)
                m = min(t_pad.size, n - i)
                if m > 0:
                    tone = np.sin(2 * np.pi * root * ratio * t_pad[:m] + phase)
                    tone += 0.3 * np.sin(2 * np.pi * 2 * root * ratio * t_pad[:m] + phase)
                    out[side, i : i + m] += 0.05 * pad_envelope[:m] * tone
    return np.asarray(out / np.max(np.abs(out)) * 10 ** (-1 / 20))


def music_in(channels: int, *, seconds: float, sample_rate_hz: int) -> np.ndarray:
    """:func:`music` laid out for ``channels``: mono (left side), stereo, or 5.1 with the sides
    also in the centre, quieter noise in the surrounds and a bass-only LFE."""
    stereo = music(seconds=seconds, sample_rate_hz=sample_rate_hz)
    if channels == 1:
        return stereo[:1]
    if channels == 2:
        return stereo
    if channels != 6:
        raise ValueError(f"channels must be 1, 2 or 6, got {channels}")
    surrounds = 0.05 * pink_noise(
        seconds=seconds, sample_rate_hz=sample_rate_hz, channels=2, seed=9
    )
    lfe = signal.sosfilt(
        signal.butter(4, 120, fs=sample_rate_hz, output="sos"), stereo.mean(axis=0)
    )
    return np.concatenate(
        [stereo, 0.5 * stereo.mean(axis=0, keepdims=True), lfe[np.newaxis], surrounds]
    )


def brickwall_limit(
    audio: np.ndarray,
    *,
    sample_rate_hz: int,
    gain_db: float,
    ceiling_dbfs: float = -0.3,
    lookahead_s: float = 0.0015,
    release_db_per_s: float = 150.0,
) -> tuple[np.ndarray, float]:
    """A look-ahead brick-wall limiter with linked channels: the output and its deepest gain
    reduction in dB.

    The gain (dB) may not exceed what keeps each sample at the ceiling, and recovers at
    ``release_db_per_s``: ``g[n] = min(need[n], g[n-1] + rate)``, computed in closed form as a
    running minimum. It is then smoothed over the look-ahead without ever rising above that
    limit (a minimum over twice the span before the average), so no sample is flattened.
    """
    boosted = audio * 10 ** (gain_db / 20)
    level = np.max(np.abs(boosted), axis=0)
    need = np.minimum(0.0, ceiling_dbfs - 20 * np.log10(np.maximum(level, 1e-12)))
    ramp = np.arange(need.size) * release_db_per_s / sample_rate_hz
    gain = np.minimum(0.0, ramp + np.minimum.accumulate(need - ramp))
    span = max(1, round(lookahead_s * sample_rate_hz))
    held = ndimage.minimum_filter1d(gain, size=2 * span + 1, mode="nearest")
    smooth = ndimage.uniform_filter1d(held, size=span + 1, mode="nearest")
    return boosted * 10 ** (smooth / 20), float(-smooth.min())


def ffmpeg_summary(path: Path) -> dict[str, float]:
    """Integrated loudness, loudness range and true peak from ``ebur128``'s closing summary."""
    run = subprocess.run(
        [
            "ffmpeg",
            "-nostats",
            "-hide_banner",
            "-i",
            str(path),
            "-filter_complex",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = run.stderr[run.stderr.rindex("Summary:") :]
    patterns = {
        "integrated_lufs": r"I:\s+(-?[\d.]+) LUFS",
        "loudness_range_lu": r"LRA:\s+(-?[\d.]+) LU",
        "true_peak_dbtp": r"Peak:\s+(-?[\d.]+) dBFS",
    }
    values = {}
    for name, pattern in patterns.items():
        match = re.search(pattern, summary)
        assert match, f"no {name} in the ffmpeg summary:\n{summary}"
        values[name] = float(match.group(1))
    return values
