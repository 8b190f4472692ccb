"""Comparison with a reference track: loudness and the gain to match it, a level-matched spectral
difference by band (and as a curve), dynamics, width, tempo and key, section by matching section;
and the findings that say where the track departs from the reference (codes starting
``reference_``).

Sections are matched by role, not by time: the track's loudest section with the reference's
loudest, its quietest with the reference's quietest (when both have at least two sections), so
a chorus is held against a chorus however the two songs are arranged.

Every difference is track minus reference. The findings are named from the reference's side:
``reference_louder`` means the reference is louder than the track.
"""

from __future__ import annotations

import statistics
from typing import Literal

import numpy as np
from pydantic import Field

from mixcoach.audio.analyze import Measurements
from mixcoach.audio.model import Model, TimeRange
from mixcoach.audio.sections import SongSection
from mixcoach.audio.spectrum import Curve, Spectrum
from mixcoach.findings.grading import Context, evidence, fmt
from mixcoach.findings.model import Evidence, Finding, Severity
from mixcoach.findings.section_rules import name
from mixcoach.formatting import clock, listing
from mixcoach.knowledge.sources import Target

TempoRelation = Literal["same", "half", "double", "different", "unknown"]
KeyRelation = Literal["same", "relative", "parallel", "fifth", "other", "unknown"]

#: Pitch class of each tonic spelling the tonality meter uses.
_PITCH_CLASS = {
    "C": 0,
    "B#": 0,
    "C#": 1,
    "Db": 1,
    "D": 2,
    "D#": 3,
    "Eb": 3,
    "E": 4,
    "Fb": 4,
    "F": 5,
    "E#": 5,
    "F#": 6,
    "Gb": 6,
    "G": 7,
    "G#": 8,
    "Ab": 8,
    "A": 9,
    "A#": 10,
    "Bb": 10,
    "B": 11,
    "Cb": 11,
}
_BASS_BANDS = ("sub", "low")
_TOP_BANDS = ("presence", "air")


class BandDifference(Model):
    name: str
    low_hz: float
    high_hz: float
    track_db: float | None  # band level relative to the track's total, dB
    reference_db: float | None
    difference_db: float | None  # track minus reference, level-matched (see ReferenceComparison)


SectionRole = Literal["loudest", "quietest"]


class SectionDifference(Model):
    """One of the track's sections against the reference's section of the same role."""

    role: SectionRole
    track_label: str
    reference_label: str
    track_start_s: float
    track_end_s: float
    reference_start_s: float
    reference_end_s: float
    loudness_difference_lu: float | None  # track section minus reference section, integrated
    width_difference: float | None
    tilt_difference_db_per_octave: float | None


class ReferenceComparison(Model):
    """Differences that matter between the track and its reference (track minus reference)."""

    loudness_difference_lu: float | None
    gain_to_match_db: float | None  # gain that brings the track to the reference's loudness
    true_peak_difference_db: float | None
    short_term_max_difference_lu: float | None
    # Band differences with their common shift removed (the median over the bands, like the
    # genre targets in mixcoach.findings.spectral), so a bass-heavier track shows more bass,
    # not less of everything else. ``band_offset_db`` is the shift that was removed.
    band_differences: list[BandDifference]
    band_offset_db: float | None
    # The track's 1/6-octave curve minus the reference's (both relative to their own total
    # energy), with the same common shift ``band_offset_db`` removed, on the reference's
    # frequencies.
    curve_difference: Curve | None
    plr_difference_db: float | None
    psr_difference_db: float | None
    loudness_range_difference_lu: float | None
    crest_factor_difference_db: float | None
    width_difference: float | None
    low_end_width_difference: float | None
    correlation_difference: float | None
    track_tempo_bpm: float | None
    reference_tempo_bpm: float | None
    tempo_ratio: float | None  # track tempo over reference tempo
    tempo_relation: TempoRelation
    track_key: str | None  # "A minor"
    reference_key: str | None
    key_semitones: int | None  # reference tonic minus track tonic, -5..+6
    key_relation: KeyRelation
    # Loudest against loudest, quietest against quietest; empty when either has one section.
    section_differences: list[SectionDifference] = Field(default_factory=list)


