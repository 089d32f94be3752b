/* The sync status bar (templates/_sync_status.html): what is on this device, what is on the
 * server, and the last-resort export. Announced through an aria-live region. */
import { _, formatTime, locale, ngettext } from './i18n.js';
import { STORES, request } from './store.js';

const STATE_LABELS = {
  local: () => _('Only on this device'),
  attention: () => _('Needs attention'),
  conflict: () => _('Conflict: both versions kept'),
  synced: () => _('Saved on the server'),
};

export function recordStateLabel(state) {
  return (STATE_LABELS[state] || STATE_LABELS.local)();
}

/** "2 days" (how long since `iso`) in the page's language. */
export function duration(iso, now = Date.now()) {
  const hours = Math.max(0, (now - Date.parse(iso)) / 3600000);
  const unit = hours < 48 ? 'hour' : 'day';
  const value = unit === 'hour' ? Math.floor(hours) : Math.floor(hours / 24);
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}

/** "5 minutes ago" in the page's language. */
export function ago(iso, now = Date.now()) {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  if (Math.abs(seconds) < 60) return format.format(Math.min(0, seconds), 'second');
  if (Math.abs(seconds) < 3600) return format.format(Math.round(seconds / 60), 'minute');
  if (Math.abs(seconds) < 86400) return format.format(Math.round(seconds / 3600), 'hour');
  return format.format(Math.round(seconds / 86400), 'day');
}

export const OVERDUE_MS = 24 * 60 * 60 * 1000; // a note not on the server after a day must be impossible to miss

/** Safari's engine (every browser on an iPad, Safari on a Mac): it deletes a website's data after
 * 7 days without use, unsent notes included (WebKit's tracking prevention; docs/offline.md). */
export function isSafariEngine(ua = navigator.userAgent) {
  return /AppleWebKit/.test(ua) && !/Chrome|Chromium|Edg|Android/.test(ua);
}

/** The one-line state, in the order that matters most to the user. */
export function describe(summary, { now = Date.now() } = {}) {
  const overdue = summary.oldestUnsyncedAt && now - Date.parse(summary.oldestUnsyncedAt) > OVERDUE_MS;
  const waiting = summary.pending > 0
    ? ngettext('%(num)d not yet synced, oldest %(ago)s', '%(num)d not yet synced, oldest %(ago)s',
      summary.pending, { ago: ago(summary.oldestQueuedAt) })
    : '';
  const attention = summary.attention > 0
    ? ngettext('%(num)d needs attention', '%(num)d need attention', summary.attention) : '';
  const conflicts = summary.conflicts > 0
    ? ngettext('%(num)d conflict: both versions are kept on the server',
      '%(num)d conflicts: both versions are kept on the server', summary.conflicts) : '';
  let state;
  let text;
  if (summary.authNeeded) {
    state = 'auth';
    text = _('Log in again to upload');
  } else if (summary.updateNeeded) {
    state = 'update';
    text = _('This version of the app is too old to upload: reload to update');
  } else if (overdue) {
    state = 'overdue';
    text = _('Not on the server for %(age)s: connect to the network and press Sync now',
      { age: duration(summary.oldestUnsyncedAt, now) });
  } else if (summary.syncing) {
    state = 'syncing';
    text = _('Syncing…');
  } else if (summary.offline) {
    state = 'offline';
    text = _('Offline');
  } else if (summary.pending > 0) {
    state = 'pending';
  } else if (summary.attention > 0) {
    state = 'attention';
  } else {
    state = 'synced';
    text = summary.lastSyncAt
      ? _('All synced at %(time)s', { time: formatTime(new Date(summary.lastSyncAt)) }) : _('All synced');
  }
  // Overdue says how long already, in one line: the bar keeps its height (the page must not move).
  const parts = (state === 'overdue' ? [text] : [text, waiting, attention, conflicts]).filter(Boolean);
  return { state, text: parts.join(' · ') };
}

export class StatusBar {
  constructor(root, { outbox, store, userId, hasUnsavedInput }) {
    this.root = root;
    this.outbox = outbox;
    this.store = store;
    this.userId = userId;
    this.hasUnsavedInput = hasUnsavedInput;
    this.text = root.querySelector('[data-sync-text]');
    this.list = root.querySelector('[data-sync-list]');
    this.alert = root.querySelector('[data-sync-alert]');
    this.lastText = '';
    root.hidden = false;
    root.querySelector('[data-sync-now]').addEventListener('click', () => this.outbox.run({ force: true }));
    root.querySelector('[data-download]').addEventListener('click', () => this.download());
    outbox.addEventListener('change', () => this.render());
    this.settleMerged();
    setInterval(() => this.render(), 30000); // keep "oldest … ago" true
    this.guardLogout();
    this.render();
  }

  async render() {
    let summary;
    let records;
    try {
      [summary, records] = await Promise.all([this.outbox.summary(), this.store.all('records')]);
    } catch (error) {
      this.showAlert(_('This device cannot read its saved data: %(reason)s', { reason: error.message }));
      return;
    }
    const { state, text } = describe(summary);
    this.root.dataset.state = state;
    if (text !== this.lastText) { this.text.textContent = text; this.lastText = text; }
    this.root.querySelector('[data-sync-login]').hidden = !summary.authNeeded;
    this.showConflictsLink(summary.conflicts > 0);
    // Back to exactly this page after logging in (a new visit's URL gains ?draft= once typed in).
    this.root.querySelector('[data-login-link]').href = `${this.root.dataset.loginUrl}?next=${
      encodeURIComponent(location.pathname + location.search)}`;
    this.summary = summary;
    this.renderList(records.filter((record) => record.state !== 'synced'));
  }

