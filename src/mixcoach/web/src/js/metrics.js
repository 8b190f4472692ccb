// Metric cards: each value from analysis.metrics with its target range for the genre and
// feedback type, a status (in words and colour) and the one-line note.

import { byId, formatNumber, h } from "./dom.js";

const STATUS_TEXT = { ok: "In range", low: "Low", high: "High", warning: "Problem", unknown: "Not measured", info: "For reference" };
const STATUS_MARK = { ok: "✓", low: "▼", high: "▲", warning: "!", unknown: "?", info: "" };

/** The status to show: a value with no target cannot be "in range", only informative. */
function statusOf(metric) {
  if (!STATUS_TEXT[metric.status]) return "unknown";
  if (metric.status === "ok" && metric.target_low === null && metric.target_high === null) return "info";
  return metric.status;
}

/** Ratios (no unit) read best with two decimals; counts with none. */
function valueText(metric, value) {
  if (typeof value !== "number") return value === null || value === undefined ? "—" : String(value);
  if (metric.unit === "runs" || metric.metric.endsWith("_count")) return formatNumber(value, { decimals: 0 });
  if (!metric.unit) return formatNumber(value, { decimals: 2 });
  return formatNumber(value);
}

function targetText(metric) {
  const { target_low: low, target_high: high, unit } = metric;
  const u = unit ? ` ${unit}` : "";
  if (low !== null && high !== null) return `Target ${valueText(metric, low)} to ${valueText(metric, high)}${u}`;
  if (high !== null) return `Target at most ${valueText(metric, high)}${u}`;
  if (low !== null) return `Target at least ${valueText(metric, low)}${u}`;
  return "No target for this genre";
}

/** A bar with the target range shaded and the value marked, for numeric metrics with a target. */
function rangeBar(metric) {
  const { value, target_low: low, target_high: high } = metric;
  if (typeof value !== "number" || (low === null && high === null)) return null;
  const ends = [value, low, high].filter((v) => v !== null);
  let min = Math.min(...ends);
  let max = Math.max(...ends);
  const span = max - min || Math.abs(max) || 1;
  min -= span * 0.25;
  max += span * 0.25;
  const at = (v) => `${((v - min) / (max - min)) * 100}%`;
  const from = low === null ? 0 : (low - min) / (max - min);
  const to = high === null ? 1 : (high - min) / (max - min);
  return h(
    "div", { class: "relative mt-3 h-2 rounded-full bg-slate-800", "aria-hidden": "true" },
    h("div", {
      class: "absolute inset-y-0 rounded-full bg-emerald-700",
      style: `left:${from * 100}%;width:${(to - from) * 100}%`,
    }),
    h("div", {
      class: "absolute -top-1 h-4 w-1.5 -translate-x-1/2 rounded-full bg-white ring-2 ring-slate-950",
      style: `left:${at(value)}`,
    }),
  );
}

/**
 * The tempo describes the music, it is no defect (nor is the key, which has no target): shown
 * for reference, or "Uncertain" when the pulse is too weak to trust, with the confidence of the
 * reading and the style's usual range as information.
 */
function tempoView(metric, analysis) {
  if (typeof metric.value !== "number" || metric.status === "unknown") return null;
  const { target_low: low, target_high: high } = metric;
  const rhythm = analysis.rhythm;
  const usual = low !== null && high !== null
    ? `The style usually runs ${valueText(metric, low)} to ${valueText(metric, high)} BPM`
    : "No usual tempo for this genre";
  let note = `Confidence ${formatNumber(rhythm.confidence, { decimals: 2 })}`;
  if (rhythm.uncertain) {
    note += ": the pulse is weak";
    if (rhythm.alternative_bpm) {
      note += `; it may be ${valueText(metric, rhythm.alternative_bpm)} BPM (${rhythm.alternative_relation} time)`;
    }
  }
  return { status: "info", pill: rhythm.uncertain ? "Uncertain" : STATUS_TEXT.info, target: usual, note: `${note}.` };
}

function metricView(metric, analysis) {
  const tempo = metric.metric === "rhythm.tempo_bpm" ? tempoView(metric, analysis) : null;
  if (tempo) return { ...tempo, bar: null };
  const status = statusOf(metric);
  return { status, pill: STATUS_TEXT[status], target: targetText(metric), note: metric.note, bar: rangeBar(metric) };
}

export function renderMetrics(analysis) {
  const request = analysis.request;
  const kind = { mixdown: "a mixdown", mastering: "a mix going to mastering", master_review: "a master" }[request.feedback_type];
  byId("metrics-intro").textContent =
    `Targets for ${request.genre_label} as ${kind || request.feedback_type}.`;
  byId("metrics").replaceChildren(
    ...analysis.metrics.map((metric) => {
      const view = metricView(metric, analysis);
      const unit = metric.unit && typeof metric.value === "number" ? metric.unit : "";
      return h(
        "li", { class: `card card-${view.status}`, "data-metric": metric.metric },
        h("div", { class: "flex items-start justify-between gap-2" },
          h("h3", { class: "text-sm font-medium text-slate-200", text: metric.label }),
          h("span", { class: `pill status-${view.status}` },
            h("span", { "aria-hidden": "true", text: STATUS_MARK[view.status] }), view.pill)),
        h("p", { class: "mt-1 text-2xl font-semibold tabular-nums text-white" },
          h("span", { class: "metric-value", text: valueText(metric, metric.value) }),
          unit ? h("span", { class: "ml-1 text-base font-normal text-slate-300", text: unit }) : null),
        h("p", { class: "text-sm text-slate-300 metric-target", text: view.target }),
        view.bar,
        h("p", { class: "mt-3 text-sm text-slate-200 metric-note", text: view.note }),
      );
    }),
  );
}
