/* Observe service worker — event wiring only; the strategies live in strategies.js. */

self.addEventListener('install', (event) => {
  // No skipWaiting() here: a new version waits until the user agrees to reload (see static/js/app.js).
  event.waitUntil(precacheAll());
});

self.addEventListener('activate', (event) => {
  event.waitUntil(deleteOldCaches().then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return; // uploads go straight to the network
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // API answers carry personal data and must be fresh: never cached, never answered from a cache.
  if (url.pathname.startsWith('/api/') || url.pathname === '/sw.js' || url.pathname === '/offline-pages.json') return;
  if (request.mode === 'navigate') {
    event.respondWith(networkFirstPage(event));
  } else if (isPrecached(url)) {
    event.respondWith(cacheFirst(request));
  }
});

self.addEventListener('message', (event) => {
  const data = event.data || {};
  const reply = (message) => event.source && event.source.postMessage(message);
  if (data.type === 'skip-waiting') {
    // Sent by the page only after the user agreed and no form holds unsaved input.
    event.waitUntil(self.skipWaiting());
  } else if (data.type === 'warm' && data.user && Array.isArray(data.urls)) {
    // Told to every open page: the one that asked may be gone, others may be waiting for it.
    event.waitUntil(warmPages(data.user, data.urls).then(async (result) => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      windows.forEach((client) => client.postMessage({ type: 'warmed', ...result }));
    }));
  } else if (data.type === 'version') {
    reply({ type: 'version', version: OBSERVE.version });
  }
});

// Background Sync (Chromium): wake an open page's outbox; the upload itself runs in the page.
self.addEventListener('sync', (event) => {
  if (event.tag === 'observe-outbox') event.waitUntil(askPagesToSync());
});
