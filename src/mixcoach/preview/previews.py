"""Which previews a review has, and each one rendered and measured on the producer's audio.

One preview per plan step that a preview can render (its own move, alone), then "all fixes":
every renderable step in the plan's order. The excerpt is about 10 s around the first time the
step's findings concern, or the loudest 10 s when they concern the whole track.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import signal

from mixcoach.audio.codecs import loudness_of
from mixcoach.feedback.model import Plan, Step
from mixcoach.feedback.presets import preset_places
from mixcoach.findings.model import Finding
from mixcoach.preview.render import (
    RENDERABLE,
    Matched,
    excerpt_around,
    loudest_excerpt,
    match_loudness,
    render_steps,
    true_peak,
)

ALL_FIXES = "all"
EXCERPT_S = 10.0
PRE_ROLL_S = 2.0


@dataclass(frozen=True)
class PreviewSpec:
    """One preview: the steps it applies and where its excerpt is centred (None: loudest)."""

    id: str
    title: str
    move: str
    finding_codes: list[str]
    steps: list[Step]
    time_s: float | None
    #: Where its settings are in the review's presets (``eq.0``, ``limiter``...), in its order.
    presets: list[str]


@dataclass(frozen=True)
class Change:
    """One measured quantity of the excerpt, before and after the move (not level-matched)."""

    metric: str
    unit: str
    before: float
    after: float


@dataclass(frozen=True)
class RenderedPreview:
    spec: PreviewSpec
    sample_rate_hz: int
    start_s: float
    end_s: float
    matched: Matched
    changes: list[Change]


def preview_specs(plan: Plan, findings: Sequence[Finding]) -> list[PreviewSpec]:
    """The previews of ``plan``: one per renderable step, then all fixes (when there are any)."""
    chosen = [
        (s, place)
        for s, place in zip(plan.steps, preset_places(plan), strict=True)
        if s.move in RENDERABLE and _does_something(s)
    ]
    specs = [
        PreviewSpec(
            id=f"{i + 1}-{s.move}",
            title=s.title,
            move=s.move,
            finding_codes=list(s.finding_codes),
            steps=[s],
            time_s=_first_time(s.finding_codes, findings),
            presets=[place] if place else [],
        )
        for i, (s, place) in enumerate(chosen)
    ]
    if not specs:
        return []
    steps = [s for s, _ in chosen]
    codes = list(dict.fromkeys(c for s in steps for c in s.finding_codes))
    title = "All fixes: the whole plan in order"
    places = [place for _, place in chosen if place]
    return [*specs, PreviewSpec(ALL_FIXES, title, ALL_FIXES, codes, steps, None, places)]


def _does_something(step: Step) -> bool:
    if step.move in ("gain", "balance"):
        return bool(step.gain_db)
    return step.move == "polarity_flip" or any(
        m is not None for m in (step.eq, step.compressor, step.limiter, step.width)
    )


def _first_time(codes: Sequence[str], findings: Sequence[Finding]) -> float | None:
    for finding in findings:
        if finding.code in codes and finding.time_ranges:
            first = finding.time_ranges[0]
            return (first.start_s + first.end_s) / 2
    return None


def render_preview(audio: np.ndarray, spec: PreviewSpec, *, sample_rate_hz: int) -> RenderedPreview:
    """``spec`` rendered on its excerpt of the ``(channels, n)`` track and measured.

    The move starts ``PRE_ROLL_S`` before the excerpt, so filters, the compressor and the
    limiter's release are settled when it starts, as they would be in the producer's session."""
    if spec.time_s is None:
        start, end = loudest_excerpt(audio, sample_rate_hz=sample_rate_hz, seconds=EXCERPT_S)
    else:
        start, end = excerpt_around(
            audio, sample_rate_hz=sample_rate_hz, time_s=spec.time_s, seconds=EXCERPT_S
        )
    lead = max(0, start - round(PRE_ROLL_S * sample_rate_hz))
    rendered = render_steps(audio[:, lead:end], spec.steps, sample_rate_hz=sample_rate_hz)
    after = rendered[:, start - lead :]
    before = audio[:, start:end]
    changes = measure_changes(before, after, spec.steps, sample_rate_hz=sample_rate_hz)
    return RenderedPreview(
        spec=spec,
        sample_rate_hz=sample_rate_hz,
        start_s=start / sample_rate_hz,
        end_s=end / sample_rate_hz,
        matched=match_loudness(before, after, sample_rate_hz=sample_rate_hz),
        changes=changes,
    )


def measure_changes(
    before: np.ndarray, after: np.ndarray, steps: Sequence[Step], *, sample_rate_hz: int
) -> list[Change]:
    """What each step's move should move, measured on the excerpt before and after."""
    changes: list[Change] = []
    for step in steps:
        if step.eq is not None and step.move == "dc_removal":
            changes.append(Change("dc_offset", "", _dc(before), _dc(after)))
        elif step.eq is not None:
            hz = step.eq.frequency_hz
            changes.append(
                Change(
                    f"level_at_{round(hz)}_hz",
                    "dB",
                    band_level_db(before, hz, sample_rate_hz=sample_rate_hz),
                    band_level_db(after, hz, sample_rate_hz=sample_rate_hz),
                )
            )
        elif step.move == "polarity_flip":
            changes.append(Change("correlation", "", correlation(before), correlation(after)))
        elif step.width is not None:
            w = step.width
            changes.append(
                Change(
                    f"side_level_{round(w.low_hz)}_{round(w.high_hz)}_hz",
                    "dB",
                    side_level_db(before, w.low_hz, w.high_hz, sample_rate_hz=sample_rate_hz),
                    side_level_db(after, w.low_hz, w.high_hz, sample_rate_hz=sample_rate_hz),
                )
            )
        elif step.compressor is not None:
            changes.append(
                Change(
                    "level_spread",
                    "dB",
                    level_spread_db(before, sample_rate_hz=sample_rate_hz),
                    level_spread_db(after, sample_rate_hz=sample_rate_hz),
                )
            )
        elif step.limiter is not None:
            changes.append(
                Change(
                    "true_peak",
                    "dBTP",
                    _amplitude_db(true_peak(before, sample_rate_hz=sample_rate_hz)),
                    _amplitude_db(true_peak(after, sample_rate_hz=sample_rate_hz)),
                )
            )
        elif step.move == "balance":
            changes.append(Change("balance", "dB", balance_db(before), balance_db(after)))
    if len(steps) != 1 or steps[0].move in ("gain", "limiter"):
        changes.append(
            Change(
                "integrated_loudness",
                "LUFS",
                _lufs(before, sample_rate_hz),
                _lufs(after, sample_rate_hz),
            )
        )
    return changes


