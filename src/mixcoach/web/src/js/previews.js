// "Hear the fixes": the review's plan moves rendered on the producer's own excerpt, before and
// after, loudness-matched (GET /api/reviews/{id}/previews, .../{pid}, .../{pid}/{before|after}).
// The list is cheap (it names the previews, so finding cards can offer theirs); a preview is
// rendered only when the panel opens on it, which takes up to seconds, so it says "Rendering…".
// Before and after are two audio elements: switching carries the position over and plays the
// other at once. While the panel has focus, A plays before, B after, Space plays or pauses.

import { ApiError, download, getJson } from "./api.js";
import { byId, formatNumber, formatTime, h, humanize } from "./dom.js";

let state = null; // {base, signal, list, listed, chosen, side, audio: {before, after}, urls}

// Opus is the compact form; a browser that cannot play it (older Safari) gets AAC instead.
const compactQuery = () =>
  document.createElement("audio").canPlayType('audio/ogg; codecs="opus"') ? "" : "?format=aac";

const problem = (err) => (err instanceof ApiError ? err.message : String(err));

/** Words for a measured quantity's code: "level_at_3620_hz" → "Level at 3620 Hz". */
function metricName(metric) {
  return humanize(metric).replace(/\b(\d+) hz\b/g, "$1 Hz").replace(/ (\d+) (\d+) Hz$/, " $1–$2 Hz");
}

function stopAudio() {
  if (!state) return;
  for (const el of Object.values(state.audio)) {
    el.pause();
    el.removeAttribute("src");
    el.load();
  }
  for (const url of state.urls) URL.revokeObjectURL(url);
  state.urls = [];
}

/** Forget the last review's previews (a review is opening). */
export function clearPreviews() {
  stopAudio();
  state = null;
  byId("previews-list").replaceChildren();
  byId("previews-detail").hidden = true;
  byId("previews-status").textContent = "";
  byId("previews-box").open = false;
}

/** The review's results are shown: list its previews and offer each on its findings' cards. */
export function setupPreviews(review, { signal }) {
  clearPreviews();
  const base = `/api/reviews/${encodeURIComponent(review.id)}/previews`;
  const audio = { before: byId("preview-audio-before"), after: byId("preview-audio-after") };
  state = { base, signal, list: null, listed: false, chosen: null, side: "before", audio, urls: [] };
  const current = state;
  const box = byId("previews-box");
  box.ontoggle = () => {
    if (state !== current) return;
    if (box.open) showList(current);
    else for (const el of Object.values(audio)) el.pause(); // closed: nothing plays unseen
  };
  box.onkeydown = (e) => keys(e, current);
  byId("preview-play").onclick = () => togglePlay(current);
  byId("preview-before").onclick = () => choose(current, "before");
  byId("preview-after").onclick = () => choose(current, "after");
  for (const el of Object.values(audio)) {
    el.onplay = el.onpause = el.onended = () => showPlaying(current);
  }
  current.list = getJson(base, { signal }).then((previews) => {
    // "All fixes" first: it is the one to hear before the single moves.
    const all = previews.filter((p) => p.move === "all");
    return [...all, ...previews.filter((p) => p.move !== "all")];
  });
  current.list.then((previews) => { if (state === current) offerOnFindings(previews, current); }).catch(() => {});
}

/** The single-move previews by the presets place they play ("eq.0" → its preview), once listed. */
export async function previewsByPlace() {
  const current = state;
  const byPlace = new Map();
  if (!current) return byPlace;
  for (const preview of await current.list) {
    if (preview.move === "all") continue;
    for (const place of preview.presets) byPlace.set(place, preview);
  }
  return byPlace;
}

/** Open the panel on one preview (from a finding card or a setting). */
export function hearPreview(id) {
  if (state) openPreview(state, id);
}

/** A "Hear the fix" button on each finding card whose finding a single move previews. */
function offerOnFindings(previews, current) {
  for (const preview of previews) {
    if (preview.move === "all") continue;
    for (const code of preview.finding_codes) {
      const card = document.getElementById(`finding-${code}`);
      if (!card || card.querySelector("[data-preview-open]")) continue;
      card.append(h("div", { class: "mt-3" },
        h("button", {
          type: "button", class: "chip", "data-preview-open": preview.id,
          "aria-label": `Hear the fix: ${preview.title}`,
          onclick: () => openPreview(current, preview.id),
        }, h("span", { "aria-hidden": "true", text: "▶" }), h("span", { text: "Hear the fix" }))));
    }
  }
}

async function openPreview(current, id) {
  const box = byId("previews-box");
  current.chosen = id;
  if (!box.open) box.open = true; // the toggle event shows the list and renders the chosen one
  else await showList(current);
  box.scrollIntoView({ behavior: "smooth", block: "start" });
  byId("previews-list").focus({ preventScroll: true });
}

