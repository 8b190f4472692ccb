"""The PDF report's charts, drawn as vector graphics (ReportLab ``Drawing`` flowables).

Each chart function takes measurements and returns a :class:`Drawing` as wide as the report's
text frame, or ``None`` when there is nothing to draw (the report then says why):

- :func:`loudness_chart`: short-term loudness over time, the integrated value, the genre's
  integrated-loudness target band.
- :func:`spectrum_chart`: the 1/6-octave spectrum against the genre's band targets (and the
  level-matched reference curve when there is one).
- :func:`reference_chart`: track minus reference, as a curve and per band.
- :func:`width_chart`: stereo width per band against the genre's width target.

:class:`Plot` maps data to the drawing (linear or log axes) and keeps three layers, so target
bands sit under the grid and curves over it whatever order they are added in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from reportlab.graphics.shapes import Drawing, Group, Line, Polygon, PolyLine, Rect, String
from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth

from mixcoach.analysis import Analysis
from mixcoach.audio.model import TimeRange
from mixcoach.audio.peaks import Peaks
from mixcoach.audio.stereo import Stereo
from mixcoach.export.report_styles import (
    CHART_FONT_SIZE_PT,
    CHART_HEIGHT_PT,
    PALETTE,
    Fonts,
    report_fonts,
)
from mixcoach.findings.grading import merge_ranges
from mixcoach.findings.metrics import MetricStatus
from mixcoach.findings.model import Finding
from mixcoach.findings.reference import ReferenceComparison
from mixcoach.formatting import BAND_NAMES, format_time

#: Frequency axis of the spectral charts.
FREQUENCY_RANGE_HZ = (20.0, 20000.0)
_FREQUENCY_TICKS_HZ = (20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000)
#: The spectrum is shown this far below its highest point; quieter bins sit on the floor.
SPECTRUM_SPAN_DB = 60.0
#: Loudness is shown this far below the loudest point; fades and silence sit on the floor.
LOUDNESS_SPAN_LU = 36.0
#: A series longer than this many points per chart width (pt) is drawn as its min/max envelope.
POINTS_PER_PT = 1.0
_SIXTHS_PER_OCTAVE = 6  # the curve's resolution (mixcoach.audio.spectrum.CURVE_BANDS_PER_OCTAVE)
_LINE_PT = CHART_FONT_SIZE_PT + 1.5  # one line of chart text

Legend = Sequence[tuple[str, Color, str]]  # (label, colour, "line" | "dash" | "fill")


@dataclass(frozen=True)
class Axis:
    """One axis: its range, where ticks go, how they read, and its title."""

    low: float
    high: float
    ticks: Sequence[float]
    label: Callable[[float], str]
    title: str
    log: bool = False  # positions by log10 of the value (frequencies)
    grid: bool = True

    def __post_init__(self) -> None:
        if not self.high > self.low or (self.log and self.low <= 0):
            raise ValueError(f"axis range {self.low}..{self.high} is empty or not positive")

    def fraction(self, value: float) -> float:
        """Where ``value`` sits along the axis, 0 at ``low`` and 1 at ``high`` (not clamped)."""
        if self.log:
            return math.log10(value / self.low) / math.log10(self.high / self.low)
        return (value - self.low) / (self.high - self.low)


class Plot:
    """A chart inside a Drawing of ``width_pt`` x ``height_pt``: axes, grid, legend, layers."""

    LEFT_PT = 46.0  # room for the y tick labels and title
    RIGHT_PT = 8.0
    LEGEND_ROW_PT = 12.0
    TICK_GAP_PT = 10.0  # from the plot's edge to the first line of x tick labels

    def __init__(
        self,
        *,
        width_pt: float,
        height_pt: float,
        x: Axis,
        y: Axis,
        legend: Legend,
        fonts: Fonts | None = None,
    ) -> None:
        self.fonts = fonts or report_fonts()
        self.x_axis, self.y_axis = x, y
        self.drawing = Drawing(width_pt, height_pt)
        rows = self._legend_rows(legend, width_pt - self.LEFT_PT - self.RIGHT_PT)
        top = 6.0 + self.LEGEND_ROW_PT * len(rows)
        self.label_lines = max((len(x.label(t).split("\n")) for t in x.ticks), default=1)
        self.left = self.LEFT_PT
        # x tick labels, then the axis title on a baseline 2 pt above the drawing's edge
        self.bottom = self.TICK_GAP_PT + self.label_lines * _LINE_PT + 4.0
        self.width = width_pt - self.LEFT_PT - self.RIGHT_PT
        self.height = height_pt - self.bottom - top
        if self.width <= 0 or self.height <= 20:
            raise ValueError(f"a {width_pt} x {height_pt} pt chart leaves no room to plot")
        self.under, self.grid, self.over, self.labels = Group(), Group(), Group(), Group()
        for layer in (self.under, self.grid, self.over, self.labels):
            self.drawing.add(layer)
        self._axes()
        self._legend(rows, top=height_pt - 4.0)

    def x(self, value: float) -> float:
        return self.left + self.width * self.x_axis.fraction(value)

    def y(self, value: float) -> float:
        """Drawing y of ``value``, clamped into the plot so outliers sit on its edge."""
        fraction = min(max(self.y_axis.fraction(value), 0.0), 1.0)
        return self.bottom + self.height * fraction

    def line(
        self,
        xs: Sequence[float],
        ys: Sequence[float | None],
        *,
        colour: Color,
        width_pt: float = 1.2,
        dash: tuple[float, float] | None = None,
    ) -> None:
        """A polyline through the points; ``None`` values break it (silence, no data)."""
        run: list[float] = []
        for x, y in [*zip(xs, ys, strict=True), (0.0, None)]:
            if y is None or not self.x_axis.low <= x <= self.x_axis.high:
                if len(run) >= 4:
                    self.over.add(
                        PolyLine(
                            run, strokeColor=colour, strokeWidth=width_pt, strokeDashArray=dash
                        )
                    )
                run = []
                continue
            run += [self.x(x), self.y(y)]

    def hline(self, value: float, *, colour: Color, dash: tuple[float, float] | None) -> None:
        y = self.y(value)
        self.over.add(
            Line(
                self.left,
                y,
                self.left + self.width,
                y,
                strokeColor=colour,
                strokeWidth=1.0,
                strokeDashArray=dash,
            )
        )

    def rect(
        self,
        x0: float,
        x1: float,
        y0: float,
        y1: float,
        *,
        fill: Color,
        layer: str = "under",
    ) -> None:
        """A filled rectangle in data coordinates, clipped to the plot."""
        left = max(self.x(max(x0, self.x_axis.low)), self.left)
        right = min(self.x(min(x1, self.x_axis.high)), self.left + self.width)
        bottom, top = sorted((self.y(y0), self.y(y1)))
        if right > left and top > bottom:
            group = self.under if layer == "under" else self.over
            group.add(
                Rect(left, bottom, right - left, top - bottom, fillColor=fill, strokeColor=None)
            )

    def text(self, x: float, y: float, text: str, *, colour: Color) -> None:
        """A small label centred above the data point ``(x, y)``, on a white patch so lines
        passing behind it do not cross it out."""
        centre, base = self.x(x), min(self.y(y) + 3, self.bottom + self.height - _LINE_PT)
        half = stringWidth(text, self.fonts.regular, CHART_FONT_SIZE_PT) / 2 + 1.5
        patch = Rect(centre - half, base - 2, 2 * half, _LINE_PT, fillColor=PALETTE.paper)
        patch.strokeColor = None
        self.labels.add(patch)
        self.labels.add(self._string(centre, base, text, colour=colour, anchor="middle"))

    def _string(self, x: float, y: float, text: str, *, colour: Color, anchor: str) -> String:
        return String(
            x,
            y,
            text,
            fontName=self.fonts.regular,
            fontSize=CHART_FONT_SIZE_PT,
            fillColor=colour,
            textAnchor=anchor,
        )

    def _axes(self) -> None:
        muted, size = PALETTE.muted, CHART_FONT_SIZE_PT
        right, top = self.left + self.width, self.bottom + self.height
        for tick in self.x_axis.ticks:
            x = self.x(tick)
            if self.x_axis.grid:
                self.grid.add(
                    Line(x, self.bottom, x, top, strokeColor=PALETTE.grid, strokeWidth=0.5)
                )
            for row, text in enumerate(self.x_axis.label(tick).split("\n")):
                y = self.bottom - self.TICK_GAP_PT - row * _LINE_PT
                self.grid.add(self._string(x, y, text, colour=muted, anchor="middle"))
        for tick in self.y_axis.ticks:
            y = self.y(tick)
            self.grid.add(Line(self.left, y, right, y, strokeColor=PALETTE.grid, strokeWidth=0.5))
            label = self.y_axis.label(tick)
            self.grid.add(
                self._string(self.left - 4, y - size / 3, label, colour=muted, anchor="end")
            )
        self.grid.add(
            Rect(
                self.left,
                self.bottom,
                self.width,
                self.height,
                fillColor=None,
                strokeColor=PALETTE.rule,
                strokeWidth=0.6,
            )
        )
        title_y = self.bottom - self.TICK_GAP_PT - self.label_lines * _LINE_PT - 2.0
        self.grid.add(
            self._string(
                self.left + self.width / 2,
                title_y,
                self.x_axis.title,
                colour=muted,
                anchor="middle",
            )
        )
        title = self._string(0, 0, self.y_axis.title, colour=muted, anchor="middle")
        rotated = Group(title)
        rotated.translate(8, self.bottom + self.height / 2)
        rotated.rotate(90)
        self.grid.add(rotated)

    def _legend_rows(self, legend: Legend, width_pt: float) -> list[list[tuple[str, Color, str]]]:
        rows: list[list[tuple[str, Color, str]]] = [[]]
        used = 0.0
        for item in legend:
            need = self._legend_width(item[0])
            if rows[-1] and used + need > width_pt:
                rows.append([])
                used = 0.0
            rows[-1].append(item)
            used += need
        return rows if rows[0] else []

    def _legend_width(self, label: str) -> float:
        return 22.0 + float(stringWidth(label, self.fonts.regular, CHART_FONT_SIZE_PT))

    def _legend(self, rows: list[list[tuple[str, Color, str]]], *, top: float) -> None:
        for number, row in enumerate(rows):
            y = top - (number + 1) * self.LEGEND_ROW_PT + 3
            x = self.left
            for label, colour, kind in row:
                if kind == "fill":
                    self.grid.add(Rect(x, y, 14, 7, fillColor=colour, strokeColor=None))
                else:
                    self.grid.add(
                        Line(
                            x,
                            y + 3.5,
                            x + 14,
                            y + 3.5,
                            strokeColor=colour,
                            strokeWidth=1.6,
                            strokeDashArray=(3, 2) if kind == "dash" else None,
                        )
                    )
                self.grid.add(
                    self._string(x + 18, y + 1, label, colour=PALETTE.ink, anchor="start")
                )
                x += self._legend_width(label)


def nice_ticks(low: float, high: float, *, count: int = 6) -> list[float]:
    """Round, evenly spaced ticks (steps of 1, 2, 2.5 or 5 times a power of ten) from at or
    below ``low`` to at or above ``high``: the finest such steps giving at most ``count + 2``."""
    if not high > low:
        raise ValueError(f"tick range {low}..{high} is empty")
    if count < 2:
        raise ValueError(f"count must be at least 2, got {count}")
    power = math.floor(math.log10((high - low) / (count - 1)))
    steps = sorted(m * 10.0**p for p in (power - 1, power, power + 1) for m in (1, 2, 2.5, 5))

    def spaced(step: float) -> list[float]:
        first = math.floor(low / step + 1e-9) * step
        last = math.ceil(high / step - 1e-9) * step
        return [round(first + i * step, 10) for i in range(round((last - first) / step) + 1)]

    # A step of 10 ** (power + 1) always fits, so one is found.
    return next(ticks for ticks in map(spaced, steps) if len(ticks) <= count + 2)


def _range(values: Sequence[float], *, pad: float, span: float | None = None) -> list[float]:
    """Nice ticks around ``values`` padded by ``pad``; at most ``span`` below the highest value."""
    high = max(values) + pad
    low = min(values) - pad
    if span is not None:
        low = max(low, high - span)
    return nice_ticks(low, high)


def _signed(value: float) -> str:
    return f"{value:+g}" if value else "0"


def _hz(value: float) -> str:
    return f"{value / 1000:g}k" if value >= 1000 else f"{value:g}"


def envelope(
    xs: Sequence[float], ys: Sequence[float | None], *, max_points: int
) -> tuple[list[float], list[float | None]]:
    """Thin a series to at most ``max_points`` points keeping its min/max per bucket.

    ``xs``, ``ys``: equal lengths, ``xs`` increasing. Buckets holding only ``None`` stay
    ``None`` (the line breaks there). Shorter series come back unchanged.
    """
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2, got {max_points}")
    if len(ys) <= max_points:
        return list(xs), list(ys)
    size = math.ceil(2 * len(ys) / max_points)
    buckets = math.ceil(len(ys) / size)
    padded = np.full(buckets * size, np.nan)
    padded[: len(ys)] = [np.nan if y is None else y for y in ys]
    values = padded.reshape(buckets, size)
    # NaN marks no data: +-inf keeps it out of min and max without all-NaN warnings.
    lows = np.where(np.isnan(values), np.inf, values).min(axis=1)
    highs = np.where(np.isnan(values), -np.inf, values).max(axis=1)
    times = np.asarray(xs, dtype=float)
    starts = times[::size]
    ends = np.append(starts[1:], times[-1])
    out_x: list[float] = []
    out_y: list[float | None] = []
    for start, end, low, high in zip(starts, ends, lows, highs, strict=True):
        empty = not math.isfinite(low)
        out_x += [float(start), float((start + end) / 2)]
        out_y += [None, None] if empty else [float(low), float(high)]
    return out_x, out_y


def _metric(metrics: Sequence[MetricStatus], name: str) -> MetricStatus | None:
    return next((m for m in metrics if m.metric == name), None)


def loudness_chart(analysis: Analysis, *, width_pt: float) -> Drawing | None:
    """Short-term loudness over time with the integrated value and the genre's target band."""
    series = analysis.loudness.short_term_lufs
    ys = series.values
    measured = [v for v in ys if v is not None]
    if not measured:
        return None
    xs = [series.start_s + i * series.hop_s for i in range(len(ys))]
    integrated = analysis.loudness.integrated_lufs
    target = _metric(analysis.metrics, "loudness.integrated_lufs")
    bounds = [t for t in (target.target_low, target.target_high) if t is not None] if target else []
    levels = [*measured, *bounds, *([integrated] if integrated is not None else [])]
    y_ticks = _range(levels, pad=2.0, span=LOUDNESS_SPAN_LU)
    duration = max(analysis.file.duration_s, xs[-1])
    legend: list[tuple[str, Color, str]] = [("Short-term loudness (3 s)", PALETTE.track, "line")]
    if integrated is not None:
        legend.append((f"Integrated {integrated:.1f} LUFS", PALETTE.integrated, "dash"))
    if bounds and target is not None:
        legend.append((f"Target for {analysis.request.genre_label}", PALETTE.target_fill, "fill"))
    plot = Plot(
        width_pt=width_pt,
        height_pt=CHART_HEIGHT_PT,
        x=_time_axis(duration),
        y=Axis(y_ticks[0], y_ticks[-1], y_ticks, lambda v: f"{v:g}", "LUFS"),
        legend=legend,
    )
    if bounds and target is not None:
        low = y_ticks[0] if target.target_low is None else target.target_low
        high = y_ticks[-1] if target.target_high is None else target.target_high
        plot.rect(0.0, duration, low, high, fill=PALETTE.target_fill)
    if integrated is not None:
        plot.hline(integrated, colour=PALETTE.integrated, dash=(4, 3))
    thin_x, thin_y = envelope(xs, ys, max_points=int(plot.width * POINTS_PER_PT))
    plot.line(thin_x, thin_y, colour=PALETTE.track)
    return plot.drawing


