// What each streaming service does to a master: the delivery verdicts the feedback carries
// for a master review (gain applied on playback, the peak after it, what it means).

import { byId, formatNumber, h } from "./dom.js";

const VERDICT = {
  ok: ["Fine", "status-ok"],
  turned_down: ["Turned down", "status-high"],
  turned_up: ["Turned up", "status-ok"],
  plays_quiet: ["Plays quiet", "status-low"],
  peaks_over: ["Peaks over", "status-warning"],
  unknown: ["Unknown", "status-unknown"],
};

export function clearPlatforms(review) {
  const table = byId("platforms");
  table.hidden = true;
  table.tBodies[0].replaceChildren();
  byId("platforms-intro").textContent = review.feedback_type === "master_review"
    ? "Waiting for the feedback…"
    : "Streaming services turn finished masters up or down to their own loudness. Ask for a master review to see what each one does to this track.";
}

export function renderPlatforms(delivery) {
  if (!delivery || !delivery.length) return;
  byId("platforms-intro").textContent =
    "Each service's loudness normalisation: the gain it applies on playback and the true peak after it.";
  const db = (v, signed = false) => (v === null || v === undefined ? "—" : `${formatNumber(v, { decimals: 1, signed })} dB`);
  const rows = delivery.map((p) => {
    const [word, style] = VERDICT[p.verdict] || VERDICT.unknown;
    return h("tr", { class: "border-b border-slate-800 align-top", "data-platform": p.platform },
      h("th", { scope: "row", class: "py-2 pr-3 font-medium text-white", text: p.label }),
      h("td", { class: "whitespace-nowrap py-2 pr-3 tabular-nums", text: p.target_lufs === null ? "As delivered" : `${formatNumber(p.target_lufs, { decimals: 0 })} LUFS` }),
      h("td", { class: "whitespace-nowrap py-2 pr-3 tabular-nums platform-gain", text: db(p.gain_db, true) }),
      h("td", { class: "whitespace-nowrap py-2 pr-3 tabular-nums" },
        p.resulting_peak_dbtp === null ? "—" : `${formatNumber(p.resulting_peak_dbtp, { decimals: 1 })} dBTP`,
        p.true_peak_max_dbtp === null ? null
          : h("span", { class: "block text-xs text-slate-300", text: `ceiling ${formatNumber(p.true_peak_max_dbtp, { decimals: 1 })}` })),
      h("td", { class: "py-2" },
        h("span", { class: `pill ${style}`, text: word }),
        h("span", { class: "mt-1 block text-slate-200", text: p.note })),
    );
  });
  const table = byId("platforms");
  table.tBodies[0].replaceChildren(...rows);
  table.hidden = false;
}
