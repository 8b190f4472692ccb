// The upload form: a track (and a reference) by drag and drop or the file picker, what it is,
// the genre and style from GET /api/options, the detail level; then POST /api/reviews.

import { ApiError, uploadReview } from "./api.js";
import { alertIn, byId, formatBytes, h } from "./dom.js";

const FEEDBACK_TYPES = {
  mixdown: ["Mixdown", "A mix in progress: balance and headroom."],
  mastering: ["Ready for mastering", "A finished mix about to be mastered."],
  master_review: ["Master review", "A finished master: delivery and streaming."],
};
const DETAIL_LEVELS = {
  simple: ["Simple", "The few things that matter most."],
  detailed: ["Detailed", "Everything worth changing."],
  pro: ["Pro", "With the numbers behind it."],
};
const DEFAULTS = { feedback_type: "mixdown", detail_level: "detailed" };

let options = null;
const files = { track: null, reference: null };

/** Fill the form from GET /api/options and wire it; `onSubmitted(review)` after an upload. */
export function setUpForm(apiOptions, { onSubmitted }) {
  options = apiOptions;
  choices(byId("feedback-types"), "feedback_type", options.feedback_types, FEEDBACK_TYPES);
  choices(byId("detail-levels"), "detail_level", options.detail_levels, DETAIL_LEVELS);
  const genre = byId("genre");
  genre.replaceChildren(
    ...options.genres.map((g) => h("option", { value: g.genre, text: g.label })),
  );
  genre.addEventListener("change", fillSubgenres);
  byId("subgenre").addEventListener("change", describeSubgenre);
  fillSubgenres();
  byId("upload-limits").textContent =
    `Up to ${options.max_file_mb} MB and ${options.max_duration_minutes} minutes per file.`;

  for (const name of Object.keys(files)) wireFile(name);
  byId("upload-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submit(onSubmitted);
  });
}

function choices(container, name, values, texts) {
  container.replaceChildren(
    ...values.map((value) => {
      const [title, description] = texts[value] || [value, ""];
      const id = `${name}-${value}`;
      return h(
        "label",
        { class: "choice", for: id },
        h("input", {
          type: "radio", name, value, id, class: "mt-1 size-4 accent-cyan-400",
          checked: value === DEFAULTS[name],
        }),
        h("span", {},
          h("span", { class: "block font-medium text-white", text: title }),
          h("span", { class: "block text-sm text-slate-300", text: description })),
      );
    }),
  );
}

/** The name a genre (and subgenre) goes by, e.g. "EDM / House". */
export function genreLabel(genre, subgenre) {
  const known = options && options.genres.find((g) => g.genre === (genre || "general"));
  const sub = known && subgenre ? known.subgenres.find((s) => s.subgenre === subgenre) : null;
  if (sub) return sub.label;
  if (known) return known.label;
  return [genre || "general", subgenre].filter(Boolean).join(" / ");
}

function selectedGenre() {
  return options.genres.find((g) => g.genre === byId("genre").value) || options.genres[0];
}

function fillSubgenres() {
  const genre = selectedGenre();
  byId("genre-description").textContent = genre.description;
  const select = byId("subgenre");
  select.replaceChildren(
    h("option", { value: "", text: genre.subgenres.length ? "Any" : "—" }),
    ...genre.subgenres.map((s) => h("option", { value: s.subgenre, text: s.label })),
  );
  select.disabled = genre.subgenres.length === 0;
  describeSubgenre();
}

function describeSubgenre() {
  const chosen = selectedGenre().subgenres.find((s) => s.subgenre === byId("subgenre").value);
  byId("subgenre-description").textContent = chosen ? chosen.description : "";
}

function wireFile(name) {
  const input = byId(`${name}-input`);
  const zone = document.querySelector(`[data-drop="${name}"]`);
  input.addEventListener("change", () => choose(name, input.files[0] || null));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    const dropped = event.dataTransfer && event.dataTransfer.files[0];
    if (!dropped) return;
    // Show the dropped file in the input too, so the picker and the drop agree.
    const transfer = new DataTransfer();
    transfer.items.add(dropped);
    input.files = transfer.files;
    choose(name, dropped);
  });
}

function tooLarge(file) {
  return file && file.size > options.max_file_mb * 1e6;
}

function choose(name, file) {
  files[name] = file;
  const zone = document.querySelector(`[data-drop="${name}"]`);
  byId(`${name}-chosen`).textContent = file ? `${file.name} · ${formatBytes(file.size)}` : "";
  const problem = tooLarge(file)
    ? `${file.name} is ${formatBytes(file.size)}; Mixcoach takes files up to ${options.max_file_mb} MB.`
    : "";
  zone.classList.toggle("invalid", Boolean(problem));
  alertIn(byId("upload-error"), problem);
}

/** Reset the form for the next upload (the choices stay as they were). */
export function clearFiles() {
  for (const name of Object.keys(files)) {
    files[name] = null;
    byId(`${name}-input`).value = "";
    byId(`${name}-chosen`).textContent = "";
    document.querySelector(`[data-drop="${name}"]`).classList.remove("invalid");
  }
  byId("version-of").value = ""; // the next upload is a new track unless chosen again
  alertIn(byId("upload-error"), "");
}

async function submit(onSubmitted) {
  const error = byId("upload-error");
  const button = byId("upload-submit");
  if (!files.track) {
    alertIn(error, "Choose the track to analyse first (drop it on the box, or use the picker).");
    byId("track-input").focus();
    return;
  }
  const big = [files.track, files.reference].find(tooLarge);
  if (big) {
    alertIn(error, `${big.name} is ${formatBytes(big.size)}; Mixcoach takes files up to ${options.max_file_mb} MB.`);
    return;
  }
  const form = new FormData();
  form.append("track", files.track, files.track.name);
  if (files.reference) form.append("reference", files.reference, files.reference.name);
  const fields = new FormData(byId("upload-form"));
  for (const name of ["feedback_type", "detail_level", "genre", "subgenre", "version_of"]) {
    const value = fields.get(name);
    if (value) form.append(name, value);
  }
  alertIn(error, "");
  button.disabled = true;
  button.textContent = "Uploading…";
  try {
    const review = await uploadReview(form, {
      onProgress: (fraction) => { button.textContent = `Uploading… ${Math.round(fraction * 100)}%`; },
    });
    clearFiles();
    onSubmitted(review);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    alertIn(error, uploadProblem(err));
    for (const name of filesAtFault(err)) {
      document.querySelector(`[data-drop="${name}"]`).classList.add("invalid");
    }
  } finally {
    button.disabled = false;
    button.textContent = "Analyse";
  }
}

/** Which of the chosen files an error is about: the fields its details name, or else the file
 * whose name the message starts with (the server's messages about a file begin with its name). */
function filesAtFault(err) {
  const named = err.details.map((d) => d.field).filter((field) => field in files);
  if (named.length) return named;
  const names = (name) => files[name] && [":", " "].some((after) => err.message.startsWith(files[name].name + after));
  return Object.keys(files).filter(names);
}

/** The API's own sentence, with what to do next where the status says it. */
function uploadProblem(err) {
  if (err.status === 415) return `${err.message} Choose another file, or export this one again from your DAW.`;
  if (err.status === 413) return `${err.message} Try a compressed copy (FLAC keeps every bit).`;
  return err.message;
}
