// The song's sections as tables: each section's loudness, lift, PSR, width and tilt, then its
// band balance. The server words every cell (findings/section_view.py, which the PDF reads
// too); the page only draws, so the two cannot disagree.

import { ApiError, getJson } from "./api.js";
import { byId, h } from "./dom.js";

function table(view) {
  const [first, ...rest] = view.columns;
  // Wider than a phone: the table scrolls sideways, so the keyboard can focus it to scroll it.
  return h("div", { class: "mt-4 overflow-x-auto", role: "region", "aria-label": view.title, tabindex: "0" },
    h("table", { class: "section-table w-full text-left text-sm tabular-nums", "data-table": view.key },
      h("caption", { class: "mb-2 text-left font-medium text-white", text: view.title }),
      h("thead", { class: "text-slate-300" },
        h("tr", { class: "border-b border-slate-700" },
          h("th", { scope: "col", class: "py-2 pr-3 font-medium", text: first }),
          rest.map((name) => h("th", { scope: "col", class: "whitespace-nowrap py-2 pr-3 font-medium", text: name })))),
      h("tbody", {},
        view.rows.map((row) => {
          const [label, ...cells] = row.cells;
          return h("tr", { class: "border-b border-slate-800", "data-start": row.start_s, "data-end": row.end_s },
            h("th", { scope: "row", class: "py-2 pr-3 font-medium text-white", text: label }),
            cells.map((text) => h("td", { class: "whitespace-nowrap py-2 pr-3", text })));
        }))));
}

/** Fetch and draw the section tables; the panel stays hidden for a track without sections. */
export async function renderSections(review, { signal }) {
  const panel = byId("sections-section");
  const box = byId("sections");
  panel.hidden = true;
  box.replaceChildren();
  try {
    const tables = await getJson(`/api/reviews/${encodeURIComponent(review.id)}/sections`, { signal });
    if (!tables.length) return;
    box.replaceChildren(...tables.map(table));
    panel.hidden = false;
  } catch (err) {
    if (err.name === "AbortError") return;
    box.replaceChildren(h("p", { class: "mt-2 text-sm text-slate-200",
      text: `The sections could not be loaded: ${err instanceof ApiError ? err.message : String(err)}` }));
    panel.hidden = false;
  }
}
