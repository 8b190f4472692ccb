// Metric cards: each metric as the server shows it (findings/metric_view.py, the PDF's source
// too): its status in words and colour, its figure and unit, its target and one-line note. The
// page only draws; it never re-judges or re-rounds, so it cannot disagree with the PDF.

import { ApiError, getJson } from "./api.js";
import { byId, h } from "./dom.js";

const STATUS_MARK = { ok: "✓", low: "▼", high: "▲", problem: "!", unknown: "?", info: "" };

/** A bar with the target range shaded and the value marked, for numeric metrics with a target. */
function rangeBar(metric, view) {
  const { value, target_low: low, target_high: high } = metric;
  if (view.status === "info" || typeof value !== "number" || (low === null && high === null)) return null;
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

function card(view, metric) {
  return h(
    "li", { class: `card card-${view.status}`, "data-metric": view.metric },
    h("div", { class: "flex items-start justify-between gap-2" },
      h("h3", { class: "text-sm font-medium text-slate-200", text: view.label }),
      h("span", { class: `pill status-${view.status}` },
        h("span", { "aria-hidden": "true", text: STATUS_MARK[view.status] ?? "" }), view.status_text)),
    // The figure: a value under the card's heading, not a paragraph (nor a heading).
    h("div", { class: "metric-figure mt-1 text-2xl font-semibold tabular-nums text-white" },
      h("span", { class: "metric-value", text: view.value_text }),
      view.unit ? h("span", { class: "ml-1 text-base font-normal text-slate-300", text: view.unit }) : null),
    h("p", { class: "text-sm text-slate-300 metric-target", text: view.target_text }),
    metric ? rangeBar(metric, view) : null,
    h("p", { class: "mt-3 text-sm text-slate-200 metric-note", text: view.note }),
  );
}

export async function renderMetrics(review, analysis, { signal }) {
  const request = analysis.request;
  const kind = { mixdown: "a mixdown", mastering: "a mix going to mastering", master_review: "a master" }[request.feedback_type];
  byId("metrics-intro").textContent =
    `Targets for ${request.genre_label} as ${kind || request.feedback_type}.`;
  try {
    const views = await getJson(`/api/reviews/${encodeURIComponent(review.id)}/metrics`, { signal });
    const byMetric = new Map(analysis.metrics.map((metric) => [metric.metric, metric]));
    byId("metrics").replaceChildren(...views.map((view) => card(view, byMetric.get(view.metric))));
  } catch (err) {
    if (err.name === "AbortError") return;
    byId("metrics-intro").textContent =
      `The measurements could not be loaded: ${err instanceof ApiError ? err.message : String(err)}`;
  }
}
