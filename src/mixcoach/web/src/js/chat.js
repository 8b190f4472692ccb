// The follow-up chat under the feedback: the stored conversation (GET .../chat), and new
// questions whose answers stream in (POST .../chat: `chunk` events, then `done` with the
// stored assistant message).

import { ApiError, getJson, streamEvents } from "./api.js";
import { alertIn, byId, formatDate, h } from "./dom.js";
import { findingLinks } from "./feedback.js";
import { renderMarkdown } from "./markdown.js";

let context = null; // {reviewId, analysis, onFinding, signal}

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

export async function loadChat(reviewId, analysis, { signal, onFinding }) {
  context = { reviewId, analysis, onFinding, signal };
  alertIn(byId("chat-error"), "");
  byId("chat-log").replaceChildren();
  const { messages, summary } = await getJson(`/api/reviews/${encodeURIComponent(reviewId)}/chat`, { signal });
  byId("chat-summary").hidden = !summary;
  byId("chat-summary-text").textContent = summary || "";
  byId("chat-log").replaceChildren(...messages.map(messageItem));
}

export function setUpChat() {
  const form = byId("chat-form");
  const question = byId("chat-question");
  question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ask(question.value.trim());
  });
}

async function ask(text) {
  const error = byId("chat-error");
  if (!context) return;
  if (!text) {
    alertIn(error, "Type a question first.");
    return;
  }
  const { reviewId } = context;
  const log = byId("chat-log");
  const send = byId("chat-send");
  alertIn(error, "");
  send.disabled = true;
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
      signal: context.signal,
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
    send.disabled = false;
  }
}
