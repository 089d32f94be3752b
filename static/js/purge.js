/* After a logout (templates/auth/logged_out.html): remove the leaving user's own data from this
 * device, then go on to the login page.
 *
 * Only that user's: other users of a shared tablet keep their database and pages. And never a
 * record the server has not confirmed: while the user's outbox holds anything, their database
 * stays with it (only confirmed records go), to be sent at their next login. The server cannot
 * do this with Clear-Site-Data: "storage" wipes every database of the origin, and Safari's
 * engine ignores the header on a redirect (docs/security.md). */
import { DB_PREFIX, STORES, request } from './store.js';

const PAGES_CACHE = 'observe-pages'; // service_worker/strategies.js
const PAGES_OWNER = '/__observe/user';
const GIVE_UP_MS = 5000; // a purge that hangs (another tab blocking) must not keep the user here

/** Open a database only if it exists (aborting the upgrade creates nothing); null otherwise. */
function openExisting(name) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(name);
    let created = false;
    open.onupgradeneeded = () => { created = true; open.transaction.abort(); };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => (created ? resolve(null) : reject(open.error));
  });
}

function finished(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** True when the database is to be deleted: nothing in it waits for the server. */
async function dropConfirmed(db) {
  const names = [STORES.records, STORES.outbox, STORES.meta];
  const tx = db.transaction(names, 'readwrite');
  const done = finished(tx);
  const waiting = await request(tx.objectStore(STORES.outbox).count());
  if (waiting) {
    const records = await request(tx.objectStore(STORES.records).getAll());
    records.filter((record) => record.state === 'synced')
      .forEach((record) => tx.objectStore(STORES.records).delete(record.uuid));
    for (const key of ['warmedAt', 'warmingSince']) tx.objectStore(STORES.meta).put({ key, value: 0 });
  }
  await done;
  return !waiting;
}

function deleteDatabase(name) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = resolve;
    req.onerror = () => reject(req.error);
    // onblocked: another tab still has it open; its store closes on `versionchange`, then this goes on.
  });
}

/** The page cache, if the worker filled it for this user (another user's pages stay). */
async function dropPages(userId) {
  if (typeof caches === 'undefined' || !(await caches.has(PAGES_CACHE))) return;
  const marker = await (await caches.open(PAGES_CACHE)).match(PAGES_OWNER);
  const owner = marker ? await marker.text() : null;
  if (owner === null || owner === String(userId)) await caches.delete(PAGES_CACHE);
}

export async function purgeUser(userId) {
  const name = `${DB_PREFIX}${userId}`;
  if (typeof indexedDB !== 'undefined' && indexedDB) {
    const db = await openExisting(name);
    if (db) {
      let empty;
      try {
        empty = await dropConfirmed(db);
      } finally {
        db.close();
      }
      if (empty) await deleteDatabase(name);
    }
  }
  await dropPages(userId);
}

/** Purge, then leave for the login page (also when the purge failed: nothing unsynced is lost by that). */
export async function purgeAndMoveOn(element) {
  const timeout = new Promise((resolve) => { setTimeout(resolve, GIVE_UP_MS); });
  try {
    await Promise.race([purgeUser(element.dataset.purgeUser), timeout]);
    element.dataset.purged = 'true';
  } catch (error) {
    element.dataset.purged = 'failed';
    console.error(error);
  }
  window.location.replace(element.dataset.next);
}
