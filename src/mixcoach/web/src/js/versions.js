// A review's versions: the timeline of its track's versions (v1, v2...), the session's tracks
// that look like versions of it (compared, or linked as versions, at a click), and the
// comparison with the previous version (in words, then finding by finding and metric by
// metric). At upload, the "New version of" choice.

import { ApiError, getJson, request } from "./api.js";
import { alertIn, byId, formatDate, formatNumber, h, humanize } from "./dom.js";

const STATUS = { fixed: "Fixed", still_there: "Still there", new: "New" };

const amount = (value, unit) => (value === null || value === undefined ? "—" : `${formatNumber(value)}${unit ? ` ${unit}` : ""}`);

/** Fill the upload's "New version of" choice with the session's tracks (newest first). */
export function fillVersionChoice(reviews) {
  const select = byId("version-of");
  const chosen = select.value;
  const seen = new Set();
  const options = [h("option", { value: "", text: "No, a new track" })];
  for (const review of reviews) {
    if (seen.has(review.track.id)) continue;
    seen.add(review.track.id);
    options.push(h("option", { value: review.track.id, text: `${review.track.filename} · ${formatDate(review.created_at)}` }));
  }
  select.replaceChildren(...options);
  select.value = seen.has(chosen) ? chosen : "";
}

export function clearVersions() {
  byId("versions-timeline").replaceChildren();
  byId("versions-suggestions").replaceChildren();
  byId("versions-comparison").replaceChildren();
  byId("versions-intro").textContent = "";
  alertIn(byId("versions-error"), "");
}

/**
 * Show the versions of review `id` (`dates`: review id → created_at, from the history);
 * `onLinked(laterId)` once a suggestion is linked as a version (its feedback is new).
 */
export async function loadVersions(id, { signal, dates = {}, onLinked = () => {} }) {
  clearVersions();
  const problem = (err) => {
    if (err.name !== "AbortError") alertIn(byId("versions-error"), err instanceof ApiError ? err.message : String(err));
  };
  let found;
  try {
    found = await getJson(`/api/reviews/${encodeURIComponent(id)}/versions`, { signal });
  } catch (err) {
    problem(err);
    return;
  }
  const versions = found.versions;
  const index = versions.findIndex((v) => v.review_id === id);
  byId("versions-intro").textContent = versions.length > 1
    ? `This track has ${versions.length} versions; this review is v${versions[index] ? versions[index].number : "?"}.`
    : "This is the only version of this track so far. Upload a new render as a new version of it to compare.";
  byId("versions-timeline").replaceChildren(...versions.map((v) => {
    const current = v.review_id === id;
    const date = v.review_id && dates[v.review_id] ? formatDate(dates[v.review_id]) : "";
    const label = h("span", { class: "font-semibold text-white version-number", text: `v${v.number}` });
    const name = h("span", { class: "block truncate version-name", text: v.track.filename });
    const body = v.review_id && !current
      ? h("a", { href: `#/review/${encodeURIComponent(v.review_id)}`, class: "block rounded-lg p-3 text-slate-100" }, label, name)
      : h("div", { class: "p-3" }, label, name);
    if (date) body.append(h("span", { class: "block text-xs text-slate-300 version-date", text: date }));
    if (current) body.append(h("span", { class: "mt-1 pill status-unknown", text: "this review" }));
    return h("li", { class: "version-item rounded-lg border border-slate-700", "data-review": v.review_id || "", "aria-current": current ? "true" : "false" }, body);
  }));

  const compareWith = (before, after) => compare(before, after, { signal }).catch(problem);
  // The earlier upload becomes the previous version of the later one.
  const trackOf = { [id]: versions[index] ? versions[index].track.id : null };
  const link = async (button, suggestion) => {
    trackOf[suggestion.review_id] = suggestion.track.id;
    const [earlier, later] = inOrder(suggestion.review_id, id, dates);
    button.disabled = true;
    try {
      await request(`/api/reviews/${encodeURIComponent(later)}/previous-version`, { method: "PUT", json: { track_id: trackOf[earlier] }, signal });
      onLinked(later);
    } catch (err) {
      button.disabled = false;
      problem(err);
    }
  };
  byId("versions-suggestions").replaceChildren(...found.suggestions.map((s) => h("li", { class: "flex flex-wrap items-center gap-3 version-suggestion" },
    h("span", { class: "min-w-0 truncate", text: `${s.track.filename} (${s.reason === "fingerprint" ? "sounds like the same song" : "same song name"})` }),
    h("button", { type: "button", class: "btn btn-small", text: "Compare", "aria-label": `Compare with ${s.track.filename}`, onclick: () => compareWith(...inOrder(s.review_id, id, dates)) }),
    h("button", { type: "button", class: "btn btn-small", text: "Link as versions", "aria-label": `Link with ${s.track.filename} as versions of one song`,
      onclick: (event) => link(event.currentTarget, s) }))));
  byId("versions-suggestions-box").hidden = found.suggestions.length === 0;

  const previous = index > 0 ? versions[index - 1] : null;
  if (previous && previous.review_id) await compareWith(previous.review_id, id);
}

