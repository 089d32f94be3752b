/* The offline client on every signed-in page (templates/base.html loads it with shell.js and its
 * modules as one file built by the server, observe/bundles.py): capability checks, the service
 * worker, the user's store and outbox, the status bar and any offline-capable form. The status
 * bar and a form's state line are in the HTML at their final size; this only fills them in, so
 * nothing moves (layout shift 0).
 * Work the first paint does not need (the first sync pass and its ping, saving the offline
 * pages) waits until the page has loaded. */
import { _ } from './i18n.js';
import { Outbox } from './outbox.js';
import { StatusBar } from './status.js';
import { capabilities, storeFor } from './store.js';

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

/** After the load event (and a turn of the event loop): work that must not delay the first paint. */
function loaded() {
  return new Promise((resolve) => {
    const later = () => setTimeout(resolve, 0);
    if (document.readyState === 'complete') later();
    else window.addEventListener('load', later, { once: true });
  });
}

async function start() {
  const root = document.getElementById('sync-status');
  if (!root) return; // shell.js looks after pages without the status bar
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
  await loaded();
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
