"""Measurements built directly (no audio): what a clean, well-made pop master measures, and a
helper that changes any field by its dotted path. The rules are pure functions of these."""

from __future__ import annotations

from typing import Any

import numpy as np

from mixcoach.audio.analyze import FileInfo, Measurements
from mixcoach.audio.defects import ClipRun, Defects
from mixcoach.audio.dynamics import Dynamics
from mixcoach.audio.loudness import Loudness
from mixcoach.audio.model import Series
from mixcoach.audio.rhythm import Rhythm
from mixcoach.audio.spectrum import BANDS, Band, Curve, Spectrum
from mixcoach.audio.stereo import BandWidth, Stereo
from mixcoach.audio.tonality import Tonality
from mixcoach.findings.tonal_curve import profile_target
from mixcoach.knowledge.genres import resolve_profile

#: Codes that judge the music itself (everything but peaks, clipping, DC and resolution).
MUSIC_CODES = {
    "too_loud",
    "too_quiet",
    "over_compressed",
    "under_compressed",
    "stereo_too_narrow",
    "stereo_too_wide",
    "phase_issue",
    "channel_imbalance",
    "wide_low_end",
    "too_bright",
    "too_dull",
    "too_boomy",
    "too_thin",
    "muddy",
    "harsh",
}

#: Band levels (dB relative to the total) of a well-balanced pop master.
POP_BANDS = {
    "sub": -4.5,
    "low": -4.5,
    "low_mid": -9.5,
    "mid": -10.0,
    "high_mid": -19.5,
    "presence": -23.0,
    "air": -21.0,
}


#: The spectrum curve's 1/6-octave points from 20 Hz (as mixcoach.audio.spectrum lays them out).
CURVE_HZ = 20.0 * 2 ** ((np.arange(60) + 0.5) / 6)


def pop_curve() -> list[float | None]:
    """A clean pop master's curve: the pop target curve itself."""
    return [float(v) for v in profile_target(resolve_profile("pop"), CURVE_HZ)]


def eq_on_curve(
    measured: Measurements, *, shape: str, frequency_hz: float, gain_db: float
) -> Measurements:
    """The measurements with a broad EQ move on the curve: a bell about 1.4 octaves wide (a Q
    of 1, Gaussian in octaves), or a shelf of ``gain_db`` past ``frequency_hz`` (one octave of
    transition). Levels stay relative to the total only up to a constant, which the judgement
    removes."""
    octaves = np.log2(CURVE_HZ / frequency_hz)
    if shape == "bell":
        gain = gain_db * np.exp(-0.5 * (octaves / 0.6) ** 2)
    else:
        side = octaves if shape == "high_shelf" else -octaves
        gain = gain_db / (1 + np.exp(-4 * side))
    levels = [
        None if v is None else float(v + g)
        for v, g in zip(measured.spectrum.curve.level_db, gain, strict=True)
    ]
    curve = measured.spectrum.curve.model_copy(update={"level_db": levels})
    return measured.model_copy(
        update={"spectrum": measured.spectrum.model_copy(update={"curve": curve})}
    )


def clean_pop_master(*, duration_s: float = 180.0) -> Measurements:
    """A clean pop master: -9.5 LUFS, -1 dBTP, PLR 8.5, centred, bass-heavy, no defects."""
    frequencies = [float(f) for f in CURVE_HZ]
    return Measurements(
        file=FileInfo(
            path="clean.wav",
            format="wav",
            codec="pcm_24",
            sample_rate_hz=44100,
            bit_depth=24,
            sample_format="int",
            bitrate_kbps=None,
            channels=2,
            channel_layout=["L", "R"],
            duration_s=duration_s,
            size_bytes=int(duration_s * 44100 * 6),
        ),
        loudness=Loudness(
            integrated_lufs=-9.5,
            loudness_range_lu=5.5,
            short_term_max_lufs=-7.0,
            momentary_max_lufs=-5.5,
            true_peak_dbtp=-1.0,
            true_peak_per_channel_dbtp=[-1.0, -1.1],
            sample_peak_dbfs=-1.2,
            plr_db=8.5,
            psr_db=7.8,
            short_term_lufs=Series(start_s=3.0, hop_s=0.1, values=[-9.5] * 10),
            momentary_lufs=Series(start_s=0.4, hop_s=0.1, values=[-9.5] * 10),
            true_peak_over_threshold_dbtp=-1.0,
            true_peak_overs=[],
            notes=[],
        ),
        dynamics=Dynamics(
            crest_factor_db=9.0,
            dynamic_range_db=8.0,
            transient_strength_db=6.0,
            limited_peak_fraction=0.1,
            limiting_db=2.0,
            notes=[],
        ),
        spectrum=Spectrum(
            bands=[
                Band(name=name, low_hz=low, high_hz=high, level_db=POP_BANDS[name])
                for name, low, high in BANDS
            ],
            tilt_db_per_octave=-2.5,
            centroid_hz=1800.0,
            high_cutoff_hz=None,
            resonances=[],
            curve=Curve(frequencies_hz=frequencies, level_db=pop_curve()),
            notes=[],
        ),
        stereo=Stereo(
            is_mono_source=False,
            width=0.12,
            correlation=0.75,
            correlation_min=0.3,
            correlation_low_points=[],
            correlation_series=Series(start_s=0.5, hop_s=1.0, values=[0.75] * 10),
            mono_loss_db=0.6,
            balance_db=0.2,
            low_end_width=0.02,
            bands=[
                BandWidth(name=name, low_hz=low, high_hz=high, width=0.1, correlation=0.8)
                for name, low, high in BANDS
            ],
            notes=[],
        ),
        rhythm=Rhythm(
            tempo_bpm=100.0, confidence=0.8, tempo_candidates_bpm=[100.0, 50.0], notes=[]
        ),
        tonality=Tonality(key="G", mode="minor", confidence=0.7, camelot="6A", notes=[]),
        defects=Defects(
            clipped_samples=0,
            clip_level_dbfs=None,
            clip_runs=[],
            clip_run_count=0,
            dc_offset_dbfs=[None, None],
            silence_start_s=0.0,
            silence_end_s=0.3,
            nonfinite_samples=0,
            notes=[],
        ),
        notes=[],
    )


def changed(measured: Measurements, **changes: Any) -> Measurements:
    """A copy with fields replaced by dotted path: ``changed(m, loudness__plr_db=4.0)``.

    ``spectrum__bands__air=-10.0`` sets a band's level; ``stereo__bands__low__correlation=-0.2``
    a band's stereo field.
    """
    data = measured.model_dump()
    for path, value in changes.items():
        keys = path.split("__")
        node: Any = data
        for key in keys[:-1]:
            node = (
                next(item for item in node if item["name"] == key)
                if isinstance(node, list)
                else node[key]
            )
        if isinstance(node, list):
            next(item for item in node if item["name"] == keys[-1])["level_db"] = value
        else:
            node[keys[-1]] = value
    return Measurements.model_validate(data)


def clip_runs(count: int, *, samples: int = 12) -> list[ClipRun]:
    return [
        ClipRun(start_s=1.0 + i, end_s=1.0 + i + samples / 44100, channel=i % 2, samples=samples)
        for i in range(count)
    ]
