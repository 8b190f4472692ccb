"""Judge measurements against a genre profile and feedback type (and a reference): Findings, the
metric table with targets and status, and the reference comparison.

STUB: to be implemented. The names below are the contract the rest of Mixcoach calls.
"""

from __future__ import annotations

from typing import Literal

from mixcoach.audio.analyze import Measurements
from mixcoach.audio.model import Model
from mixcoach.audio.spectrum import Spectrum
from mixcoach.findings.model import FeedbackType, Finding
from mixcoach.knowledge.genres import GenreProfile


class MetricStatus(Model):
    metric: str  # dotted path into the Analysis, e.g. "loudness.integrated_lufs"
    label: str  # "Integrated loudness"
    value: float | str | None
    unit: str
    target_low: float | None
    target_high: float | None
    status: Literal["ok", "low", "high", "warning", "unknown"]
    note: str  # one line a producer understands


class ReferenceComparison(Model):
    """Differences that matter between the track and its reference (track minus reference)."""

    loudness_difference_lu: float | None
    gain_to_match_db: float | None


class Judgement(Model):
    findings: list[Finding]
    metrics: list[MetricStatus]
    spectrum: Spectrum  # the track's spectrum with the genre targets and deltas filled in
    comparison: ReferenceComparison | None


def judge(
    track: Measurements,
    *,
    profile: GenreProfile,
    feedback_type: FeedbackType,
    reference: Measurements | None = None,
) -> Judgement:
    raise NotImplementedError
