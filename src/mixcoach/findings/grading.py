"""What every rule shares: the judging context, severity from distance, evidence and wording.

A rule is a pure function ``(Context) -> list[Finding]``. Its thresholds come from the genre
profile (``ctx.levels``, ``ctx.profile``) and ``knowledge/data/thresholds.toml`` (``ctx.limits``);
the severity a finding may reach and the feedback types it matters for come from the data too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mixcoach.audio.analyze import Measurements
from mixcoach.audio.defects import SILENCE_DBFS
from mixcoach.audio.model import TimeRange
from mixcoach.findings.model import SEVERITIES, Evidence, FeedbackType, Finding, Severity
from mixcoach.knowledge.genres import GenreProfile, LevelTargets
from mixcoach.knowledge.sources import Target, source
from mixcoach.knowledge.thresholds import Thresholds


@dataclass(frozen=True)
class Content:
    """How much sound a track holds, against what judging a mix needs.

    Loudness, dynamics, spectral balance and the stereo image are properties of programme, not
    of a moment: below ``min_sound_s`` of sound (and in a silent file) they are not judged, and
    only peaks, clipping, DC offset and the file's resolution are.
    """

    duration_s: float
    sound_s: float  # from the first sound above the silence threshold to the last
    min_sound_s: float  # thresholds.toml [content] min_sound_s
    silent: bool  # nothing rises above the silence threshold

    @property
    def judgeable(self) -> bool:
        return not self.silent and self.sound_s >= self.min_sound_s

    def reason(self, subject: str = "the file") -> str:
        """Why the mix cannot be judged, as a clause ("the file is silent (...)"); "" when it
        can. ``subject`` names what is judged: "the file", "the reference"."""
        if self.silent:
            return (
                f"{subject} is silent (nothing in its {self.duration_s:.2f} s rises above "
                f"{SILENCE_DBFS:.0f} dBFS)"
            )
        if self.sound_s < self.min_sound_s:
            return (
                f"{subject} holds {self.sound_s:.2f} s of sound, and judging a mix needs at "
                f"least {self.min_sound_s:.1f} s"
            )
        return ""


def content_of(measured: Measurements, limits: Thresholds) -> Content:
    """The :class:`Content` of a track (or reference) from its measured silence at the edges."""
    file, defects = measured.file, measured.defects
    silent = defects.silence_start_s >= file.duration_s
    sound = 0.0 if silent else file.duration_s - defects.silence_start_s - defects.silence_end_s
    return Content(
        duration_s=file.duration_s,
        sound_s=max(0.0, round(sound, 4)),
        min_sound_s=limits.value("content.min_sound_s"),
        silent=silent,
    )


@dataclass(frozen=True)
class Context:
    track: Measurements
    profile: GenreProfile
    feedback_type: FeedbackType
    limits: Thresholds

    @property
    def is_master(self) -> bool:
        """Judged as a finished master (delivery) rather than a mix with headroom."""
        return self.feedback_type == "master_review"

    @property
    def content(self) -> Content:
        """How much sound there is to judge (see :class:`Content`)."""
        return content_of(self.track, self.limits)

    @property
    def levels(self) -> LevelTargets:
        """Loudness and dynamics targets for this feedback type: the master's or the mix's."""
        return self.profile.master if self.is_master else self.profile.mix

    @property
    def kind(self) -> str:
        """What the file is judged as, for sentences: "master" or "mixdown"."""
        return "master" if self.is_master else "mixdown"

    def profile_source(self, target: Target, *, section: str | None = None) -> str:
        """Evidence source for a profile range: "EDM / House master profile (Spotify ...)"."""
        where = f"{self.profile.label} {section or self.kind} profile"
        return f"{where} ({source(target.source).short})"

    def threshold_source(self, key: str) -> str:
        """Evidence source for a generic threshold of thresholds.toml."""
        entry = self.limits.values.get(key) or self.limits.ranges.get(key)
        return f"Mixcoach thresholds ({source(entry.source).short if entry else key})"

    def dead_band(self, name: str) -> float:
        """The margin outside a range inside which nothing fires (thresholds.toml [dead_band]),
        by the measurement's last name ("integrated_lufs", "width"); 0 when none is set."""
        entry = self.limits.values.get(f"dead_band.{name}")
        return 0.0 if entry is None else entry.value

    def outside(self, name: str, target: Target, value: float) -> float:
        """How far ``value`` lies outside ``target`` (> 0 above, < 0 below), 0 inside the range
        and inside its dead band: a reading a hair past an edge is the edge."""
        distance = target.distance(value)
        return distance if abs(distance) > self.dead_band(name) else 0.0

    def graded(self, steps: str, distance: float) -> Severity | None:
        """The escalation severity for a distance from :meth:`outside` (None at 0)."""
        return self.limits.steps(steps, self.feedback_type).severity(distance)

    def severity_of(self, table: str) -> Severity:
        """A fixed severity from a per-feedback-type table of thresholds.toml."""
        return self.limits.severities[table][self.feedback_type]

    def finding(
        self,
        code: str,
        severity: Severity | None,
        *,
        title: str,
        detail: str,
        evidence: Sequence[Evidence],
        time_ranges: Sequence[TimeRange] = (),
    ) -> list[Finding]:
        """The finding as a one-item list (``[]`` when ``severity`` is None), severity capped."""
        if severity is None:
            return []
        rules = self.limits.codes[code]
        cap = rules.max_severity.get(self.feedback_type)
        if cap is not None and SEVERITIES.index(cap) < SEVERITIES.index(severity):
            severity = cap
        return [
            Finding(
                code=code,
                severity=severity,
                title=title,
                detail=detail,
                evidence=list(evidence),
                time_ranges=list(time_ranges),
                feedback_types=list(rules.feedback_types),
            )
        ]


