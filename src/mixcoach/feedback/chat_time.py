"""Answers about a moment of the track: a time ("at 1:23"), the loudest or quietest 3 s, the
intro or outro (the first or last section when the track has sections). Questions about the
sections themselves are answered by :mod:`mixcoach.feedback.chat_sections`; this answers a
chorus or drop only for a track without sections, from the loudness over time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from mixcoach import formatting as fmt
from mixcoach.audio.model import TimeRange
from mixcoach.feedback import numbers as n
from mixcoach.feedback.advice import Context
from mixcoach.feedback.chat_draft import Draft, figure
from mixcoach.feedback.questions import Question

_Span = TypeVar("_Span", bound=TimeRange)

#: The short-term loudness window (EBU R128): each value covers the 3 s before its time.
WINDOW_S = 3.0


def answer_moment(ctx: Context, question: Question, draft: Draft) -> None:
    points = _points(ctx)
    if not points:
        draft.add("No loudness could be measured over time (the track is silent or too short).")
        return
    if question.time_s is not None:
        _at(ctx, question.time_s, points, draft)
    elif question.moment in ("loudest", "quietest"):
        _extreme(ctx, points, draft, loudest=question.moment == "loudest")
    elif question.moment in ("intro", "outro"):
        _edge(ctx, points, draft, intro=question.moment == "intro")
    else:
        draft.add(
            "No sections stood apart in this track (its material and level stay too even to "
            "mark a chorus, verse or drop). The loudest stretch is where a chorus or drop would "
            "sit:"
        )
        _extreme(ctx, points, draft, loudest=True)


def _points(ctx: Context) -> list[tuple[float, float]]:
    """(window end s, short-term LUFS) for every measured window."""
    series = ctx.analysis.loudness.short_term_lufs
    return [
        (series.start_s + i * series.hop_s, value)
        for i, value in enumerate(series.values)
        if value is not None
    ]


def _relative(ctx: Context, value: float) -> str:
    integrated = ctx.analysis.loudness.integrated_lufs
    if integrated is None:
        return ""
    side = "above" if value >= integrated else "below"
    return f", {n.lu(value - integrated)} {side} the track's integrated {n.lufs(integrated)}"


def _span(end_s: float) -> str:
    return f"{fmt.format_time(max(0.0, end_s - WINDOW_S))} to {fmt.format_time(end_s)}"


def _extreme(
    ctx: Context, points: list[tuple[float, float]], draft: Draft, *, loudest: bool
) -> None:
    end, value = (max if loudest else min)(points, key=lambda p: p[1])
    word = "loudest" if loudest else "quietest"
    draft.add(
        f"The {word} 3 s run from {_span(end)}, at {n.lufs(value)} short-term"
        f"{_relative(ctx, value)}."
    )
    _events(ctx, end - WINDOW_S, end, draft)


def _edge(ctx: Context, points: list[tuple[float, float]], draft: Draft, *, intro: bool) -> None:
    sections = [s for s in ctx.analysis.sections if s.integrated_lufs is not None]
    if len(sections) >= 2:
        section = sections[0] if intro else sections[-1]
        level = section.integrated_lufs or 0.0
        draft.add(
            f"The {'intro' if intro else 'outro'} is the {'first' if intro else 'last'} section "
            f"({fmt.format_time(section.start_s)} to {fmt.format_time(section.end_s)}): it "
            f"measures {n.lufs(level)} integrated{_relative(ctx, level)}."
        )
        _events(ctx, section.start_s, section.end_s, draft)
        return
    edge = figure("sections", "edge_s")
    duration = ctx.analysis.file.duration_s
    chosen = [
        (t, v) for t, v in points if (t <= edge + WINDOW_S if intro else t >= duration - edge)
    ]
    if not chosen:
        chosen = points[:1] if intro else points[-1:]
    average = sum(v for _, v in chosen) / len(chosen)
    start, end = (0.0, min(edge, duration)) if intro else (max(0.0, duration - edge), duration)
    name = "intro" if intro else "outro"
    draft.add(
        f"No sections stood apart, so I read the {name} as {fmt.format_time(start)} to "
        f"{fmt.format_time(end)}: it averages {n.lufs(average)} short-term"
        f"{_relative(ctx, average)}."
    )
    _events(ctx, start, end, draft)


def _at(ctx: Context, time_s: float, points: list[tuple[float, float]], draft: Draft) -> None:
    duration = ctx.analysis.file.duration_s
    if time_s > duration:
        draft.add(
            f"The track is only {fmt.format_time(duration)} long, so there is nothing at "
            f"{fmt.format_time(time_s)}."
        )
        return
    # The window centred on the moment ends half a window after it.
    end, value = min(points, key=lambda p: abs(p[0] - (time_s + WINDOW_S / 2)))
    draft.add(
        f"At {fmt.format_time(time_s)} the short-term loudness reads {n.lufs(value)} (the 3 s "
        f"from {_span(end)}){_relative(ctx, value)}."
    )
    section = next(
        (
            s
            for s in ctx.analysis.sections
            if s.start_s <= time_s < s.end_s and s.integrated_lufs is not None
        ),
        None,
    )
    if section is not None:
        draft.add(
            f"It falls in section {section.label} ({fmt.format_time(section.start_s)} to "
            f"{fmt.format_time(section.end_s)}), which measures "
            f"{n.lufs(section.integrated_lufs or 0.0)} integrated."
        )
    _events(ctx, time_s - 1.0, time_s + 1.0, draft, quiet=False)


def _events(
    ctx: Context, start_s: float, end_s: float, draft: Draft, *, quiet: bool = True
) -> None:
    """What the meters found between ``start_s`` and ``end_s``."""
    a = ctx.analysis
    found = []
    clips = _within(a.defects.clip_runs, start_s, end_s)
    if clips:
        found.append(
            f"{fmt.counted(len(clips), 'clipped run')} (from {fmt.format_time(clips[0].start_s)})"
        )
    overs = _within(a.loudness.true_peak_overs, start_s, end_s)
    if overs:
        peak = max(o.peak_dbtp for o in overs)
        found.append(f"true peaks over the ceiling, up to {n.db(peak, unit='dBTP')}")
    dips = _within(a.stereo.correlation_low_points, start_s, end_s)
    if dips:
        found.append("the left-right correlation dropping below zero")
    if found:
        draft.add(f"In that stretch the meters found {fmt.listing(found)}.")
    elif not quiet:
        draft.add("Nothing else was flagged there: no clipping, true-peak overs or phase dips.")


def _within(spans: Sequence[_Span], start_s: float, end_s: float) -> list[_Span]:
    return sorted(
        (s for s in spans if s.end_s >= start_s and s.start_s <= end_s), key=lambda s: s.start_s
    )
