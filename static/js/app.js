/* Start-up on every page: the page shell (the compact menu on narrow screens and the
 * invitation to install the app on a tablet), then the offline client: capability checks,
 * the service worker, the user's store and outbox, the status bar and any offline-capable
 * form. Everything is an enhancement: without this script the menu still opens and closes
 * (it is a <details>), no invitation is shown and forms post as plain HTML.
 * One module on purpose: every module is one more request on a first load (docs/performance.md). */
import { _ } from './i18n.js';
import { Outbox } from './outbox.js';
import { StatusBar } from './status.js';
import { capabilities, storeFor } from './store.js';

// ---- The page shell --------------------------------------------------------------------
const NARROW = window.matchMedia('(max-width: 40rem)');
const DISMISSED = 'observe.installInvite.dismissed';

/** The menu is a closed <details>; on wider screens CSS shows its links inline through
 * ::details-content. A browser without that selector gets the menu opened here instead. */
function compactMenu() {
  const menu = document.querySelector('[data-navmenu]');
  if (!menu) return;
  menu.classList.add('navmenu-js');
  if (!CSS.supports('selector(::details-content)')) {
    const fit = () => { menu.open = !NARROW.matches; };
    fit();
    NARROW.addEventListener('change', fit);
  }
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && NARROW.matches && menu.open) {
      menu.open = false;
      menu.querySelector('summary').focus();
    }
  });
  document.addEventListener('click', (event) => {
    if (NARROW.matches && menu.open && !menu.contains(event.target)) menu.open = false;
  });
}

function installed() {
  return window.matchMedia('(display-mode: standalone)').matches || window.navigator.standalone === true;
}

function remembered() {
  try { return window.localStorage.getItem(DISMISSED) === '1'; } catch { return true; }
}

function remember() {
  try { window.localStorage.setItem(DISMISSED, '1'); } catch { /* private mode: ask again next time */ }
}

/** iPadOS reports itself as a Mac; touch points tell them apart. */
function isIOS() {
  const ua = navigator.userAgent;
  return /iPad|iPhone|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
}

function isTablet() {
  return window.matchMedia('(pointer: coarse) and (min-width: 600px)').matches || (isIOS() && !/iPhone|iPod/.test(navigator.userAgent));
}

/** Invite tablet users to install, explaining why; dismissible and remembered on this device. */
function installInvite() {
  const invite = document.querySelector('[data-install-invite]');
  if (!invite || installed() || remembered() || !isTablet()) return;
  const now = invite.querySelector('[data-install-now]');
  const hide = () => { invite.hidden = true; };
  invite.querySelector('[data-install-dismiss]').addEventListener('click', () => { remember(); hide(); });
  if (isIOS()) {
    invite.querySelector('[data-install-ios]').hidden = false;
  } else {
    invite.querySelector('[data-install-other]').hidden = false;
  }
  invite.hidden = false;
  let deferred = null;
  window.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault();
    deferred = event;
    invite.querySelector('[data-install-other]').hidden = true;
    now.hidden = false;
  });
  now.addEventListener('click', async () => {
    if (!deferred) return;
    deferred.prompt();
    const choice = await deferred.userChoice;
    deferred = null;
    if (choice.outcome === 'accepted') { remember(); hide(); }
  });
  window.addEventListener('appinstalled', () => { remember(); hide(); });
}

// A fault in the shell must not keep the offline client from starting (they were two modules).
for (const enhance of [compactMenu, installInvite]) {
  try { enhance(); } catch (error) { console.error(error); }
}

// Counters' −/+ and the timed log's "Add row": fetched only where a form has such items
// (form-engine.js enhances on load; without it the fields still work as plain inputs).
if (document.querySelector('[data-form-engine] [data-counter], [data-form-engine] [data-timed-log]')) {
  import('./form-engine.js').catch((error) => console.error(error));
}

// ---- The offline client ----------------------------------------------------------------
const WARM_EVERY_MS = 10 * 60 * 1000;
const WARM_RUNNING_MS = 60 * 1000; // a warm not heard of for this long has died with its worker
const can = capabilities();

async function registerWorker(status) {
  if (!can.serviceWorker) return null;
  const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  const offer = (worker) => status && status.offerUpdate(() => {
    navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
    // The worker waiting now (a later update may have replaced the one that raised the prompt).
    const waiting = registration.waiting || worker;
    waiting.postMessage({ type: 'skip-waiting' });
  });
  // A new version waits (never activates by itself) until the user agrees in the status bar.
  if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker.addEventListener('statechange', () => {
      if (worker.state === 'installed' && navigator.serviceWorker.controller) offer(worker);
    });
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') registration.update().catch(() => undefined);
  });
  return registration;
}

