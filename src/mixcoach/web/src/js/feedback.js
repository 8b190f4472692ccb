// The feedback, streamed as it is written (POST /api/reviews/{id}/feedback answers with
// `chunk` events and a final `done` carrying the stored Feedback), rendered from Markdown,
// each section linked to the findings it comes from.

import { ApiError, getJson, streamEvents } from "./api.js";
import { alertIn, byId, h, humanize } from "./dom.js";
import { renderMarkdown } from "./markdown.js";

/** Buttons that take the reader to the findings a piece of advice comes from. */
export function findingLinks(codes, analysis, onFinding) {
  const known = codes.filter((code) => analysis.findings.some((f) => f.code === code));
  if (!known.length) return null;
  return h("p", { class: "flex flex-wrap items-center gap-2 text-xs text-slate-300" },
    "About:",
    ...known.map((code) =>
      h("button", {
        type: "button", class: "chip", "data-finding-link": code,
        onclick: () => onFinding(code), text: humanize(code),
      })));
}

/**
 * Whether asking again can give other words: a language model can (or may answer this time,
 * when the built-in coach stood in for it); the built-in coach alone gives the same answer to
 * the same measurements.
 */
export const canRewrite = (feedback) => feedback.engine !== "offline" || Boolean(feedback.fallback_reason);

function engineNote(feedback) {
  const who = feedback.engine === "offline" ? "Mixcoach's built-in coach" : feedback.engine.replace(/^openai:/, "");
  if (feedback.fallback_reason) {
    return `The language model could not answer (${feedback.fallback_reason}), so Mixcoach's built-in coach wrote this instead.`;
  }
  const note = `Written by ${who}; every number in it comes from the measurements.`;
  return canRewrite(feedback) ? note : `${note} Asked again, it would give the same answer.`;
}

/** Empty the feedback panel (a review is opening: nothing of the last one may show). */
export function clearFeedback() {
  const box = byId("feedback");
  box.replaceChildren();
  box.removeAttribute("aria-busy");
  byId("feedback-engine").textContent = "";
  byId("feedback-again").hidden = true;
  byId("review-headline").hidden = true;
  byId("review-headline").textContent = "";
}

export function renderFeedback(feedback, analysis, onFinding) {
  const box = byId("feedback");
  box.classList.remove("streaming");
  byId("feedback-engine").textContent = engineNote(feedback);
  const headline = h("p", { class: "text-lg font-medium text-white", id: "feedback-headline" });
  renderMarkdown(headline, feedback.headline);
  box.replaceChildren(
    headline,
    ...feedback.sections.map((section) => {
      const body = h("div", { class: "prose-mc mt-2" });
      renderMarkdown(body, section.body);
      return h("article", { class: "card feedback-section", "data-kind": section.kind },
        h("h3", { class: "text-lg font-semibold text-white", text: section.title }),
        body,
        h("div", { class: "mt-3" }, findingLinks(section.finding_codes, analysis, onFinding)));
    }),
  );
  const top = byId("review-headline");
  top.textContent = headline.textContent;
  top.hidden = false;
}

/**
 * Show the stored feedback (`stored`: the review says there is some), or have it written
 * (streamed) when there is none yet; a POST sends back feedback another tab wrote meanwhile.
 * Resolves with the Feedback.
 */
export async function loadFeedback(reviewId, analysis, { signal, onFinding, stored = false, regenerate = false }) {
  const path = `/api/reviews/${encodeURIComponent(reviewId)}/feedback`;
  if (stored && !regenerate) {
    try {
      const feedback = await getJson(path, { signal });
      renderFeedback(feedback, analysis, onFinding);
      return feedback;
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== "no_feedback") throw err;
    }
  }
  const box = byId("feedback");
  const live = h("div", { class: "prose-mc streaming", id: "feedback-live" });
  box.replaceChildren(live);
  box.setAttribute("aria-busy", "true");
  byId("feedback-engine").textContent = "Writing…";
  let text = "";
  let finished = null;
  let failure = null;
  let pending = false;
  await streamEvents(regenerate ? `${path}?regenerate=true` : path, {
    method: "POST",
    signal,
    onEvent: (event) => {
      if (event.event === "chunk") {
        text += JSON.parse(event.data).text;
        if (!pending) {
          // Re-render at most once a frame however fast the chunks come.
          pending = true;
          requestAnimationFrame(() => { pending = false; if (!finished) renderMarkdown(live, text); });
        }
      } else if (event.event === "done") {
        finished = JSON.parse(event.data);
      } else if (event.event === "error") {
        const body = JSON.parse(event.data).error || {};
        failure = new ApiError(200, body.code || "error", body.message || "The feedback could not be written.");
      }
    },
  });
  box.removeAttribute("aria-busy");
  if (failure) throw failure;
  if (!finished) throw new ApiError(0, "unreachable", "The connection closed before the feedback was complete; try again.");
  renderFeedback(finished, analysis, onFinding);
  return finished;
}

export function feedbackFailed(message, retry) {
  const box = byId("feedback");
  box.removeAttribute("aria-busy");
  const alert = h("div", { class: "alert" });
  alertIn(alert, message);
  box.replaceChildren(alert, h("button", { type: "button", class: "btn mt-3", onclick: retry, text: "Try again" }));
  byId("feedback-engine").textContent = "";
}
