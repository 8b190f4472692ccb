// Albums: choose several of the session's reviews in the history panel, name the album and
// create it (POST /api/albums); the session's albums are listed under the history, each with a
// delete control (the reviews stay); the album view (#/album/<id>) shows the tracks side by side,
// the ones that stand out with their amounts, and album-mode playback per streaming service.

import { ApiError, getJson, request } from "./api.js";
import { alertIn, byId, formatNumber, h } from "./dom.js";

const problem = (err) => (err instanceof ApiError ? err.message : String(err));
const value = (number, unit) => (number === null || number === undefined ? "—" : `${formatNumber(number)} ${unit}`);

/** The album form's choices: the session's finished reviews (those chosen stay chosen). */
export function fillAlbumChoices(reviews) {
  const list = byId("album-choices");
  const chosen = new Set([...list.querySelectorAll("input:checked")].map((input) => input.value));
  // Oldest first: the order they were made in is the album's order unless chosen otherwise.
  const done = reviews.filter((r) => r.job.state === "done").reverse();
  byId("album-form").hidden = done.length < 2;
  list.replaceChildren(...done.map((review) => {
    const id = `album-choice-${review.id}`;
    return h("li", { class: "flex items-center gap-2" },
      h("input", { type: "checkbox", id, value: review.id, class: "size-4 accent-cyan-400", checked: chosen.has(review.id) }),
      h("label", { for: id, class: "min-w-0 truncate text-sm", text: review.track.filename }));
  }));
}

/** Wire the album form; `onCreated(album)` once the album exists. */
export function setUpAlbumForm({ onCreated }) {
  byId("album-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = byId("album-error");
    const ids = [...byId("album-choices").querySelectorAll("input:checked")].map((input) => input.value);
    const title = byId("album-title-input").value.trim();
    if (ids.length < 2) return alertIn(error, "Choose two or more reviews for the album.");
    if (!title) return alertIn(error, "Name the album first.");
    alertIn(error, "");
    const button = byId("album-create");
    button.disabled = true;
    try {
      const response = await request("/api/albums", { method: "POST", json: { title, review_ids: ids } });
      const album = await response.json();
      byId("album-title-input").value = "";
      for (const input of byId("album-choices").querySelectorAll("input")) input.checked = false;
      onCreated(album);
      await refreshAlbums();
    } catch (err) {
      alertIn(error, problem(err));
    } finally {
      button.disabled = false;
    }
  });
}

/** List the session's albums (newest first) under the history. */
export async function refreshAlbums() {
  const albums = await getJson("/api/albums");
  byId("albums-box").hidden = albums.length === 0;
  byId("album-list").replaceChildren(...albums.map((album) => h("li", { class: "flex items-center justify-between gap-2 album-entry", "data-album": album.id },
    h("a", { href: `#/album/${encodeURIComponent(album.id)}`, class: "min-w-0 truncate text-sm text-slate-100" },
      h("span", { class: "font-medium album-entry-title", text: album.title }),
      h("span", { class: "block text-xs text-slate-300", text: `${album.review_ids.length} track${album.review_ids.length === 1 ? "" : "s"}` })),
    h("button", { type: "button", class: "btn btn-small album-entry-delete", "aria-label": `Delete album ${album.title}`, text: "Delete", onclick: () => deleteAlbum(album.id) }))));
}

/** Delete album `id` (its reviews stay); leave its view when it is open. */
async function deleteAlbum(id) {
  alertIn(byId("albums-error"), "");
  try {
    await request(`/api/albums/${encodeURIComponent(id)}`, { method: "DELETE" });
    if (location.hash === `#/album/${id}`) location.hash = "#/";
    await refreshAlbums();
  } catch (err) {
    alertIn(byId("albums-error"), problem(err));
  }
}

const cell = (text, extra = "") => h("td", { class: `py-1 pr-3 tabular-nums ${extra}`, text });
const head = (...names) => h("thead", { class: "text-slate-300" }, h("tr", { class: "border-b border-slate-700" },
  ...names.map((name) => h("th", { scope: "col", class: "py-1 pr-3 font-medium", text: name }))));

