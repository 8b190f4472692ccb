"""Synthesized test mixes: a clean, well-made short track per style, and the defects to plant in it.

A mix is float64 audio shaped ``(2, samples)``. :func:`clean_mix` builds an arrangement (intro,
full section, breakdown, drop) from drum, bass, chord-pad and lead voices, pans them, adds a
decorrelated stereo reverb, balances them the way a finished record is balanced (most energy in
the sub and low bands, falling highs), and either leaves it as a mixdown with headroom or
masters it to a loudness with a gentle look-ahead limiter and a -1 dBTP ceiling.

Each ``plant_*`` function takes such a mix and returns a copy with one defect, the way it
happens in a real session (a clipping converter, a mono fold, a flipped cable, an EQ shelf, a
limiter pushed too hard, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyloudnorm
from scipy import ndimage, signal

from mixcoach.audio.frame import BlockFramer, FrameSpec
from mixcoach.audio.spectrum import Spectrum, SpectrumMeter
from mixcoach.findings.tonal_curve import deviation_db, judged_points, profile_target
from mixcoach.knowledge.genres import resolve_profile
from mixcoach.knowledge.thresholds import thresholds

SAMPLE_RATE_HZ = 44_100


@dataclass(frozen=True)
class Style:
    """How a style is played: tempo, key, voices' levels (dB) and the master loudness."""

    tempo_bpm: float
    root_hz: float  # tonic of the (minor) key the chords and bass follow
    master_lufs: float
    kick_db: float
    snare_db: float
    hats_db: float
    bass_db: float
    pad_db: float
    lead_db: float
    bass_cutoff_hz: float
    pad_cutoff_hz: float
    kick_pattern: str  # 16 steps, "x" = hit
    snare_pattern: str
    hat_pattern: str


STYLES: dict[str, Style] = {
    # Four on the floor, offbeat hats, a sub-heavy bass: EDM / house.
    "edm/house": Style(
        tempo_bpm=124.0,
        root_hz=55.0,
        master_lufs=-8.5,
        kick_db=-2.0,
        snare_db=-7.0,
        hats_db=-11.0,
        bass_db=-4.0,
        pad_db=-9.0,
        lead_db=-10.0,
        bass_cutoff_hz=300.0,
        pad_cutoff_hz=7000.0,
        kick_pattern="x...x...x...x...",
        snare_pattern="....x.......x...",
        hat_pattern="..x...x...x...x.",
    ),
    # Backbeat, eighth-note hats, chords carrying the mids: pop.
    "pop": Style(
        tempo_bpm=100.0,
        root_hz=49.0,
        master_lufs=-9.5,
        kick_db=-2.0,
        snare_db=-5.0,
        hats_db=-13.0,
        bass_db=-4.0,
        pad_db=-12.0,
        lead_db=-9.0,
        bass_cutoff_hz=600.0,
        pad_cutoff_hz=7000.0,
        kick_pattern="x.....x.x.......",
        snare_pattern="....x.......x...",
        hat_pattern="x.x.x.x.x.x.x.x.",
    ),
}