def correlation_chart(analysis: Analysis, *, width_pt: float) -> Drawing | None:
    """The 1-second L/R correlation through the track, with the places the findings concern
    shaded."""
    series = analysis.stereo.correlation_series
    ys = series.values
    if not any(v is not None for v in ys):
        return None
    xs = [series.start_s + i * series.hop_s for i in range(len(ys))]
    duration = max(analysis.file.duration_s, xs[-1])
    local = [f for f in analysis.findings if f.time_ranges]
    legend: list[tuple[str, Color, str]] = [("L/R correlation (1 s)", PALETTE.track, "line")]
    if local:
        legend.append(("Where a finding applies", PALETTE.finding_fill, "fill"))
    ticks = [-1.0, -0.5, 0.0, 0.5, 1.0]
    plot = Plot(
        width_pt=width_pt,
        height_pt=CHART_HEIGHT_PT,
        x=_time_axis(duration),
        y=Axis(-1.0, 1.0, ticks, lambda v: f"{v:g}", "Correlation"),
        legend=legend,
    )
    for finding in local:
        for span in finding.time_ranges:
            end = max(span.end_s, span.start_s + duration / 400)  # a click still shows
            plot.rect(span.start_s, end, -1.0, 1.0, fill=PALETTE.finding_fill)
    plot.hline(0.0, colour=PALETTE.muted, dash=(2, 2))
    thin_x, thin_y = envelope(xs, ys, max_points=int(plot.width * POINTS_PER_PT))
    plot.line(thin_x, thin_y, colour=PALETTE.track)
    return plot.drawing


