"""Spectral balance against the genre: the band targets placed at the track's level, and the
findings too_boomy, too_thin, muddy, harsh, too_bright and too_dull.

Band levels are energy relative to the total, and the total is dominated by the sub and low
bands. So a +10 dB bass boost shows up as every *other* band falling ~8 dB, not as the bass
rising: judged band by band against fixed targets it would read as "too dull". The track is
therefore compared with the genre's *shape*: the targets are moved by the median of
(level - target centre) over the bands, which cancels the shift of the total, and the band(s)
that depart from the shape are the ones named.
"""

from __future__ import annotations

import math
import statistics

import numpy as np

from mixcoach.audio.spectrum import Band, Deviation, Resonance, Spectrum
from mixcoach.audio.tonality import TONICS, Tonality
from mixcoach.findings.grading import Context, evidence, fmt, worst
from mixcoach.findings.model import Evidence, Finding
from mixcoach.findings.tonal_curve import judge_curve
from mixcoach.formatting import frequency
from mixcoach.knowledge.genres import GenreProfile
from mixcoach.knowledge.sources import Target
from mixcoach.knowledge.thresholds import thresholds

#: code -> (wording of the title, what to do about it).
_WORDS: dict[str, tuple[str, str]] = {
    "too_boomy": (
        "The low end is too heavy",
        "Check the kick and bass levels and any low shelf, and high-pass what does not need "
        "lows: excess below 250 Hz masks the mids and eats headroom.",
    ),
    "too_thin": (
        "The mix lacks body",
        "Bring up the kick and bass, or the fundamentals of the instruments there, before "
        "reaching for a master EQ.",
    ),
    "muddy": (
        "The low mids are crowded",
        "Cut the overlapping instruments there (often guitars, pads, vocals' chest, room "
        "sound): a build-up in the low mids blurs the mix.",
    ),
    "harsh": (
        "The upper mids are harsh",
        "Look for resonant instruments, over-bright vocals or distortion and tame them there "
        "rather than darkening the whole mix: the ear is most sensitive here.",
    ),
    "too_bright": (
        "The top end is too bright",
        "Check cymbals, sibilance and any high shelf.",
    ),
    "too_dull": (
        "The top end is dull",
        "The mix lacks air and definition: check for a low-pass filter, a dark source or too "
        "much high cut.",
    ),
}


#: A stretch this far below the target is missing, not weak: no EQ lifts it back.
MISSING_DB = 20.0


def deviation_code(deviation: Deviation) -> str:
    """The finding a stretch of the curve raises, by where it departs most and which way."""
    peak = deviation.peak_hz
    if deviation.amount_db > 0:
        if peak < 250:
            return "too_boomy"
        if peak < 1000:
            return "muddy"
        return "harsh" if peak < 6000 else "too_bright"
    return "too_thin" if peak < 1000 else "too_dull"


def shape_offset(bands: list[Band], targets: dict[str, Target]) -> float | None:
    """Median of (level - target centre) over the measured bands, dB; None when none is measured."""
    gaps = [
        band.level_db - centre
        for band in bands
        if band.level_db is not None
        and band.name in targets
        and (centre := targets[band.name].centre) is not None
    ]
    return statistics.median(gaps) if gaps else None


def fill_targets(
    spectrum: Spectrum, profile: GenreProfile, *, tonality: Tonality | None = None
) -> tuple[Spectrum, float | None]:
    """The spectrum with each band's target range (placed at the track's level) and delta_db,
    and its resonances without the notes of the track's key (see :func:`off_key_resonances`).

    ``delta_db`` is the signed distance outside the range: > 0 above, < 0 below, 0 inside.
    Returns the filled spectrum and the offset the targets were moved by.
    """
    limits = thresholds()
    cents = limits.value("tonal.note_cents")
    target_curve, deviations = judge_curve(spectrum, profile, limits)
    judged = {
        "resonances": off_key_resonances(spectrum.resonances, tonality, cents=cents),
        "target_curve": target_curve,
        "deviations": deviations,
    }
    offset = shape_offset(spectrum.bands, profile.bands)
    if offset is None:
        return spectrum.model_copy(update=judged), None
    bands = []
    for band in spectrum.bands:
        target = profile.bands.get(band.name)
        if target is None:
            bands.append(band)
            continue
        placed = target.shifted(offset)
        bands.append(
            band.model_copy(
                update={
                    "target_low_db": None if placed.low is None else round(placed.low, 2),
                    "target_high_db": None if placed.high is None else round(placed.high, 2),
                    "delta_db": None
                    if band.level_db is None
                    else round(placed.distance(band.level_db), 2),
                }
            )
        )
    filled = spectrum.model_copy(update={"bands": bands, **judged})
    return filled, offset