def clean_mix(
    style: str = "edm/house",
    *,
    seconds: float = 24.0,
    sample_rate_hz: int = SAMPLE_RATE_HZ,
    mastered: bool = True,
    semitones: int = 0,
    tempo_scale: float = 1.0,
    seed: int = 1,
) -> np.ndarray:
    """A clean, well-made mix shaped ``(2, samples)``.

    ``mastered=True``: brought to the style's loudness by a gentle limiter, true peak <= -1 dBTP.
    ``mastered=False``: a mixdown with headroom (sample peaks at -6 dBFS, no limiter).
    ``semitones`` transposes the key, ``tempo_scale`` multiplies the tempo (for reference tests).
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; known: {', '.join(STYLES)}")
    if seconds < 4.0:
        raise ValueError(f"seconds must be at least 4, got {seconds}")
    kind = STYLES[style]
    rng = np.random.default_rng(seed)
    n = round(seconds * sample_rate_hz)
    step_s = 60.0 / (kind.tempo_bpm * tempo_scale) / 4.0
    bar_s = 16 * step_s
    root_hz = kind.root_hz * 2 ** (semitones / 12)
    t = np.arange(n) / sample_rate_hz

    # Arrangement by bar: drums play except in the breakdown; the lead joins after the intro.
    bars = np.floor(t / bar_s).astype(int)
    total_bars = int(np.ceil(seconds / bar_s))
    breakdown = (bars >= total_bars // 2 - 1) & (bars < total_bars // 2 + 2)
    intro = bars < 2
    drums_on = (~breakdown).astype(float)
    lead_on = np.where(intro, 0.0, np.where(breakdown, 0.4, 1.0))
    pad_on = np.where(intro | breakdown, 0.4, 1.0)

    # Minor-key progression i - VI - III - VII, one chord per bar, as semitones above the root.
    progression = np.array([[0, 3, 7], [-4, 0, 3], [3, 7, 10], [-2, 2, 5]])
    chord = progression[bars % 4]

    mix = np.zeros((2, n))
    kick = _drum_track(kind.kick_pattern, _kick, step_s=step_s, n=n, sr=sample_rate_hz, rng=rng)
    snare = _drum_track(kind.snare_pattern, _snare, step_s=step_s, n=n, sr=sample_rate_hz, rng=rng)
    hats = _drum_track(kind.hat_pattern, _hat, step_s=step_s, n=n, sr=sample_rate_hz, rng=rng)
    shaker = _drum_track("x" * 16, _shaker, step_s=step_s, n=n, sr=sample_rate_hz, rng=rng)
    mix += kick * drums_on * _db(kind.kick_db)
    mix += snare * drums_on * _db(kind.snare_db)
    mix += _pan(hats[0] * drums_on, 0.35) * _db(kind.hats_db)
    mix += shaker * drums_on * _db(kind.hats_db - 3.0)

    bass = _bass(
        t,
        chord[:, 0],
        root_hz=root_hz,
        step_s=step_s,
        sr=sample_rate_hz,
        cutoff_hz=kind.bass_cutoff_hz,
    )
    mix += _pan(bass * drums_on, 0.0) * _db(kind.bass_db)

    pad = _pad(
        t, chord, root_hz=root_hz * 4, sr=sample_rate_hz, cutoff_hz=kind.pad_cutoff_hz, rng=rng
    )
    mix += pad * pad_on * _db(kind.pad_db)

    lead = _lead(t, chord, root_hz=root_hz * 8, step_s=step_s, sr=sample_rate_hz)
    mix += _pan(lead * lead_on, -0.3) * _db(kind.lead_db)

    wet = _reverb(
        pad * pad_on * _db(kind.pad_db)
        + _pan(lead * lead_on, -0.3) * _db(kind.lead_db)
        + snare * drums_on * _db(kind.snare_db),
        sr=sample_rate_hz,
        rng=rng,
    )
    mix += wet * _db(-3.0)

    fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)  # 10 ms edges: no click, no silence

    def finish(balanced: np.ndarray) -> np.ndarray:
        balanced = balanced * fade
        if not mastered:
            return balanced * (_db(-6.0) / np.max(np.abs(balanced)))
        return master(balanced, target_lufs=kind.master_lufs, sample_rate_hz=sample_rate_hz)

    return tonal_match(mix, genre=style, sample_rate_hz=sample_rate_hz, render=finish)


def tonal_match(
    audio: np.ndarray,
    *,
    genre: str,
    sample_rate_hz: int,
    render: Callable[[np.ndarray], np.ndarray] = lambda audio: audio,
) -> np.ndarray:
    """``render(audio)`` after a linear-phase EQ on ``audio`` that lays the rendered result's
    long-term spectrum on ``genre``'s target curve, the way a mix engineer balances against an
    analyser and reference records (``render``: the mastering after the EQ, if any, since a
    limiter driven hard takes a few dB out of the lows).

    Read through Mixcoach's spectrum meter: the synthesized voices are lines (a bass note, a
    chord's partials), so a 1/6-octave point between two lines cannot be raised by any EQ, and
    only the analyser's own view of the curve converges. Each pass takes out the smoothed
    departure the judgement would see (within +-12 dB) up to 11 kHz, held flat above, where the
    synthesized voices have little to lift.
    """
    profile, limits = resolve_profile(genre), thresholds()
    for _ in range(2):
        curve = _spectrum(render(audio), sample_rate_hz).curve
        frequencies = np.asarray(curve.frequencies_hz)
        level = np.array([np.nan if v is None else v for v in curve.level_db])
        judged = judged_points(frequencies, limits) & ~np.isnan(level)
        departure, _ = deviation_db(level, profile_target(profile, frequencies), judged)
        top = np.flatnonzero(judged)[-1]
        wanted = np.clip(-np.nan_to_num(departure), -12.0, 12.0)
        wanted[top + 1 :] = wanted[top]
        grid = np.concatenate([[0.0], frequencies, [sample_rate_hz / 2]])
        gain = 10 ** (np.concatenate([[wanted[0]], wanted, [wanted[-1]]]) / 20)
        fir = signal.firwin2(8191, grid, gain, fs=sample_rate_hz)
        audio = signal.fftconvolve(audio, fir[np.newaxis, :], mode="same")
    return render(audio)


def _spectrum(audio: np.ndarray, sample_rate_hz: int) -> Spectrum:
    """Mixcoach's spectrum meter over ``(2, n)`` audio, in blocks as ``measure`` runs it."""
    block = np.asarray(audio, dtype=np.float32)
    spec = FrameSpec.for_stream(
        sample_rate_hz=sample_rate_hz,
        channels=block.shape[0],
        total_frames=block.shape[1],
        block_seconds=10.0,
    )
    framer, meter = BlockFramer(spec), SpectrumMeter(spec)
    starts = range(0, block.shape[1], spec.block_frames)
    for i, start in enumerate(starts):
        chunk = block[:, start : start + spec.block_frames]
        meter.update(framer.frame(chunk, is_last=i == len(starts) - 1))
    return meter.result()


