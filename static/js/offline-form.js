/* Offline capture for every <form data-offline-form> (contract in docs/offline.md).
 *
 * Every change is written to IndexedDB as it is typed and queued in the outbox; a reload
 * restores it. A new walkthrough opened from the cache gets fresh uuids, so two visits
 * started offline never share one. The record built here is the one the server builds
 * from the same form without JavaScript (observe.visits.services.record_from_form).
 * Other record types plug into the same engine: `data-offline-form="feedback"` loads
 * feedback-form.js (its record, identity and online-only sharing) on the pages that have it.
 */
import { _ } from './i18n.js';
import { newUuid } from './store.js';
import { recordStateLabel } from './status.js';
import { focusFirstError, markErrors } from './field-errors.js';

const NOTE_AT = 'note_at';
const NOTE_TEXT = 'note_text';
const NEW_NOTE = 'note';

/** name -> [values], exactly what the browser would post (minus the CSRF token). */
export function formFields(form) {
  const fields = {};
  for (const [name, value] of new FormData(form)) {
    if (name === 'csrf_token' || typeof value !== 'string') continue;
    (fields[name] = fields[name] || []).push(value);
  }
  return fields;
}

function one(fields, name) {
  return (fields[name] || [''])[0] || '';
}

function intOrNull(value) {
  return /^\d+$/.test(value) ? Number(value) : null;
}

/** The sync record (docs/sync-protocol.md) for the form's current content. */
export function recordFromFields(fields, { finish = false, now = new Date().toISOString() } = {}) {
  const notes = (fields[NOTE_AT] || []).map((at, index) => ({ at, text: (fields[NOTE_TEXT] || [])[index] || '' }));
  const pendingNote = one(fields, NEW_NOTE).trim();
  if (finish && pendingNote) notes.push({ at: now, text: pendingNote });
  const answers = {};
  Object.keys(fields).filter((name) => name.startsWith('a.')).forEach((name) => { answers[name] = fields[name]; });
  return {
    type: 'observation',
    uuid: one(fields, 'uuid'),
    base_revision: intOrNull(one(fields, 'base_revision')) || 0,
    visit: {
      uuid: one(fields, 'visit_uuid'),
      kind: one(fields, 'kind') || 'spontaneous',
      teacher_id: intOrNull(one(fields, 'teacher_id')),
      subject: one(fields, 'subject').trim() || null,
      year_group: one(fields, 'year_group').trim() || null,
      started_at: one(fields, 'started_at') || null,
      ended_at: one(fields, 'ended_at') || (finish ? now : null),
      reflective_question: one(fields, 'reflective_question').trim() || null,
    },
    template_version_id: intOrNull(one(fields, 'template_version_id')),
    fields: answers,
    notes,
    status: finish ? 'complete' : (one(fields, 'status') || 'draft'),
  };
}

// What differs between record types. Observations are this module's own; others load on demand.
const OBSERVATION = { record: recordFromFields };
const KINDS = { feedback: () => import('./feedback-form.js') };

/** The highest row number saved for a timed log (a.<key>.<row>.<part>), or -1. */
function highestLogRow(fields, key) {
  const prefix = `a.${key}.`;
  let highest = -1;
  for (const name of Object.keys(fields)) {
    if (!name.startsWith(prefix)) continue;
    const row = name.slice(prefix.length).split('.')[0];
    if (/^\d+$/.test(row)) highest = Math.max(highest, Number(row));
  }
  return highest;
}

/** A timed log's rows added with "Add row" are not in the page as drawn: add them back before the
 * saved copy is put in, or the next save would leave them out. */
async function growLogs(form, fields) {
  const short = [...form.querySelectorAll('[data-timed-log]')].filter(
    (log) => highestLogRow(fields, log.dataset.key) >= log.querySelectorAll('[data-log-row]').length);
  if (!short.length) return;
  const { addLogRow } = await import('./form-engine.js');
  for (const log of short) {
    const wanted = highestLogRow(fields, log.dataset.key);
    while (log.querySelectorAll('[data-log-row]').length <= wanted && addLogRow(log)) { /* one more row */ }
  }
}