#: Semitones above the tonic of the notes of a major and a (natural) minor scale.
_SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}


def off_key_resonances(
    resonances: list[Resonance], tonality: Tonality | None, *, cents: float
) -> list[Resonance]:
    """The resonances that are not notes of the key.

    A peak that persists through the track at the pitch of one of the key's scale notes is the
    music (a drone, a recurring melody note, or their harmonics: octaves and twelfths land on
    scale notes too), not a resonance of the room or an instrument: it lies within ``cents`` of an
    equal-tempered pitch (A = 440 Hz) of the scale. Without a key, every resonance is kept.
    """
    if tonality is None or tonality.key is None or tonality.mode is None:
        return resonances
    tonic = TONICS.index(tonality.key)
    scale = {(tonic + step) % 12 for step in _SCALES[tonality.mode]}

    def is_note(frequency_hz: float) -> bool:
        semitones = 12 * np.log2(frequency_hz / 440.0) + 9  # above C: A is pitch class 9
        nearest = round(semitones)
        return abs(semitones - nearest) * 100 <= cents and nearest % 12 in scale

    return [r for r in resonances if not is_note(r.frequency_hz)]


def spectral_findings(ctx: Context, filled: Spectrum) -> list[Finding]:
    """Findings from a spectrum filled by :func:`fill_targets`: one per code, quoting each
    stretch of the curve that raised it (where, which way, how far past the tolerance)."""
    steps = ctx.limits.steps("curve_db", ctx.feedback_type)
    by_code: dict[str, list[Deviation]] = {}
    for deviation in filled.deviations:
        by_code.setdefault(deviation_code(deviation), []).append(deviation)
    findings: list[Finding] = []
    for code, stretches in by_code.items():
        stretches.sort(key=lambda d: -abs(d.amount_db))
        title, advice = _WORDS[code]
        severity = worst(*(steps.severity(excess_db(d)) for d in stretches))
        described = "; ".join(describe_deviation(d) for d in stretches)
        findings += ctx.finding(
            code,
            severity,
            title=f"{title} for {ctx.profile.label}.",
            detail=f"Against the {ctx.profile.label} target curve: {described}. {advice}",
            evidence=[
                evidence(
                    f"spectrum.deviations.{filled.deviations.index(d)}.amount_db",
                    d.amount_db,
                    "dB",
                    Target(low=-d.tolerance_db, high=d.tolerance_db, source="tonal_curve_fit"),
                    ctx.threshold_source("tonal.curve_spread_factor"),
                )
                for d in stretches
            ]
            + _tilt_evidence(ctx, filled),
        )
    return findings


def excess_db(deviation: Deviation) -> float:
    """How far past its tolerance a stretch departs, dB (signed like the deviation)."""
    beyond = abs(deviation.amount_db) - deviation.tolerance_db
    return math.copysign(max(beyond, 0.0), deviation.amount_db)


def describe_deviation(deviation: Deviation) -> str:
    """ "6.8 dB too much around 3.04 kHz (2.15 kHz to 4.31 kHz)"."""
    way = "too much" if deviation.amount_db > 0 else "too little"
    return (
        f"{fmt(abs(deviation.amount_db), 'dB')} {way} around {frequency(deviation.peak_hz)} "
        f"({frequency(deviation.low_hz)} to {frequency(deviation.high_hz)})"
    )


def _tilt_evidence(ctx: Context, spectrum: Spectrum) -> list[Evidence]:
    if spectrum.tilt_db_per_octave is None:
        return []
    target = ctx.profile.tilt_db_per_octave
    return [
        evidence(
            "spectrum.tilt_db_per_octave",
            spectrum.tilt_db_per_octave,
            "dB/octave",
            target,
            ctx.profile_source(target, section="spectral"),
        )
    ]
