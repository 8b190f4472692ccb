// The charts: loudness over time, spectrum against the genre target (and the reference),
// the track-minus-reference difference, stereo width per band, correlation over time.
// uPlot draws the line charts on canvas; the width bars are plain elements.

import uPlot from "uplot";
import { byId, formatNumber, formatTime, h, humanize } from "./dom.js";

const COLOURS = {
  track: "#22d3ee", // cyan-400
  reference: "#f0abfc", // fuchsia-300
  target: "#34d399", // emerald-400
  targetFill: "rgba(52, 211, 153, 0.16)",
  integrated: "#fcd34d", // amber-300
  zero: "#94a3b8", // slate-400
  axis: "#cbd5e1", // slate-300
  grid: "rgba(148, 163, 184, 0.18)",
};
const HEIGHT_PX = 240;

let charts = [];
let resizer = null;

/** Remove every chart (before another review is shown). */
export function clearCharts() {
  for (const chart of charts) chart.destroy();
  charts = [];
  if (resizer) resizer.disconnect();
  resizer = null;
}

/** Frequencies a producer reads on a log axis; the other grid lines stay unlabelled. */
const LABELLED_HZ = new Set([20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000]);
const hzText = (v) => (v >= 1000 ? `${v / 1000}k` : `${v}`);

function axes(xLabel, yLabel, { logX = false, time = false } = {}) {
  const common = { stroke: COLOURS.axis, grid: { stroke: COLOURS.grid, width: 1 }, ticks: { stroke: COLOURS.grid } };
  return [
    {
      ...common, label: xLabel, labelSize: 24,
      values: logX
        ? (_, splits) => splits.map((v) => (v !== null && LABELLED_HZ.has(Math.round(v)) ? hzText(Math.round(v)) : ""))
        : time ? (_, splits) => splits.map((v) => (v === null ? "" : formatTime(v))) : undefined,
      // Ticks on whole seconds, at steps a clock reads (5 s, 15 s, 30 s, 1 min...).
      incrs: time ? TIME_STEPS_S : undefined,
    },
    { ...common, label: yLabel, labelSize: 24, size: 48 },
  ];
}

const TIME_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
const TIME_X = { label: "Time", value: (_, v) => (v === null || v === undefined ? "—" : formatTime(v, { tenths: true })) };
const FREQUENCY_X = { label: "Frequency", value: (_, v) => (v === null || v === undefined ? "—" : `${Math.round(v)} Hz`) };
const LOG_X = { x: { time: false, distr: 3, log: 10, range: [20, 20000] } };

function plot(container, { x, series, data, scales = {}, axes: axesSpec, bands }) {
  const chart = new uPlot(
    {
      width: Math.max(280, container.clientWidth),
      height: HEIGHT_PX,
      scales: { x: { time: false }, ...scales },
      series: [x, ...series],
      axes: axesSpec,
      bands,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    },
    data,
    container,
  );
  charts.push(chart);
  if (!resizer) {
    resizer = new ResizeObserver((entries) => {
      for (const entry of entries) {
        const resized = charts.find((c) => c.root.parentElement === entry.target);
        if (resized) resized.setSize({ width: Math.max(280, entry.target.clientWidth), height: HEIGHT_PX });
      }
    });
  }
  resizer.observe(container);
  return chart;
}

/** x values of a {start_s, hop_s, values} series. */
function times(series) {
  return series.values.map((_, i) => series.start_s + i * series.hop_s);
}

const fmt = (unit, decimals = 1) => (_, v) => (v === null || v === undefined ? "—" : `${formatNumber(v, { decimals })} ${unit}`.trim());

function loudnessChart(analysis) {
  const short = analysis.loudness.short_term_lufs;
  const x = times(short);
  const integrated = analysis.loudness.integrated_lufs;
  const target = analysis.metrics.find((m) => m.metric === "loudness.integrated_lufs") || {};
  const constant = (v) => x.map(() => (v === null || v === undefined ? null : v));
  const series = [
    { label: "Short-term", stroke: COLOURS.track, width: 2, value: fmt("LUFS") },
    { label: "Integrated", stroke: COLOURS.integrated, width: 1.5, dash: [6, 4], points: { show: false }, value: fmt("LUFS") },
    { label: "Target from", stroke: COLOURS.target, width: 1, points: { show: false }, value: fmt("LUFS") },
    { label: "to", stroke: COLOURS.target, width: 1, points: { show: false }, value: fmt("LUFS") },
  ];
  const data = [x, short.values, constant(integrated), constant(target.target_low), constant(target.target_high)];
  const reference = analysis.reference && analysis.reference.measurements.loudness.short_term_lufs;
  if (reference) {
    // The reference's own times; uPlot wants one x for all, so look each value up by time.
    const at = new Map(times(reference).map((t, i) => [t.toFixed(1), reference.values[i]]));
    series.push({ label: "Reference", stroke: COLOURS.reference, width: 1.5, dash: [3, 3], value: fmt("LUFS") });
    data.push(x.map((t) => at.get(t.toFixed(1)) ?? null));
  }
  const bands = target.target_low !== null && target.target_high !== null && target.target_low !== undefined
    ? [{ series: [4, 3], fill: COLOURS.targetFill }] : undefined;
  plot(byId("chart-loudness"), { x: TIME_X, series, data, bands, axes: axes("Time", "LUFS", { time: true }) });
}