def master(
    audio: np.ndarray,
    *,
    target_lufs: float,
    sample_rate_hz: int,
    ceiling_dbtp: float = -1.2,
    release_db_per_s: float = 100.0,
) -> np.ndarray:
    """Bring ``audio`` ``(2, n)`` to ``target_lufs`` with a look-ahead limiter, peaks <= ceiling.

    The default ceiling leaves 0.2 dB below the -1 dBTP delivery ceiling, as mastering engineers
    do, so meters that oversample more finely than 4x still read at most -1 dBTP.
    """
    meter = pyloudnorm.Meter(sample_rate_hz)

    def loudness_at(drive_db: float) -> tuple[float, np.ndarray]:
        out = limit(
            audio * _db(drive_db),
            ceiling_dbfs=ceiling_dbtp,
            sample_rate_hz=sample_rate_hz,
            release_db_per_s=release_db_per_s,
        )
        out = out * min(1.0, _db(ceiling_dbtp) / true_peak(out))  # inter-sample peaks
        return float(meter.integrated_loudness(out.T)), out

    # The limiter takes back part of every dB of drive: find the drive by the secant method.
    drives = [target_lufs - meter.integrated_loudness(audio.T)]
    drives.append(drives[0] + 3.0)
    levels = [loudness_at(d)[0] for d in drives]
    for _ in range(12):
        slope = (levels[-1] - levels[-2]) / (drives[-1] - drives[-2])
        drives.append(drives[-1] + (target_lufs - levels[-1]) / max(slope, 0.05))
        level, out = loudness_at(drives[-1])
        levels.append(level)
        if abs(level - target_lufs) < 0.05:
            break
    return out


