// The results page's player. The track (A) and its reference (B) stream from
// /api/tracks/{id}/audio into two audio elements (stream.js: Play opens after the first piece,
// not the whole file), and each has its waveform outline from /api/reviews/{id}/peaks. Whichever
// plays, the waveform, cursor, clock and length are its own; the findings' places and the
// sections belong to the track and show on A only. B follows A through a cue offset (B's time is
// A's time plus the offset), so switching keeps the place in the music; a loop (a finding's
// place or a section, in A's time) holds for both. Loudness-matched A/B turns the louder down.

import { download, getJson } from "./api.js";
import { byId, formatNumber, formatTime, h, humanize } from "./dom.js";
import { playerKeys } from "./player_keys.js";
import { paintedFindings } from "./regions.js";
import { audioStreaming } from "./stream.js";
import { Waveform } from "./waveform.js";

const SEVERITY_RANK = { problem: 0, warning: 1, suggestion: 2, info: 3 };

const dbToGain = (db) => 10 ** (db / 20);
const clamp = (value, low, high) => Math.min(high, Math.max(low, value));
const placeText = (range) => `${formatTime(range.start_s, { tenths: true })}–${formatTime(range.end_s, { tenths: true })}`;

export class Player {
  /** Build the player for `review` and its `analysis`; audio loads with `load()`. */
  constructor(review, analysis) {
    this.review = review;
    this.analysis = analysis;
    this.active = "track";
    this.offset = 0; // B's time minus A's at the same place in the music
    this.loop = null; // {start_s, end_s} in A's time
    this.selected = null; // the place L loops: {start_s, end_s, kind, code?}
    this.urls = [];
    this.frame = 0;
    this.listening = new AbortController();
    this.files = { track: this.file(byId("audio-track"), analysis.file.duration_s), reference: null };
    this.painted = paintedFindings(analysis.findings, analysis.file.duration_s);
    this.wave = new Waveform({ onSeek: (seconds) => this.seek(seconds), onSelect: (place) => this.select(place) });
    this.on(byId("play"), "click", () => this.toggle());
    this.on(byId("loop"), "click", () => this.toggleLoop());
    this.stopKeys = playerKeys(byId("player-section"), this);
    this.showView();
    renderFindings(analysis, (range, finding) => {
      this.select({ ...range, kind: "finding", code: finding.code });
      this.seekMusical(range.start_s, { play: true });
    });
  }

  on(el, type, fn) {
    el.addEventListener(type, fn, { signal: this.listening.signal });
  }

  /** One file's state: its element, its length (the analysis' until the element knows), its outline. */
  file(audio, duration) {
    const file = { audio, duration, peaks: null };
    this.on(audio, "loadedmetadata", () => {
      if (Number.isFinite(audio.duration)) file.duration = audio.duration;
      if (file === this.files[this.active]) this.showView();
    });
    this.on(audio, "play", () => this.showPlaying());
    this.on(audio, "pause", () => this.showPlaying());
    this.on(audio, "ended", () => this.showPlaying());
    this.on(audio, "timeupdate", () => { if (file === this.files[this.active]) this.tick(); });
    return file;
  }

  async load(signal) {
    this.status("Loading the audio…");
    const streaming = await audioStreaming();
    if (signal.aborted) return;
    const track = this.files.track;
    // Play opens once the length is known: play() then waits for the first piece by itself.
    const playable = new Promise((resolve, reject) => {
      this.on(track.audio, "loadedmetadata", resolve);
      this.on(track.audio, "error", () => reject(new Error("the browser could not read it")));
    });
    this.loadPeaks("track", signal);
    await this.attach(track, this.review.track.id, streaming, signal);
    if (this.review.reference && this.analysis.reference) {
      const measured = this.analysis.reference.measurements.file.duration_s;
      this.files.reference = this.file(byId("audio-reference"), measured);
      this.loadPeaks("reference", signal);
      this.showAb();
    }
    await playable;
    if (signal.aborted) return; // closed meanwhile: the Play button is the next review's
    byId("play").disabled = false;
    this.status("");
    if (this.files.reference) await this.attach(this.files.reference, this.review.reference.id, streaming, signal);
  }

  /** Point the element at the file: streamed through the worker, or else downloaded first. */
  async attach(file, trackId, streaming, signal) {
    const url = `/api/tracks/${encodeURIComponent(trackId)}/audio`;
    if (streaming) {
      file.audio.src = url;
      return;
    }
    const { blob } = await download(url, "audio", { signal });
    if (signal.aborted) return;
    const blobUrl = URL.createObjectURL(blob);
    this.urls.push(blobUrl);
    file.audio.src = blobUrl;
  }

