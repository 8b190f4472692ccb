// The player's waveform: drawn on a canvas from the outline the server computed (GET
// /api/reviews/{id}/peaks), with a time ruler in m:ss, the song's sections as labelled bands
// above it, the findings' places painted over it (labels in lanes, see regions.js), a loop band
// and the cursor. It zooms (buttons, ctrl + wheel, a trackpad pinch) and scrolls sideways;
// a click seeks. Only the visible stretch is drawn, so a deep zoom costs no more than 1x.

import { byId, formatTime, h, humanize } from "./dom.js";
import { labelLanes } from "./regions.js";

const HEIGHT_PX = 112;
const ZOOMS = [1, 2, 4, 8, 16, 32];
/** Ruler steps in seconds; the first that leaves this many pixels between labels is used. */
const RULER_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800];
const RULER_MIN_GAP_PX = 64;
const LANE_PX = 18;
const WAVE_COLOUR = "#64748b";
const PLAYED_COLOUR = "#22d3ee";

export class Waveform {
  /** `onSeek(seconds)` when the waveform is clicked; `onSelect(place)` when a painted place
   * or a section is ({start_s, end_s, code?, label?}). */
  constructor({ onSeek, onSelect }) {
    this.onSeek = onSeek;
    this.onSelect = onSelect;
    this.scroller = byId("wave-scroll");
    this.inner = byId("wave-inner");
    this.canvas = byId("wave-canvas");
    this.zoom = 1;
    this.view = { peaks: null, duration: 0, painted: [], sections: [] };
    this.time = 0;
    this.listening = new AbortController();
    const on = (el, type, fn, options = {}) => el.addEventListener(type, fn, { signal: this.listening.signal, ...options });
    on(this.scroller, "click", (event) => this.clicked(event));
    on(this.scroller, "scroll", () => this.draw());
    // ctrl + wheel is also what a trackpad pinch sends.
    on(this.scroller, "wheel", (event) => this.wheel(event), { passive: false });
    on(byId("zoom-in"), "click", () => this.zoomTo(this.zoom * 2));
    on(byId("zoom-out"), "click", () => this.zoomTo(this.zoom / 2));
    this.resizing = new ResizeObserver(() => this.layout());
    this.resizing.observe(this.scroller);
  }

  /** Show one file: its outline (null while it loads), length, places and sections. */
  show({ peaks, duration, painted = [], sections = [] }) {
    this.view = { peaks, duration, painted, sections };
    // Busy until the outline is in (it comes apart from the audio).
    byId("waveform").setAttribute("aria-busy", String(!peaks));
    this.renderSections();
    this.renderPlaces();
    this.layout();
  }

  setTime(seconds) {
    this.time = seconds;
    const { duration } = this.view;
    byId("wave-cursor").style.left = `${duration ? (100 * Math.min(seconds, duration)) / duration : 0}%`;
    this.follow();
    this.draw();
  }

  /** The loop band, in this file's seconds (null: none). */
  setLoop(range) {
    const band = byId("wave-loop");
    band.hidden = !range || !this.view.duration;
    if (!band.hidden) this.place(band, range.start_s, range.end_s);
  }

  /** Mark the painted place or section that is selected (null: none). */
  setSelected(place) {
    for (const el of this.inner.querySelectorAll("[data-start]")) {
      el.classList.toggle("selected", Boolean(place) && Number(el.dataset.start) === place.start_s && el.dataset.kind === place.kind);
    }
  }

  zoomTo(zoom, anchorPx = this.scroller.clientWidth / 2) {
    const next = Math.min(ZOOMS[ZOOMS.length - 1], Math.max(1, zoom));
    if (next === this.zoom) return;
    // Keep the time under the pointer (or the middle) where it is.
    const at = (this.scroller.scrollLeft + anchorPx) / this.inner.clientWidth;
    this.zoom = next;
    this.layout();
    this.scroller.scrollLeft = at * this.inner.clientWidth - anchorPx;
    this.draw();
  }

