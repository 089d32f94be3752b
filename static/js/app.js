/* Start-up of the offline client on every page: capability checks, the service worker,
 * the user's store and outbox, the status bar and any offline-capable form. */
import { _ } from './i18n.js';
import { OfflineForm } from './offline-form.js';
import { Outbox } from './outbox.js';
import { StatusBar } from './status.js';
import { capabilities, storeFor } from './store.js';

const WARM_EVERY_MS = 10 * 60 * 1000;
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

/** After an online visit, have the worker save this user's offline pages (at most every 10 min). */
async function warmPages(root, store, status) {
  const last = await store.meta('warmedAt', 0);
  const worker = (await navigator.serviceWorker.ready).active;
  if (!worker) return;
  if (Date.now() - last < WARM_EVERY_MS) {
    status.showOfflineReady({ saved: await store.meta('warmedPages', 0) });
    return;
  }
  let list;
  try {
    const response = await fetch(root.dataset.offlinePages, { cache: 'no-store', credentials: 'same-origin' });
    if (!response.ok) return;
    list = await response.json();
  } catch (error) {
    return; // offline: keep the pages saved last time
  }
  const result = await new Promise((resolve) => {
    const onMessage = (event) => {
      if (event.data && event.data.type === 'warmed') {
        navigator.serviceWorker.removeEventListener('message', onMessage);
        resolve(event.data);
      }
    };
    navigator.serviceWorker.addEventListener('message', onMessage);
    worker.postMessage({ type: 'warm', user: list.user, urls: list.urls });
  });
  await store.setMeta('warmedAt', Date.now());
  await store.setMeta('warmedPages', result.saved);
  status.showOfflineReady(result);
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
  for (const element of document.querySelectorAll('form[data-offline-form]')) {
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