  async loadPeaks(which, signal) {
    try {
      const peaks = await getJson(`/api/reviews/${encodeURIComponent(this.review.id)}/peaks?which=${which}`, { signal });
      this.files[which].peaks = peaks;
      if (which === this.active) this.showView();
    } catch (err) {
      if (!signal.aborted) this.status(`The waveform could not be drawn: ${err.message}`);
    }
  }

  showAb() {
    byId("ab").hidden = false;
    this.on(byId("ab-track"), "click", () => this.switchTo("track"));
    this.on(byId("ab-reference"), "click", () => this.switchTo("reference"));
    this.on(byId("ab-match"), "change", () => this.applyGains());
    this.on(byId("ab-offset"), "change", () => {
      const value = Number(byId("ab-offset").value);
      this.setOffset(Number.isFinite(value) ? value : 0);
    });
    // B's place now is where the music is at A's place (A keeps its place while B plays).
    this.on(byId("ab-cue"), "click", () => this.setOffset(this.files.reference.audio.currentTime - this.files.track.audio.currentTime));
    this.applyGains();
  }

  setOffset(seconds) {
    this.offset = Math.round(seconds * 10) / 10;
    byId("ab-offset").value = this.offset.toFixed(1);
    this.showLoop();
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
    this.files.track.audio.volume = dbToGain(gains.track);
    if (this.files.reference) this.files.reference.audio.volume = dbToGain(gains.reference);
    byId("ab-gains").textContent = byId("ab-match").checked
      ? `Track ${formatNumber(gains.track, { decimals: 1, signed: true })} dB, reference ${formatNumber(gains.reference, { decimals: 1, signed: true })} dB`
      : "Played as they are";
  }

  /** The playing file's time for A's time `seconds`. */
  fileTime(seconds, which = this.active) {
    return which === "reference" ? seconds + this.offset : seconds;
  }

  /** Where the music is, in A's time, whichever plays. */
  musical() {
    return this.active === "reference" ? this.currentTime() - this.offset : this.currentTime();
  }

  switchTo(which) {
    if (which === this.active || !this.files[which]) return;
    const playing = this.isPlaying();
    const place = this.musical();
    this.pauseAll();
    this.active = which;
    const file = this.files[which];
    file.audio.currentTime = clamp(this.fileTime(place), 0, file.duration);
    byId("ab-track").setAttribute("aria-pressed", String(which === "track"));
    byId("ab-reference").setAttribute("aria-pressed", String(which === "reference"));
    this.showView();
    if (playing) this.play();
  }

  current() {
    return this.files[this.active];
  }

  isPlaying() {
    return !this.current().audio.paused;
  }

  currentTime() {
    return this.current().audio.currentTime;
  }

  play() {
    const started = this.current().audio.play();
    this.animate();
    return started.catch((err) => this.status(`Playback did not start: ${err.message}`));
  }

  pauseAll() {
    for (const file of Object.values(this.files)) if (file) file.audio.pause();
  }

  toggle() {
    if (byId("play").disabled) return;
    if (this.isPlaying()) this.pauseAll();
    else this.play();
  }

  /** Seek the playing file to its own `seconds`. */
  seek(seconds, { play = false } = {}) {
    const file = this.current();
    file.audio.currentTime = clamp(seconds, 0, file.duration);
    this.tick();
    if (play && !this.isPlaying() && !byId("play").disabled) this.play();
  }

  /** Seek to A's time `seconds` (a finding's place), in whichever file plays. */
  seekMusical(seconds, options = {}) {
    byId("player-section").scrollIntoView({ behavior: "smooth", block: "start" });
    this.seek(this.fileTime(seconds), options);
  }

  skip(seconds) {
    this.seek(this.currentTime() + seconds);
  }

  select(place) {
    this.selected = place;
    this.wave.setSelected(place);
  }

  /** L: loop the selected place (or the section under the cursor); again: stop looping. */
  toggleLoop() {
    if (this.loop) {
      this.loop = null;
    } else {
      const at = this.musical();
      const section = (this.analysis.sections || []).find((s) => s.start_s <= at && at < s.end_s);
      const chosen = this.selected || section;
      if (!chosen) {
        this.status("Choose a place to loop: a finding's place or a section on the waveform.");
        return;
      }
      this.loop = { start_s: chosen.start_s, end_s: chosen.end_s };
      this.seek(this.fileTime(this.loop.start_s));
    }
    this.showLoop();
  }

