// What each streaming service does to the track, for every review: the gain it applies on
// playback, the loudness and true peak after it, its peak ceiling (GET /api/reviews/{id}/platforms).
// A master review's feedback adds a delivery verdict per service, shown in place of the note.

import { ApiError, getJson } from "./api.js";
import { byId, formatNumber, h } from "./dom.js";

const ACTION = {
  "turned down": ["Turned down", "status-high"],
  "turned up": ["Turned up", "status-ok"],
  unchanged: ["Unchanged", "status-ok"],
  unknown: ["Unknown", "status-unknown"],
};

const VERDICT = {
  ok: ["Fine", "status-ok"],
  turned_down: ["Turned down", "status-high"],
  turned_up: ["Turned up", "status-ok"],
  plays_quiet: ["Plays quiet", "status-low"],
  peaks_over: ["Your file peaks over", "status-warning"],
  unknown: ["Unknown", "status-unknown"],
};

const INTRO =
  "Each service's loudness normalisation: the gain it applies on playback, and the loudness and true peak listeners get.";
const NOT_A_MASTER =
  " A mix is usually mastered louder first: ask for a master review for delivery advice.";

let shown = new Map(); // the services in the table, by machine name

const dB = (v, unit, signed = false) =>
  v === null || v === undefined ? "—" : `${formatNumber(v, { decimals: 1, signed })} ${unit}`;

export function clearPlatforms() {
  const table = byId("platforms");
  table.hidden = true;
  table.tBodies[0].replaceChildren();
  shown = new Map();
  byId("platforms-intro").textContent = "Working out what each service does to this track…";
}

/** Fetch and show the table; resolves once it is shown, its failure is, or it was aborted. */
export async function loadPlatforms(review, { signal }) {
  try {
    const { platforms } = await getJson(`/api/reviews/${encodeURIComponent(review.id)}/platforms`, { signal });
    renderPlatforms(platforms, review);
  } catch (err) {
    if (err.name === "AbortError") return;
    byId("platforms-intro").textContent =
      `What the streaming services do could not be loaded: ${err instanceof ApiError ? err.message : String(err)}`;
  }
}

/** The column headings, which each cell also carries for the phone's cards (see styles.css). */
const LABELS = ["Normalises to", "Gain applied", "Your file plays at", "Your file's peak after their gain", "What it means"];

/** Whose peak is over what: "Your file peaks 0.9 dB over their ceiling". */
const peaksOver = (p) =>
  `Your file peaks ${p.peak_over_ceiling_db ? `${formatNumber(p.peak_over_ceiling_db, { decimals: 1 })} dB ` : ""}over their ceiling`;

function meaning(pill, note, p) {
  const [word, style] = pill;
  const over = p.exceeds_ceiling ? peaksOver(p) : null;
  return [
    h("span", { class: `pill ${style}`, text: pill === VERDICT.peaks_over && over ? over : word }),
    over && pill !== VERDICT.peaks_over ? h("span", { class: "pill status-warning ml-1", text: over }) : null,
    h("span", { class: "mt-1 block text-slate-200 platform-note", text: note }),
    h("span", { class: "mt-1 block text-xs text-slate-300", title: p.source_citation, text: `Source: ${p.source}` }),
  ];
}

function renderPlatforms(platforms, review) {
  byId("platforms-intro").textContent = review.feedback_type === "master_review" ? INTRO : INTRO + NOT_A_MASTER;
  const cell = (i, props, ...children) => h("td", { ...props, "data-label": LABELS[i] }, ...children);
  const rows = platforms.map((p) =>
    h("tr", { class: "border-b border-slate-800 align-top", "data-platform": p.platform },
      h("th", { scope: "row", class: "py-2 pr-3 font-medium text-white", text: p.label }),
      cell(0, { class: "whitespace-nowrap py-2 pr-3 tabular-nums", text: p.target_lufs === null ? "As delivered" : `${formatNumber(p.target_lufs, { decimals: 0 })} LUFS` }),
      cell(1, { class: "whitespace-nowrap py-2 pr-3 tabular-nums platform-gain", text: dB(p.gain_db, "dB", true) }),
      cell(2, { class: "whitespace-nowrap py-2 pr-3 tabular-nums platform-loudness", text: dB(p.playback_lufs, "LUFS") }),
      cell(3, { class: "whitespace-nowrap py-2 pr-3 tabular-nums" },
        h("span", { class: "platform-peak", text: dB(p.playback_peak_dbtp, "dBTP") }),
        h("span", { class: "block text-xs text-slate-300 platform-ceiling", text: `their ceiling ${formatNumber(p.ceiling_dbtp, { decimals: 1 })} dBTP` })),
      cell(4, { class: "py-2 platform-meaning" }, meaning(ACTION[p.action] || ACTION.unknown, p.note, p)),
    ));
  const table = byId("platforms");
  shown = new Map(platforms.map((p) => [p.platform, p]));
  table.tBodies[0].replaceChildren(...rows);
  table.hidden = false;
}

/** A master review's delivery verdicts (from its feedback), each in its service's row. */
export function showVerdicts(delivery) {
  const table = byId("platforms");
  for (const v of delivery || []) {
    const row = table.querySelector(`tr[data-platform="${CSS.escape(v.platform)}"]`);
    const p = shown.get(v.platform);
    if (!row || !p) continue;
    row.querySelector(".platform-meaning").replaceChildren(...meaning(VERDICT[v.verdict] || VERDICT.unknown, v.note, p).filter(Boolean));
  }
}
