// The track's waveform player with the findings marked at their times, the findings list
// (each with buttons that jump the player there), and loudness-matched A/B playback of track
// and reference. Audio comes from /api/tracks/{id}/audio with the session token, into blobs.

import WaveSurfer from "wavesurfer.js";
import RegionsPlugin from "wavesurfer.js/dist/plugins/regions.esm.js";
import { download } from "./api.js";
import { byId, formatNumber, formatTime, h, humanize } from "./dom.js";

const SEVERITY_RANK = { problem: 0, warning: 1, suggestion: 2, info: 3 };
const REGION_COLOURS = {
  problem: "rgba(251, 113, 133, 0.30)",
  warning: "rgba(252, 211, 77, 0.28)",
  suggestion: "rgba(56, 189, 248, 0.25)",
  info: "rgba(148, 163, 184, 0.25)",
};

const dbToGain = (db) => 10 ** (db / 20);

export class Player {
  /** Build the player for `review` and its `analysis`; audio loads in the background. */
  constructor(review, analysis) {
    this.review = review;
    this.analysis = analysis;
    this.urls = [];
    this.active = "track";
    this.reference = null;
    this.regions = RegionsPlugin.create();
    this.wave = WaveSurfer.create({
      container: byId("waveform"),
      height: 112,
      waveColor: "#64748b",
      progressColor: "#22d3ee",
      cursorColor: "#f8fafc",
      cursorWidth: 2,
      normalize: true,
      dragToSeek: true,
      plugins: [this.regions],
    });
    this.wave.on("timeupdate", () => this.showTime());
    this.wave.on("play", () => this.showPlaying());
    this.wave.on("pause", () => this.showPlaying());
    this.wave.on("decode", () => this.markFindings());
    this.wave.on("error", (err) => this.status(`The waveform could not be drawn: ${err.message || err}`));
    byId("play").onclick = () => this.toggle();
    renderFindings(analysis, (start) => this.seek(start, { play: true }));
  }

  async load(signal) {
    this.status("Loading the audio…");
    const track = await download(`/api/tracks/${encodeURIComponent(this.review.track.id)}/audio`, "track", { signal });
    if (signal.aborted) return;
    await this.wave.loadBlob(track.blob);
    if (signal.aborted) return; // closed while decoding: the Play button is the next review's
    byId("play").disabled = false;
    this.status("");
    this.showTime();
    if (this.review.reference && this.analysis.reference) await this.loadReference(signal);
  }

  async loadReference(signal) {
    const reference = await download(`/api/tracks/${encodeURIComponent(this.review.reference.id)}/audio`, "reference", { signal });
    if (signal.aborted) return;
    const url = URL.createObjectURL(reference.blob);
    this.urls.push(url);
    this.reference = new Audio(url);
    this.reference.preload = "auto";
    this.reference.addEventListener("timeupdate", () => {
      if (this.active === "reference") {
        // Keep the waveform's cursor where the reference is playing.
        this.wave.setTime(Math.min(this.reference.currentTime, this.wave.getDuration()));
        this.showTime();
      }
    });
    this.reference.addEventListener("play", () => this.showPlaying());
    this.reference.addEventListener("pause", () => this.showPlaying());
    byId("ab").hidden = false;
    byId("ab-track").onclick = () => this.switchTo("track");
    byId("ab-reference").onclick = () => this.switchTo("reference");
    byId("ab-match").onchange = () => this.applyGains();
    this.applyGains();
  }

  /** Loudness matching only ever turns the louder one down, so nothing clips on the way. */
  gains() {
    const match = byId("ab-match").checked;
    const toMatch = (this.analysis.reference && this.analysis.reference.comparison.gain_to_match_db) || 0;
    if (!match) return { track: 0, reference: 0 };
    return { track: Math.min(0, toMatch), reference: Math.min(0, -toMatch) };
  }

  applyGains() {
    const gains = this.gains();
    this.wave.setVolume(dbToGain(gains.track));
    if (this.reference) this.reference.volume = dbToGain(gains.reference);
    byId("ab-gains").textContent = byId("ab-match").checked
      ? `Track ${formatNumber(gains.track, { decimals: 1, signed: true })} dB, reference ${formatNumber(gains.reference, { decimals: 1, signed: true })} dB`
      : "Played as they are";
  }

  switchTo(which) {
    if (which === this.active || !this.reference) return;
    const playing = this.isPlaying();
    const time = this.currentTime();
    this.pauseAll();
    this.active = which;
    byId("ab-track").setAttribute("aria-pressed", String(which === "track"));
    byId("ab-reference").setAttribute("aria-pressed", String(which === "reference"));
    if (which === "reference") this.reference.currentTime = Math.min(time, this.reference.duration || time);
    else this.wave.setTime(time);
    if (playing) this.play();
    this.showTime();
  }

  isPlaying() {
    return this.active === "reference" ? !this.reference.paused : this.wave.isPlaying();
  }

  currentTime() {
    return this.active === "reference" ? this.reference.currentTime : this.wave.getCurrentTime();
  }

