// The page's service worker, for one thing only: letting its <audio> elements stream a track
// from /api/tracks/{id}/audio by byte ranges, so playback starts after the first piece instead
// of after the whole file. An audio element cannot send the session token, and the token never
// travels in a URL, so this worker asks the page that made the request for it and forwards the
// request (its Range included) with `Authorization: Bearer`. Every other request passes by.

const AUDIO_PATH = /^\/api\/tracks\/[^/]+\/audio$/;
/** How long to wait for the page to answer with its token. */
const TOKEN_WAIT_MS = 5000;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
// A page loaded past the worker (a hard reload) asks to be taken on.
self.addEventListener("message", (event) => {
  if (event.data === "claim") event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || !AUDIO_PATH.test(url.pathname)) return;
  if (request.headers.has("Authorization")) return; // the page's own fetch: it has the token
  event.respondWith(withToken(event));
});

async function withToken(event) {
  const client = await self.clients.get(event.clientId);
  const token = client ? await askForToken(client) : null;
  const headers = new Headers(event.request.headers);
  if (token) headers.set("Authorization", `Bearer ${token}`);
  return fetch(event.request.url, { headers, credentials: "omit" });
}

function askForToken(client) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(typeof event.data === "string" ? event.data : null);
    client.postMessage("token", [channel.port2]);
    setTimeout(() => resolve(null), TOKEN_WAIT_MS);
  });
}
