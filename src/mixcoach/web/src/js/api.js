// Talking to Mixcoach's API: the browser session (id and token kept in localStorage), JSON
// requests, event streams, the upload, downloads. Every failure becomes an ApiError carrying
// the API's one error shape: {"error": {"code", "message", "details"}}.

import { readEvents } from "./sse.js";

const SESSION_KEY = "mixcoach.session";
const UNREACHABLE =
  "Mixcoach's server cannot be reached. Check that it is still running, then try again.";

export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

let session = null;

/** The session's token, for the service worker that streams audio (stream.js); null before
 * the session starts. */
export const sessionToken = () => (session ? session.token : null);

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's page, say): fall through to a message naming the status.
  }
  const error = body && body.error;
  if (error && typeof error.message === "string") {
    return new ApiError(response.status, error.code, error.message, error.details || []);
  }
  return new ApiError(
    response.status,
    "http_error",
    `The server answered ${response.status}${response.statusText ? ` (${response.statusText})` : ""}.`,
  );
}

function saved() {
  try {
    const value = JSON.parse(localStorage.getItem(SESSION_KEY) || "null");
    return value && typeof value.token === "string" ? value : null;
  } catch {
    return null;
  }
}

/** Resume the session this browser keeps, or start a new one when there is none (or the
 * server no longer knows it). */
export async function startSession() {
  const known = saved();
  if (known) {
    const response = await send("/api/sessions/current", { token: known.token });
    if (response.ok) {
      session = known;
      return session;
    }
    if (response.status !== 401) throw await errorFrom(response);
  }
  const response = await send("/api/sessions", { method: "POST" });
  if (!response.ok) throw await errorFrom(response);
  const { id, token } = await response.json();
  session = { id, token };
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

async function send(path, { method = "GET", token, json, headers = {}, signal } = {}) {
  const init = { method, signal, headers: { ...headers } };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["Content-Type"] = "application/json";
  }
  try {
    return await fetch(path, init);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "unreachable", UNREACHABLE);
  }
}

/** The response to an authenticated request; ApiError unless it succeeded. */
export async function request(path, options = {}) {
  const response = await send(path, { ...options, token: session && session.token });
  if (!response.ok) throw await errorFrom(response);
  return response;
}

export async function getJson(path, options) {
  return (await request(path, options)).json();
}

/** Open an event stream and hand each event to `onEvent` until it ends. A dropped connection
 * rejects with an ApiError whose status is 0. */
export async function streamEvents(path, { onEvent, ...options }) {
  const response = await request(path, { ...options, headers: { Accept: "text/event-stream" } });
  try {
    await readEvents(response.body, onEvent);
  } catch (err) {
    if (err.name === "AbortError" || err instanceof ApiError) throw err;
    throw new ApiError(0, "unreachable", UNREACHABLE);
  }
}

/** POST the upload form; `onProgress(fraction)` as the bytes go out (fetch cannot report an
 * upload's progress, XMLHttpRequest can). Resolves with the review. */
export function uploadReview(form, { onProgress }) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/reviews");
    xhr.setRequestHeader("Authorization", `Bearer ${session.token}`);
    xhr.responseType = "text";
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "unreachable", UNREACHABLE)));
    xhr.addEventListener("load", async () => {
      const response = new Response(xhr.responseText, {
        status: xhr.status,
        statusText: xhr.statusText,
        headers: { "Content-Type": xhr.getResponseHeader("Content-Type") || "" },
      });
      if (response.ok) resolve(await response.json());
      else reject(await errorFrom(response));
    });
    xhr.send(form);
  });
}

/** The file a download endpoint sends, with the name its Content-Disposition gives. */
export async function download(path, fallbackName, { signal } = {}) {
  const response = await request(path, { signal });
  const disposition = response.headers.get("Content-Disposition") || "";
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  const name = encoded ? decodeURIComponent(encoded[1]) : plain ? plain[1] : fallbackName;
  return { blob: await response.blob(), name };
}

/** Hand a blob to the browser as a download. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