def limit(
    audio: np.ndarray, *, ceiling_dbfs: float, sample_rate_hz: int, release_db_per_s: float = 40.0
) -> np.ndarray:
    """A look-ahead true-peak limiter on ``(channels, n)`` audio: linked gain, peaks <= ceiling.

    Peaks are read 4x oversampled (inter-sample peaks included). Gain reduction attacks within
    about 1.5 ms (look-ahead, so no overshoot) and recovers at ``release_db_per_s``. The recovery
    ``y[k] = max(need[k], y[k-1] - rate)`` is computed in closed form as
    ``cummax(need[j] + j*rate) - k*rate`` over 0.7 ms chunks.
    """
    chunk = max(1, round(0.0007 * sample_rate_hz))
    n = audio.shape[1]
    oversampled = np.abs(signal.resample_poly(audio, 4, 1, axis=1)).max(axis=0)
    peaks = oversampled[: 4 * n].reshape(n, 4).max(axis=1)
    padded = np.pad(peaks, (0, -n % chunk))
    peak_db = 20 * np.log10(np.maximum(padded.reshape(-1, chunk).max(axis=1), 1e-12))
    need_db = np.maximum(0.0, peak_db - ceiling_dbfs)
    rate = release_db_per_s * chunk / sample_rate_hz
    ramp = np.arange(need_db.size) * rate
    held_db = np.maximum.accumulate(need_db + ramp) - ramp
    held_db = ndimage.maximum_filter1d(held_db, size=3, mode="nearest")  # look ahead one chunk
    gain_db = ndimage.uniform_filter1d(np.repeat(held_db, chunk)[:n], size=chunk, mode="nearest")
    return audio * 10 ** (-gain_db / 20)


def true_peak(audio: np.ndarray) -> float:
    """Linear true peak of ``(channels, n)`` audio by 4x oversampling (BS.1770-4 Annex 2)."""
    return float(np.max(np.abs(signal.resample_poly(audio, 4, 1, axis=1))))


# --- Defects -------------------------------------------------------------------------------


def plant_clipping(audio: np.ndarray, *, drive_db: float = 6.0) -> np.ndarray:
    """Drive into a hard clip at full scale (a converter or bounce with no limiter)."""
    return np.clip(audio * _db(drive_db), -1.0, 1.0)


def plant_mono_fold(audio: np.ndarray) -> np.ndarray:
    """Both channels carry (L + R) / 2."""
    mid = audio.mean(axis=0)
    return np.stack([mid, mid])


def plant_polarity_flip(audio: np.ndarray) -> np.ndarray:
    """The right channel's polarity inverted."""
    return np.stack([audio[0], -audio[1]])


def plant_high_shelf(
    audio: np.ndarray, *, sample_rate_hz: int, gain_db: float = 10.0, corner_hz: float = 4000.0
) -> np.ndarray:
    return signal.sosfilt(_shelf(gain_db, corner_hz, sample_rate_hz, high=True), audio, axis=1)


def plant_low_shelf(
    audio: np.ndarray, *, sample_rate_hz: int, gain_db: float = 10.0, corner_hz: float = 120.0
) -> np.ndarray:
    return signal.sosfilt(_shelf(gain_db, corner_hz, sample_rate_hz, high=False), audio, axis=1)


def plant_low_pass(
    audio: np.ndarray, *, sample_rate_hz: int, cutoff_hz: float = 2500.0
) -> np.ndarray:
    """An 8th-order Butterworth low-pass (a muffled bounce, a lost top end)."""
    sos = signal.butter(8, cutoff_hz, btype="low", fs=sample_rate_hz, output="sos")
    return signal.sosfilt(sos, audio, axis=1)


def plant_gain(audio: np.ndarray, *, gain_db: float = -20.0) -> np.ndarray:
    return audio * _db(gain_db)


def plant_brickwall(
    audio: np.ndarray, *, sample_rate_hz: int, drive_db: float = 12.0, ceiling_dbtp: float = -1.2
) -> np.ndarray:
    """Push ``drive_db`` into a fast limiter at the ceiling: the loudness-war master."""
    out = limit(
        audio * _db(drive_db),
        ceiling_dbfs=ceiling_dbtp,
        sample_rate_hz=sample_rate_hz,
        release_db_per_s=400.0,
    )
    return out * min(1.0, _db(ceiling_dbtp) / true_peak(out))


