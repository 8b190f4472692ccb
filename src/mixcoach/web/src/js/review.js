// One review on the page: its header and exports, the analysis's progress, then the results
// (player and findings, metric cards, feedback and chat, charts, streaming services).
// Opening another review aborts this one's requests and streams.

import { ApiError, download, getJson, saveBlob } from "./api.js";
import { clearCharts, renderCharts } from "./charts.js";
import { clearChat, loadChat, openQuestions } from "./chat.js";
import { alertIn, byId, formatDate, formatTime, humanize } from "./dom.js";
import { canRewrite, clearFeedback, feedbackFailed, loadFeedback } from "./feedback.js";
import { reviewDates, showJobInHistory } from "./history.js";
import { renderMetrics } from "./metrics.js";
import { renderSections } from "./sections.js";
import { clearCodecs } from "./codecs.js";
import { clearPlatforms, loadPlatforms, showVerdicts } from "./platforms.js";
import { Player, showFinding } from "./player.js";
import { clearPresets, renderPresets } from "./presets.js";
import { clearPreviews, setupPreviews } from "./previews.js";
import { followJob, isFinal, showProgress } from "./progress.js";
import { hideRejudge, showRejudge } from "./rejudge.js";
import { genreLabel } from "./upload.js";
import { clearVersions, loadVersions } from "./versions.js";

let open = null; // {id, controller, player, analysis}

export const openReviewId = () => (open ? open.id : null);

export function closeReview() {
  if (!open) return;
  open.controller.abort();
  if (open.player) open.player.destroy();
  clearCharts();
  clearFeedback();
  clearChat();
  clearPreviews();
  clearPresets();
  clearVersions();
  open = null;
}

function describe(review) {
  const genre = genreLabel(review.genre, review.subgenre);
  return `${humanize(review.feedback_type)} · ${genre} · ${humanize(review.detail_level)} feedback · ${formatDate(review.created_at)}`;
}

/** The review's heading, and the tab's title so a producer with many tabs finds this one. */
function showTitle(text) {
  byId("review-title").textContent = text;
  document.title = `${text} · Mixcoach`;
}

/** Show the review `id`; `onChanged()` when its state changes (for the history list). */
export async function openReview(id, { onChanged }) {
  closeReview();
  const controller = new AbortController();
  const signal = controller.signal;
  const current = { id, controller, player: null, analysis: null, onChanged };
  open = current;
  byId("results").hidden = true;
  byId("exports").hidden = true;
  byId("review-nav").hidden = true;
  byId("progress-section").hidden = true;
  hideRejudge();
  clearFeedback();
  clearChat();
  alertIn(byId("review-error"), "");
  showTitle("Loading…");
  byId("review-meta").textContent = "";
  try {
    const review = await getJson(`/api/reviews/${encodeURIComponent(id)}`, { signal });
    showTitle(review.reference ? `${review.track.filename} vs ${review.reference.filename}` : review.track.filename);
    byId("review-meta").textContent = describe(review);
    let job = review.job;
    if (!isFinal(job)) {
      byId("progress-section").hidden = false;
      const progress = (update) => { showProgress(update); showJobInHistory(id, update); };
      progress(job);
      job = await followJob(id, { signal, onProgress: progress });
      onChanged();
    }
    byId("progress-section").hidden = true;
    if (job.state === "failed") {
      alertIn(byId("review-error"), `The analysis failed: ${job.error || "no reason was given."}`);
      return;
    }
    const analysis = await getJson(`/api/reviews/${encodeURIComponent(id)}/analysis`, { signal });
    if (open !== current) return;
    current.analysis = analysis;
    showResults(review, analysis, current);
    showRejudge(review, {
      onRejudged: (judged) => { location.hash = `#/review/${judged.id}`; onChanged(); },
    });
  } catch (err) {
    if (err.name === "AbortError" || open !== current) return;
    byId("progress-section").hidden = true;
    if (err instanceof ApiError && err.status === 404) showTitle("Review not found");
    alertIn(byId("review-error"), err instanceof ApiError ? err.message : String(err));
  }
}