def _time_axis(duration_s: float) -> Axis:
    """0 to ``duration_s`` with ticks at round seconds or minutes (tenths for short files)."""
    step = next(
        (s for s in (0.1, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600) if duration_s / s <= 8),
        900.0,
    )
    ticks = [i * step for i in range(int(duration_s / step + 1e-9) + 1)]

    def label(seconds: float) -> str:
        if step < 1:
            return format_time(seconds)
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes}:{rest:02d}"

    return Axis(0.0, duration_s, ticks, label, "Time (min:s)")


def spectrum_chart(analysis: Analysis, *, width_pt: float) -> Drawing | None:
    """The 1/6-octave spectrum against the genre's target curve (and the reference's curve)."""
    curve = analysis.spectrum.curve
    measured = [v for v in curve.level_db if v is not None]
    if not measured:
        return None
    target = analysis.spectrum.target_curve
    targets = (
        []
        if target is None
        else [
            (hz, low, high)
            for hz, low, high in zip(
                curve.frequencies_hz, target.low_db, target.high_db, strict=True
            )
            if low is not None and high is not None
        ]
    )
    reference = analysis.reference
    reference_curve: list[float | None] = []
    if reference is not None:
        offset = reference.comparison.band_offset_db or 0.0
        reference_curve = [
            None if v is None else v + offset
            for v in reference.measurements.spectrum.curve.level_db
        ]
    levels = [*measured, *(v for _, low, high in targets for v in (low, high))]
    y_ticks = _range(levels, pad=3.0, span=SPECTRUM_SPAN_DB)
    legend: list[tuple[str, Color, str]] = [("Track", PALETTE.track, "line")]
    if reference_curve:
        legend.append(("Reference, level-matched", PALETTE.reference, "line"))
    if targets:
        legend.append(
            (f"Target curve for {analysis.request.genre_label}", PALETTE.target_fill, "fill")
        )
    plot = Plot(
        width_pt=width_pt,
        height_pt=CHART_HEIGHT_PT,
        x=_frequency_axis(),
        y=Axis(y_ticks[0], y_ticks[-1], y_ticks, lambda v: f"{v:g}", "dB per 1/6 octave"),
        legend=legend,
    )
    half_step = 2 ** (1 / (2 * _SIXTHS_PER_OCTAVE))
    for hz, low, high in targets:
        plot.rect(hz / half_step, hz * half_step, low, high, fill=PALETTE.target_fill)
    if reference is not None:
        plot.line(
            reference.measurements.spectrum.curve.frequencies_hz,
            reference_curve,
            colour=PALETTE.reference,
            width_pt=1.0,
        )
    plot.line(curve.frequencies_hz, curve.level_db, colour=PALETTE.track, width_pt=1.4)
    return plot.drawing