def compare(
    track: Measurements, reference: Measurements, *, tempo_fraction: float
) -> ReferenceComparison:
    """Track minus reference, for every measurement that matters when matching a reference.

    ``tempo_fraction``: tempi this close (after halving or doubling) count as the same.
    """
    loud, ref_loud = track.loudness, reference.loudness
    level = _minus(loud.integrated_lufs, ref_loud.integrated_lufs)
    gain = None if level is None else 0.0 - level  # 0.0 - x: no "-0.0" in the JSON
    bands, offset = _band_differences(track.spectrum, reference.spectrum)
    ratio, relation = _tempo(track.rhythm.tempo_bpm, reference.rhythm.tempo_bpm, tempo_fraction)
    semitones, key_relation = _key(track, reference)
    return ReferenceComparison(
        loudness_difference_lu=_round(level),
        gain_to_match_db=_round(gain),
        true_peak_difference_db=_round(_minus(loud.true_peak_dbtp, ref_loud.true_peak_dbtp)),
        short_term_max_difference_lu=_round(
            _minus(loud.short_term_max_lufs, ref_loud.short_term_max_lufs)
        ),
        band_differences=bands,
        band_offset_db=_round(offset),
        curve_difference=_curve_difference(
            track.spectrum.curve, reference.spectrum.curve, offset_db=offset
        ),
        plr_difference_db=_round(_minus(loud.plr_db, ref_loud.plr_db)),
        psr_difference_db=_round(_minus(loud.psr_db, ref_loud.psr_db)),
        loudness_range_difference_lu=_round(
            _minus(loud.loudness_range_lu, ref_loud.loudness_range_lu)
        ),
        crest_factor_difference_db=_round(
            _minus(track.dynamics.crest_factor_db, reference.dynamics.crest_factor_db)
        ),
        width_difference=_round(_minus(track.stereo.width, reference.stereo.width), 3),
        low_end_width_difference=_round(
            _minus(track.stereo.low_end_width, reference.stereo.low_end_width), 3
        ),
        correlation_difference=_round(
            _minus(track.stereo.correlation, reference.stereo.correlation), 3
        ),
        track_tempo_bpm=track.rhythm.tempo_bpm,
        reference_tempo_bpm=reference.rhythm.tempo_bpm,
        tempo_ratio=_round(ratio, 3),
        tempo_relation=relation,
        track_key=_key_name(track),
        reference_key=_key_name(reference),
        key_semitones=semitones,
        key_relation=key_relation,
        section_differences=_section_differences(track.sections, reference.sections),
    )


def matching_sections(
    track: list[SongSection], reference: list[SongSection]
) -> list[tuple[SectionRole, SongSection, SongSection]]:
    """(role, track section, reference section) for the loudest and the quietest sections."""

    def measured(sections: list[SongSection]) -> list[SongSection]:
        return [s for s in sections if s.integrated_lufs is not None]

    ours, theirs = measured(track), measured(reference)
    if len(ours) < 2 or len(theirs) < 2:
        return []

    def loudness(section: SongSection) -> float:
        return section.integrated_lufs or 0.0

    return [
        ("loudest", max(ours, key=loudness), max(theirs, key=loudness)),
        ("quietest", min(ours, key=loudness), min(theirs, key=loudness)),
    ]


