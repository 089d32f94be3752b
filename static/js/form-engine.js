// Form engine enhancements: the markup (templates/forms/_engine.html) works without this file.
// Adds -/+ buttons to counters and "add row" to timed logs. Changes fire the usual
// input/change events so autosave (offline-form.js) sees them like typing.

function fire(input) {
  input.dispatchEvent(new Event("input", { bubbles: true }));
  input.dispatchEvent(new Event("change", { bubbles: true }));
}

function enhanceCounter(box) {
  const input = box.querySelector("input[type=number]");
  if (!input || box.dataset.enhanced) return; // once, whoever loads this module
  box.dataset.enhanced = "1";
  for (const button of box.querySelectorAll("[data-step]")) {
    button.hidden = false;
    button.addEventListener("click", () => {
      const step = Number(button.dataset.step);
      const current = input.value === "" ? 0 : Number.parseInt(input.value, 10) || 0;
      let next = Math.max(0, current + step);
      if (input.max !== "") next = Math.min(Number(input.max), next);
      if (String(next) !== input.value) {
        input.value = String(next);
        fire(input);
      }
    });
  }
}

function nowHHMM() {
  const d = new Date();
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

function renumber(row, key, index) {
  // Give a cloned row the names and ids of row `index` (a.<key>.<index>.<part>).
  for (const el of row.querySelectorAll("[name]")) {
    const part = el.name.split(".").pop();
    el.name = `a.${key}.${index}.${part}`;
    el.id = `f-a-${key}-${index}-${part}`;
    el.value = "";
    el.removeAttribute("aria-invalid");
    el.removeAttribute("aria-describedby");
  }
  for (const label of row.querySelectorAll("label[for]")) {
    const part = label.htmlFor.split("-").pop();
    label.htmlFor = `f-a-${key}-${index}-${part}`;
  }
  for (const error of row.querySelectorAll(".field-error")) error.remove();
  const legend = row.querySelector("legend");
  if (legend) legend.textContent = legend.textContent.replace(/\d+/, String(index + 1));
}

function enhanceLog(log) {
  if (log.dataset.enhanced) return;
  log.dataset.enhanced = "1";
  const key = log.dataset.key;
  const rows = log.querySelector("[data-log-rows]");
  const add = log.querySelector("[data-add-row]");
  const max = Number(log.dataset.maxRows || 200);
  // Stamp the time when someone starts writing in an empty row.
  rows.addEventListener("focusin", (event) => {
    const row = event.target.closest("[data-log-row]");
    const time = row && row.querySelector("[data-log-time]");
    if (time && !time.value && event.target !== time) {
      time.value = nowHHMM();
      fire(time);
    }
  });
  if (!add) return;
  add.hidden = false;
  add.addEventListener("click", () => {
    const all = rows.querySelectorAll("[data-log-row]");
    if (all.length >= max) return;
    const clone = all[all.length - 1].cloneNode(true);
    renumber(clone, key, all.length);
    rows.append(clone);
    const first = clone.querySelector("textarea");
    if (first) first.focus();
  });
}

export function enhance(root = document) {
  for (const box of root.querySelectorAll("[data-form-engine] [data-counter]")) enhanceCounter(box);
  for (const log of root.querySelectorAll("[data-form-engine] [data-timed-log]")) enhanceLog(log);
}

enhance();