def _frequency_axis() -> Axis:
    return Axis(*FREQUENCY_RANGE_HZ, _FREQUENCY_TICKS_HZ, _hz, "Frequency (Hz)", log=True)


def reference_chart(comparison: ReferenceComparison, *, width_pt: float) -> Drawing | None:
    """Track minus reference: the level-matched 1/6-octave difference and the per-band bars."""
    curve = comparison.curve_difference
    bands = [b for b in comparison.band_differences if b.difference_db is not None]
    points = [] if curve is None else [v for v in curve.level_db if v is not None]
    if not points and not bands:
        return None
    values = [*points, *(b.difference_db or 0.0 for b in bands), 0.0]
    reach = min(max(6.0, max(abs(v) for v in values) + 1.0), 24.0)
    y_ticks = nice_ticks(-reach, reach)
    plot = Plot(
        width_pt=width_pt,
        height_pt=CHART_HEIGHT_PT,
        x=_frequency_axis(),
        y=Axis(y_ticks[0], y_ticks[-1], y_ticks, _signed, "dB, track minus reference"),
        legend=[
            ("Per band", PALETTE.reference, "fill"),
            ("Per 1/6 octave", PALETTE.track, "line"),
        ],
    )
    plot.hline(0.0, colour=PALETTE.muted, dash=None)
    for band in bands:
        difference = band.difference_db or 0.0
        plot.rect(band.low_hz, band.high_hz, 0.0, difference, fill=_tint(PALETTE.reference))
        # Each band's figure along the top, clear of the curve in the middle.
        plot.text(
            math.sqrt(band.low_hz * band.high_hz),
            y_ticks[-1],
            f"{difference:+.1f} dB",
            colour=PALETTE.ink,
        )
    if curve is not None:
        plot.line(curve.frequencies_hz, curve.level_db, colour=PALETTE.track, width_pt=1.2)
    return plot.drawing


