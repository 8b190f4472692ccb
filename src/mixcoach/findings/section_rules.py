"""SongSection rules: section_no_lift, a peak section (chorus, drop) that does not rise.

Peak sections are those the meter marks ``peak`` and the repeats of their material (same label).
A peak section should be at least as loud as the section leading into it and as the first peak;
the tolerance is ``sections.no_lift_lu`` in thresholds.toml.
"""

from __future__ import annotations

from mixcoach.audio.model import TimeRange
from mixcoach.audio.sections import SongSection
from mixcoach.findings.grading import Context, evidence, fmt
from mixcoach.findings.model import Finding
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


def _ordinal(index: int) -> str:
    return _ORDINALS[index] if index < len(_ORDINALS) else f"{index + 1}th"


def _at(section: SongSection) -> str:
    return f"{fmt(section.start_s, 's', digits=0)}-{fmt(section.end_s, 's', digits=0)}"
