"""Findings: the bridge between numbers and words (see DESIGN.md, Contracts)."""

from __future__ import annotations

from mixcoach.audio.model import Model, TimeRange
from mixcoach.knowledge.thresholds import FEEDBACK_TYPES, SEVERITIES, FeedbackType, Severity

__all__ = [
    "FEEDBACK_TYPES",
    "FINDING_CODES",
    "SEVERITIES",
    "Evidence",
    "FeedbackType",
    "Finding",
    "Severity",
]

#: The fixed vocabulary. A new code is a contract change: add it here, in docs/analysis-schema.md
#: and in knowledge/data/thresholds.toml [codes] (the feedback types it matters for).
FINDING_CODES: tuple[str, ...] = (
    "clipping",
    "true_peak_over",
    "too_loud",
    "too_quiet",
    "over_compressed",
    "under_compressed",
    "stereo_too_narrow",
    "stereo_too_wide",
    "phase_issue",
    "channel_imbalance",
    "wide_low_end",
    "dc_offset",
    "too_bright",
    "too_dull",
    "too_boomy",
    "too_thin",
    "muddy",
    "harsh",
    "silence_padding",
    "low_resolution_source",
    "section_no_lift",
    "section_peak_narrow",
    "section_peak_dark",
    # comparison with a reference track
    "reference_louder",
    "reference_quieter",
    "reference_brighter",
    "reference_darker",
    "reference_more_bass",
    "reference_less_bass",
    "reference_wider",
    "reference_narrower",
    "reference_more_dynamic",
    "reference_less_dynamic",
    "reference_tempo_mismatch",
    "reference_key_mismatch",
    "reference_section_differs",
)


class Evidence(Model):
    metric: str  # dotted path into the Analysis, e.g. "loudness.integrated_lufs"
    value: float | None
    unit: str  # "LUFS", "dBTP", "dB", "LU", "", ...
    target_low: float | None  # the acceptable range; None for an open end
    target_high: float | None
    source: str  # where the target comes from: the genre profile, a platform, the reference


class Finding(Model):
    code: str  # one of FINDING_CODES
    severity: Severity
    title: str  # a short sentence: "The master clips in 14 places."
    detail: str  # one or two sentences quoting the measured values and the target
    evidence: list[Evidence]
    time_ranges: list[TimeRange]
    feedback_types: list[FeedbackType]  # the feedback types this finding matters for
