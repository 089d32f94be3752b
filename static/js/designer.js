// Template designer enhancements. Without this file every edit is a normal POST and
// redirect; with it the edit is sent with fetch and the designer (including the live
// preview, rendered by the server with the same form engine) is swapped in place,
// keeping focus on the button that was pressed so keyboard reordering flows.
import { enhance } from "./form-engine.js";

const designer = () => document.querySelector("[data-designer]");

function swapFrom(html) {
  const next = new DOMParser().parseFromString(html, "text/html");
  const fresh = next.querySelector("[data-designer]");
  const current = designer();
  if (!fresh || !current) return false;
  const open = [...current.querySelectorAll("details[open][id], details[open] summary")]
    .map((el) => el.closest("details").id || el.closest("section")?.id)
    .filter(Boolean);
  current.replaceWith(fresh);
  for (const id of open) {
    const el = document.getElementById(id);
    const details = el && (el.matches("details") ? el : null);
    if (details) details.open = true;
  }
  const flashes = document.querySelector(".flashes");
  const freshFlashes = next.querySelector(".flashes");
  if (flashes) flashes.remove();
  if (freshFlashes) document.querySelector("main")?.prepend(freshFlashes);
  enhance(fresh);
  showMeasureFields(fresh);
  return true;
}

function restoreFocus(focusId, anchor) {
  let target = focusId && document.querySelector(`[data-focus-id="${focusId}"]`);
  if (target && target.disabled) {
    // At the top or bottom: keep the user on the same row instead of losing focus.
    target = target.closest("li, section")?.querySelector("button:not([disabled]), a.button");
  }
  if (!target && anchor) target = document.getElementById(anchor)?.querySelector("button, a.button");
  if (target) target.focus();
}

async function send(form, submitter) {
  const body = new FormData(form, submitter);
  const response = await fetch(form.action, { method: "POST", body, credentials: "same-origin" });
  if (!response.ok && response.status !== 422) throw new Error(`HTTP ${response.status}`);
  const anchor = new URL(response.url).hash.slice(1) || null;
  if (!swapFrom(await response.text())) throw new Error("no designer in response");
  restoreFocus(submitter?.dataset.focusId, anchor);
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.matches("[data-designer-form]") || !designer()) return;
  event.preventDefault();
  const submitter = event.submitter;
  form.setAttribute("aria-busy", "true");
  send(form, submitter).catch(() => {
    // Fall back to the plain HTML path: the page works without this script.
    if (submitter?.name) {
      const hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = submitter.name;
      hidden.value = submitter.value;
      form.append(hidden);
    }
    HTMLFormElement.prototype.submit.call(form);
  }).finally(() => form.removeAttribute("aria-busy"));
});

// Item editor: show only the options of the chosen item type.
function showTypeOptions() {
  const select = document.querySelector(".tpl-item-form select[name=type]");
  if (!select) return;
  const update = () => {
    for (const group of document.querySelectorAll(".tpl-opt[data-for-types]")) {
      group.hidden = !group.dataset.forTypes.split(" ").includes(select.value);
    }
  };
  select.addEventListener("change", update);
  update();
}

// Item editor: a timed log's column shows the fields of its type only (options for a choice column,
// the highest number for a number column); without this script all are shown and the type decides.
function showColumnFields() {
  for (const column of document.querySelectorAll("[data-log-column]")) {
    const select = column.querySelector("select");
    if (!select) continue;
    const update = () => {
      for (const part of column.querySelectorAll("[data-for-column]")) {
        part.hidden = part.dataset.forColumn !== select.value;
      }
    };
    select.addEventListener("change", update);
    update();
  }
}

// Item editor: redraw the preview pane (rendered by the server, nothing saved) while typing.
function livePreview() {
  const form = document.querySelector(".tpl-item-form");
  const pane = document.getElementById("item-preview");
  if (!form || !pane) return;
  let timer = null;
  let latest = 0;
  const refresh = async () => {
    const body = new FormData(form);
    body.set("action", "preview");
    const ticket = ++latest;
    try {
      // (form.action would be the button named "action", so read the attribute)
      const response = await fetch(form.getAttribute("action") || location.href, { method: "POST", body, credentials: "same-origin" });
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("item-preview");
      if (fresh && ticket === latest) {
        pane.replaceChildren(...fresh.childNodes);
        enhance(pane);
      }
    } catch {
      // Offline or the server is busy: the "Preview without saving" button still works.
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  };
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
}

// "Add a measure": show only the fields of the chosen kind (share, per minute, average).
function showMeasureFields(root = document) {
  const select = root.querySelector(".tpl-measure-form select[name=type]");
  if (!select || select.dataset.enhanced) return;
  select.dataset.enhanced = "1";
  const update = () => {
    for (const group of root.querySelectorAll(".tpl-measure-form [data-for-measure]")) {
      group.hidden = group.dataset.forMeasure !== select.value;
    }
  };
  select.addEventListener("change", update);
  update();
}

showTypeOptions();
showColumnFields();
showMeasureFields();
livePreview();