/** Show album `id` in the album view. */
export async function openAlbum(id, { signal } = {}) {
  byId("album-name").textContent = "Loading…";
  byId("album-delete").hidden = true;
  document.title = "Album · Mixcoach";
  for (const part of ["album-summary", "album-tracks", "album-outliers", "album-playback"]) byId(part).replaceChildren();
  alertIn(byId("album-view-error"), "");
  let album;
  try {
    album = await getJson(`/api/albums/${encodeURIComponent(id)}`, { signal });
  } catch (err) {
    if (err.name === "AbortError") return;
    // Not found, or one that cannot be read now (a track still analysing, too few tracks left):
    // the message says which, and an album that exists can still be deleted from here.
    const missing = err instanceof ApiError && err.status === 404;
    byId("album-name").textContent = missing ? "Album not found" : "Album";
    byId("album-delete").hidden = missing;
    byId("album-delete").onclick = () => deleteAlbum(id);
    alertIn(byId("album-view-error"), problem(err));
    return;
  }
  byId("album-name").textContent = album.title;
  byId("album-delete").hidden = false;
  byId("album-delete").onclick = () => deleteAlbum(album.id);
  document.title = `${album.title} · Mixcoach`;
  byId("album-name").focus({ preventScroll: true }); // a screen reader announces the album
  byId("album-summary").replaceChildren(...album.summary.map((line) => h("p", { text: line })),
    h("p", { class: "text-sm text-slate-300", text: `Album loudness ${value(album.album_lufs, "LUFS")} · loudest peak ${value(album.album_true_peak_dbtp, "dBTP")} · spread ${value(album.loudness_spread_lu, "LU")}` }));

  const standsOut = new Map();
  for (const o of album.outliers) {
    const words = `${formatNumber(Math.abs(o.difference))} ${o.unit} ${o.difference >= 0 ? o.label : o.opposite}`;
    standsOut.set(o.position, [...(standsOut.get(o.position) || []), words]);
  }
  byId("album-tracks").replaceChildren(
    head("#", "Track", "Loudness", "True peak", "Tilt", "Width", "Stands out"),
    h("tbody", {}, album.tracks.map((t) => h("tr", { class: "border-b border-slate-800 album-track", "data-review": t.id },
      cell(String(t.position)), h("th", { scope: "row", class: "py-1 pr-3 font-normal", text: t.name }),
      cell(value(t.integrated_lufs, "LUFS")), cell(value(t.true_peak_dbtp, "dBTP")),
      cell(value(t.tilt_db_per_octave, "dB/oct")), cell(t.width === null ? "—" : formatNumber(t.width, { decimals: 2 })),
      cell((standsOut.get(t.position) || []).join(", ") || "—", "album-outlier")))));

  byId("album-outliers").replaceChildren(...album.outliers.map((o) => {
    const track = album.tracks.find((t) => t.position === o.position);
    const direction = o.difference >= 0 ? o.label : o.opposite;
    return h("li", { class: "album-outlier-item", "data-position": String(o.position) },
      `Track ${o.position} (${track ? track.name : ""}) is ${formatNumber(Math.abs(o.difference))} ${o.unit} ${direction} than the rest`);
  }));
  if (!album.outliers.length) byId("album-outliers").append(h("li", { text: "No track stands out from the rest." }));

  byId("album-playback").replaceChildren(
    head("Service", "Album gain", ...album.tracks.map((t) => `${t.position}. ${t.name}`)),
    h("tbody", {}, album.playback.map((p) => h("tr", { class: "border-b border-slate-800 album-platform", "data-platform": p.platform },
      h("th", { scope: "row", class: "py-1 pr-3 font-normal", text: p.label }),
      cell(`${formatNumber(p.album_gain_db, { signed: true })} dB`, "album-gain"),
      ...p.tracks.map((t) => cell(`${value(t.playback_lufs, "LUFS")}, peak ${value(t.playback_peak_dbtp, "dBTP")}`))))));
}
