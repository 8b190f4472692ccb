// The session's past reviews (GET /api/reviews, newest first), the judgements of one track
// together under its name: open one, rename it (PATCH /api/reviews/{id}), or delete it with the
// audio it uploaded (after a confirmation in place).

import { ApiError, getJson, request } from "./api.js";
import { byId, formatDate, h, humanize } from "./dom.js";
import { genreLabel } from "./upload.js";
import { fillAlbumChoices } from "./album.js";
import { fillVersionChoice } from "./versions.js";

let reviews = [];
let handlers = null; // {onDeleted(id), onError(message), currentId()}

export function setUpHistory(callbacks) {
  handlers = callbacks;
}

export async function refreshHistory() {
  reviews = await getJson("/api/reviews");
  render();
}

const entries = () => [...byId("history-list").querySelectorAll(".history-item")];

export function markCurrent() {
  const current = handlers.currentId();
  for (const item of entries()) {
    item.setAttribute("aria-current", String(item.dataset.review === current));
  }
}

function stateText(review) {
  const job = review.job;
  if (job.state === "done") return null;
  if (job.state === "failed") return "failed";
  return job.state === "queued" ? "waiting" : `analysing ${Math.round(job.progress_percent)}%`;
}

/** A job's progress, as the open review's panel shows it, in that review's history entry too. */
export function showJobInHistory(id, job) {
  const review = reviews.find((r) => r.id === id);
  const li = entries().find((el) => el.dataset.review === id);
  if (!review || !li) return;
  review.job = job;
  const text = stateText(review);
  const pill = li.querySelector(".history-state");
  if (!pill) return;
  // A finished analysis needs no pill: left in place it would show the last percentage.
  if (!text) pill.remove();
  else pill.textContent = text;
}

function render() {
  byId("history-empty").hidden = reviews.length > 0;
  byId("history-count").textContent = reviews.length ? String(reviews.length) : "";
  byId("history-list").replaceChildren(...byTrack(reviews).map(group));
  markCurrent();
  fillVersionChoice(reviews);
  fillAlbumChoices(reviews);
}

/** The reviews of each track (and reference) together, the track with the newest first. */
function byTrack(list) {
  const groups = new Map();
  for (const review of list) {
    const key = `${review.track.id}/${review.reference ? review.reference.id : ""}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(review);
  }
  return [...groups.values()];
}

function group(judgements) {
  if (judgements.length === 1) return item(judgements[0]);
  const first = judgements[0];
  const name = first.reference ? `${first.track.filename} vs ${first.reference.filename}` : first.track.filename;
  return h("li", { class: "history-group rounded-lg border border-slate-700 p-1" },
    h("p", { class: "truncate px-2 pt-1 text-xs text-slate-300 history-group-name", text: `${name} · ${judgements.length} judgements` }),
    h("ul", { class: "space-y-1" }, ...judgements.map(item)));
}

/** When each of the session's reviews was made (review id → ISO date). */
export const reviewDates = () => Object.fromEntries(reviews.map((r) => [r.id, r.created_at]));

function item(review) {
  const state = stateText(review);
  const li = h("li", { class: "history-item", "data-review": review.id });
  const open = h("a", { href: `#/review/${encodeURIComponent(review.id)}`, class: "block min-w-0 rounded-lg p-3 text-slate-100 no-underline hover:bg-slate-800 hover:no-underline" },
    h("span", { class: "block truncate font-medium text-white history-name", text: review.title || review.track.filename }),
    review.reference ? h("span", { class: "block truncate text-xs text-slate-300", text: `vs ${review.reference.filename}` }) : null,
    h("span", { class: "block text-xs text-slate-300", text: `${humanize(review.feedback_type)} · ${genreLabel(review.genre, review.subgenre)} · ${humanize(review.detail_level)}` }),
    h("span", { class: "block text-xs text-slate-300", text: formatDate(review.created_at) }),
    state ? h("span", { class: `mt-1 pill history-state ${review.job.state === "failed" ? "status-warning" : "status-unknown"}`, text: state }) : null);
  const remove = h("button", {
    type: "button", class: "btn btn-small history-delete", "aria-label": `Delete ${review.track.filename}`,
    text: "Delete", onclick: () => confirmDelete(li, review),
  });
  const rename = h("button", {
    type: "button", class: "btn btn-small history-rename", "aria-label": `Rename ${review.title || review.track.filename}`,
    text: "Rename", onclick: () => startRename(li, review),
  });
  li.append(open, h("div", { class: "flex justify-end gap-2 px-3 pb-3" }, rename, remove));
  return li;
}

function startRename(li, review) {
  const bar = li.lastElementChild;
  const input = h("input", {
    type: "text", class: "field w-full text-sm history-title", maxlength: 120,
    "aria-label": "Review name", value: review.title || review.track.filename,
  });
  const save = async (event) => {
    event.preventDefault();
    try {
      await request(`/api/reviews/${encodeURIComponent(review.id)}`, { method: "PATCH", json: { title: input.value } });
    } catch (err) {
      handlers.onError(err instanceof ApiError ? err.message : String(err));
    }
    await refreshHistory().catch(() => {});
  };
  const form = h("form", { class: "flex w-full flex-wrap gap-2", onsubmit: save },
    input,
    h("button", { type: "button", class: "btn btn-small", text: "Cancel", onclick: () => render() }),
    h("button", { type: "submit", class: "btn btn-small history-save", text: "Save" }));
  bar.replaceChildren(form);
  input.select();
}

function confirmDelete(li, review) {
  const bar = li.lastElementChild;
  const cancel = h("button", { type: "button", class: "btn btn-small", text: "Keep", onclick: () => render() });
  const yes = h("button", {
    type: "button", class: "btn btn-small btn-danger history-confirm", text: "Delete",
    onclick: () => deleteReview(review),
  });
  bar.classList.add("flex-wrap", "gap-2");
  bar.replaceChildren(
    h("p", { class: "w-full text-sm text-slate-100", text: "Delete this review and its audio?" }),
    cancel, yes);
  cancel.focus();
}

/** Delete the review, then each of its tracks that no other review of this session uses. */
async function deleteReview(review) {
  try {
    await request(`/api/reviews/${encodeURIComponent(review.id)}`, { method: "DELETE" });
    const others = reviews.filter((r) => r.id !== review.id);
    const used = new Set(others.flatMap((r) => [r.track.id, r.reference && r.reference.id]));
    for (const track of [review.track, review.reference]) {
      if (track && !used.has(track.id)) {
        await request(`/api/tracks/${encodeURIComponent(track.id)}`, { method: "DELETE" }).catch((err) => {
          if (!(err instanceof ApiError) || err.status !== 404) throw err;
        });
      }
    }
    handlers.onDeleted(review.id);
  } catch (err) {
    handlers.onError(err instanceof ApiError ? err.message : String(err));
  }
  await refreshHistory().catch(() => {});
}