def worst(*severities: Severity | None) -> Severity | None:
    present = [s for s in severities if s is not None]
    return max(present, key=SEVERITIES.index) if present else None


def worst_allowed(severity: Severity | None, cap: Severity) -> Severity | None:
    """``severity``, but no more severe than ``cap``."""
    if severity is None or SEVERITIES.index(severity) <= SEVERITIES.index(cap):
        return severity
    return cap


def evidence(
    metric: str, value: float | None, unit: str, target: Target | None, source_text: str
) -> Evidence:
    return Evidence(
        metric=metric,
        value=None if value is None else round(value, 3),
        unit=unit,
        target_low=None if target is None else target.low,
        target_high=None if target is None else target.high,
        source=source_text,
    )


def fmt(value: float, unit: str = "", *, digits: int = 1, signed: bool = False) -> str:
    """``-8.13, "LUFS"`` -> ``"-8.1 LUFS"``; ``signed`` writes a plus sign on positive values."""
    number = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return f"{number} {unit}".strip()


def describe(target: Target, unit: str = "", *, digits: int = 1) -> str:
    """A range in words: "-10.0 to -6.0 LUFS", "at most -1.0 dBTP", "at least 0.04"."""
    if target.low is not None and target.high is not None:
        return f"{target.low:.{digits}f} to {fmt(target.high, unit, digits=digits)}"
    if target.high is not None:
        return f"at most {fmt(target.high, unit, digits=digits)}"
    return f"at least {fmt(target.low or 0.0, unit, digits=digits)}"  # one end is always set


def merge_ranges(ranges: Sequence[TimeRange], *, gap_s: float, limit: int) -> list[TimeRange]:
    """Sorted ranges joined when closer than ``gap_s``; at most ``limit`` (the longest kept)."""
    merged: list[TimeRange] = []
    for r in sorted(ranges, key=lambda r: r.start_s):
        if merged and r.start_s - merged[-1].end_s <= gap_s:
            last = merged[-1]
            merged[-1] = TimeRange(start_s=last.start_s, end_s=max(last.end_s, r.end_s))
        else:
            merged.append(TimeRange(start_s=r.start_s, end_s=r.end_s))
    if len(merged) > limit:
        keep = sorted(merged, key=lambda r: r.end_s - r.start_s, reverse=True)[:limit]
        merged = sorted(keep, key=lambda r: r.start_s)
    return [TimeRange(start_s=round(r.start_s, 3), end_s=round(r.end_s, 3)) for r in merged]