/** After an online visit, have the worker save this user's offline pages (at most every 10 min).
 * One warm at a time per device: a page opened while another page's warm is still running
 * (a slow network, quick clicks) waits for that warm's result, which the worker tells every
 * open page, instead of fetching all the pages again. */
async function warmPages(root, store, status) {
  const last = await store.meta('warmedAt', 0);
  const worker = (await navigator.serviceWorker.ready).active;
  if (!worker) return;
  if (Date.now() - last < WARM_EVERY_MS) {
    status.showOfflineReady({ saved: await store.meta('warmedPages', 0) });
    return;
  }
  let onMessage;
  const warmed = new Promise((resolve) => {
    onMessage = (event) => {
      if (event.data && event.data.type === 'warmed') resolve(event.data);
    };
    navigator.serviceWorker.addEventListener('message', onMessage);
  });
  try {
    if (Date.now() - await store.meta('warmingSince', 0) > WARM_RUNNING_MS) {
      let list;
      try {
        const response = await fetch(root.dataset.offlinePages, { cache: 'no-store', credentials: 'same-origin' });
        if (!response.ok) return;
        list = await response.json();
      } catch (error) {
        return; // offline: keep the pages saved last time
      }
      await store.setMeta('warmingSince', Date.now());
      worker.postMessage({ type: 'warm', user: list.user, urls: list.urls });
    }
    const result = await warmed;
    await store.setMeta('warmedAt', Date.now());
    await store.setMeta('warmingSince', 0);
    await store.setMeta('warmedPages', result.saved);
    status.showOfflineReady(result);
  } finally {
    navigator.serviceWorker.removeEventListener('message', onMessage);
  }
}

async function requestPersistence() {
  if (!can.persist) return null;
  try {
    return (await navigator.storage.persisted()) || (await navigator.storage.persist());
  } catch (error) {
    return null;
  }
}

async function start() {
  // The page right after a logout: remove that user's own data from the device, then move on.
  const loggedOut = document.querySelector('[data-purge-user]');
  if (loggedOut) {
    const { purgeAndMoveOn } = await import('./purge.js');
    await purgeAndMoveOn(loggedOut);
    return;
  }
  const root = document.getElementById('sync-status');
  if (!root) {
    if (can.serviceWorker) await registerWorker(null);
    return;
  }
  if (!can.indexedDB) {
    root.hidden = false;
    root.querySelector('[data-sync-text]').textContent = _('This browser cannot keep data offline: stay online while you type.');
    return; // forms post to the server as plain HTML
  }
  const userId = root.dataset.userId;
  const store = storeFor(userId);
  const outbox = new Outbox(store, userId);
  const forms = [];
  const status = new StatusBar(root, {
    outbox, store, userId,
    hasUnsavedInput: async () => (await Promise.all(forms.map((form) => form.hasUnsavedInput()))).some(Boolean),
  });
  window.observeOffline = { store, outbox, forms, status }; // for debugging on a device
  const offlineForms = document.querySelectorAll('form[data-offline-form]');
  // Only pages with such a form fetch its engine (login, home and the dashboard do not).
  const { OfflineForm } = offlineForms.length ? await import('./offline-form.js') : {};
  for (const element of offlineForms) {
    const form = new OfflineForm(element, { store, outbox });
    forms.push(form);
    await form.start();
  }
  const registration = await registerWorker(status).catch(() => null);
  status.showStorage(await requestPersistence());

  // Triggers: start, network back, foreground, Background Sync (via the worker), "sync now" (status bar).
  // The network coming back or the user returning is news: skip our backoff (not the server's Retry-After).
  window.addEventListener('online', () => outbox.run({ force: true }));
  window.addEventListener('offline', () => outbox.run()); // confirm with a ping, then show it
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') outbox.run({ force: true });
  });
  if (can.serviceWorker) {
    navigator.serviceWorker.addEventListener('message', (event) => {
      if (event.data && event.data.type === 'sync') outbox.run();
    });
  }
  await outbox.run({ force: true });
  if (registration) warmPages(root, store, status).catch(() => undefined);
}

start().catch((error) => {
  const root = document.getElementById('sync-status');
  if (root) {
    root.hidden = false;
    root.querySelector('[data-sync-text]').textContent = _('Offline saving could not start: %(reason)s', { reason: error.message });
  }
});