/** Two reviews, the earlier first (by when they were made; as given when a date is unknown). */
function inOrder(a, b, dates) {
  return dates[a] && dates[b] && new Date(dates[a]) > new Date(dates[b]) ? [b, a] : [a, b];
}

async function compare(beforeId, afterId, { signal }) {
  const box = byId("versions-comparison");
  box.replaceChildren(h("p", { class: "text-sm text-slate-300", text: "Comparing…" }));
  const result = await getJson(`/api/reviews/${encodeURIComponent(beforeId)}/compare/${encodeURIComponent(afterId)}`, { signal });
  const findings = result.findings.map((f) => {
    let detail = "";
    if (f.status === "still_there") {
      const moved = f.excess_before !== null && f.excess_after !== null ? Math.abs(f.excess_after - f.excess_before) : null;
      detail = f.trend === "unchanged" || moved === null
        ? "unchanged"
        : `${f.trend} by ${amount(moved, f.change_unit)} (${amount(f.value_before, f.unit)} → ${amount(f.value_after, f.unit)})`;
    } else if (f.status === "new") {
      const past = f.excess_after && f.excess_after !== f.value_after;
      detail = amount(f.value_after, f.unit) + (past ? `, ${amount(f.excess_after, f.unit)} past its target` : "");
    } else {
      detail = `was ${amount(f.value_before, f.unit)}`;
    }
    return h("li", { class: `finding-change finding-${f.status}`, "data-code": f.code, "data-status": f.status },
      h("span", { class: `pill ${f.status === "new" ? "status-warning" : f.status === "fixed" ? "status-ok" : "status-unknown"}`, text: STATUS[f.status] || humanize(f.status) }),
      " ", h("span", { class: "font-medium text-white", text: f.title || humanize(f.code) }),
      h("span", { class: "text-slate-300 finding-change-detail", text: ` · ${detail}` }));
  });
  const metrics = result.metrics.filter((m) => m.change !== null).map((m) => h("tr", { class: "border-b border-slate-800 metric-change", "data-metric": m.metric },
    h("th", { scope: "row", class: "py-1 pr-3 font-normal", text: m.label }),
    h("td", { class: "py-1 pr-3 tabular-nums", text: amount(m.value_before, m.unit) }),
    h("td", { class: "py-1 pr-3 tabular-nums", text: amount(m.value_after, m.unit) }),
    h("td", { class: "py-1 tabular-nums metric-change-amount", text: `${formatNumber(m.change, { signed: true })}${m.change_unit ? ` ${m.change_unit}` : ""}` })));
  box.replaceChildren(
    h("p", { class: "text-slate-100 versions-summary", text: result.summary }),
    h("h3", { class: "mt-4 font-semibold text-white", text: "Finding by finding" }),
    findings.length ? h("ul", { class: "mt-2 space-y-1 text-sm", id: "versions-findings" }, findings)
      : h("p", { class: "mt-2 text-sm text-slate-300", text: "Neither version has a finding." }),
    h("h3", { class: "mt-4 font-semibold text-white", text: "Measurements" }),
    h("div", { class: "mt-2 overflow-x-auto" }, h("table", { class: "w-full text-left text-sm", id: "versions-metrics" },
      h("thead", { class: "text-slate-300" }, h("tr", {},
        h("th", { scope: "col", class: "py-1 pr-3 font-medium", text: "Measure" }),
        h("th", { scope: "col", class: "py-1 pr-3 font-medium", text: "Before" }),
        h("th", { scope: "col", class: "py-1 pr-3 font-medium", text: "After" }),
        h("th", { scope: "col", class: "py-1 font-medium", text: "Change" }))),
      h("tbody", {}, metrics))));
}
