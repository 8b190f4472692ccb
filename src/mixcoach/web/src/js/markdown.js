// Markdown to safe HTML, for text that comes from the feedback engines (an LLM among them).
// Two locks: markdown-it with `html: false` escapes any HTML in the source, and DOMPurify then
// keeps only the tags Markdown produces, so neither a prompt-injected answer nor a quoted file
// name can put markup, scripts or handlers on the page.

import DOMPurify from "dompurify";
import MarkdownIt from "markdown-it";

const md = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: false });

const ALLOWED_TAGS = [
  "p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "hr",
  "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "del",
];

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

/** Render `text` into `target` (replacing what it held). */
export function renderMarkdown(target, text) {
  const html = DOMPurify.sanitize(md.render(text || ""), {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ["href", "title", "target", "rel"],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#)/i,
  });
  target.innerHTML = html;
  // Headings inside a piece of feedback sit below the section's own heading.
  for (const heading of target.querySelectorAll("h1, h2")) {
    const lower = document.createElement("h3");
    lower.append(...heading.childNodes);
    heading.replaceWith(lower);
  }
}