/** Put saved values back into the form's controls (text, choices, selects, notes). */
function restoreFields(form, fields) {
  const seen = {};
  for (const element of form.elements) {
    const { name } = element;
    if (!name || name === 'csrf_token' || name === 'base_revision' || name === NOTE_AT || name === NOTE_TEXT) continue;
    if ('carried' in element.dataset) continue; // the teacher's text as the page has it now, not an older copy
    const values = fields[name] || [];
    if (element.type === 'checkbox' || element.type === 'radio') {
      element.checked = values.includes(element.value);
    } else if (element.tagName === 'SELECT' && element.multiple) {
      [...element.options].forEach((option) => { option.selected = values.includes(option.value); });
    } else if (element.type !== 'submit' && element.type !== 'button' && element.type !== 'file') {
      const index = seen[name] || 0;
      seen[name] = index + 1;
      element.value = values[index] !== undefined ? values[index] : '';
    }
  }
  const notes = (fields[NOTE_AT] || []).map((at, index) => ({ at, text: (fields[NOTE_TEXT] || [])[index] || '' }));
  renderNotes(form, notes);
  form.dispatchEvent(new Event('observe:restored')); // e.g. conditional items follow the restored answers
}

function renderNotes(form, notes) {
  const list = form.querySelector('[data-note-list]');
  if (!list) return;
  list.replaceChildren(...notes.map((note) => {
    const item = document.createElement('li');
    const time = document.createElement('time');
    time.dateTime = note.at;
    const at = new Date(note.at);
    time.textContent = Number.isNaN(at.getTime()) ? '' : at.toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit' });
    const hiddenAt = Object.assign(document.createElement('input'), { type: 'hidden', name: NOTE_AT, value: note.at });
    const hiddenText = Object.assign(document.createElement('input'), { type: 'hidden', name: NOTE_TEXT, value: note.text });
    item.append(time, ` ${note.text}`, hiddenAt, hiddenText);
    return item;
  }));
}

function setHidden(form, name, value) {
  const input = form.elements.namedItem(name);
  if (input && 'value' in input) input.value = value;
}

export class OfflineForm {
  constructor(form, { store, outbox }) {
    this.form = form;
    this.store = store;
    this.outbox = outbox;
    this.saving = null; // the write in flight
    this.again = false; // another change arrived while writing
    this.failed = false;
    this.local = null;
    this.kind = OBSERVATION;
    this.native = false; // set just before handing a submit to the browser (online-only actions)
    this.state = this.makeStateLine();
  }

  /** The state line and the problem box are in the page (forms/_record_state.html), drawn at their
   * final size: filling them in moves nothing. A page saved by an older version may lack them. */
  makeStateLine() {
    let line = this.form.querySelector('[data-record-state-line]');
    this.problem = this.form.querySelector('[data-record-problem]');
    if (line && this.problem) return line;
    line = document.createElement('p');
    line.className = 'record-state';
    line.setAttribute('role', 'status');
    this.form.prepend(line);
    const problem = document.createElement('div');
    problem.className = 'record-problem flash flash-error';
    problem.setAttribute('role', 'alert');
    problem.hidden = true;
    this.problem = problem;
    line.after(problem);
    return line;
  }

  /** A form for a visit that does not exist yet (a walkthrough), as opposed to one being continued. */
  get isNew() {
    return this.form.hasAttribute('data-offline-new') || /\/new(\/|$)/.test(location.pathname);
  }

  get uuid() {
    return this.form.elements.namedItem('uuid').value;
  }

  async start() {
    const load = KINDS[this.form.dataset.offlineForm];
    if (load) this.kind = (await load()).default;
    const params = new URLSearchParams(location.search);
    const draft = params.get('draft');
    let local = draft ? await this.store.get('records', draft) : null;
    if (!local && this.kind.adopt) local = await this.kind.adopt(this);
    if (!local) {
      const known = await this.store.get('records', this.uuid);
      if (known && this.isNew) {
        // This page came from the cache and its uuids are taken: this is another new visit.
        this.freshIdentity();
      } else if (known && this.shouldRestore(known)) {
        local = known;
      } else if (this.isNew) {
        setHidden(this.form, 'started_at', new Date().toISOString().slice(0, 19) + 'Z');
      }
    }
    if (this.isNew && !local) await this.applyPickedTeacher(params.get('teacher'));
    if (this.isNew) this.notePickedTemplate(params.get('template'));
    if (local) {
      await growLogs(this.form, local.form || {});
      restoreFields(this.form, local.form || {});
      this.local = local;
    }
    this.showState(local ? local.state : null, local);
    this.form.addEventListener('input', () => this.changed());
    this.form.addEventListener('change', () => this.changed());
    this.form.addEventListener('submit', (event) => this.submit(event));
    this.outbox.addEventListener('change', () => this.refreshState());
    this.form.dataset.offlineReady = 'true'; // restored and listening
    performance.mark('observe:form-ready'); // bench/offline_load.py: time to interactive
  }

