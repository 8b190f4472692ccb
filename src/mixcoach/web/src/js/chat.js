// The follow-up chat under the feedback: the stored conversation (GET .../chat), and new
// questions whose answers stream in (POST .../chat: `chunk` events, then `done` with the
// stored assistant message). A review's conversation is shown as soon as it is read; questions
// open once the feedback is there too (the answer builds on it: a question asked before would
// have the server write the feedback a second time).

import { ApiError, getJson, streamEvents } from "./api.js";
import { alertIn, byId, formatDate, h } from "./dom.js";
import { findingLinks } from "./feedback.js";
import { renderMarkdown } from "./markdown.js";

// The open review's conversation: {reviewId, analysis, onFinding, signal, open, asking}, where
// `open` says questions are taken (the feedback is there) and `asking` that an answer is coming.
let context = null;

/** The Ask button (and Enter) work only on an open conversation with no answer coming. */
function updateSend() {
  byId("chat-send").disabled = !(context && context.open && !context.asking);
}

function messageItem(message) {
  const mine = message.role === "user";
  const body = h("div", { class: mine ? "whitespace-pre-wrap" : "prose-mc" });
  if (mine) body.textContent = message.content;
  else renderMarkdown(body, message.content);
  return h("li", {
    class: `chat-message rounded-lg p-3 ${mine ? "ml-8 bg-cyan-950 text-cyan-50" : "mr-8 border border-slate-700 bg-slate-950/60"}`,
    "data-role": message.role,
  },
  h("p", { class: "mb-1 text-xs font-semibold text-slate-300" },
    mine ? "You" : "Mixcoach",
    message.created_at ? h("span", { class: "font-normal", text: ` · ${formatDate(message.created_at)}` }) : null),
  body,
  !mine && message.finding_codes ? h("div", { class: "mt-2" }, findingLinks(message.finding_codes, context.analysis, context.onFinding)) : null);
}

/** Empty the conversation and close it to questions (a review is opening, or closed). */
export function clearChat() {
  context = null;
  alertIn(byId("chat-error"), "");
  byId("chat-summary").hidden = true;
  byId("chat-summary-text").textContent = "";
  byId("chat-log").replaceChildren();
  byId("chat-log").setAttribute("aria-busy", "true");
  updateSend();
}

/** Show the review's stored conversation; resolves once it is shown (or its failure is). */
export async function loadChat(reviewId, analysis, { signal, onFinding }) {
  clearChat();
  const current = { reviewId, analysis, onFinding, signal, open: false, asking: false };
  context = current;
  try {
    const { messages, summary } = await getJson(`/api/reviews/${encodeURIComponent(reviewId)}/chat`, { signal });
    if (context !== current) return;
    byId("chat-summary").hidden = !summary;
    byId("chat-summary-text").textContent = summary || "";
    byId("chat-log").replaceChildren(...messages.map(messageItem));
  } catch (err) {
    if (err.name === "AbortError" || context !== current) return;
    alertIn(byId("chat-error"), `The conversation could not be loaded: ${err instanceof ApiError ? err.message : String(err)}`);
  }
  byId("chat-log").removeAttribute("aria-busy");
}

/** Take questions on the conversation that `loadChat` showed with this `signal` (call it once
 * the review's feedback is there). */
export function openQuestions(signal) {
  if (!context || context.signal !== signal) return;
  context.open = true;
  updateSend();
}

export function setUpChat() {
  const form = byId("chat-form");
  const question = byId("chat-question");
  question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      // Not while the Ask button is off: before questions open, or while an answer is written.
      if (!byId("chat-send").disabled) form.requestSubmit();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ask(question.value.trim());
  });
}

async function ask(text) {
  const error = byId("chat-error");
  if (!context || !context.open || context.asking) return;
  if (!text) {
    alertIn(error, "Type a question first.");
    return;
  }
  const asking = context;
  const { reviewId } = asking;
  const log = byId("chat-log");
  alertIn(error, "");
  asking.asking = true;
  updateSend();
  const asked = messageItem({ role: "user", content: text });
  log.append(asked);
  const live = h("div", { class: "prose-mc streaming" });
  const answer = h("li", { class: "chat-message mr-8 rounded-lg border border-slate-700 bg-slate-950/60 p-3", "data-role": "assistant", "aria-busy": "true" },
    h("p", { class: "mb-1 text-xs font-semibold text-slate-300", text: "Mixcoach" }), live);
  log.append(answer);
  answer.scrollIntoView({ block: "nearest" });
  byId("chat-question").value = "";
  let written = "";
  let done = null;
  let failure = null;
  try {
    await streamEvents(`/api/reviews/${encodeURIComponent(reviewId)}/chat`, {
      method: "POST",
      json: { question: text },
      signal: asking.signal,
      onEvent: (event) => {
        if (event.event === "chunk") {
          written += JSON.parse(event.data).text;
          renderMarkdown(live, written);
        } else if (event.event === "done") {
          done = JSON.parse(event.data);
        } else if (event.event === "error") {
          const body = JSON.parse(event.data).error || {};
          failure = new ApiError(200, body.code || "error", body.message || "No answer came.");
        }
      },
    });
    if (failure) throw failure;
    if (!done) throw new ApiError(0, "unreachable", "The connection closed before the answer was complete; ask again.");
    answer.replaceWith(messageItem(done));
  } catch (err) {
    if (err.name === "AbortError") return;
    answer.remove();
    asked.remove();
    byId("chat-question").value = text;
    alertIn(error, err instanceof ApiError ? err.message : String(err));
  } finally {
    asking.asking = false;
    updateSend();
  }
}