/**
 * The results are in: unless the reader is busy with something still on screen, focus moves
 * to the review's heading, so a screen reader announces the review and Tab goes on from there.
 */
function arriveAtResults() {
  const active = document.activeElement;
  if (active && active !== document.body && active.checkVisibility()) return;
  byId("review-title").focus({ preventScroll: true });
}

function showResults(review, analysis, current) {
  const signal = current.controller.signal;
  byId("results").hidden = false;
  byId("exports").hidden = false;
  byId("review-nav").hidden = false;
  const file = analysis.file;
  byId("review-meta").textContent =
    `${describe(review)} · ${file.format.toUpperCase()} ${file.sample_rate_hz / 1000} kHz, ${formatTime(file.duration_s)}`;
  renderMetrics(review, analysis, { signal });
  renderSections(review, { signal });
  renderCharts(analysis);
  arriveAtResults();
  clearPlatforms();
  // The verdicts of a master review's feedback go into the table's rows: wait for the table.
  const platformsShown = loadPlatforms(review, { signal });
  clearCodecs(review, { signal });
  const player = new Player(review, analysis);
  current.player = player;
  const onFinding = (code) => showFinding(code, player);
  setupPreviews(review, { signal });
  renderPresets(review, { signal });
  const problem = (err) => (err instanceof ApiError ? err.message : String(err));
  player.load(signal).catch((err) => { if (!signal.aborted) player.status(`The audio could not be loaded: ${problem(err)}`); });

  // The conversation shows as soon as it is read; questions open once the feedback is there.
  const chatShown = loadChat(review.id, analysis, { signal, onFinding });
  const writeFeedback = (regenerate) => {
    byId("feedback-again").hidden = true;
    loadFeedback(review.id, analysis, { signal, onFinding, stored: review.has_feedback, regenerate })
      .then((feedback) => {
        review.has_feedback = true;
        platformsShown.then(() => showVerdicts(feedback.delivery));
        const again = byId("feedback-again");
        again.textContent = feedback.fallback_reason ? "Ask the language model again" : "Write it again";
        again.hidden = !canRewrite(feedback);
        chatShown.then(() => openQuestions(signal));
      })
      .catch((err) => {
        if (err.name !== "AbortError") feedbackFailed(problem(err), () => writeFeedback(regenerate));
      });
  };
  byId("feedback-again").onclick = () => writeFeedback(true);
  writeFeedback(false);
  // A suggestion linked as a version: the review opens again, its feedback written anew.
  const onLinked = () => openReview(review.id, { onChanged: current.onChanged });
  loadVersions(review.id, { signal, dates: reviewDates(), onLinked });
  wireExports(review);
}

function wireExports(review) {
  const base = `/api/reviews/${encodeURIComponent(review.id)}`;
  const stem = review.track.filename.replace(/\.[^.]+$/, "") || "track";
  const fetchAndSave = async (button, path, name) => {
    button.disabled = true;
    alertIn(byId("review-error"), "");
    try {
      const file = await download(path, name);
      saveBlob(file.blob, file.name);
    } catch (err) {
      alertIn(byId("review-error"), err instanceof ApiError ? err.message : String(err));
    } finally {
      button.disabled = false;
    }
  };
  byId("export-pdf").onclick = (e) => fetchAndSave(e.currentTarget, `${base}/report.pdf`, `${stem}-mixcoach.pdf`);
  byId("export-rpl").onclick = (e) => fetchAndSave(e.currentTarget, `${base}/presets/reaeq.RPL`, `${stem}-reaeq.RPL`);
  byId("export-json").onclick = (e) => fetchAndSave(e.currentTarget, `${base}/presets/mixcoach.json`, `${stem}-mixcoach-presets.json`);
}