def _tint(colour: Color, *, amount: float = 0.55) -> Color:
    """``colour`` mixed with white (light fills that keep the curves readable over them)."""
    return Color(*(c + (1 - c) * amount for c in (colour.red, colour.green, colour.blue)))


def width_chart(stereo: Stereo, target: MetricStatus | None, *, width_pt: float) -> Drawing | None:
    """Stereo width per band as bars, with the whole mix's width and the genre's width target."""
    bands = [b for b in stereo.bands if b.width is not None]
    if stereo.is_mono_source or not bands:
        return None
    widths = [b.width or 0.0 for b in bands]
    bounds = [t for t in (target.target_low, target.target_high) if t is not None] if target else []
    top = max(0.6, *(w + 0.1 for w in widths), *(b + 0.05 for b in bounds))
    y_ticks = nice_ticks(0.0, top)
    legend: list[tuple[str, Color, str]] = [("Width per band", PALETTE.track, "fill")]
    if stereo.width is not None:
        legend.append((f"Whole mix {stereo.width:.2f}", PALETTE.integrated, "dash"))
    if bounds:
        legend.append(("Genre target for the whole mix", PALETTE.target_fill, "fill"))
    names = [
        f"{BAND_NAMES.get(b.name, b.name)}\n{_hz(b.low_hz)}-{_hz(b.high_hz)} Hz" for b in bands
    ]
    plot = Plot(
        width_pt=width_pt,
        height_pt=CHART_HEIGHT_PT,
        x=Axis(
            -0.5,
            len(bands) - 0.5,
            range(len(bands)),
            lambda i: names[int(i)],
            "Band",
            grid=False,
        ),
        y=Axis(y_ticks[0], y_ticks[-1], y_ticks, lambda v: f"{v:g}", "Width (0 mono, 0.5 wide)"),
        legend=legend,
    )
    if bounds and target is not None:
        low = 0.0 if target.target_low is None else target.target_low
        high = y_ticks[-1] if target.target_high is None else target.target_high
        plot.rect(-0.5, len(bands) - 0.5, low, high, fill=PALETTE.target_fill)
    if stereo.width is not None:
        plot.hline(stereo.width, colour=PALETTE.integrated, dash=(4, 3))
    for index, width in enumerate(widths):
        bar = _tint(PALETTE.track, amount=0.25)
        plot.rect(index - 0.3, index + 0.3, 0.0, width, fill=bar, layer="over")
        plot.text(index, width, f"{width:.2f}", colour=PALETTE.ink)
    return plot.drawing