function spectrumChart(analysis) {
  const { curve, target_curve: target } = analysis.spectrum;
  const x = curve.frequencies_hz;
  // The genre's target curve, already placed at the track's level and on the curve's scale.
  const low = target ? target.low_db : x.map(() => null);
  const high = target ? target.high_db : x.map(() => null);
  const series = [
    { label: "Track", stroke: COLOURS.track, width: 2, value: fmt("dB") },
    { label: "Target from", stroke: COLOURS.target, width: 1, points: { show: false }, value: fmt("dB") },
    { label: "to", stroke: COLOURS.target, width: 1, points: { show: false }, value: fmt("dB") },
  ];
  const data = [x, curve.level_db, low, high];
  const reference = analysis.reference;
  if (reference) {
    // The reference's curve, shifted by the common band offset so shapes compare, not levels.
    const refCurve = reference.measurements.spectrum.curve;
    const offset = reference.comparison.band_offset_db || 0;
    const at = new Map(refCurve.frequencies_hz.map((f, i) => [f, refCurve.level_db[i]]));
    series.push({ label: "Reference", stroke: COLOURS.reference, width: 1.5, dash: [3, 3], value: fmt("dB") });
    data.push(x.map((f) => (at.has(f) && at.get(f) !== null ? at.get(f) + offset : null)));
  }
  plot(byId("chart-spectrum"), {
    x: FREQUENCY_X, series, data, bands: [{ series: [3, 2], fill: COLOURS.targetFill }],
    scales: LOG_X,
    axes: axes("Frequency (Hz)", "dB", { logX: true }),
  });
}

function differenceChart(analysis) {
  const figure = byId("chart-difference-figure");
  const difference = analysis.reference && analysis.reference.comparison.curve_difference;
  figure.hidden = !difference;
  if (!difference) return;
  const x = difference.frequencies_hz;
  plot(byId("chart-difference"), {
    x: FREQUENCY_X,
    series: [
      { label: "Track − reference", stroke: COLOURS.reference, width: 2, value: fmt("dB") },
      { label: "Same", stroke: COLOURS.zero, width: 1, dash: [4, 4], points: { show: false }, value: fmt("dB") },
    ],
    data: [x, difference.level_db, x.map(() => 0)],
    scales: LOG_X,
    axes: axes("Frequency (Hz)", "dB", { logX: true }),
  });
}

function correlationChart(analysis) {
  const series = analysis.stereo.correlation_series;
  const x = times(series);
  plot(byId("chart-correlation"), {
    x: TIME_X,
    series: [
      { label: "Correlation", stroke: COLOURS.track, width: 2, value: fmt("", 2) },
      { label: "Zero", stroke: COLOURS.zero, width: 1, dash: [4, 4], points: { show: false }, value: fmt("", 0) },
    ],
    data: [x, series.values, x.map(() => 0)],
    scales: { y: { range: [-1, 1] } },
    axes: axes("Time", "Correlation", { time: true }),
  });
}

function widthBars(analysis) {
  const reference = analysis.reference && analysis.reference.measurements.stereo.bands;
  // replaceChildren writes a null child as the text "null": leave the note out instead.
  const note = reference ? [h("p", { class: "mt-2 text-xs text-slate-300", text: "Pink marks: the reference's width in the same band." })] : [];
  byId("chart-width").replaceChildren(
    h("ul", { class: "space-y-2" },
      ...analysis.stereo.bands.map((band, i) => {
        const width = band.width;
        const refBand = reference && reference[i];
        return h("li", { class: "grid grid-cols-[6.5rem_minmax(0,1fr)_3rem] items-center gap-2 text-sm", "data-band": band.name },
          h("span", { class: "text-slate-200" },
            humanize(band.name),
            h("span", { class: "block text-xs text-slate-300", text: `${formatNumber(band.low_hz, { decimals: 0 })}–${formatNumber(band.high_hz, { decimals: 0 })} Hz` })),
          h("span", { class: "relative h-4 rounded bg-slate-800", "aria-hidden": "true" },
            h("span", { class: "absolute inset-y-0 left-0 rounded bg-cyan-400", style: `width:${Math.min(1, Math.max(0, width ?? 0)) * 100}%` }),
            refBand && refBand.width !== null
              ? h("span", { class: "absolute -inset-y-0.5 w-0.5 bg-fuchsia-300", style: `left:${Math.min(1, refBand.width) * 100}%`, title: "Reference" })
              : null),
          h("span", { class: "text-right tabular-nums text-white", text: formatNumber(width, { decimals: 2 }) }),
        );
      })),
    ...note,
  );
}

export function renderCharts(analysis) {
  clearCharts();
  loudnessChart(analysis);
  spectrumChart(analysis);
  differenceChart(analysis);
  widthBars(analysis);
  correlationChart(analysis);
}