def plant_dc_offset(audio: np.ndarray, *, offset: float = 0.03) -> np.ndarray:
    """A constant ``offset`` (linear, full scale = 1) added to both channels, trimmed to fit."""
    out = audio + offset
    return out * min(1.0, 0.99 / np.max(np.abs(out)))


def plant_imbalance(audio: np.ndarray, *, right_db: float = -7.0) -> np.ndarray:
    """The right channel ``right_db`` lower than the left."""
    return np.stack([audio[0], audio[1] * _db(right_db)])


# --- Voices --------------------------------------------------------------------------------


def _db(gain_db: float) -> float:
    return float(10 ** (gain_db / 20))


def _pan(mono: np.ndarray, position: float) -> np.ndarray:
    """Constant-power pan of ``(n,)`` to ``(2, n)``; position -1 (left) .. +1 (right)."""
    angle = (position + 1) * np.pi / 4
    return np.stack([np.cos(angle) * mono, np.sin(angle) * mono]) * np.sqrt(2)


def _drum_track(
    pattern: str, voice: object, *, step_s: float, n: int, sr: int, rng: np.random.Generator
) -> np.ndarray:
    """Place ``voice`` hits on the 16-step ``pattern``, repeated; returns ``(2, n)``."""
    hit = voice(sr, rng)  # type: ignore[operator]
    hit = hit if hit.ndim == 2 else np.stack([hit, hit])
    out = np.zeros((2, n + hit.shape[1]))
    steps = int(n / sr / step_s) + 1
    for step in range(steps):
        if pattern[step % 16] != "x":
            continue
        start = round(step * step_s * sr)
        if start < n:
            accent = 1.0 if step % 4 == 0 else 0.8
            out[:, start : start + hit.shape[1]] += accent * hit
    return out[:, :n]


