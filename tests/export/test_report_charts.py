"""The report's charts: axis mapping, ticks, thinning, and that each chart draws its data."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

import numpy as np
import pytest
from reportlab.graphics.shapes import Group, PolyLine, Rect
from reviews import Review

from mixcoach.audio.model import Series
from mixcoach.export.report_charts import (
    FREQUENCY_RANGE_HZ,
    POINTS_PER_PT,
    Axis,
    Plot,
    correlation_chart,
    envelope,
    loudness_chart,
    nice_ticks,
    reference_chart,
    spectrum_chart,
    width_chart,
)
from mixcoach.export.report_styles import FRAME_WIDTH_PT, PALETTE


def shapes(group: Group) -> Iterator[object]:
    for item in group.contents:
        if isinstance(item, Group):
            yield from shapes(item)
        else:
            yield item


def lines(group: Group, colour: object) -> list[PolyLine]:
    return [s for s in shapes(group) if isinstance(s, PolyLine) and s.strokeColor == colour]


def test_log_axis_puts_the_geometric_mean_in_the_middle() -> None:
    axis = Axis(20.0, 20000.0, [], str, "Hz", log=True)
    assert axis.fraction(20.0) == 0.0
    assert axis.fraction(20000.0) == pytest.approx(1.0, abs=1e-12)
    assert axis.fraction(math.sqrt(20.0 * 20000.0)) == pytest.approx(0.5, abs=1e-12)
    assert axis.fraction(200.0) == pytest.approx(1 / 3, abs=1e-12)  # one decade of three
    linear = Axis(-30.0, 0.0, [], str, "LUFS")
    assert linear.fraction(-7.5) == pytest.approx(0.75, abs=1e-12)


@pytest.mark.parametrize(("low", "high", "log"), [(1.0, 1.0, False), (0.0, 100.0, True)])
def test_axis_refuses_an_empty_or_non_positive_log_range(
    low: float, high: float, log: bool
) -> None:
    with pytest.raises(ValueError, match=re.escape(f"axis range {low}..{high}")):
        Axis(low, high, [], str, "", log=log)


@pytest.mark.parametrize(
    ("low", "high"),
    [(-15.3, -1.1), (0.0, 0.6), (-6.0, 6.0), (-61.2, -8.9), (0.0, 3600.0), (1e-3, 2e-3), (7, 7.01)],
)
def test_ticks_are_round_even_and_cover_the_range(low: float, high: float) -> None:
    ticks = nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high
    assert 3 <= len(ticks) <= 8
    steps = np.diff(ticks)
    assert np.allclose(steps, steps[0], rtol=1e-9)
    mantissa = steps[0] / 10 ** math.floor(math.log10(steps[0]))
    assert min(abs(mantissa - m) for m in (1, 2, 2.5, 5)) < 1e-9
    # No wasted interval: the first and last lie within one step of the data.
    assert low - ticks[0] < steps[0] and ticks[-1] - high < steps[0]


def test_ticks_refuse_an_empty_range() -> None:
    with pytest.raises(ValueError, match=r"tick range 2\.0\.\.2\.0 is empty"):
        nice_ticks(2.0, 2.0)


def test_envelope_keeps_extremes_and_gaps_within_the_point_budget() -> None:
    xs = [i * 0.1 for i in range(36_000)]  # an hour of short-term loudness at 10 Hz
    ys: list[float | None] = list(-14.0 + 6.0 * np.sin(np.arange(36_000) / 500.0))
    ys[1000] = -2.0  # a lone loud spike
    ys[20_000:21_000] = [None] * 1000  # silence
    thin_x, thin_y = envelope(xs, ys, max_points=500)
    assert len(thin_x) == len(thin_y) <= 500
    assert thin_x == sorted(thin_x) and thin_x[0] == 0.0
    measured = [y for y in thin_y if y is not None]
    assert max(measured) == -2.0
    assert min(measured) == min(y for y in ys if y is not None)
    gap = [x for x, y in zip(thin_x, thin_y, strict=True) if y is None]
    assert gap and min(gap) >= 2000.0 and max(gap) < 2100.0
    assert envelope(xs[:10], ys[:10], max_points=500) == (xs[:10], ys[:10])


def test_envelope_refuses_too_small_a_budget() -> None:
    with pytest.raises(ValueError, match="max_points must be at least 2, got 1"):
        envelope([0.0, 1.0, 2.0], [1.0, 2.0, 3.0], max_points=1)


def test_plot_line_maps_points_and_breaks_at_gaps() -> None:
    plot = Plot(
        width_pt=400.0,
        height_pt=200.0,
        x=Axis(0.0, 10.0, [0, 5, 10], str, "s"),
        y=Axis(-20.0, 0.0, [-20, -10, 0], str, "LUFS"),
        legend=[("track", PALETTE.track, "line")],
    )
    plot.line([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [-10.0, -5.0, None, 0.0, -40.0, -20.0], colour="red")
    first, second = lines(plot.drawing, "red")
    assert first.points == [plot.left, plot.y(-10.0), plot.x(1.0), plot.y(-5.0)]
    assert plot.y(-5.0) == pytest.approx(plot.bottom + 0.75 * plot.height)
    # -40 lies below the axis: it is drawn on the axis's floor, not outside the plot.
    assert second.points[3] == plot.bottom and second.points[5] == plot.bottom
    assert second.points[0] == pytest.approx(plot.left + 0.3 * plot.width)


def test_spectrum_chart_draws_the_curve_the_reference_and_one_box_per_band(
    clipped: Review,
) -> None:
    analysis = clipped.analysis
    assert analysis.reference is not None
    drawing = spectrum_chart(analysis, width_pt=FRAME_WIDTH_PT)
    assert drawing is not None
    curve = analysis.spectrum.curve
    (track,) = lines(drawing, PALETTE.track)
    assert FREQUENCY_RANGE_HZ[0] <= curve.frequencies_hz[0] < curve.frequencies_hz[-1] <= 20000
    assert None not in curve.level_db
    assert len(track.points) == 2 * len(curve.level_db)
    xs = track.points[0::2]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    (reference,) = lines(drawing, PALETTE.reference)
    assert len(reference.points) == 2 * len(analysis.reference.measurements.spectrum.curve.level_db)
    under = drawing.contents[0]  # the layer beneath the grid (the legend's swatch is above)
    boxes = [s for s in shapes(under) if isinstance(s, Rect) and s.fillColor == PALETTE.target_fill]
    assert analysis.spectrum.target_curve is not None
    judged = [low for low in analysis.spectrum.target_curve.low_db if low is not None]
    # One box per judged 1/6-octave point of the target curve (90 Hz to 11 kHz: 7 octaves).
    assert len(boxes) == len(judged) >= 40


def test_reference_chart_has_a_bar_per_band(clipped: Review) -> None:
    assert clipped.analysis.reference is not None
    comparison = clipped.analysis.reference.comparison
    drawing = reference_chart(comparison, width_pt=FRAME_WIDTH_PT)
    assert drawing is not None
    assert len(lines(drawing, PALETTE.track)) >= 1
    bars = [s for s in shapes(drawing.contents[0]) if isinstance(s, Rect)]
    assert len(bars) == sum(1 for b in comparison.band_differences if b.difference_db)
    assert len(bars) >= 5
    empty = comparison.model_copy(update={"curve_difference": None, "band_differences": []})
    assert reference_chart(empty, width_pt=FRAME_WIDTH_PT) is None


def test_correlation_chart_shades_each_finding_span_where_it_lies(clipped: Review) -> None:
    """The clipped runs are local findings: each of their spans is shaded from its own start."""
    analysis = clipped.analysis
    spans = [span for f in analysis.findings for span in f.time_ranges]
    assert spans, "the planted clipping gives local findings"
    drawing = correlation_chart(analysis, width_pt=FRAME_WIDTH_PT)
    assert drawing is not None
    assert len(lines(drawing, PALETTE.track)) >= 1
    under = drawing.contents[0]  # the plot's bottom layer, not the legend's swatch
    shaded = [
        s for s in shapes(under) if isinstance(s, Rect) and s.fillColor == PALETTE.finding_fill
    ]
    assert len(shaded) == len(spans)
    series = analysis.stereo.correlation_series
    last_s = series.start_s + (len(series.values) - 1) * series.hop_s
    axis_s = max(analysis.file.duration_s, last_s)
    plot_width = FRAME_WIDTH_PT - Plot.LEFT_PT - Plot.RIGHT_PT
    expected = sorted(Plot.LEFT_PT + plot_width * span.start_s / axis_s for span in spans)
    assert sorted(r.x for r in shaded) == pytest.approx(expected, abs=0.5)
    silent = Series(start_s=0.0, hop_s=1.0, values=[None] * 3)
    mono = analysis.model_copy(
        update={"stereo": analysis.stereo.model_copy(update={"correlation_series": silent})}
    )
    assert correlation_chart(mono, width_pt=FRAME_WIDTH_PT) is None


def test_an_hour_of_loudness_is_drawn_within_the_point_budget(plain_master: Review) -> None:
    analysis = plain_master.analysis
    values: list[float | None] = list(-12.0 + 3.0 * np.sin(np.arange(36_000) / 300.0))
    series = Series(start_s=3.0, hop_s=0.1, values=values)
    file = analysis.file.model_copy(update={"duration_s": 3603.0})
    hour = analysis.model_copy(
        update={
            "file": file,
            "loudness": analysis.loudness.model_copy(update={"short_term_lufs": series}),
        }
    )
    drawing = loudness_chart(hour, width_pt=FRAME_WIDTH_PT)
    assert drawing is not None
    points = sum(len(line.points) // 2 for line in lines(drawing, PALETTE.track))
    assert 100 < points <= FRAME_WIDTH_PT * POINTS_PER_PT


def test_width_chart_is_left_out_for_mono(plain_master: Review) -> None:
    stereo = plain_master.analysis.stereo
    target = next(m for m in plain_master.analysis.metrics if m.metric == "stereo.width")
    assert width_chart(stereo, target, width_pt=FRAME_WIDTH_PT) is not None
    mono = stereo.model_copy(update={"is_mono_source": True})
    assert width_chart(mono, target, width_pt=FRAME_WIDTH_PT) is None