  /** "Compare and merge" next to the state line while the server keeps two versions (templates/sync). */
  showConflictsLink(show) {
    if (!this.mergeLink) {
      this.mergeLink = Object.assign(document.createElement('a'), { href: '/conflicts/', className: 'button' });
      this.mergeLink.textContent = _('Compare and merge');
    }
    if (!show) this.mergeLink.remove();
    else if (!this.mergeLink.isConnected) this.root.querySelector('.sync-actions').append(this.mergeLink);
  }

  /** The conflicts page lists records merged lately: a conflict kept here with nothing queued is settled. */
  async settleMerged() {
    const marker = document.querySelector('[data-merged-records]');
    if (!marker) return;
    for (const { uuid, revision } of JSON.parse(marker.dataset.mergedRecords || '[]')) {
      await this.store.run([STORES.records, STORES.outbox], 'readwrite', async (tx) => {
        const local = await request(tx.objectStore(STORES.records).get(uuid));
        if (!local || local.state !== 'conflict' || await request(tx.objectStore(STORES.outbox).get(uuid))) return;
        const record = { ...local.record, base_revision: revision };
        tx.objectStore(STORES.records).put({ ...local, record, revision, state: 'synced', syncedAt: new Date().toISOString() });
      }).catch(() => undefined); // the record keeps showing "conflict"; nothing is lost
    }
    this.outbox.changed();
  }

  renderList(records) {
    this.list.replaceChildren(...records.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1)).map((record) => {
      const item = document.createElement('li');
      item.dataset.recordState = record.state;
      const link = document.createElement('a');
      link.href = record.url || '/';
      link.textContent = record.title || _('Observation');
      const label = document.createElement('span');
      label.className = 'muted';
      label.textContent = ` · ${recordStateLabel(record.state)} · ${ago(record.updatedAt)}`;
      item.append(link, label);
      return item;
    }));
    if (!records.length) {
      const item = document.createElement('li');
      item.className = 'muted';
      item.textContent = _('Nothing is waiting on this device.');
      this.list.append(item);
    }
  }

  showAlert(message) {
    this.alert.textContent = message;
    this.alert.hidden = !message;
  }

  async download() {
    const payload = await this.outbox.exportUnsynced();
    const blob = new Blob([JSON.stringify(payload, null, 2)], { type: 'application/json' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = `observe-unsynced-${payload.exported_at.slice(0, 16).replace(/[:T]/g, '-')}.json`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }

  /** Show what the browser answered to our request for persistent storage. */
  async showStorage(persisted) {
    const element = this.root.querySelector('[data-storage]');
    if (persisted === null) element.textContent = _('This browser does not say whether it keeps saved data.');
    else if (persisted) element.textContent = _('This browser has agreed to keep the data saved on this device.');
    else element.textContent = _('This browser may clear saved data when space runs low: sync often.');
    element.dataset.persisted = String(persisted);
    // persist() does not protect against Safari's 7-day rule: say it plainly there (space reserved by the template).
    this.root.querySelector('[data-safari-week]').hidden = !(isSafariEngine() && !navigator.standalone);
    const ios = /iPad|iPhone|iPod/.test(navigator.userAgent)
      || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
    this.root.querySelector('[data-install-hint]').hidden = !(ios && !navigator.standalone);
  }

  showOfflineReady(result) {
    const element = this.root.querySelector('[data-offline-ready]');
    element.textContent = _('Ready to work offline: %(num)d pages saved on this device at %(time)s',
      { num: result.saved, time: formatTime(new Date()) });
    document.documentElement.dataset.offlineReady = 'true';
  }

  /** Offer the new app version; reload only when the user agrees and nothing is unsaved. */
  offerUpdate(activate) {
    const box = this.root.querySelector('[data-sync-update]');
    box.hidden = false;
    box.querySelector('[data-update-reload]').onclick = async () => {
      box.dataset.step = 'asked';
      if (await this.hasUnsavedInput()) {
        box.dataset.step = 'refused';
        this.showAlert(_('Some of your input is not saved on this device yet. Wait a moment, then reload.'));
        return;
      }
      box.dataset.step = 'activating';
      activate();
    };
  }

  /** Logging out with unsynced data is refused until the user downloaded it. */
  guardLogout() {
    document.querySelectorAll('form.logout-form').forEach((form) => {
      form.addEventListener('submit', async (event) => {
        if (form.dataset.cleared === 'true') return;
        event.preventDefault();
        const summary = await this.outbox.summary();
        if (summary.unsynced > 0 && !summary.exportCoversAll) {
          this.root.querySelector('[data-sync-details]').open = true;
          this.showAlert(ngettext(
            '%(num)d record is not on the server yet. Download your unsynced data before you log out.',
            '%(num)d records are not on the server yet. Download your unsynced data before you log out.',
            summary.unsynced));
          this.root.querySelector('[data-download]').focus();
          return;
        }
        // The logout page removes this user's own data from the device (static/js/purge.js).
        form.dataset.cleared = 'true';
        form.submit();
      });
    });
  }
}
