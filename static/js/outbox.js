/* The outbox: everything typed on this device waits here until the server confirmed it.
 *
 * - A record leaves the device only on `created`, `updated` or `unchanged` (or `conflict`,
 *   where the server keeps our version beside its own). Nothing ever expires.
 * - Network errors, 408, 429 and 5xx retry with exponential backoff capped at 5 minutes,
 *   honouring Retry-After; 401/403 keep everything and ask for a new login; a rejected
 *   record waits in "needs attention" until it is edited, unless the server says the fault
 *   was its own (`retry`): then it goes again after the backoff.
 * - Triggers: start, `online`, back to the foreground, "sync now", a local change,
 *   and Background Sync where the browser has it. Reachability is a ping, not navigator.onLine.
 * - One tab at a time (Web Locks; an IndexedDB lease where those are missing).
 */
import { Outcome, ping, upload } from './sync.js';
import { STORES, newUuid, request as promised } from './store.js';

export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_CAP_MS = 5 * 60 * 1000;
const RETRY_AFTER_CAP_MS = 60 * 60 * 1000;
const SOON_MS = 1500; // after the last keystroke, before an upload of a draft
const BUSY_RETRY_MS = 2000;
const LEASE_MS = 60 * 1000;
const BATCH = 25;

/** Delay before attempt number `attempts` (1 = first retry): 1 s, 2 s, 4 s … capped, ±20 %. */
export function backoffMs(attempts, random = Math.random) {
  const raw = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.min(BACKOFF_CAP_MS, Math.round(raw * (0.8 + 0.4 * random())));
}

export class Outbox extends EventTarget {
  constructor(store, userId) {
    super();
    this.store = store;
    this.userId = userId;
    this.tabId = newUuid();
    this.syncing = false;
    this.offline = false;
    this.authNeeded = false;
    this.updateNeeded = false;
    this.timer = null;
    this.channel = typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel(`observe-sync-${userId}`) : null;
    if (this.channel) {
      this.channel.onmessage = (event) => {
        const data = event.data || {};
        if (data.type === 'syncing') this.syncing = data.value;
        if (data.type === 'state') Object.assign(this, data.value);
        this.changed(false);
      };
    }
  }

  /** Tell this tab's listeners (and other tabs) that counts or states may have changed. */
  changed(broadcast = true) {
    this.dispatchEvent(new Event('change'));
    if (broadcast && this.channel) this.channel.postMessage({ type: 'changed' });
  }

  broadcastState() {
    if (this.channel) {
      this.channel.postMessage({ type: 'state', value: { offline: this.offline, authNeeded: this.authNeeded, updateNeeded: this.updateNeeded } });
    }
  }

  /** Save a changed record and (re)queue it, in one transaction. Strict durability on the final save. */
  async save(local, { final = false } = {}) {
    const now = new Date().toISOString();
    const result = await this.store.run([STORES.records, STORES.outbox], 'readwrite', async (tx) => {
      const records = tx.objectStore(STORES.records);
      const outbox = tx.objectStore(STORES.outbox);
      const previous = await promised(records.get(local.uuid));
      const queued = await promised(outbox.get(local.uuid));
      const record = { ...local.record };
      // The confirmed server revision lives in the store, not in the page (another tab may have synced),
      // unless everything here was confirmed and the page shows a newer server copy (edited elsewhere since).
      const stored = previous && previous.record;
      const pageIsNewer = stored && previous.state === 'synced' && record.base_revision > (stored.base_revision || 0);
      if (stored && !pageIsNewer) record.base_revision = stored.base_revision;
      if (previous && previous.state === 'conflict') {
        // The server holds both versions; edits continue from the device's copy but do not overwrite.
        record.base_revision = previous.record.base_revision;
      }
      const version = ((previous && previous.version) || 0) + 1;
      const next = {
        ...(previous || {}), ...local, record, version, updatedAt: now,
        createdAt: (previous && previous.createdAt) || now,
        state: 'local', errors: {}, message: '',
      };
      records.put(next);
      outbox.put({
        uuid: local.uuid, record, version,
        queuedAt: (queued && queued.queuedAt) || now,
        attempts: 0, nextAttemptAt: 0, hold: null,
      });
      return next;
    }, { durability: final ? 'strict' : 'default' });
    this.changed();
    this.schedule(final ? 0 : SOON_MS);
    return result;
  }

  async registerBackgroundSync() {
    try {
      const registration = await navigator.serviceWorker.ready;
      if (registration.sync) await registration.sync.register('observe-outbox');
    } catch (error) {
      // Safari and Firefox have no Background Sync: the other triggers cover it.
    }
  }

