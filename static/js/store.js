/* The ONE module that owns IndexedDB on the device.
 *
 * One database per user ("observe-u<id>": data never mixes between users on a shared
 * tablet), one object store per entity, upgrade steps by old version. Every failure
 * reopens the connection once and retries; a second failure is thrown as a StoreError
 * the caller shows to the user (the form stays on screen).
 */

export const DB_PREFIX = 'observe-u';
export const DB_VERSION = 1;
export const STORES = Object.freeze({
  records: 'records', // observations being typed or kept: one per record uuid
  outbox: 'outbox', // what still has to reach the server: one entry per record uuid
  meta: 'meta', // small key/value facts: device uuid, last sync, export time, sync lease
});

// Upgrade steps by the version they upgrade FROM; never edit a released step, add a new one.
const UPGRADES = {
  0(db) {
    const records = db.createObjectStore(STORES.records, { keyPath: 'uuid' });
    records.createIndex('updatedAt', 'updatedAt');
    db.createObjectStore(STORES.outbox, { keyPath: 'uuid' }).createIndex('queuedAt', 'queuedAt');
    db.createObjectStore(STORES.meta, { keyPath: 'key' });
  },
};

export class StoreError extends Error {
  constructor(message, cause) {
    super(message);
    this.name = 'StoreError';
    this.cause = cause;
    this.quota = cause && cause.name === 'QuotaExceededError';
  }
}

/** What this browser can do; checked once at start-up. */
export function capabilities() {
  const nav = typeof navigator === 'undefined' ? {} : navigator;
  return {
    indexedDB: typeof indexedDB !== 'undefined' && indexedDB !== null,
    serviceWorker: 'serviceWorker' in nav,
    locks: Boolean(nav.locks && nav.locks.request),
    broadcast: typeof BroadcastChannel !== 'undefined',
    persist: Boolean(nav.storage && nav.storage.persist),
    backgroundSync: typeof self !== 'undefined' && 'SyncManager' in self,
    strictDurability: true, // an unknown option is ignored by older browsers, so asking is always safe
  };
}

/** A promise for one IDBRequest (usable inside a transaction callback). */
export function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openDatabase(name) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, DB_VERSION);
    req.onupgradeneeded = (event) => {
      for (let from = event.oldVersion; from < DB_VERSION; from += 1) UPGRADES[from](req.result);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new DOMException('Another tab holds an old version of the database', 'AbortError'));
  });
}

export class Store {
  constructor(userId) {
    if (!userId) throw new StoreError('no user');
    this.name = `${DB_PREFIX}${userId}`;
    this.db = null;
  }

  async connection() {
    if (!this.db) {
      this.db = await openDatabase(this.name);
      // Another tab upgrading or the browser closing us: forget the handle, reopen on next use.
      this.db.onversionchange = () => { this.db.close(); this.db = null; };
      this.db.onclose = () => { this.db = null; };
    }
    return this.db;
  }

  /** Run `work(tx)` in one transaction; on failure reopen once and retry, then give up loudly. */
  async run(storeNames, mode, work, { durability = 'default' } = {}) {
    let lastError;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const db = await this.connection();
        const tx = db.transaction(storeNames, mode, { durability });
        const done = new Promise((resolve, reject) => {
          tx.oncomplete = resolve;
          tx.onerror = () => reject(tx.error);
          tx.onabort = () => reject(tx.error || new DOMException('Transaction aborted', 'AbortError'));
        });
        done.catch(() => undefined); // awaited below; this only keeps an early throw from going unhandled
        const result = await work(tx);
        await done;
        return result;
      } catch (error) {
        lastError = error;
        if (this.db) { try { this.db.close(); } catch (e) { /* already closed */ } }
        this.db = null;
      }
    }
    throw new StoreError(lastError && lastError.message ? lastError.message : String(lastError), lastError);
  }

  get(storeName, key) {
    return this.run([storeName], 'readonly', (tx) => request(tx.objectStore(storeName).get(key)));
  }

  all(storeName) {
    return this.run([storeName], 'readonly', (tx) => request(tx.objectStore(storeName).getAll()));
  }

  put(storeName, value, options) {
    return this.run([storeName], 'readwrite', (tx) => request(tx.objectStore(storeName).put(value)), options);
  }

  delete(storeName, key) {
    return this.run([storeName], 'readwrite', (tx) => request(tx.objectStore(storeName).delete(key)));
  }

  /** A record and its outbox entry change together (one transaction), strict when `final`. */
  saveRecord(record, outboxEntry, { final = false } = {}) {
    const names = outboxEntry ? [STORES.records, STORES.outbox] : [STORES.records];
    return this.run(names, 'readwrite', (tx) => {
      tx.objectStore(STORES.records).put(record);
      if (outboxEntry) tx.objectStore(STORES.outbox).put(outboxEntry);
    }, { durability: final ? 'strict' : 'default' });
  }

  /** Read-modify-write of one value inside a single transaction (no lost update between tabs). */
  update(storeName, key, change, options) {
    return this.run([storeName], 'readwrite', async (tx) => {
      const objectStore = tx.objectStore(storeName);
      const current = await request(objectStore.get(key));
      const next = change(current);
      if (next === undefined) return current;
      if (next === null) objectStore.delete(key);
      else objectStore.put(next);
      return next;
    }, options);
  }

  async meta(key, fallback = null) {
    const row = await this.get(STORES.meta, key);
    return row ? row.value : fallback;
  }

  setMeta(key, value) {
    return this.put(STORES.meta, { key, value });
  }

  /** A stable id for this browser, reported to the server with the pending count. */
  async deviceUuid() {
    let id = await this.meta('device');
    if (!id) {
      id = newUuid();
      await this.setMeta('device', id);
    }
    return id;
  }
}

export function newUuid() {
  if (typeof crypto !== 'undefined' && crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const stores = new Map();

/** The store of the logged-in user (one connection per page). */
export function storeFor(userId) {
  if (!stores.has(userId)) stores.set(userId, new Store(userId));
  return stores.get(userId);
}
