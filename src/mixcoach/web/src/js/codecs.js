// The track as listeners get it (/api/reviews/{id}/codecs): "Check the codecs" asks for the
// check (POST: it starts it, or starts it again after a failure; a master review's started by
// itself), polls its progress (GET, 202) until the table is there (200), then offers the loudest
// excerpt as each service plays it, the original at the same loudness, mono and the artifacts.

import { ApiError, getJson, request } from "./api.js";
import { byId, formatNumber, h } from "./dom.js";

const POLL_MS = 500;
const KINDS = [
  ["decoded", "As it plays"],
  ["original", "Original, same loudness"],
  ["mono", "Mono"],
  ["artifacts", "Artifacts only"],
];

const dB = (v, unit, signed = false) =>
  v === null || v === undefined ? "—" : `${formatNumber(v, { decimals: 2, signed })} ${unit}`;
const slug = (codec) => codec.split(" ")[0].toLowerCase();

let current = null; // { reviewId, signal } of the review on the page

export function clearCodecs(review, { signal }) {
  current = { reviewId: review.id, signal };
  byId("codecs-status").textContent = "";
  const results = byId("codecs-results");
  results.hidden = true;
  results.replaceChildren();
  const button = byId("codecs-check");
  button.disabled = false;
  button.onclick = () => checkCodecs(current);
}

async function checkCodecs({ reviewId, signal }) {
  const button = byId("codecs-check");
  const status = byId("codecs-status");
  button.disabled = true;
  const path = `/api/reviews/${encodeURIComponent(reviewId)}/codecs`;
  try {
    for (let method = "POST"; ; method = "GET") {
      const response = await request(path, { method, signal });
      const body = await response.json();
      if (response.status === 200) {
        if (body.state === "failed") throw new ApiError(200, "failed", body.error);
        status.textContent = "";
        renderCodecs(reviewId, body, signal);
        return;
      }
      status.textContent = `Encoding as the services deliver it… ${body.progress_percent}%`;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (signal.aborted) return;
    }
  } catch (err) {
    if (err.name === "AbortError") return;
    status.textContent = `The codec check could not be done: ${err instanceof ApiError ? err.message : String(err)}`;
    button.disabled = false;
  }
}

function table(caption, headings, rows) {
  return h("table", { class: "w-full text-left text-sm mt-2" },
    h("caption", { class: "text-left font-medium text-white", text: caption }),
    h("thead", { class: "text-slate-300" },
      h("tr", { class: "border-b border-slate-700" }, ...headings.map((t) => h("th", { scope: "col", class: "py-1 pr-3 font-medium", text: t })))),
    h("tbody", {}, ...rows));
}

function renderCodecs(reviewId, body, signal) {
  const cell = (text, cls = "") => h("td", { class: `whitespace-nowrap py-1 pr-3 tabular-nums ${cls}`, text });
  const codecRows = body.codecs.map((c) =>
    h("tr", { class: "border-b border-slate-800", "data-codec": slug(c.codec) },
      h("th", { scope: "row", class: "py-1 pr-3 font-medium text-white", text: c.codec }),
      cell(dB(c.true_peak_dbtp, "dBTP", true), "codec-peak"),
      cell(dB(c.true_peak_change_db, "dB", true), "codec-change"),
      cell(String(c.clipped_samples), "codec-clipped")));
  const platformRows = body.platforms.map((p) =>
    h("tr", { class: "border-b border-slate-800", "data-platform": p.platform },
      h("th", { scope: "row", class: "py-1 pr-3 font-medium text-white", text: p.label }),
      cell(p.codec),
      cell(dB(p.gain_db, "dB", true)),
      cell(dB(p.decoded_peak_after_gain_dbtp, "dBTP", true), "codec-platform-peak"),
      h("td", { class: "py-1 pr-3" },
        h("span", { class: `pill ${p.verdict === "over" ? "status-warning" : "status-ok"} codec-verdict`,
          text: p.verdict === "over" ? `Over their ${formatNumber(p.ceiling_dbtp, { decimals: 1 })} dBTP ceiling` : "Within their ceiling" })),
      h("td", { class: "py-1" }, h("button", { type: "button", class: "btn codec-listen", text: `Listen as ${p.label} plays it` }))));
  const player = h("div", { class: "mt-3", id: "codecs-player" });
  const results = byId("codecs-results");
  results.replaceChildren(
    table("Through each codec", ["Codec", "Peak after decoding", "Change", "Clipped samples"], codecRows),
    table("As each service plays it", ["Service", "Codec", "Gain", "Decoded peak after their gain", "Verdict", "Listen"], platformRows),
    player);
  results.hidden = false;
  body.platforms.forEach((p, i) => {
    platformRows[i].querySelector(".codec-listen").onclick = () => showPlayers(player, reviewId, p, signal);
  });
}

async function showPlayers(box, reviewId, platform, signal) {
  box.replaceChildren(h("p", { class: "text-sm text-slate-300", text: `Loading the loudest 10 s as ${platform.label} plays it…` }));
  try {
    const players = await Promise.all(KINDS.map(async ([kind, label]) => {
      const query = new URLSearchParams({ kind, platform: platform.platform });
      const path = `/api/reviews/${encodeURIComponent(reviewId)}/codecs/${slug(platform.codec)}/audio?${query}`;
      const blob = await (await request(path, { signal })).blob();
      return h("figure", { class: "mt-2" },
        h("figcaption", { class: "text-sm text-slate-200", text: kind === "decoded" ? `As ${platform.label} plays it (${platform.codec})` : label }),
        h("audio", { controls: "", src: URL.createObjectURL(blob), "data-kind": kind, class: "codec-audio" }));
    }));
    box.replaceChildren(...players);
  } catch (err) {
    if (err.name === "AbortError") return;
    box.replaceChildren(h("p", { class: "text-sm text-slate-300", text: `The excerpts could not be loaded: ${err instanceof ApiError ? err.message : String(err)}` }));
  }
}
