// Judge the open review again for another feedback type, genre/subgenre or detail level
// (POST /api/reviews/{id}/rejudge): the server judges the stored measurements, so nothing is
// uploaded or analysed again; the new review opens in place and the old one stays in the history.

import { ApiError, request } from "./api.js";
import { alertIn, byId, h, humanize } from "./dom.js";

let options = null; // GET /api/options

export function setUpRejudge(apiOptions) {
  options = apiOptions;
}

function select(name, label, choices, chosen) {
  return h("label", { class: "flex flex-col text-xs text-slate-300" }, label,
    h("select", { name, class: "field mt-1 text-sm", "data-rejudge": name },
      ...choices.map(([value, text]) => h("option", { value, text, selected: value === chosen }))));
}

function subgenres(genre) {
  const known = options.genres.find((g) => g.genre === genre) || options.genres[0];
  return [["", known.subgenres.length ? "Any" : "—"], ...known.subgenres.map((s) => [s.subgenre, s.label])];
}

/** The controls for `review`; `onRejudged(newReview)` once the new judgement is stored. */
export function showRejudge(review, { onRejudged }) {
  const form = byId("rejudge-form");
  if (!options) return;
  const genre = review.genre || "general";
  const sub = select("subgenre", "Style", subgenres(genre), review.subgenre || "");
  const apply = h("button", { type: "submit", class: "btn btn-small", text: "Judge again" });
  form.replaceChildren(
    select("feedback_type", "Judge as", options.feedback_types.map((t) => [t, humanize(t)]), review.feedback_type),
    select("genre", "Genre", options.genres.map((g) => [g.genre, g.label]), genre),
    sub,
    select("detail_level", "Detail", options.detail_levels.map((d) => [d, humanize(d)]), review.detail_level),
    apply);
  form.querySelector("[data-rejudge=genre]").onchange = (event) => {
    const fresh = select("subgenre", "Style", subgenres(event.target.value), "");
    sub.replaceWith(fresh);
  };
  form.onsubmit = async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(new FormData(form));
    apply.disabled = true;
    alertIn(byId("review-error"), "");
    try {
      const response = await request(`/api/reviews/${encodeURIComponent(review.id)}/rejudge`, {
        method: "POST", json: body,
      });
      onRejudged((await response.json()).review);
    } catch (err) {
      alertIn(byId("review-error"), err instanceof ApiError ? err.message : String(err));
    } finally {
      apply.disabled = false;
    }
  };
  form.hidden = false;
}

export function hideRejudge() {
  byId("rejudge-form").hidden = true;
}
