/* The observer's feedback draft as an offline record (`data-offline-form="feedback"` in
 * templates/visits/_feedback_panel.html). Loaded by offline-form.js only on pages with that
 * form; autosave, restore, the outbox and the record states are offline-form.js's own.
 *
 * The record is the sync protocol's `feedback` type (docs/sync-protocol.md), built from the
 * same inputs the online form posts (observe.feedback.forms.FeedbackDraftForm). Sharing with
 * the teacher stays online only: the draft is synced first, then the browser posts the form.
 */
import { _ } from './i18n.js';
import { newUuid } from './store.js';

const STRENGTH_ROWS = 2; // FeedbackDraftForm.STRENGTH_ROWS

function one(fields, name) {
  return (fields[name] || [''])[0] || '';
}

/** Rows of the form that hold a strength, in order (the server numbers only those). */
function filledStrengths(fields) {
  return [...Array(STRENGTH_ROWS).keys()].filter((row) => one(fields, `strength_text_${row}`).trim()
    || one(fields, `strength_evidence_${row}`).trim());
}

/** The `feedback` sync record for the form's current content. */
function record(fields) {
  const step = one(fields, 'next_step_text');
  return {
    type: 'feedback',
    uuid: one(fields, 'uuid'),
    base_revision: Number(one(fields, 'base_revision')) || 0,
    visit_uuid: one(fields, 'visit_uuid'),
    summary: one(fields, 'summary') || null,
    strengths: filledStrengths(fields).map((row) => ({
      text: one(fields, `strength_text_${row}`), evidence: one(fields, `strength_evidence_${row}`),
    })),
    development_area: one(fields, 'development_area') || null,
    next_step: step.trim() ? { text: step, due_on: one(fields, 'next_step_due') || null } : null,
  };
}

/** Server messages by input name: the rules number strengths as sent, the schema uses record paths. */
function inputErrors(errors, fields) {
  const rows = filledStrengths(fields);
  const named = {};
  for (const [key, messages] of Object.entries(errors)) {
    const strength = /^strength(?:s\.|_(?:text|evidence)_)(\d+)(?:\.(text|evidence))?$/.exec(key);
    let name = key;
    if (strength) {
      const part = strength[2] || (key.includes('evidence') ? 'evidence' : 'text');
      const row = rows[Number(strength[1])];
      name = `strength_${part}_${row === undefined ? strength[1] : row}`;
    } else if (key.startsWith('next_step')) {
      name = key.endsWith('due_on') || key === 'next_step_due' ? 'next_step_due' : 'next_step_text';
    }
    named[name] = [...(named[name] || []), ...messages];
  }
  return named;
}

/**
 * Which record this page continues. Unconfirmed work on this device for the visit wins (it may
 * carry a uuid the server has not seen yet); a visit without feedback gets a new uuid once.
 */
async function adopt(form) {
  const shell = form.form.closest('[data-offline-visit]');
  if (shell && !(await fillShell(form, shell))) return null;
  const uuid = form.form.elements.namedItem('uuid');
  const visit = form.form.elements.namedItem('visit_uuid').value;
  const mine = (await form.store.all('records'))
    .filter((local) => local.record && local.record.type === 'feedback' && local.record.visit_uuid === visit);
  const open = mine.find((local) => local.state !== 'synced' && local.uuid !== uuid.value);
  if (open) {
    uuid.value = open.uuid;
    return open;
  }
  if (!uuid.value) uuid.value = mine.length ? mine[0].uuid : newUuid();
  return null; // offline-form.js compares the page with a copy under this uuid, if any
}

/**
 * The worker's stand-in for the page of a visit the server has not seen yet (finished offline,
 * templates/pwa/offline_visit.html): the visit comes from its observation on this device.
 * Without one (or without a teacher to give feedback to) the form goes and the notice stays.
 */
async function fillShell(form, shell) {
  const visit = (/^\/visits\/([0-9a-f-]{36})\/?$/.exec(location.pathname) || [])[1];
  const observation = visit && (await form.store.all('records')).find((local) => local.record
    && local.record.type === 'observation' && local.record.visit && local.record.visit.uuid === visit);
  if (!observation || !observation.record.visit.teacher_id) {
    if (observation) document.querySelector('[data-offline-visit-missing] p').textContent = _('A walkthrough without a teacher has no feedback.');
    form.form.remove();
    return false;
  }
  const { elements } = form.form;
  elements.namedItem('visit_uuid').value = visit;
  elements.namedItem('next').value = location.pathname;
  form.form.action = `/feedback/visit/${visit}/draft`;
  document.querySelector('[data-offline-visit-title]').textContent = observation.title || '';
  document.querySelector('[data-offline-visit-missing]').hidden = true;
  shell.hidden = false;
  return true;
}

/** Share: sync the draft, then let the browser post the form; offline, keep the draft and say why. */
async function share(form, submitter) {
  if (form.saving) await form.saving;
  const local = await form.saveAndSync();
  if (!local) return; // not stored: offline-form.js already shows why
  if (local.state === 'synced') {
    form.native = true;
    form.form.requestSubmit(submitter);
    return;
  }
  notice(form.form, submitter, local.state === 'local'
    ? _('Sharing with the teacher needs a connection. Your draft is kept on this device and uploads by itself; share it when you are online again.')
    : _('Sort out the draft first (see above); then share it with the teacher.'));
}

/** Said next to the buttons, where the user just pressed one. */
function notice(form, submitter, text) {
  let box = form.querySelector('[data-share-notice]');
  if (!box) {
    box = Object.assign(document.createElement('p'), { className: 'flash flash-warning' });
    box.setAttribute('role', 'alert');
    box.dataset.shareNotice = '';
    (submitter.closest('.fl-actions') || submitter).before(box);
  }
  box.textContent = text;
}

export default {
  record,
  inputErrors,
  adopt,
  title: (heading) => _('Feedback: %(visit)s', { visit: heading }),
  url: () => `${location.pathname}#feedback`,
  isUnsaved: (form) => !Number(form.form.elements.namedItem('base_revision').value),
  async submit(form, action, submitter) {
    if (action !== 'share') return false;
    await share(form, submitter);
    return true;
  },
};