  play() {
    return this.active === "reference" ? this.reference.play() : this.wave.play();
  }

  pauseAll() {
    this.wave.pause();
    if (this.reference) this.reference.pause();
  }

  toggle() {
    if (this.isPlaying()) this.pauseAll();
    else this.play().catch((err) => this.status(`Playback did not start: ${err.message}`));
  }

  seek(seconds, { play = false } = {}) {
    if (this.active === "reference") this.reference.currentTime = seconds;
    this.wave.setTime(seconds);
    this.showTime();
    byId("player-section").scrollIntoView({ behavior: "smooth", block: "start" });
    if (play && !this.isPlaying()) this.play().catch(() => {});
  }

  markFindings() {
    this.regions.clearRegions();
    const duration = this.wave.getDuration();
    for (const finding of this.analysis.findings) {
      let labelled = false;
      for (const range of finding.time_ranges) {
        // The whole track is not a place: mark only local findings.
        if (range.start_s <= 0.05 && range.end_s >= duration - 0.05) continue;
        const region = this.regions.addRegion({
          start: range.start_s,
          end: Math.max(range.end_s, range.start_s + duration / 400),
          color: REGION_COLOURS[finding.severity] || REGION_COLOURS.info,
          drag: false,
          resize: false,
          content: labelled ? undefined : humanize(finding.code),
        });
        labelled = true;
        region.element.classList.add("finding-region");
        region.element.dataset.finding = finding.code;
        region.element.title = finding.title;
      }
    }
  }

  showTime() {
    const duration = this.active === "reference" && this.reference ? this.reference.duration : this.wave.getDuration();
    byId("play-time").textContent = `${formatTime(this.currentTime())} / ${formatTime(duration)}`;
  }

  showPlaying() {
    byId("play").textContent = this.isPlaying() ? "Pause" : "Play";
  }

  status(text) {
    byId("player-status").textContent = text;
  }

  destroy() {
    this.pauseAll();
    this.wave.destroy();
    for (const url of this.urls) URL.revokeObjectURL(url);
    byId("ab").hidden = true;
    byId("play").disabled = true;
    byId("play").textContent = "Play";
    byId("ab-track").setAttribute("aria-pressed", "true");
    byId("ab-reference").setAttribute("aria-pressed", "false");
  }
}

/** The findings, most serious first, each with buttons for the places it concerns. */
function renderFindings(analysis, seek) {
  const sorted = [...analysis.findings].sort((a, b) => (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9));
  const list = byId("findings");
  // Silence, or too little sound: the music was not judged, so "nothing to fix" would mislead.
  const notJudged = analysis.music_judged === false
    ? analysis.notes.map((note) => h("li", { class: "finding text-amber-200", "data-note": "not-judged", text: note }))
    : [];
  if (!sorted.length) {
    list.replaceChildren(...(notJudged.length
      ? notJudged
      : [h("li", { class: "text-slate-300", text: "Nothing to fix: every measurement is in range." })]));
    return;
  }
  list.replaceChildren(
    ...notJudged,
    ...sorted.map((finding) =>
      h("li", { class: "finding", id: `finding-${finding.code}`, tabindex: "-1", "data-finding": finding.code },
        h("div", { class: "flex flex-wrap items-center gap-2" },
          h("span", { class: `pill sev-${finding.severity}`, text: humanize(finding.severity) }),
          h("h4", { class: "font-semibold text-white", text: finding.title })),
        h("p", { class: "mt-2 text-sm text-slate-200", text: finding.detail }),
        finding.time_ranges.length
          ? h("div", { class: "mt-3 flex flex-wrap gap-2" },
            ...finding.time_ranges.slice(0, 12).map((range) => {
              // The name starts with the visible text (the ▶ is decoration), then what it does.
              const place = `${formatTime(range.start_s, { tenths: true })}–${formatTime(range.end_s, { tenths: true })}`;
              return h("button", {
                type: "button", class: "chip",
                "aria-label": `${place}: play from there (${finding.title})`,
                onclick: () => seek(range.start_s),
              }, h("span", { "aria-hidden": "true", text: "▶" }), h("span", { class: "chip-place", text: place }));
            }),
            finding.time_ranges.length > 12
              ? h("span", { class: "text-xs text-slate-300 self-center", text: `and ${finding.time_ranges.length - 12} more` })
              : null)
          : null,
      )),
  );
}

/** Bring a finding into view and, if it has a place in the track, move the player there. */
export function showFinding(code, player) {
  const item = document.getElementById(`finding-${code}`);
  if (!item) return;
  item.scrollIntoView({ behavior: "smooth", block: "center" });
  item.focus({ preventScroll: true });
  item.classList.add("flash");
  setTimeout(() => item.classList.remove("flash"), 1600);
  const finding = player && player.analysis.findings.find((f) => f.code === code);
  if (finding && finding.time_ranges.length) player.wave.setTime(finding.time_ranges[0].start_s);
}