def _section_differences(
    track: list[SongSection], reference: list[SongSection]
) -> list[SectionDifference]:
    return [
        SectionDifference(
            role=role,
            track_label=ours.label,
            reference_label=theirs.label,
            track_start_s=ours.start_s,
            track_end_s=ours.end_s,
            reference_start_s=theirs.start_s,
            reference_end_s=theirs.end_s,
            loudness_difference_lu=_round(_minus(ours.integrated_lufs, theirs.integrated_lufs)),
            width_difference=_round(_minus(ours.width, theirs.width), 3),
            tilt_difference_db_per_octave=_round(
                _minus(ours.tilt_db_per_octave, theirs.tilt_db_per_octave)
            ),
        )
        for role, ours, theirs in matching_sections(track, reference)
    ]


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _band_differences(
    track: Spectrum, reference: Spectrum
) -> tuple[list[BandDifference], float | None]:
    ref_levels = {band.name: band.level_db for band in reference.bands}
    raw = {
        band.name: band.level_db - level
        for band in track.bands
        if band.level_db is not None and (level := ref_levels.get(band.name)) is not None
    }
    offset = statistics.median(raw.values()) if raw else None
    bands = [
        BandDifference(
            name=band.name,
            low_hz=band.low_hz,
            high_hz=band.high_hz,
            track_db=band.level_db,
            reference_db=ref_levels.get(band.name),
            difference_db=None
            if band.name not in raw or offset is None
            else round(raw[band.name] - offset, 2),
        )
        for band in track.bands
    ]
    return bands, offset


def _curve_difference(track: Curve, reference: Curve, *, offset_db: float | None) -> Curve | None:
    """Track curve minus reference curve minus ``offset_db``, on the reference's frequencies;
    the track is interpolated on a log-frequency axis (the files' sample rates may differ)."""
    if offset_db is None or not track.frequencies_hz or not reference.frequencies_hz:
        return None
    freq = np.asarray(track.frequencies_hz, dtype=float)
    level = np.asarray([np.nan if v is None else v for v in track.level_db], dtype=float)
    keep = np.isfinite(level) & (freq > 0)
    if keep.sum() < 2:
        return None
    ref_freq = np.asarray(reference.frequencies_hz, dtype=float)
    inside = (ref_freq >= freq[keep].min()) & (ref_freq <= freq[keep].max()) & (ref_freq > 0)
    at_ref = np.interp(np.log(np.where(inside, ref_freq, 1.0)), np.log(freq[keep]), level[keep])
    values: list[float | None] = []
    for ok, track_db, ref_db in zip(inside, at_ref, reference.level_db, strict=True):
        values.append(
            None if not ok or ref_db is None else round(float(track_db - offset_db - ref_db), 2)
        )
    return Curve(frequencies_hz=list(reference.frequencies_hz), level_db=values)


def _tempo(
    track: float | None, reference: float | None, fraction: float
) -> tuple[float | None, TempoRelation]:
    if track is None or reference is None or reference <= 0:
        return None, "unknown"
    ratio = track / reference
    for relation, factor in (("same", 1.0), ("half", 0.5), ("double", 2.0)):
        if abs(ratio / factor - 1.0) <= fraction:
            return ratio, relation  # type: ignore[return-value]
    return ratio, "different"


def _key_name(measured: Measurements) -> str | None:
    tonality = measured.tonality
    if tonality.key is None or tonality.mode is None:
        return None
    return f"{tonality.key} {tonality.mode}"


def _key(track: Measurements, reference: Measurements) -> tuple[int | None, KeyRelation]:
    a, b = track.tonality, reference.tonality
    if a.key is None or b.key is None or a.mode is None or b.mode is None:
        return None, "unknown"
    if a.key not in _PITCH_CLASS or b.key not in _PITCH_CLASS:
        return None, "unknown"
    semitones = (_PITCH_CLASS[b.key] - _PITCH_CLASS[a.key]) % 12
    signed = semitones - 12 if semitones > 6 else semitones
    if a.mode == b.mode:
        relation: KeyRelation = (
            "same" if semitones == 0 else "fifth" if semitones in (5, 7) else "other"
        )
    elif semitones == 0:
        relation = "parallel"
    elif (a.mode == "minor" and semitones == 3) or (a.mode == "major" and semitones == 9):
        relation = "relative"
    else:
        relation = "other"
    return signed, relation