  /** Unconfirmed work on this device beats the page; a confirmed copy only if the page is older. */
  shouldRestore(known) {
    if (known.state !== 'synced') return true;
    const pageRevision = Number(this.form.elements.namedItem('base_revision').value || 0);
    return (known.revision || 0) > pageRevision;
  }

  freshIdentity() {
    setHidden(this.form, 'uuid', newUuid());
    setHidden(this.form, 'visit_uuid', newUuid());
    setHidden(this.form, 'base_revision', '0');
    setHidden(this.form, 'started_at', new Date().toISOString().slice(0, 19) + 'Z');
  }

  /** The cached walkthrough page may belong to another teacher than the one just picked offline. */
  async applyPickedTeacher(teacher) {
    const input = this.form.elements.namedItem('teacher_id');
    if (!teacher || !input || input.value === teacher) return;
    input.value = teacher;
    const heading = document.querySelector('h1');
    if (!heading || !('caches' in window)) return;
    try {
      const page = await caches.match(new URL('/visits/new', location.origin).href, { ignoreSearch: true });
      const html = page ? await page.text() : '';
      const doc = new DOMParser().parseFromString(html, 'text/html');
      const button = [...doc.querySelectorAll('button[name="teacher"]')].find((b) => b.value === teacher);
      if (button) heading.textContent = heading.textContent.replace(/:.*$/, `: ${button.textContent.trim()}`);
    } catch (error) {
      // the heading keeps the cached name; the saved record carries the right teacher
    }
  }

  /** Every template one may pick is kept offline under its own `?template=`; one the device does not
   * keep yet (published since it was last online) gets the default form: say so, never silently. */
  notePickedTemplate(template) {
    const note = document.querySelector('[data-template-other]');
    if (!note || !template || note.dataset.templateId === template) return;
    note.hidden = false;
    // The draft's link (and a reload) must open this form again, not the picked template's form.
    const params = new URLSearchParams(location.search);
    params.delete('template');
    history.replaceState(history.state, '', `${location.pathname}${params.toString() ? `?${params}` : ''}`);
  }

  title() {
    const heading = document.querySelector('h1');
    const text = heading ? heading.textContent.trim().replace(/\s+/g, ' ') : document.title;
    return this.kind.title ? this.kind.title(text) : text;
  }

  url() {
    if (this.kind.url) return this.kind.url(this);
    if (!this.isNew) return location.pathname;
    const params = new URLSearchParams(location.search);
    params.set('draft', this.uuid);
    return `${location.pathname}?${params}`;
  }

  /** Coalesce keystrokes: one write in flight, one queued behind it; nothing is skipped. */
  changed(options = {}) {
    if (this.saving) {
      this.again = true;
      this.againOptions = { ...(this.againOptions || {}), ...options };
      return this.saving;
    }
    this.form.dataset.saving = 'true'; // until everything typed so far is on the device
    this.saving = this.write(options).finally(() => {
      this.saving = null;
      if (!this.again) delete this.form.dataset.saving;
      if (this.again) {
        const next = this.againOptions || {};
        this.again = false;
        this.againOptions = null;
        this.changed(next);
      }
    });
    return this.saving;
  }

  async write({ finish = false } = {}) {
    const began = performance.now(); // bench/keystroke.py: from reading the form to stored on the device
    const fields = formFields(this.form);
    const record = this.kind.record(fields, { finish });
    if (finish) {
      setHidden(this.form, 'status', 'complete');
      fields.status = ['complete'];
    }
    try {
      this.local = await this.outbox.save({
        uuid: record.uuid, record, form: fields, title: this.title(), url: this.url(),
      }, { final: finish });
      performance.clearMeasures('observe:saved'); // keep only the latest (a long visit types thousands)
      performance.measure('observe:saved', { start: began });
      this.failed = false;
      this.problem.hidden = true;
      delete this.problem.dataset.storeError;
      if (this.isNew && !new URLSearchParams(location.search).get('draft')) history.replaceState(history.state, '', this.url());
      this.showState('local', this.local);
      return true;
    } catch (error) {
      this.failed = true;
      this.problem.textContent = error.quota
        ? _('This device is out of storage space, so your last change is not saved on it. Keep this page open and sync, or download your unsynced data.')
        : _('Your last change could not be saved on this device (%(reason)s). Keep this page open and try again; nothing you see has been lost.', { reason: error.message });
      this.problem.hidden = false;
      this.problem.dataset.storeError = 'true';
      return false;
    }
  }

