/* Observe service worker — named caching strategies.
 * `OBSERVE` (version, precache list, offline page, page patterns) is written above this
 * file by the server (observe/pwa/services.py); sw.js below wires these to events. */

const STATIC_CACHE = `observe-static-${OBSERVE.version}`;
const STATIC_PREFIX = 'observe-static-';
// Pages the logged-in user needs offline. Not versioned (they outlive an app update);
// cleared when another user warms it, or by the logout page of the user who filled it (static/js/purge.js).
const PAGES_CACHE = 'observe-pages';
const USER_KEY = '/__observe/user';
const PAGE_TIMEOUT_MS = 6000;
const PAGE_PATTERNS = OBSERVE.pagePatterns.map((source) => new RegExp(source));
// A visit page the device never saved (a visit finished offline): the user's saved stand-in page.
const VISIT_PAGE = /^\/visits\/[0-9a-f-]{36}\/?$/;
const PRECACHED = new Set(OBSERVE.precache.map((url) => new URL(url, self.location.origin).pathname));

/** Fill a new versioned cache completely or fail the install (never a half-filled cache). */
async function precacheAll() {
  const cache = await caches.open(STATIC_CACHE);
  try {
    // addAll is all-or-nothing; `reload` skips the HTTP cache so we store what the server has now.
    await cache.addAll(OBSERVE.precache.map((url) => new Request(url, { cache: 'reload', credentials: 'omit' })));
  } catch (error) {
    await caches.delete(STATIC_CACHE);
    throw error; // the install fails loudly; the old worker keeps serving
  }
}

/** Delete only our own older static caches; other apps' caches and the page cache stay. */
async function deleteOldCaches() {
  const names = await caches.keys();
  await Promise.all(names.filter((name) => name.startsWith(STATIC_PREFIX) && name !== STATIC_CACHE)
    .map((name) => caches.delete(name)));
}

function isPrecached(url) {
  return PRECACHED.has(url.pathname);
}

/** CSS, JS, icons: from the versioned cache, network only if somehow missing. */
async function cacheFirst(request) {
  const cached = await caches.match(request, { cacheName: STATIC_CACHE, ignoreSearch: true });
  return cached || fetch(request);
}

// [path regex, [parameter names]]: the parameters that make another page on that path.
const PAGE_KEY_PARAMS = Object.entries(OBSERVE.pageKeyParams || {}).map(([source, names]) => [new RegExp(source), names]);

/** The page cache's key: the path, plus the parameters that make another page there (a walkthrough's
 * `?template=`); ?draft=… and friends show the same cached page. */
function pageKey(url) {
  const parsed = new URL(url);
  const kept = new URLSearchParams();
  const [, names] = PAGE_KEY_PARAMS.find(([pattern]) => pattern.test(parsed.pathname)) || [null, []];
  names.forEach((name) => { if (parsed.searchParams.get(name)) kept.set(name, parsed.searchParams.get(name)); });
  const query = kept.toString();
  return parsed.origin + parsed.pathname + (query ? `?${query}` : '');
}

function isWantedPage(url, response) {
  if (!response || !response.ok || response.redirected || response.type !== 'basic') return false;
  if (!(response.headers.get('Content-Type') || '').includes('text/html')) return false;
  const optIn = response.headers.get('X-Observe-Offline');
  if (optIn === '0') return false;
  return optIn === '1' || PAGE_PATTERNS.some((pattern) => pattern.test(new URL(url).pathname));
}

async function storePage(url, response) {
  const cache = await caches.open(PAGES_CACHE);
  await cache.put(pageKey(url), response);
}

/** The saved copy of a page; for a template the device does not keep (published since the last warm),
 * the path's own page (the school's default form, which then says that it is not the one picked). */
async function cachedPage(url) {
  const cache = await caches.open(PAGES_CACHE);
  const key = pageKey(url);
  const parsed = new URL(url);
  const plain = parsed.origin + parsed.pathname;
  return (await cache.match(key)) || (key !== plain ? cache.match(plain) : undefined);
}

async function offlineFallback(url) {
  if (OBSERVE.visitShellUrl && VISIT_PAGE.test(new URL(url).pathname)) {
    const shell = await cachedPage(new URL(OBSERVE.visitShellUrl, self.location.origin).href);
    if (shell) return shell;
  }
  return (await caches.match(OBSERVE.offlineUrl, { cacheName: STATIC_CACHE }))
    || new Response('Offline', { status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}

/** Pages: the network's answer (kept for later), else the saved copy, else the offline page.
 * A slow network falls back to the saved copy after a few seconds; the fetch still refreshes it. */
async function networkFirstPage(event) {
  const { request } = event;
  const network = fetch(request).then(async (response) => {
    if (isWantedPage(request.url, response)) await storePage(request.url, response.clone());
    return response;
  });
  event.waitUntil(network.catch(() => undefined));
  const cached = await cachedPage(request.url);
  if (!cached) {
    try {
      return await network;
    } catch (error) {
      return offlineFallback(request.url);
    }
  }
  let timer;
  const slow = new Promise((resolve) => { timer = setTimeout(() => resolve(cached), PAGE_TIMEOUT_MS); });
  try {
    return await Promise.race([network, slow]);
  } catch (error) {
    return cached;
  } finally {
    clearTimeout(timer);
  }
}

/** Remember whose pages the cache holds; another user's pages are dropped first. */
async function switchUser(user) {
  const cache = await caches.open(PAGES_CACHE);
  const marker = await cache.match(USER_KEY);
  const previous = marker ? await marker.text() : null;
  if (previous !== String(user)) {
    await caches.delete(PAGES_CACHE);
    await (await caches.open(PAGES_CACHE)).put(USER_KEY, new Response(String(user)));
  }
}

/** Fetch the user's offline pages into the page cache; report how many made it. */
async function warmPages(user, urls) {
  await switchUser(user);
  let saved = 0;
  for (const url of urls) {
    try {
      // Marked, so the server leaves the user's flashed messages for the page they open next
      // (and the saved copy holds none).
      const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store',
                                           headers: { 'X-Observe-Warm': '1' } });
      if (isWantedPage(new URL(url, self.location.origin).href, response)) {
        await storePage(new URL(url, self.location.origin).href, response);
        saved += 1;
      }
    } catch (error) {
      // offline again: keep what we have
    }
  }
  return { saved, total: urls.length };
}

async function askPagesToSync() {
  const windows = await self.clients.matchAll({ type: 'window' });
  windows.forEach((client) => client.postMessage({ type: 'sync' }));
}