# --- the waveform with the findings --------------------------------------------------------

#: Runs of one finding closer than this are one place (the page's rule, web/src/js/regions.js).
MERGE_GAP_S = 0.5
#: At most this many places per finding are shaded...
MAX_PAINTED = 8
#: ...covering at most this share of the track together.
MAX_COVERAGE = 0.2
#: Lanes of finding labels above the waveform, and the room between two labels in a lane.
LABEL_LANES = 3
_LABEL_GAP_PT = 4.0
_LANE = 0.28  # a lane's height in the waveform's y units (full scale is 1)
#: Columns of the envelope per pt of the plot's width (two lines' worth of detail).
WAVE_COLUMNS_PER_PT = 2.0
_ABBREVIATIONS = {"dc": "DC", "lufs": "LUFS", "lra": "LRA", "psr": "PSR", "plr": "PLR", "eq": "EQ"}


@dataclass(frozen=True)
class Painted:
    """One local finding's places to shade: its longest merged runs in time order, and how many
    merged runs it has in all."""

    finding: Finding
    places: list[TimeRange]
    total: int


def painted_findings(findings: Sequence[Finding], *, duration_s: float) -> list[Painted]:
    """The places of ``findings`` the waveform shades, by the page's rules: runs of one finding
    that nearly touch are merged; the longest are kept, at most MAX_PAINTED and together
    MAX_COVERAGE of the track (the first is kept even when longer, cut to that share); a range
    covering the whole track is not a place."""
    budget = MAX_COVERAGE * duration_s
    out: list[Painted] = []
    for finding in findings:
        local = [
            r
            for r in finding.time_ranges
            if not (r.start_s <= 0.05 and r.end_s >= duration_s - 0.05)
        ]
        if not local:
            continue
        merged = merge_ranges(local, gap_s=MERGE_GAP_S, limit=len(local))
        places: list[TimeRange] = []
        used = 0.0
        for run in sorted(merged, key=lambda r: r.end_s - r.start_s, reverse=True):
            if len(places) >= MAX_PAINTED:
                break
            length = run.end_s - run.start_s
            if places and used + length > budget:
                continue
            if length > budget:
                run = TimeRange(start_s=run.start_s, end_s=run.start_s + budget)
            places.append(run)
            used += min(length, budget)
        out.append(Painted(finding, sorted(places, key=lambda r: r.start_s), len(merged)))
    return out


