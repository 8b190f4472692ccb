// Building the page's elements. Text always goes in as text (textContent), never as HTML, so
// nothing a file name, a server message or a model's answer contains can become markup; the
// one place HTML is written is markdown.js, after sanitising.

/** The element with this id (the page's fixed skeleton, index.html). */
export const byId = (id) => document.getElementById(id);

/**
 * A new element: h("button", {class: "btn", type: "button", onclick: f}, "Play").
 * Props starting with "on" are listeners; `class` and `text` are shortcuts; false/null skip.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") el.className = value;
    else if (name === "text") el.textContent = value;
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

export function show(el, visible = true) {
  el.hidden = !visible;
  return el;
}

/** Show a message in an alert box (or hide the box when `message` is empty). */
export function alertIn(box, message) {
  box.textContent = message || "";
  box.hidden = !message;
}

const MINUS = "\u2212";

/** A number for reading: a typographic minus, and as many decimals as the size deserves. */
export function formatNumber(value, { decimals, signed = false } = {}) {
  if (typeof value !== "number" || !Number.isFinite(value)) return "—";
  const places = decimals ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) < 1 && value !== 0 ? 2 : 1);
  const text = Math.abs(value).toFixed(places);
  const zero = Number(text) === 0;
  if (value < 0 && !zero) return MINUS + text;
  return signed && !zero ? `+${text}` : text;
}

/** "1:05", or "1:02:05" past an hour; with `tenths`, "1:05.3". */
export function formatTime(seconds, { tenths = false } = {}) {
  const total = Math.max(0, seconds || 0);
  const s = Math.floor(total);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  let rest = String(s % 60).padStart(2, "0");
  if (tenths) rest += `.${Math.floor((total - s) * 10)}`;
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

export function formatBytes(bytes) {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} kB`;
  return `${bytes} bytes`;
}

export function formatDate(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? ""
    : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Words of a code that are abbreviations, written as a producer reads them. */
const ABBREVIATIONS = { dc: "DC", lufs: "LUFS", lra: "LRA", psr: "PSR", plr: "PLR", eq: "EQ", lu: "LU" };

/** "true_peak_over" → "True peak over", "dc_offset" → "DC offset". */
export function humanize(code) {
  const words = String(code).replace(/[_-]+/g, " ").trim().split(" ")
    .map((word) => ABBREVIATIONS[word.toLowerCase()] || word).join(" ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