def _kick(sr: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(round(0.35 * sr)) / sr
    frequency = 48.0 + 110.0 * np.exp(-t / 0.03)
    body = np.sin(2 * np.pi * np.cumsum(frequency) / sr) * np.exp(-t / 0.14)
    click = rng.standard_normal(t.size) * np.exp(-t / 0.003) * 0.25
    click = signal.sosfilt(signal.butter(2, [1500, 9000], "band", fs=sr, output="sos"), click)
    return np.tanh(3.0 * body) / np.tanh(3.0) + click  # saturated, as kicks are in finished mixes


def _snare(sr: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(round(0.25 * sr)) / sr
    tone = np.sin(2 * np.pi * 185.0 * t) * np.exp(-t / 0.05) * 0.6
    noise = rng.standard_normal((2, t.size)) * np.exp(-t / 0.07)
    noise = signal.sosfilt(signal.butter(2, [400, 10000], "band", fs=sr, output="sos"), noise)
    return np.tanh(2.0 * (tone + noise * 0.8)) / 2.0


def _hat(sr: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(round(0.06 * sr)) / sr
    noise = rng.standard_normal(t.size) * np.exp(-t / 0.018)
    return signal.sosfilt(signal.butter(4, 7000, "high", fs=sr, output="sos"), noise)


def _shaker(sr: int, rng: np.random.Generator) -> np.ndarray:
    """Band-passed noise, different in each channel (a wide, airy percussion layer); ``(2, n)``."""
    t = np.arange(round(0.08 * sr)) / sr
    noise = rng.standard_normal((2, t.size)) * np.exp(-t / 0.03)
    return signal.sosfilt(signal.butter(2, [2500, 12000], "band", fs=sr, output="sos"), noise)


def _bass(
    t: np.ndarray,
    root_steps: np.ndarray,
    *,
    root_hz: float,
    step_s: float,
    sr: int,
    cutoff_hz: float,
) -> np.ndarray:
    """A filtered saw plus a sine sub, re-triggered on every eighth note."""
    frequency = root_hz * 2 ** (root_steps / 12)
    phase = 2 * np.pi * np.cumsum(frequency) / sr
    saw = 2 * ((phase / (2 * np.pi)) % 1.0) - 1
    tone = 0.8 * np.sin(phase) + 0.35 * saw
    tone = signal.sosfilt(signal.butter(2, cutoff_hz, "low", fs=sr, output="sos"), tone)
    since = t % (2 * step_s)
    envelope = np.exp(-since / 0.35) * 0.6 + 0.4
    return tone * envelope * np.minimum(1.0, since / 0.004)


def _pad(
    t: np.ndarray,
    chord: np.ndarray,
    *,
    root_hz: float,
    sr: int,
    cutoff_hz: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Detuned saw chords, differently detuned per channel (a wide stereo pad); ``(2, n)``."""
    out = np.zeros((2, t.size))
    for channel in range(2):
        for voice in range(3):
            detune = 2 ** (rng.uniform(-0.12, 0.12) / 12)
            frequency = root_hz * 2 ** (chord[:, voice] / 12) * detune
            phase = np.cumsum(frequency) / sr + rng.uniform()
            out[channel] += 2 * (phase % 1.0) - 1
    sos = signal.butter(2, cutoff_hz, "low", fs=sr, output="sos")
    return signal.sosfilt(sos, out, axis=1) / 3


def _lead(
    t: np.ndarray, chord: np.ndarray, *, root_hz: float, step_s: float, sr: int
) -> np.ndarray:
    """A square-wave arpeggio over the chord, one note per eighth."""
    note = (np.floor(t / (2 * step_s)).astype(int)) % 3
    steps = chord[np.arange(t.size), note]
    frequency = root_hz * 2 ** (steps / 12)
    phase = np.cumsum(frequency) / sr
    square = np.sign(np.sin(2 * np.pi * phase)) * 0.5 + np.sin(2 * np.pi * phase) * 0.5
    square = signal.sosfilt(signal.butter(2, 9000, "low", fs=sr, output="sos"), square)
    since = t % (2 * step_s)
    return square * (np.exp(-since / 0.12) * 0.7 + 0.3)


def _reverb(dry: np.ndarray, *, sr: int, rng: np.random.Generator) -> np.ndarray:
    """A decorrelated stereo tail (exponentially decaying noise, 1.2 s RT60-ish); ``(2, n)``."""
    length = round(1.2 * sr)
    t = np.arange(length) / sr
    impulse = rng.standard_normal((2, length)) * np.exp(-t / 0.18) / np.sqrt(0.18 * sr / 2)
    impulse = signal.sosfilt(signal.butter(1, [200, 8000], "band", fs=sr, output="sos"), impulse)
    mono = dry.mean(axis=0) if dry.ndim == 2 else dry
    wet = signal.fftconvolve(np.stack([mono, mono]), impulse, axes=1)
    return wet[:, : dry.shape[-1]]


def _shelf(gain_db: float, corner_hz: float, sr: int, *, high: bool) -> np.ndarray:
    """RBJ cookbook shelving biquad (slope 1) as a one-section SOS array."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * corner_hz / sr
    alpha = np.sin(w0) / 2 * np.sqrt(2)
    cos, root = np.cos(w0), 2 * np.sqrt(a) * alpha
    sign = 1 if high else -1
    b0 = a * ((a + 1) + sign * (a - 1) * cos + root)
    b1 = -2 * sign * a * ((a - 1) + sign * (a + 1) * cos)
    b2 = a * ((a + 1) + sign * (a - 1) * cos - root)
    a0 = (a + 1) - sign * (a - 1) * cos + root
    a1 = 2 * sign * ((a - 1) - sign * (a + 1) * cos)
    a2 = (a + 1) - sign * (a - 1) * cos - root
    return np.array([[b0, b1, b2, a0, a1, a2]]) / a0
