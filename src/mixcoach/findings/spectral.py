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

import statistics

import numpy as np

from mixcoach.audio.spectrum import Band, Resonance, Spectrum
from mixcoach.audio.tonality import TONICS, Tonality
from mixcoach.findings.grading import Context, describe, evidence, fmt, worst
from mixcoach.findings.model import Evidence, Finding
from mixcoach.knowledge.genres import GenreProfile
from mixcoach.knowledge.sources import Target
from mixcoach.knowledge.thresholds import thresholds

#: code -> (bands that raise it, direction: +1 above the target, -1 below it), and wording.
_RULES: dict[str, tuple[tuple[str, ...], int, str, str]] = {
    "too_boomy": (
        ("sub", "low"),
        +1,
        "The low end is too heavy",
        "Too much energy below 250 Hz masks the mids and eats headroom: check the kick and bass "
        "levels and any low shelf, and high-pass what does not need lows.",
    ),
    "too_thin": (
        ("sub", "low"),
        -1,
        "The low end is too light",
        "Too little energy below 250 Hz for the style: bring up the kick and bass, or their "
        "fundamentals, before reaching for a master EQ.",
    ),
    "muddy": (
        ("low_mid",),
        +1,
        "The low mids are crowded",
        "A build-up at 250-500 Hz blurs the mix: cut the overlapping instruments there (often "
        "guitars, pads, vocals' chest, room sound).",
    ),
    "harsh": (
        ("high_mid", "presence"),
        +1,
        "The upper mids are harsh",
        "Too much energy at 2-6 kHz tires the ear: look for resonant instruments, over-bright "
        "vocals or distortion, and tame them there rather than darkening the whole mix.",
    ),
    "too_bright": (
        ("air",),
        +1,
        "The top end is too bright",
        "Too much energy above 6 kHz: check cymbals, sibilance and any high shelf.",
    ),
    "too_dull": (
        ("presence", "air"),
        -1,
        "The top end is dull",
        "Too little energy above 4 kHz: the mix lacks air and definition; check for a low-pass "
        "filter, a dark source or too much high cut.",
    ),
}

_BAND_LABELS = {
    "sub": "sub (20-60 Hz)",
    "low": "low (60-250 Hz)",
    "low_mid": "low mids (250-500 Hz)",
    "mid": "mids (500 Hz-2 kHz)",
    "high_mid": "upper mids (2-4 kHz)",
    "presence": "presence (4-6 kHz)",
    "air": "air (6-20 kHz)",
}


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
    cents = thresholds().value("tonal.note_cents")
    judged = {"resonances": off_key_resonances(spectrum.resonances, tonality, cents=cents)}
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
    """Findings from a spectrum filled by :func:`fill_targets`."""
    by_name = {band.name: band for band in filled.bands}
    steps = ctx.limits.steps("band_db", ctx.feedback_type)
    findings: list[Finding] = []
    for code, (names, direction, title, advice) in _RULES.items():
        departing = [
            by_name[name]
            for name in names
            if name in by_name
            and by_name[name].delta_db is not None
            and (by_name[name].delta_db or 0.0) * direction > 0
        ]
        if not departing:
            continue
        severity = worst(*(steps.severity(band.delta_db or 0.0) for band in departing))
        described = "; ".join(
            f"{_BAND_LABELS[band.name]} at {fmt(band.level_db or 0.0, 'dB')}, "
            f"{fmt(abs(band.delta_db or 0.0), 'dB')} {'above' if direction > 0 else 'below'} "
            f"the {describe(_placed(band), 'dB')} target"
            for band in departing
        )
        findings += ctx.finding(
            code,
            severity,
            title=f"{title} for {ctx.profile.label}.",
            detail=f"{described} (band energy relative to the whole mix). {advice}",
            evidence=[
                evidence(
                    f"spectrum.bands.{band.name}.level_db",
                    band.level_db,
                    "dB",
                    _placed(band),
                    ctx.profile_source(ctx.profile.bands[band.name], section="spectral"),
                )
                for band in departing
            ]
            + _tilt_evidence(ctx, filled),
        )
    return findings


def _placed(band: Band) -> Target:
    return Target(low=band.target_low_db, high=band.target_high_db, source="team_spectrum")


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