def label_lanes(labels: Sequence[tuple[float, float]], *, lanes: int = LABEL_LANES) -> list[int]:
    """The lane (0..lanes-1) of each label ``(x, width)`` in pt, or -1 when no lane has room,
    so no two labels in a lane overlap (the page's rule)."""
    ends = [-math.inf] * lanes
    out = [-1] * len(labels)
    for index in sorted(range(len(labels)), key=lambda i: labels[i][0]):
        x, width = labels[index]
        lane = next((n for n, end in enumerate(ends) if end + _LABEL_GAP_PT <= x), -1)
        if lane >= 0:
            out[index] = lane
            ends[lane] = x + width
    return out


def code_words(code: str) -> str:
    """A finding's code as the page's labels write it: "dc_offset" -> "DC offset"."""
    words = " ".join(_ABBREVIATIONS.get(w.lower(), w) for w in code.replace("-", "_").split("_"))
    return words[:1].upper() + words[1:]


@dataclass(frozen=True)
class WaveEnvelope:
    """``times_s[i]`` is the start of column ``i``; ``low[i]``/``high[i]`` its lowest and
    highest sample (full scale) over all channels."""

    times_s: list[float]
    low: list[float]
    high: list[float]


def wave_envelope(peaks: Peaks, *, columns: int) -> WaveEnvelope | None:
    """The outline at about ``columns`` columns: from the coarsest level with at least that
    many, each new column the min and max of whole columns of it. None for an empty outline."""
    if columns < 1:
        raise ValueError(f"columns must be positive, got {columns}")
    levels = [level for level in peaks.levels if level.columns > 0]
    if not levels or peaks.duration_s <= 0:
        return None
    level = next(
        (lv for lv in sorted(levels, key=lambda lv: lv.columns) if lv.columns >= columns),
        max(levels, key=lambda lv: lv.columns),
    )
    count = min(columns, level.columns)
    edges = (np.arange(count, dtype=np.int64) * level.columns) // count
    low = np.minimum.reduceat(np.asarray(level.low, dtype=float), edges)
    high = np.maximum.reduceat(np.asarray(level.high, dtype=float), edges)
    times = edges * (peaks.duration_s / level.columns)
    return WaveEnvelope(times.tolist(), low.tolist(), high.tolist())


