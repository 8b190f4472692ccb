// Whether the page's audio elements can stream straight from the API: sw.js adds the session
// token to their requests (an element cannot send it, and it never goes in a URL). Service
// workers need a secure context (https, or localhost); without one the player downloads the
// file first, as a blob.

import { sessionToken } from "./api.js";

/** How long a page loaded past the worker (a hard reload) waits to be taken on. */
const CLAIM_WAIT_MS = 3000;

let ready = null;

/** Resolves true once this page's audio requests go through the worker, false when they cannot. */
export function audioStreaming() {
  if (!ready) ready = register().catch(() => false);
  return ready;
}

async function register() {
  const workers = navigator.serviceWorker;
  if (!workers || !window.isSecureContext) return false;
  workers.addEventListener("message", (event) => {
    if (event.data === "token" && event.ports[0]) event.ports[0].postMessage(sessionToken());
  });
  await workers.register("/sw.js");
  const registration = await workers.ready;
  if (!workers.controller) {
    const claimed = new Promise((resolve) => {
      workers.addEventListener("controllerchange", resolve, { once: true });
      setTimeout(resolve, CLAIM_WAIT_MS);
    });
    registration.active.postMessage("claim");
    await claimed;
  }
  return Boolean(workers.controller);
}