  destroy() {
    this.listening.abort();
    this.resizing.disconnect();
    this.zoom = 1;
    this.show({ peaks: null, duration: 0 });
  }

  // Sizes that follow the zoom or the page's width: the strip, the ruler, the label lanes.
  layout() {
    this.inner.style.width = `${this.zoom * 100}%`;
    byId("zoom-level").textContent = `${Math.round(this.zoom)}×`;
    byId("zoom-in").disabled = this.zoom >= ZOOMS[ZOOMS.length - 1];
    byId("zoom-out").disabled = this.zoom <= 1;
    this.renderRuler();
    this.arrangeLabels();
    this.draw();
  }

  secondsAt(clientX) {
    const box = this.inner.getBoundingClientRect();
    return Math.min(this.view.duration, Math.max(0, ((clientX - box.left) / box.width) * this.view.duration));
  }

  clicked(event) {
    if (!this.view.duration) return;
    const marked = event.target.closest("[data-start]");
    if (marked) {
      const place = { start_s: Number(marked.dataset.start), end_s: Number(marked.dataset.end), kind: marked.dataset.kind };
      if (marked.dataset.finding) place.code = marked.dataset.finding;
      this.onSelect(place);
      this.onSeek(place.start_s);
      return;
    }
    this.onSeek(this.secondsAt(event.clientX));
  }

  wheel(event) {
    if (!event.ctrlKey) return;
    event.preventDefault();
    const anchor = event.clientX - this.scroller.getBoundingClientRect().left;
    this.zoomTo(this.zoom * Math.exp(-event.deltaY * 0.01), anchor);
  }

  /** While playing zoomed in, keep the cursor in view. */
  follow() {
    if (this.zoom <= 1 || !this.view.duration) return;
    const x = (this.time / this.view.duration) * this.inner.clientWidth;
    const { scrollLeft, clientWidth } = this.scroller;
    if (x < scrollLeft || x > scrollLeft + clientWidth) this.scroller.scrollLeft = x - clientWidth * 0.1;
  }

  place(el, start, end) {
    const { duration } = this.view;
    el.style.left = `${(100 * start) / duration}%`;
    el.style.width = `${(100 * Math.max(0, end - start)) / duration}%`;
  }

  renderRuler() {
    const ruler = byId("wave-ruler");
    const { duration } = this.view;
    if (!duration) {
      ruler.replaceChildren();
      return;
    }
    const perSecond = this.inner.clientWidth / duration;
    const step = RULER_STEPS_S.find((s) => s * perSecond >= RULER_MIN_GAP_PX) || RULER_STEPS_S[RULER_STEPS_S.length - 1];
    const ticks = [];
    for (let t = 0; t <= duration; t += step) {
      const tick = h("span", { class: "wave-tick", text: formatTime(t) });
      tick.style.left = `${(100 * t) / duration}%`;
      ticks.push(tick);
    }
    ruler.replaceChildren(...ticks);
  }

  renderSections() {
    const row = byId("wave-sections");
    const { sections, duration } = this.view;
    row.hidden = !sections.length || !duration;
    row.replaceChildren(...(row.hidden ? [] : sections.map((section) => {
      const text = section.energy ? `${section.label} · ${section.energy}` : section.label;
      const band = h("button", {
        type: "button", class: "wave-section", tabindex: "-1", "data-kind": "section",
        "data-start": section.start_s, "data-end": section.end_s, title: `Section ${text}, ${formatTime(section.start_s)}–${formatTime(section.end_s)}`,
      }, h("span", { class: "truncate", text }));
      this.place(band, section.start_s, section.end_s);
      return band;
    })));
  }