def waveform_chart(analysis: Analysis, peaks: Peaks, *, width_pt: float) -> Drawing | None:
    """The track's min/max outline over time, the sections as labelled bands along the top and
    the findings' places shaded with their labels in lanes above; None without an outline."""
    duration = max(peaks.duration_s, analysis.file.duration_s)
    painted = painted_findings(analysis.findings, duration_s=duration)
    sections = analysis.sections
    fonts = report_fonts()
    labels = _finding_labels(
        painted,
        duration_s=duration,
        left_pt=Plot.LEFT_PT,
        width_pt=width_pt - Plot.LEFT_PT - Plot.RIGHT_PT,
        fonts=fonts,
    )
    # Above full scale (in the y axis' units): a row for the sections, then the lanes in use.
    band = 0.3
    lanes_low = 1.0 + (band if sections else 0.0) + 0.05
    top = lanes_low + _LANE * (max((lane for _, _, lane in labels), default=-1) + 1)
    legend: list[tuple[str, Color, str]] = [
        ("Waveform (lowest and highest sample)", PALETTE.track, "fill")
    ]
    if painted:
        legend.append(("Where a finding applies", PALETTE.finding_over, "fill"))
    if sections:
        legend.append(("Sections", PALETTE.grid, "fill"))
    ticks = [-1.0, -0.5, 0.0, 0.5, 1.0]
    plot = Plot(
        width_pt=width_pt,
        height_pt=CHART_HEIGHT_PT,
        x=_time_axis(duration),
        y=Axis(-1.0, top, ticks, lambda v: f"{v:g}", "Amplitude (full scale)"),
        legend=legend,
        fonts=fonts,
    )
    wave = wave_envelope(peaks, columns=max(1, int(plot.width * WAVE_COLUMNS_PER_PT)))
    if wave is None:
        return None
    outline = [
        c for t, v in zip(wave.times_s, wave.high, strict=True) for c in (plot.x(t), plot.y(v))
    ]
    outline += [
        c
        for t, v in reversed(list(zip(wave.times_s, wave.low, strict=True)))
        for c in (plot.x(t), plot.y(v))
    ]
    plot.over.add(Polygon(outline, fillColor=_tint(PALETTE.track, amount=0.2), strokeColor=None))
    for item in painted:
        for place in item.places:
            end = max(place.end_s, place.start_s + duration / 400)  # a click still shows
            # Over the outline (a loud track's covers the whole height), see-through.
            plot.rect(place.start_s, end, -1.0, 1.0, fill=PALETTE.finding_over, layer="over")
    plot.hline(0.0, colour=PALETTE.muted, dash=(2, 2))
    for index, section in enumerate(sections):
        shade = PALETTE.grid if index % 2 == 0 else PALETTE.faint
        plot.rect(section.start_s, section.end_s, 1.02, 1.0 + band, fill=shade, layer="over")
        room = plot.x(section.end_s) - plot.x(section.start_s) - 4
        # The letter and its energy where they fit, the letter alone where only it fits.
        for text in (f"{section.label} · {section.energy}", section.label):
            if stringWidth(text, plot.fonts.regular, CHART_FONT_SIZE_PT) <= room:
                plot.text((section.start_s + section.end_s) / 2, 1.03, text, colour=PALETTE.ink)
                break
    for text, x, lane in labels:
        y = plot.y(lanes_low + lane * _LANE) + 1
        plot.labels.add(
            String(
                x,
                y,
                text,
                fontName=fonts.regular,
                fontSize=CHART_FONT_SIZE_PT,
                fillColor=PALETTE.ink,
            )
        )
    return plot.drawing


def _finding_labels(
    painted: Sequence[Painted], *, duration_s: float, left_pt: float, width_pt: float, fonts: Fonts
) -> list[tuple[str, float, int]]:
    """Each finding's label, its x (pt) at its first place and its lane; a label with no room
    in any lane is left out (the caption lists every place). Worked out before the plot, whose
    height depends on how many lanes are used."""
    texts = [code_words(item.finding.code) for item in painted]
    widths = [float(stringWidth(t, fonts.regular, CHART_FONT_SIZE_PT)) for t in texts]
    # A label near the right edge starts further left, so it stays inside the plot.
    xs = [
        min(left_pt + width_pt * item.places[0].start_s / duration_s, left_pt + width_pt - w)
        for item, w in zip(painted, widths, strict=True)
    ]
    lanes = label_lanes(list(zip(xs, widths, strict=True)))
    return [(t, x, n) for t, x, n in zip(texts, xs, lanes, strict=True) if n >= 0]


def waveform_caption(analysis: Analysis, *, duration_s: float) -> str:
    """What the waveform shows, and every shaded place by finding (a label with no lane left
    is read here)."""
    text = (
        "The track's lowest and highest sample through time (full scale is 1). Shaded spans are "
        "where a finding applies"
        + (", labelled above; bands along the top are the sections" if analysis.sections else "")
        + "."
    )
    for item in painted_findings(analysis.findings, duration_s=duration_s):
        times = ", ".join(f"{format_time(p.start_s)}-{format_time(p.end_s)}" for p in item.places)
        more = len(item.places) < item.total
        text += f" {code_words(item.finding.code)}: {times}"
        text += f" (the longest {len(item.places)} of {item.total} places)." if more else "."
    return text
