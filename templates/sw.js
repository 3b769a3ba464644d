// The checklist's service worker (release {{ release }}).
// App shell: cache-first under versioned URLs. Pages: network-first, the last copy kept for
// offline use and dropped after the retention period. Answers are queued by the page itself.
"use strict";
const SHELL = "shell-{{ release }}";
const PAGES = "pages";
const SHELL_URLS = {{ shell|tojson }};
const RETENTION_MS = {{ retention_days|int }} * 24 * 60 * 60 * 1000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_URLS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith("shell-") && key !== SHELL) await caches.delete(key);
    }
    await dropExpiredPages();
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data === "clear-device") {
    event.waitUntil(caches.keys().then((keys) => Promise.all(keys.map((key) => caches.delete(key)))));
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(networkFirst(request));
    event.waitUntil(dropExpiredPages());
  } else if (url.pathname.startsWith("/static/") || url.pathname.startsWith("/trial/") ||
             url.pathname === "/manifest.webmanifest") {
    event.respondWith(cacheFirst(request));
  }
});

async function cacheFirst(request) {
  const cached = await caches.match(request, {ignoreVary: true});
  return cached || fetch(request);
}

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    // A page reached through a redirect (a language switch) is kept under its own address only.
    if (response.ok && !response.redirected && response.headers.get("Content-Type").startsWith("text/html")) {
      await keepPage(request, response.clone());
    } else if (response.status === 404 || response.status === 401) {
      await (await caches.open(PAGES)).delete(request.url);  // deleted elsewhere, or signed out: not kept
    }
    return response;
  } catch (error) {
    const cached = await caches.match(request.url, {ignoreVary: true, ignoreSearch: true});
    if (cached) return cached;
    throw error;
  }
}

async function keepPage(request, response) {
  const headers = new Headers(response.headers);
  headers.set("X-Kept-At", String(Date.now()));
  const body = await response.blob();
  const cache = await caches.open(PAGES);
  await cache.put(request.url, new Response(body, {status: response.status, headers}));
}

async function dropExpiredPages() {
  const cache = await caches.open(PAGES);
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    if (Date.now() - Number(response.headers.get("X-Kept-At") || 0) > RETENTION_MS) {
      await cache.delete(request);
    }
  }
}