  renderPlaces() {
    const { painted, duration } = this.view;
    const regions = [];
    const labels = [];
    for (const { finding, places } of duration ? painted : []) {
      places.forEach((place, i) => {
        const attrs = { "data-finding": finding.code, "data-kind": "finding", "data-start": place.start_s, "data-end": place.end_s };
        const region = h("div", { class: `finding-region region-${finding.severity}`, title: finding.title, ...attrs });
        this.place(region, place.start_s, place.end_s);
        regions.push(region);
        if (i === 0) labels.push(h("span", { class: `wave-label region-${finding.severity}`, text: humanize(finding.code), ...attrs }));
      });
    }
    // Widest first, so a short place painted over a long one stays on top and can be clicked.
    const width = (region) => region.dataset.end - region.dataset.start;
    byId("wave-regions").replaceChildren(...regions.sort((a, b) => width(b) - width(a)));
    byId("wave-labels").replaceChildren(...labels);
    const legend = byId("wave-legend");
    legend.hidden = !painted.length || !duration;
    legend.replaceChildren(...(legend.hidden ? [] : painted.map(({ finding, places, total }) =>
      h("li", { class: "flex items-center gap-2", "data-finding": finding.code },
        h("span", { class: `legend-swatch region-${finding.severity}`, "aria-hidden": "true" }),
        h("span", { text: `${humanize(finding.code)}: ${total > places.length ? `the longest ${places.length} of ${total} places` : `${total} ${total === 1 ? "place" : "places"}`}` })))));
  }

  /** Labels go in lanes at their place's start; one with no room is left to the legend. */
  arrangeLabels() {
    const labels = [...byId("wave-labels").children];
    const width = this.inner.clientWidth;
    for (const label of labels) label.hidden = false;
    const boxes = labels.map((label) => ({ x: (Number(label.dataset.start) / this.view.duration) * width, width: label.offsetWidth }));
    const lanes = labelLanes(boxes);
    labels.forEach((label, i) => {
      label.hidden = lanes[i] < 0;
      label.style.left = `${Math.min(boxes[i].x, Math.max(0, width - boxes[i].width))}px`;
      label.style.top = `${Math.max(0, lanes[i]) * LANE_PX}px`;
    });
    const used = Math.max(0, ...lanes) + (labels.length ? 1 : 0);
    byId("wave-labels").style.height = `${used * LANE_PX}px`;
  }

  draw() {
    const { canvas } = this;
    const ratio = window.devicePixelRatio || 1;
    const cssWidth = this.scroller.clientWidth;
    canvas.style.width = `${cssWidth}px`;
    canvas.width = Math.round(cssWidth * ratio);
    canvas.height = Math.round(HEIGHT_PX * ratio);
    const context = canvas.getContext("2d");
    context.clearRect(0, 0, canvas.width, canvas.height);
    const { peaks, duration } = this.view;
    if (!peaks || !duration || !peaks.levels.length) return;
    const fullWidth = this.inner.clientWidth * ratio;
    const level = peaks.levels.find((l) => l.columns >= fullWidth) || peaks.levels[peaks.levels.length - 1];
    if (!level.columns) return;
    // Pixel x of the whole strip shows the columns of its stretch of the file.
    const columnsPerPixel = (level.columns * duration) / (peaks.duration_s * fullWidth);
    const left = this.scroller.scrollLeft * ratio;
    const played = (this.time / duration) * fullWidth - left;
    const middle = canvas.height / 2;
    for (let x = 0; x < canvas.width; x += 1) {
      const first = Math.floor((left + x) * columnsPerPixel);
      if (first >= level.columns) break;
      const last = Math.min(level.columns, Math.max(first + 1, Math.floor((left + x + 1) * columnsPerPixel)));
      let low = 0;
      let high = 0;
      for (let c = first; c < last; c += 1) {
        low = Math.min(low, level.min[c]);
        high = Math.max(high, level.max[c]);
      }
      context.fillStyle = x < played ? PLAYED_COLOUR : WAVE_COLOUR;
      const top = middle - high * middle;
      context.fillRect(x, top, 1, Math.max(1, (high - low) * middle));
    }
  }
}