def _amplitude_db(value: float) -> float:
    return float(20 * np.log10(max(value, 1e-12)))


def _lufs(audio: np.ndarray, sample_rate_hz: int) -> float:
    value = loudness_of(audio, sample_rate_hz).integrated_lufs
    return float("nan") if value is None else value


def _dc(audio: np.ndarray) -> float:
    return float(np.max(np.abs(audio.mean(axis=1))))


def band_level_db(audio: np.ndarray, frequency_hz: float, *, sample_rate_hz: int) -> float:
    """Power in the third of an octave around ``frequency_hz`` (Welch, both channels), in dB."""
    freqs, power = signal.welch(audio, fs=sample_rate_hz, nperseg=8192, axis=-1)
    band = (freqs >= frequency_hz * 2 ** (-1 / 6)) & (freqs <= frequency_hz * 2 ** (1 / 6))
    return float(10 * np.log10(max(float(power[:, band].sum()), 1e-30)))


def side_level_db(
    audio: np.ndarray, low_hz: float, high_hz: float, *, sample_rate_hz: int
) -> float:
    """Power of the side signal between ``low_hz`` and ``high_hz``, in dB."""
    side = (audio[0] - audio[1]) / 2
    freqs, power = signal.welch(side, fs=sample_rate_hz, nperseg=8192)
    band = (freqs >= low_hz) & (freqs <= high_hz)
    return float(10 * np.log10(max(float(power[band].sum()), 1e-30)))


def correlation(audio: np.ndarray) -> float:
    """Pearson correlation of left and right (+1 mono, -1 one channel inverted)."""
    return float(np.corrcoef(audio[0], audio[1])[0, 1])


def level_spread_db(audio: np.ndarray, *, sample_rate_hz: int) -> float:
    """How far the loud 400 ms stretches sit above the quiet ones: the 95th minus the 10th
    percentile of their RMS level, in dB (what a bus compressor narrows)."""
    hop = round(0.4 * sample_rate_hz)
    cells = audio.shape[1] // hop
    power = np.square(audio[:, : cells * hop]).mean(axis=0).reshape(cells, hop).mean(axis=1)
    level = 10 * np.log10(np.maximum(power, 1e-18))
    level = level[level > level.max() - 60]  # silence is no part of the music's dynamics
    return float(np.percentile(level, 95) - np.percentile(level, 10))


def balance_db(audio: np.ndarray) -> float:
    """Left RMS over right RMS, in dB."""
    rms = np.sqrt(np.mean(np.square(audio), axis=1))
    return float(20 * np.log10(rms[0] / rms[1]))