  /** Whether reloading now could lose typed input (used by the update prompt). */
  async hasUnsavedInput() {
    if (this.saving) await this.saving;
    return this.failed;
  }

  async submit(event) {
    if (this.native) return; // an online-only action the kind handed to the browser
    const action = event.submitter ? event.submitter.value : 'save';
    event.preventDefault();
    if (this.kind.submit && await this.kind.submit(this, action, event.submitter)) return;
    if (action === 'note') {
      this.addNote();
      return;
    }
    const finish = action === 'finish';
    if (this.saving) await this.saving;
    if (finish) this.appendPendingNote();
    const local = await this.saveAndSync({ finish });
    if (finish && local && local.state === 'synced') {
      location.assign(`/visits/${this.form.elements.namedItem('visit_uuid').value}`);
    } else if (finish && local && local.state === 'attention') {
      this.showState(local.state, local); // each message at its field
      focusFirstError(this.form, this.state);
    }
  }

  /** Store the form, upload it now if the server answers, and return the record as stored after that. */
  async saveAndSync(options = {}) {
    const saved = await this.changed(options);
    if (!saved) return null;
    // An autosave's sync pass may hold the lock with an older copy of this record: wait for
    // it (briefly) and run again, so the version just saved is the one uploaded.
    let ran = await this.outbox.run({ force: true });
    for (let tries = 0; ran === 'busy' && tries < 40; tries += 1) {
      await new Promise((resolve) => { setTimeout(resolve, 250); });
      ran = await this.outbox.run({ force: true });
    }
    return this.store.get('records', this.uuid);
  }

  appendPendingNote() {
    const note = this.form.elements.namedItem(NEW_NOTE);
    if (!note || !note.value.trim()) return;
    const fields = formFields(this.form);
    const notes = (fields[NOTE_AT] || []).map((at, index) => ({ at, text: fields[NOTE_TEXT][index] }));
    notes.push({ at: new Date().toISOString().slice(0, 19) + 'Z', text: note.value.trim() });
    renderNotes(this.form, notes);
    note.value = '';
  }

  addNote() {
    this.appendPendingNote();
    this.changed();
    const note = this.form.elements.namedItem(NEW_NOTE);
    if (note) note.focus();
  }

  async refreshState() {
    try {
      const local = await this.store.get('records', this.uuid);
      if (local) this.showState(local.state, local);
    } catch (error) {
      // shown by the status bar
    }
  }

  showState(state, local) {
    this.state.dataset.recordState = state || 'server';
    if (!state) {
      // Nothing typed yet on a form the server has never had (a new walkthrough, a planned or peer
      // visit not begun): nothing to say, and not "saved" (the empty line keeps its place, unseen).
      const unsaved = this.kind.isUnsaved ? this.kind.isUnsaved(this)
        : this.isNew || !Number(this.form.elements.namedItem('base_revision').value);
      this.state.textContent = unsaved ? '' : _('Saved on the server');
      return;
    }
    let text = recordStateLabel(state);
    if (state === 'attention' && local && local.errors) {
      text += `: ${Object.values(local.errors).flat().join(' ')}`;
      this.markErrors(this.kind.inputErrors ? this.kind.inputErrors(local.errors, local.form || {}) : local.errors);
    } else {
      this.markErrors({});
    }
    if (state === 'conflict') text += ` — ${_('the server kept both versions; compare them on the visit page.')}`;
    this.state.textContent = text;
    // A visit finished on this device: its feedback can be written before the server has it.
    const visit = local && local.record && local.record.visit;
    if (this.kind === OBSERVATION && visit && visit.teacher_id && state !== 'synced' && local.record.status === 'complete') {
      const link = Object.assign(document.createElement('a'), { href: `/visits/${visit.uuid}#feedback` });
      link.textContent = _('Write the feedback');
      this.state.append(' · ', link);
    }
  }

  markErrors(errors) {
    markErrors(this.form, errors);
  }
}