def reference_findings(ctx: Context, comparison: ReferenceComparison) -> list[Finding]:
    """Where the track departs from the reference by more than the thresholds."""
    limits = ctx.limits
    level_severity = ctx.severity_of("reference.level_severity")
    findings: list[Finding] = []

    def departs(
        difference: float | None,
        threshold_key: str,
        codes: tuple[str, str],
        *,
        metric: str,
        measure: str,
        unit: str,
        words: tuple[str, str],
        severity: Severity,
        digits: int = 1,
    ) -> None:
        """``codes``/``words``: (when the track is below the reference, when above);
        ``measure`` names the difference in words for the detail sentence."""
        limit = limits.value(threshold_key)
        if difference is None or abs(difference) < limit:
            return
        below = difference < 0
        code, word = (codes[0], words[0]) if below else (codes[1], words[1])
        findings.extend(
            ctx.finding(
                code,
                severity,
                title=f"The reference is {word}.",
                detail=f"Track minus reference, {measure}: "
                f"{fmt(difference, unit, digits=digits, signed=True)}.",
                evidence=[
                    evidence(
                        f"reference.comparison.{metric}",
                        difference,
                        unit,
                        Target(low=-limit, high=limit, source="reference_practice"),
                        ctx.threshold_source(threshold_key),
                    )
                ],
            )
        )

    departs(
        comparison.loudness_difference_lu,
        "reference.loudness_lu",
        ("reference_louder", "reference_quieter"),
        metric="loudness_difference_lu",
        measure="integrated loudness",
        unit="LU",
        words=("louder", "quieter"),
        severity=_louder(ctx, comparison.loudness_difference_lu, level_severity),
    )
    by_name = {band.name: band for band in comparison.band_differences}
    spectral = ctx.severity_of("reference.spectral_severity")
    departs(
        _extreme(by_name, _BASS_BANDS),
        "reference.band_db",
        ("reference_more_bass", "reference_less_bass"),
        metric="band_differences.low",
        measure="the low end (sub and low bands, loudness-matched)",
        unit="dB",
        words=("heavier in the low end", "lighter in the low end"),
        severity=spectral,
    )
    departs(
        _extreme(by_name, _TOP_BANDS),
        "reference.band_db",
        ("reference_brighter", "reference_darker"),
        metric="band_differences.high",
        measure="the top end (presence and air bands, loudness-matched)",
        unit="dB",
        words=("brighter", "darker"),
        severity=spectral,
    )
    departs(
        comparison.width_difference,
        "reference.width",
        ("reference_wider", "reference_narrower"),
        metric="width_difference",
        measure="stereo width",
        unit="",
        words=("wider", "narrower"),
        severity=spectral,
        digits=2,
    )
    dynamics = comparison.plr_difference_db
    departs(
        dynamics,
        "reference.plr_db",
        ("reference_more_dynamic", "reference_less_dynamic"),
        metric="plr_difference_db",
        measure="peak-to-loudness ratio",
        unit="dB",
        words=("more dynamic", "more compressed"),
        severity=level_severity,
    )
    if comparison.tempo_relation == "different":
        findings += ctx.finding(
            "reference_tempo_mismatch",
            ctx.severity_of("reference.tempo_severity"),
            title="The reference runs at a different tempo.",
            detail=f"Track {comparison.track_tempo_bpm:.1f} BPM, reference "
            f"{comparison.reference_tempo_bpm:.1f} BPM (not half or double time): its groove, "
            "density and the release times that suit it differ.",
            evidence=[
                evidence("rhythm.tempo_bpm", comparison.track_tempo_bpm, "BPM", None, "measured"),
                evidence(
                    "reference.measurements.rhythm.tempo_bpm",
                    comparison.reference_tempo_bpm,
                    "BPM",
                    None,
                    "measured",
                ),
            ],
        )
    findings += _section_findings(ctx, comparison)
    if comparison.key_relation == "other":
        findings += ctx.finding(
            "reference_key_mismatch",
            ctx.severity_of("reference.key_severity"),
            title="The reference is in an unrelated key.",
            detail=f"Track in {comparison.track_key}, reference in {comparison.reference_key} "
            f"({comparison.key_semitones:+d} semitones, not relative, parallel or a fifth away): "
            "fine for a sound reference, but they will clash if mixed together.",
            evidence=[],
        )
    return findings