  schedule(delayMs) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), Math.max(0, delayMs));
  }

  /** Everything the user should see about the device's unsynced work. */
  async summary() {
    const [entries, records, lastSyncAt, exportedAt] = await Promise.all([
      this.store.all(STORES.outbox), this.store.all(STORES.records),
      this.store.meta('lastSyncAt'), this.store.meta('exportedAt')]);
    const unsynced = new Set(entries.map((entry) => entry.uuid));
    const lastChange = records.filter((record) => unsynced.has(record.uuid))
      .map((record) => record.updatedAt).sort().slice(-1)[0] || '';
    const waiting = entries.filter((entry) => !entry.hold);
    const attention = entries.filter((entry) => entry.hold === 'attention');
    const oldest = entries.map((entry) => entry.queuedAt).sort()[0] || null;
    return {
      conflicts: records.filter((record) => record.state === 'conflict').length,
      pending: waiting.length, attention: attention.length, unsynced: entries.length, oldestQueuedAt: oldest,
      oldestUnsyncedAt: oldest, // "needs attention" included: it is not on the server either
      exportedAt, exportCoversAll: Boolean(exportedAt && exportedAt >= lastChange), lastSyncAt, syncing: this.syncing, offline: this.offline,
      authNeeded: this.authNeeded, updateNeeded: this.updateNeeded,
    };
  }

  /** Run one sync pass if no other tab is syncing. `force` ignores backoff ("sync now"). */
  async run({ force = false } = {}) {
    clearTimeout(this.timer);
    const ran = await this.exclusive(() => this.pass(force));
    if (ran === 'busy') this.schedule(BUSY_RETRY_MS);
    return ran;
  }

  async exclusive(work) {
    const name = `observe-sync-${this.userId}`;
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request(name, { ifAvailable: true }, async (lock) => (lock ? work() : 'busy'));
    }
    const now = Date.now();
    const lease = await this.store.update(STORES.meta, 'lease', (row) => {
      if (row && row.value.until > now && row.value.holder !== this.tabId) return undefined;
      return { key: 'lease', value: { holder: this.tabId, until: now + LEASE_MS } };
    });
    if (!lease || lease.value.holder !== this.tabId) return 'busy';
    try {
      return await work();
    } finally {
      await this.store.update(STORES.meta, 'lease', (row) => (row && row.value.holder === this.tabId ? null : undefined));
    }
  }

  setSyncing(value) {
    this.syncing = value;
    if (this.channel) this.channel.postMessage({ type: 'syncing', value });
    this.changed(false);
  }

  async pass(force) {
    let outcome = 'idle';
    try {
      for (;;) {
        const entries = await this.store.all(STORES.outbox);
        const now = Date.now();
        // `force` skips our own backoff, never the server's Retry-After.
        const due = entries.filter((entry) => !entry.hold && (entry.notBefore || 0) <= now
          && (force || entry.nextAttemptAt <= now))
          .sort((a, b) => (a.queuedAt < b.queuedAt ? -1 : 1)).slice(0, BATCH);
        if (!due.length) {
          if (outcome === 'idle') this.offline = !(await ping()); // still say "offline" with nothing waiting
          break;
        }
        if (!(await ping())) {
          this.offline = true;
          this.registerBackgroundSync(); // let the browser wake us when the network is back
          await this.backoff(due, null);
          outcome = Outcome.OFFLINE;
          break;
        }
        if (this.offline) await this.resetBackoff(due); // the network is back: server errors count afresh
        this.offline = false;
        this.setSyncing(true);
        const waiting = entries.filter((entry) => !entry.hold);
        const device = {
          uuid: await this.store.deviceUuid(), pending: waiting.length,
          oldest_pending_at: waiting.map((entry) => entry.queuedAt).sort()[0] || null,
        };
        const answer = await upload(due.map((entry) => entry.record), device);
        outcome = answer.outcome;
        if (answer.outcome === Outcome.OK) {
          this.authNeeded = false;
          this.updateNeeded = false;
          await this.apply(due, answer.results);
          await this.store.setMeta('lastSyncAt', new Date().toISOString());
          force = false; // later batches: only what is due
          continue;
        }
        if (answer.outcome === Outcome.AUTH) this.authNeeded = true;
        else if (answer.outcome === Outcome.UPDATE) this.updateNeeded = true;
        else {
          if (answer.outcome === Outcome.OFFLINE) this.offline = true;
          this.registerBackgroundSync();
          await this.backoff(due, answer.retryAfter);
        }
        break;
      }
    } finally {
      this.setSyncing(false);
      this.broadcastState();
      this.changed();
      await this.scheduleNext();
    }
    return outcome;
  }

  async backoff(entries, retryAfter) {
    const now = Date.now();
    await Promise.all(entries.map((sent) => this.store.update(STORES.outbox, sent.uuid, (entry) => {
      if (!entry) return undefined;
      const attempts = entry.attempts + 1;
      const told = retryAfter !== null && retryAfter !== undefined;
      const wait = told ? Math.min(RETRY_AFTER_CAP_MS, retryAfter) : backoffMs(attempts);
      return { ...entry, attempts, nextAttemptAt: now + wait, notBefore: told ? now + wait : 0 };
    })));
  }

  async resetBackoff(entries) {
    await Promise.all(entries.map((sent) => this.store.update(STORES.outbox, sent.uuid,
      (entry) => (entry ? { ...entry, attempts: 0 } : undefined))));
  }

  async scheduleNext() {
    if (this.authNeeded || this.updateNeeded) return;
    const entries = await this.store.all(STORES.outbox);
    const times = entries.filter((entry) => !entry.hold)
      .map((entry) => Math.max(entry.nextAttemptAt, entry.notBefore || 0));
    if (times.length) this.schedule(Math.max(0, Math.min(...times) - Date.now()));
  }

  /** Per-record answers: confirm, hold for attention, or record a conflict. */
  async apply(sent, results) {
    const byUuid = new Map(results.map((result) => [result.uuid, result]));
    const missing = [];
    for (const entry of sent) {
      const result = byUuid.get(entry.uuid);
      if (!result) { missing.push(entry); continue; }
      await this.store.run([STORES.records, STORES.outbox], 'readwrite', async (tx) => {
        const records = tx.objectStore(STORES.records);
        const outbox = tx.objectStore(STORES.outbox);
        const local = await promised(records.get(entry.uuid));
        const current = await promised(outbox.get(entry.uuid));
        const edited = current && current.version !== entry.version; // typed on during the upload
        if (['created', 'updated', 'unchanged'].includes(result.status)) {
          if (local) {
            local.record = { ...local.record, base_revision: result.revision };
            if (!edited) { local.state = 'synced'; local.syncedAt = new Date().toISOString(); }
            local.revision = result.revision;
            records.put(local);
          }
          if (edited) outbox.put({ ...current, record: { ...current.record, base_revision: result.revision }, attempts: 0, nextAttemptAt: 0 });
          else if (current) outbox.delete(entry.uuid);
        } else if (result.status === 'conflict') {
          if (local) {
            local.state = 'conflict';
            local.server = result.server || null;
            local.revision = result.revision;
            records.put(local);
          }
          if (!edited && current) outbox.delete(entry.uuid);
        } else if (result.retry) {
          missing.push(entry); // the server failed, not the record: send it again after the backoff
        } else {
          // A record for a visit whose observation is still on this device (finished offline and
          // sent later, or waiting for attention itself) is not wrong: it goes again after the visit.
          const visit = entry.record.visit_uuid;
          if (visit && result.fields && result.fields.visit_uuid && (await promised(outbox.getAll()))
            .some((other) => other.record && other.record.visit && other.record.visit.uuid === visit)) {
            missing.push(entry);
            return;
          }
          // rejected (or anything unknown): keep it, show the server's messages, wait for an edit
          if (local) {
            local.state = 'attention';
            local.errors = result.fields || {};
            local.message = result.message || '';
            records.put(local);
          }
          if (current && !edited) outbox.put({ ...current, hold: 'attention' });
        }
      }, { durability: 'strict' });
    }
    if (missing.length) await this.backoff(missing, null);
  }

  /** The last-resort export: every record that is not confirmed by the server, as JSON. */
  async exportUnsynced() {
    const [records, entries] = await Promise.all([this.store.all(STORES.records), this.store.all(STORES.outbox)]);
    const unsynced = new Set(entries.map((entry) => entry.uuid));
    const payload = {
      exported_at: new Date().toISOString(),
      user: this.userId,
      device: await this.store.deviceUuid(),
      records: records.filter((record) => unsynced.has(record.uuid) || record.state !== 'synced').map((record) => ({
        uuid: record.uuid, state: record.state, title: record.title || '', page: record.url || '',
        updated_at: record.updatedAt, errors: record.errors || {}, record: record.record,
      })),
    };
    await this.store.setMeta('exportedAt', payload.exported_at);
    this.changed();
    return payload;
  }
}