  showLoop() {
    const button = byId("loop");
    button.setAttribute("aria-pressed", String(Boolean(this.loop)));
    button.textContent = this.loop ? `Loop ${placeText(this.loop)}` : "Loop";
    this.wave.setLoop(this.loop && { start_s: this.fileTime(this.loop.start_s), end_s: this.fileTime(this.loop.end_s) });
  }

  /** The waveform, length and places of the file that plays. */
  showView() {
    const onTrack = this.active === "track";
    const file = this.current();
    this.wave.show({
      peaks: file.peaks,
      duration: file.duration,
      painted: onTrack ? this.painted : [],
      sections: onTrack ? this.analysis.sections || [] : [],
    });
    this.wave.setSelected(onTrack ? this.selected : null);
    byId("waveform").setAttribute("aria-label", onTrack
      ? "Waveform of the track; findings and sections are marked on it"
      : "Waveform of the reference");
    this.showLoop();
    this.tick();
  }

  /** Cursor, clock and loop, on every frame while playing. */
  tick() {
    const file = this.current();
    if (this.loop && this.isPlaying()) {
      const end = this.fileTime(this.loop.end_s);
      if (file.audio.currentTime >= end) file.audio.currentTime = this.fileTime(this.loop.start_s);
    }
    const time = file.audio.currentTime;
    this.wave.setTime(time);
    byId("play-time").textContent = `${formatTime(time)} / ${formatTime(file.duration)}`;
  }

  animate() {
    cancelAnimationFrame(this.frame);
    const step = () => {
      this.tick();
      if (this.isPlaying()) this.frame = requestAnimationFrame(step);
    };
    this.frame = requestAnimationFrame(step);
  }

  showPlaying() {
    byId("play").textContent = this.isPlaying() ? "Pause" : "Play";
    if (this.isPlaying()) this.animate();
  }

  status(text) {
    byId("player-status").textContent = text;
  }

  destroy() {
    cancelAnimationFrame(this.frame);
    this.pauseAll();
    this.listening.abort();
    this.stopKeys();
    this.wave.destroy();
    for (const file of Object.values(this.files)) {
      if (!file) continue;
      file.audio.removeAttribute("src");
      file.audio.load(); // ends its download
    }
    for (const url of this.urls) URL.revokeObjectURL(url);
    byId("ab").hidden = true;
    byId("play").disabled = true;
    byId("play").textContent = "Play";
    byId("loop").textContent = "Loop";
    byId("loop").setAttribute("aria-pressed", "false");
    byId("ab-offset").value = "0.0";
    byId("ab-track").setAttribute("aria-pressed", "true");
    byId("ab-reference").setAttribute("aria-pressed", "false");
  }
}

/**
 * A finding's places as one Tab stop (the ARIA toolbar pattern), so a dozen of them do not stand
 * between the keyboard and the rest of the review: Left and Right move along, Home and End jump
 * to the ends, and the one last used is where Tab comes back to.
 */
function oneTabStop(row) {
  const buttons = [...row.querySelectorAll("button")];
  buttons.forEach((button, i) => { button.tabIndex = i === 0 ? 0 : -1; });
  row.addEventListener("keydown", (event) => {
    const at = buttons.indexOf(event.target);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: buttons.length - 1 }[event.key];
    if (at < 0 || to === undefined || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault(); // not the player's seek
    const next = buttons[Math.max(0, Math.min(buttons.length - 1, to))];
    buttons[at].tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
  });
  return row;
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
          ? oneTabStop(h("div", { class: "mt-3 flex flex-wrap gap-2", role: "toolbar", "aria-label": `Places of ${finding.title}` },
            ...finding.time_ranges.slice(0, 12).map((range) => {
              // The name holds the visible text, ▶ and all (label in name), then what it does.
              const place = placeText(range);
              return h("button", {
                type: "button", class: "chip",
                "aria-label": `▶ ${place}: play from there (${finding.title})`,
                onclick: () => seek(range, finding),
              }, h("span", { "aria-hidden": "true", text: "▶ " }), h("span", { class: "chip-place", text: place }));
            }),
            finding.time_ranges.length > 12
              ? h("span", { class: "text-xs text-slate-300 self-center", text: `and ${finding.time_ranges.length - 12} more` })
              : null))
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
  if (finding && finding.time_ranges.length) player.seek(player.fileTime(finding.time_ranges[0].start_s));
}
