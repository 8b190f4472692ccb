"""Song section rules: what a producer checks section by section.

- section_no_lift: a peak section (chorus, drop) that does not rise. Peak sections are those the
  meter marks ``peak`` and the repeats of their material (same label). A peak section should be
  at least as loud as the section leading into it and as the first peak; the tolerance is
  ``sections.no_lift_lu`` in thresholds.toml.
- section_peak_narrow, section_peak_dark: the loudest section is narrower, or darker (a lower
  spectral tilt), than the rest of the song (the other sections' duration-weighted mean) by at
  least ``sections.narrower_width`` or ``sections.darker_tilt_db_per_octave``: the part meant to
  open up closes in instead. Smaller differences come and go with the arrangement.
"""

from __future__ import annotations

from collections.abc import Callable

from mixcoach.audio.model import TimeRange
from mixcoach.audio.sections import SongSection
from mixcoach.findings.grading import Context, evidence, fmt
from mixcoach.findings.model import Finding
from mixcoach.formatting import clock
from mixcoach.knowledge.sources import Target

_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


def no_lift(ctx: Context) -> list[Finding]:
    """The peak sections quieter than what precedes them, or than the first peak."""
    tolerance = ctx.limits.value("sections.no_lift_lu")
    # A repeat of peak material is a peak section too, however much quieter it came out.
    peak_labels = {s.label for s in ctx.track.sections if s.energy == "peak"}
    peaks = [
        (s, s.integrated_lufs)
        for s in ctx.track.sections
        if s.label in peak_labels and s.integrated_lufs is not None
    ]
    if len(ctx.track.sections) < 2 or not peaks:
        return []
    first, first_lufs = peaks[0]
    falls: list[tuple[SongSection, str, float]] = []  # section, what it falls under, by how much
    for number, (section, lufs) in enumerate(peaks):
        if number and first_lufs - lufs > tolerance:
            falls.append((section, f"the first peak section ({_at(first)})", first_lufs - lufs))
        elif section.lift_lu is not None and -section.lift_lu > tolerance:
            falls.append((section, "the section before it", -section.lift_lu))
    if not falls:
        return []
    sentences = [
        f"The {_ordinal([p for p, _ in peaks].index(section))} peak section ({_at(section)}) is "
        f"{fmt(amount, 'LU')} quieter than {under}."
        for section, under, amount in falls
    ]
    return ctx.finding(
        "section_no_lift",
        "suggestion",
        title="A peak section does not lift over what comes before it.",
        detail=" ".join(sentences)
        + " Bring the chorus or drop up (level, width, more parts) or pull the section before it "
        "down, so it arrives.",
        evidence=[
            evidence(
                f"sections.{ctx.track.sections.index(section)}.integrated_lufs",
                section.integrated_lufs or 0.0,
                "LUFS",
                Target(
                    low=(section.integrated_lufs or 0.0) + amount - tolerance, source="section_lift"
                ),
                ctx.threshold_source("sections.no_lift_lu"),
            )
            for section, _, amount in falls
        ],
        time_ranges=[TimeRange(start_s=s.start_s, end_s=s.end_s) for s, _, _ in falls],
    )


def peak_narrow(ctx: Context) -> list[Finding]:
    """The loudest section narrower than the rest of the song."""
    return _loudest_against_rest(
        ctx,
        code="section_peak_narrow",
        threshold_key="sections.narrower_width",
        value=lambda s: s.width,
        field="width",
        unit="",
        digits=2,
        title="The loudest section is narrower than the rest of the song.",
        words=("narrower", "width"),
        advice="Open it up: double-tracked or panned parts, wider pads or a wider reverb in the "
        "chorus, and keep the verses a little narrower so the chorus has somewhere to go.",
    )


def peak_dark(ctx: Context) -> list[Finding]:
    """The loudest section darker (lower tilt) than the rest of the song."""
    return _loudest_against_rest(
        ctx,
        code="section_peak_dark",
        threshold_key="sections.darker_tilt_db_per_octave",
        value=lambda s: s.tilt_db_per_octave,
        field="tilt_db_per_octave",
        unit="dB/oct",
        digits=1,
        title="The loudest section is darker than the rest of the song.",
        words=("darker", "spectral tilt"),
        advice="Let it shine: cymbals, the top of the vocal or a brighter lead in the chorus, or "
        "a high shelf automated up where it starts; dense low-mid parts there dull it.",
    )


def _loudest_against_rest(
    ctx: Context,
    *,
    code: str,
    threshold_key: str,
    value: Callable[[SongSection], float | None],
    field: str,
    unit: str,
    digits: int,
    title: str,
    words: tuple[str, str],
    advice: str,
) -> list[Finding]:
    """A finding when the loudest section's ``value`` is under the others' by the threshold."""
    sections = [
        s for s in ctx.track.sections if s.integrated_lufs is not None and value(s) is not None
    ]
    if len(sections) < 2:
        return []
    loudest = max(sections, key=lambda s: s.integrated_lufs or 0.0)
    rest = [s for s in sections if s is not loudest]
    seconds = sum(s.end_s - s.start_s for s in rest)
    rest_value = sum((value(s) or 0.0) * (s.end_s - s.start_s) for s in rest) / seconds
    own = value(loudest) or 0.0
    threshold = ctx.limits.value(threshold_key)
    shortfall = rest_value - own
    if shortfall < threshold:
        return []
    index = ctx.track.sections.index(loudest)
    word, measure = words
    return ctx.finding(
        code,
        "suggestion",
        title=title,
        detail=f"The loudest section ({name(loudest)}) is {fmt(shortfall, unit, digits=digits)} "
        f"{word} than the rest of the song: {measure} {fmt(own, unit, digits=digits)} against "
        f"{fmt(rest_value, unit, digits=digits)}. {advice}",
        evidence=[
            evidence(
                f"sections.{index}.{field}",
                own,
                unit,
                Target(low=rest_value - threshold, source="section_contrast"),
                ctx.threshold_source(threshold_key),
            )
        ],
        time_ranges=[TimeRange(start_s=loudest.start_s, end_s=loudest.end_s)],
    )


def name(section: SongSection) -> str:
    """How a finding names a section: its letter and its place, ``B, 1:02-1:30``."""
    return f"{section.label}, {clock(section.start_s)}-{clock(section.end_s)}"


def _ordinal(index: int) -> str:
    return _ORDINALS[index] if index < len(_ORDINALS) else f"{index + 1}th"


def _at(section: SongSection) -> str:
    return name(section)