async function showList(current) {
  const list = byId("previews-list");
  const status = byId("previews-status");
  let previews;
  try {
    if (!current.listed) status.textContent = "Loading the previews…";
    previews = await current.list;
  } catch (err) {
    if (err.name !== "AbortError" && state === current) status.textContent = `The previews could not be listed: ${problem(err)}`;
    return;
  }
  if (state !== current) return;
  status.textContent = "";
  if (!previews.length) {
    list.replaceChildren(h("li", { class: "text-sm text-slate-300", text: "No move in the plan can be previewed: the fixes left are done by hand." }));
    return;
  }
  if (!current.listed) {
    current.listed = true;
    list.replaceChildren(...previews.map((preview) =>
      h("li", {},
        h("button", {
          type: "button", class: "ab-btn w-full text-left", "data-preview": preview.id, "aria-pressed": "false",
          onclick: () => render(current, preview),
        },
        h("span", { class: "block font-semibold", text: preview.move === "all" ? "All fixes" : preview.title }),
        h("span", {
          class: "block text-xs",
          text: preview.move === "all" ? "Every move of the plan, in its order" : `${humanize(preview.move)} · ${preview.finding_codes.map(humanize).join(", ")}`,
        })))));
  }
  const chosen = previews.find((p) => p.id === current.chosen) || previews[0];
  await render(current, chosen);
}

async function render(current, preview) {
  current.chosen = preview.id;
  for (const button of byId("previews-list").querySelectorAll("[data-preview]")) {
    button.setAttribute("aria-pressed", String(button.dataset.preview === preview.id));
  }
  stopAudio();
  const detail = byId("previews-detail");
  detail.hidden = false;
  detail.dataset.preview = preview.id;
  byId("preview-title").textContent = preview.move === "all" ? "All fixes" : preview.title;
  byId("preview-move").textContent = preview.move === "all" ? "The whole plan" : humanize(preview.move);
  byId("preview-gain").textContent = "";
  byId("preview-changes").replaceChildren();
  byId("preview-play").disabled = true;
  const status = byId("previews-status");
  status.textContent = "Rendering…";
  detail.setAttribute("aria-busy", "true");
  try {
    const path = `${current.base}/${encodeURIComponent(preview.id)}`;
    const rendered = await getJson(path, { signal: current.signal });
    if (state !== current || current.chosen !== preview.id) return;
    showRendered(rendered);
    const [before, after] = await Promise.all(["before", "after"].map((side) =>
      download(`${path}/${side}${compactQuery()}`, side, { signal: current.signal })));
    if (state !== current || current.chosen !== preview.id) return;
    for (const [side, file] of [["before", before], ["after", after]]) {
      const url = URL.createObjectURL(file.blob);
      current.urls.push(url);
      current.audio[side].src = url;
    }
    current.side = "before";
    showSide(current);
    byId("preview-play").disabled = false;
    status.textContent = "";
  } catch (err) {
    if (err.name !== "AbortError" && state === current) status.textContent = `The preview could not be rendered: ${problem(err)}`;
  } finally {
    detail.removeAttribute("aria-busy");
  }
}

function showRendered(rendered) {
  byId("preview-excerpt").textContent =
    `${formatTime(rendered.start_s, { tenths: true })}–${formatTime(rendered.end_s, { tenths: true })}`;
  const gain = byId("preview-gain");
  gain.dataset.gainDb = String(rendered.gain_db);
  const amount = formatNumber(Math.abs(rendered.gain_db), { decimals: 1 });
  gain.textContent = rendered.turned_down === "none"
    ? "Both play at the same loudness as they are."
    : `${rendered.turned_down === "after" ? "After" : "Before"} turned down ${amount} dB to match`;
  byId("preview-changes").replaceChildren(...rendered.changes.map((change) => {
    const unit = change.unit ? ` ${change.unit}` : "";
    return h("li", { "data-metric": change.metric },
      h("span", { class: "text-slate-300", text: `${metricName(change.metric)}: ` }),
      h("span", { class: "font-mono tabular-nums text-white", text: `${formatNumber(change.before, { decimals: 2 })} → ${formatNumber(change.after, { decimals: 2 })}${unit}` }));
  }));
}

const activeAudio = (current) => current.audio[current.side];

/** Play the other side from the same place: the one playing stops, the other starts there. */
function choose(current, side) {
  if (side === current.side || byId("preview-play").disabled) return;
  const from = activeAudio(current);
  const playing = !from.paused;
  const to = current.audio[side];
  to.currentTime = from.currentTime;
  from.pause();
  current.side = side;
  if (playing) to.play().catch(() => {});
  showSide(current);
}

function togglePlay(current) {
  if (byId("preview-play").disabled) return;
  const el = activeAudio(current);
  if (el.paused) el.play().catch((err) => { byId("previews-status").textContent = `It could not play: ${problem(err)}`; });
  else el.pause();
}

function showSide(current) {
  byId("preview-before").setAttribute("aria-pressed", String(current.side === "before"));
  byId("preview-after").setAttribute("aria-pressed", String(current.side === "after"));
  showPlaying(current);
}

function showPlaying(current) {
  if (state !== current) return;
  const playing = Object.values(current.audio).some((el) => !el.paused);
  byId("preview-play").textContent = playing ? "Pause" : "Play";
}

function keys(event, current) {
  const tag = event.target.tagName;
  if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key.toLowerCase();
  if (key === "a") choose(current, "before");
  else if (key === "b") choose(current, "after");
  else if (key === " " && tag !== "SUMMARY") togglePlay(current);
  else return;
  event.preventDefault();
}
