// "The settings": the review's presets (GET /api/reviews/{id}/presets) in words, in the plan's
// order, the moves done by hand first. Each plugin setting a preview plays (its `presets` names
// the place, "eq.0", "limiter"...) gets "Hear it", which opens that preview with its A/B switch:
// what the preset files hold can be heard on the producer's own track before it is loaded.

import { ApiError, getJson } from "./api.js";
import { byId, formatNumber, h } from "./dom.js";
import { hearPreview, previewsByPlace } from "./previews.js";

const EQ_WORDS = { bell: "Bell", low_shelf: "Low shelf", high_shelf: "High shelf", high_pass: "High-pass", low_pass: "Low-pass" };

/** "120 Hz", "3.2 kHz". */
function hz(value) {
  return value >= 1000 ? `${formatNumber(value / 1000, { decimals: value >= 10000 ? 1 : 2 })} kHz` : `${formatNumber(value, { decimals: 0 })} Hz`;
}

const db = (value) => `${formatNumber(value, { signed: true, decimals: 1 })} dB`;

/** Each setting as [place, what to set, why]. */
function settingRows(presets) {
  const rows = presets.eq.map((move, i) => [
    `eq.${i}`,
    move.kind.endsWith("_pass")
      ? `EQ: ${EQ_WORDS[move.kind]} at ${hz(move.frequency_hz)}`
      : `EQ: ${EQ_WORDS[move.kind]} ${db(move.gain_db)} at ${hz(move.frequency_hz)}, Q ${formatNumber(move.q, { decimals: 2 })}`,
    move.reason,
  ]);
  const c = presets.compressor;
  if (c) {
    rows.push(["compressor",
      `Compressor: ${formatNumber(c.ratio, { decimals: 1 })}:1 from ${formatNumber(c.threshold_dbfs, { decimals: 1 })} dBFS, attack ${formatNumber(c.attack_ms, { decimals: 0 })} ms, release ${formatNumber(c.release_ms, { decimals: 0 })} ms, make-up ${db(c.makeup_db)}`,
      c.reason]);
  }
  presets.stereo.forEach((w, i) => rows.push([`stereo.${i}`,
    `Width: ${formatNumber(w.width_percent, { decimals: 0 })}% from ${hz(w.low_hz)} to ${hz(w.high_hz)}`, w.reason]));
  const l = presets.limiter;
  if (l) {
    const target = l.target_lufs == null ? "" : `, aiming at ${formatNumber(l.target_lufs, { decimals: 1 })} LUFS`;
    rows.push(["limiter",
      `Limiter: ceiling ${formatNumber(l.ceiling_dbtp, { decimals: 1 })} dBTP, input gain ${db(l.input_gain_db)}, release ${formatNumber(l.release_ms, { decimals: 0 })} ms${target}`,
      l.reason]);
  }
  return rows;
}

export function clearPresets() {
  byId("presets-list").replaceChildren();
  byId("presets-notes").replaceChildren();
  byId("presets-status").textContent = "";
}

/** Show the review's settings, each with "Hear it" where a preview plays it. */
export async function renderPresets(review, { signal }) {
  clearPresets();
  const status = byId("presets-status");
  let presets;
  let byPlace = new Map();
  try {
    presets = await getJson(`/api/reviews/${encodeURIComponent(review.id)}/presets`, { signal });
    byPlace = await previewsByPlace().catch(() => new Map());
  } catch (err) {
    if (err.name !== "AbortError") status.textContent = `The settings could not be read: ${err instanceof ApiError ? err.message : String(err)}`;
    return;
  }
  if (signal.aborted) return;
  byId("presets-notes").replaceChildren(...presets.notes.map((note) => h("li", { text: note })));
  const rows = settingRows(presets);
  if (!rows.length) {
    status.textContent = "No plugin setting is called for.";
    return;
  }
  byId("presets-list").replaceChildren(...rows.map(([place, what, why]) => {
    const preview = byPlace.get(place);
    return h("li", { class: "flex flex-wrap items-start justify-between gap-3", "data-place": place },
      h("div", { class: "min-w-0 flex-1" },
        h("p", { class: "font-mono text-sm tabular-nums text-white", text: what }),
        h("p", { class: "text-xs text-slate-300", text: why })),
      preview
        ? h("button", {
          type: "button", class: "chip", "data-hear": preview.id,
          "aria-label": `Hear it, before and after: ${what}`,
          onclick: () => hearPreview(preview.id),
        }, h("span", { "aria-hidden": "true", text: "▶" }), h("span", { text: "Hear it, before and after" }))
        : null);
  }));
}
