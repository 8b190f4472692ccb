// The session's past reviews (GET /api/reviews, newest first): open one, or delete it with
// the audio it uploaded (after a confirmation in place).

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

export function markCurrent() {
  const current = handlers.currentId();
  for (const item of byId("history-list").children) {
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
  const li = [...byId("history-list").children].find((el) => el.dataset.review === id);
  if (!review || !li) return;
  review.job = job;
  const text = stateText(review);
  const pill = li.querySelector(".history-state");
  if (pill && text) pill.textContent = text;
}

function render() {
  byId("history-empty").hidden = reviews.length > 0;
  byId("history-count").textContent = reviews.length ? String(reviews.length) : "";
  byId("history-list").replaceChildren(...reviews.map(item));
  markCurrent();
  fillVersionChoice(reviews);
  fillAlbumChoices(reviews);
}

/** When each of the session's reviews was made (review id → ISO date). */
export const reviewDates = () => Object.fromEntries(reviews.map((r) => [r.id, r.created_at]));

function item(review) {
  const state = stateText(review);
  const li = h("li", { class: "history-item", "data-review": review.id });
  const open = h("a", { href: `#/review/${encodeURIComponent(review.id)}`, class: "block min-w-0 rounded-lg p-3 text-slate-100 no-underline hover:bg-slate-800 hover:no-underline" },
    h("span", { class: "block truncate font-medium text-white history-name", text: review.track.filename }),
    review.reference ? h("span", { class: "block truncate text-xs text-slate-300", text: `vs ${review.reference.filename}` }) : null,
    h("span", { class: "block text-xs text-slate-300", text: `${humanize(review.feedback_type)} · ${genreLabel(review.genre, review.subgenre)} · ${humanize(review.detail_level)}` }),
    h("span", { class: "block text-xs text-slate-300", text: formatDate(review.created_at) }),
    state ? h("span", { class: `mt-1 pill history-state ${review.job.state === "failed" ? "status-warning" : "status-unknown"}`, text: state }) : null);
  const remove = h("button", {
    type: "button", class: "btn btn-small history-delete", "aria-label": `Delete ${review.track.filename}`,
    text: "Delete", onclick: () => confirmDelete(li, review),
  });
  li.append(open, h("div", { class: "flex justify-end px-3 pb-3" }, remove));
  return li;
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