def _section_findings(ctx: Context, comparison: ReferenceComparison) -> list[Finding]:
    """One finding per matched pair of sections that differ beyond the thresholds.

    A section's loudness difference counts when it reaches ``reference.loudness_lu`` and departs
    from the whole tracks' own difference by half that: a track 3 LU quieter throughout is
    reported once (reference_quieter), not again for each section.
    """
    findings: list[Finding] = []
    whole = comparison.loudness_difference_lu or 0.0
    level_limit = ctx.limits.value("reference.loudness_lu")
    for pair in comparison.section_differences:
        level = pair.loudness_difference_lu
        if level is not None and abs(level - whole) < level_limit / 2:
            level = None  # the whole tracks' gap, already reported
        ours = next(s for s in ctx.track.sections if s.start_s == pair.track_start_s)
        index = ctx.track.sections.index(ours)
        parts: list[str] = []
        proof: list[Evidence] = []
        checks = (
            # (difference judged, its threshold, the section's field, unit, digits, words)
            (
                level,
                "reference.loudness_lu",
                "integrated_lufs",
                "LU",
                1,
                ("quieter", "louder"),
            ),
            (pair.width_difference, "reference.width", "width", "", 2, ("narrower", "wider")),
            (
                pair.tilt_difference_db_per_octave,
                "reference.section_tilt_db_per_octave",
                "tilt_db_per_octave",
                "dB/oct",
                1,
                ("darker", "brighter"),
            ),
        )
        for difference, key, field, unit, digits, words in checks:
            limit = ctx.limits.value(key)
            value = getattr(ours, field)
            if difference is None or value is None or abs(difference) < limit:
                continue
            text = f"{fmt(abs(difference), unit, digits=digits)} {words[difference > 0]}"
            if field == "integrated_lufs":
                text += f" (the whole tracks differ by {fmt(whole, 'LU', signed=True)})"
            parts.append(text)
            expected = value - difference  # the reference section's
            proof.append(
                evidence(
                    f"sections.{index}.{field}",
                    value,
                    "LUFS" if field == "integrated_lufs" else unit,
                    Target(
                        low=expected - limit, high=expected + limit, source="reference_practice"
                    ),
                    ctx.threshold_source(key),
                )
            )
        if not parts:
            continue
        role = pair.role
        findings += ctx.finding(
            "reference_section_differs",
            ctx.severity_of("reference.spectral_severity"),
            title=f"The {role} section differs from the reference's {role} section.",
            detail=f"The track's {role} section ({name(ours)}) against the reference's "
            f"({pair.reference_label}, {clock(pair.reference_start_s)}-"
            f"{clock(pair.reference_end_s)}): {listing(parts)}.",
            evidence=proof,
            time_ranges=[TimeRange(start_s=ours.start_s, end_s=ours.end_s)],
        )
    return findings


def _louder(ctx: Context, difference: float | None, base: Severity) -> Severity:
    """A master much quieter or louder than its reference is a warning; a mixdown never is."""
    big = difference is not None and abs(difference) >= ctx.limits.value(
        "reference.loudness_warning_lu"
    )
    return "warning" if big and ctx.is_master else base


def _extreme(by_name: dict[str, BandDifference], names: tuple[str, ...]) -> float | None:
    """The band difference of largest size among ``names``."""
    values = [
        difference
        for name in names
        if name in by_name and (difference := by_name[name].difference_db) is not None
    ]
    return max(values, key=abs) if values else None
