/* The server's field errors on a record that needs attention, shown where the server draws them
 * without JavaScript (forms/_engine.html): in the item, above its control, with aria-invalid and
 * aria-describedby on the control. After a failed "finish" the first of them takes the focus, so
 * nobody is left at the bottom of a long form with the only message at the top. */

/** Where a control's message goes: above the group of controls it belongs to, or above it. */
function anchorOf(element) {
  return element.closest('.engine-options, .engine-xofy-row, .engine-stepper') || element;
}

function describe(element, id, on) {
  const ids = (element.getAttribute('aria-describedby') || '').split(/\s+/).filter((x) => x && x !== id);
  if (on) ids.push(id);
  if (ids.length) element.setAttribute('aria-describedby', ids.join(' '));
  else element.removeAttribute('aria-describedby');
}

/** errors: {field name: [message, …]}; a name no control carries stays on the state line only. */
export function markErrors(form, errors) {
  form.querySelectorAll('[data-offline-error]').forEach((element) => element.remove());
  for (const element of form.elements) {
    if (!element.name) continue;
    const id = `offline-error-${element.name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
    const messages = errors[element.name];
    if (!messages) {
      if (element.dataset.offlineInvalid) {
        element.removeAttribute('aria-invalid');
        describe(element, id, false);
        delete element.dataset.offlineInvalid;
      }
      continue;
    }
    element.setAttribute('aria-invalid', 'true');
    element.dataset.offlineInvalid = 'true';
    describe(element, id, true);
    if (form.querySelector(`[data-offline-error="${CSS.escape(element.name)}"]`)) continue;
    const message = document.createElement('p');
    message.className = 'field-error';
    message.id = id;
    message.dataset.offlineError = element.name;
    message.textContent = [].concat(messages).join(' ');
    anchorOf(element).before(message);
  }
}

/** Focus the first control marked invalid (or, if none is on the form, the state line) and bring it into view. */
export function focusFirstError(form, fallback) {
  const target = [...form.elements].find((element) => element.getAttribute('aria-invalid') === 'true') || fallback;
  if (!target) return null;
  if (target === fallback && !target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
  target.focus({ preventScroll: true });
  const item = target.closest('.engine-item, .field, fieldset') || target;
  item.scrollIntoView({ block: 'start' });
  return target;
}
