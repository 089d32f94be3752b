// Form engine enhancements: the markup (templates/forms/_engine.html) works without this file.
// Adds -/+ buttons to counters, "add row" to timed logs, shows conditional items only when asked, and
// to interval grids the lesson clock's current interval with one-tap coding "now". Changes fire the usual
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

/** One more empty row at the end of a timed log (its columns, the next row number); null at max_rows.
 * Also used by offline-form.js to give a restored copy as many rows as it had. */
export function addLogRow(log) {
  const rows = log.querySelector("[data-log-rows]");
  const all = rows.querySelectorAll("[data-log-row]");
  if (!all.length || all.length >= Number(log.dataset.maxRows || 200)) return null;
  const clone = all[all.length - 1].cloneNode(true);
  renumber(clone, log.dataset.key, all.length);
  rows.append(clone);
  return clone;
}

function enhanceLog(log) {
  if (log.dataset.enhanced) return;
  log.dataset.enhanced = "1";
  const key = log.dataset.key;
  const rows = log.querySelector("[data-log-rows]");
  const add = log.querySelector("[data-add-row]");
  const max = Number(log.dataset.maxRows || 200);
  // Stamp the time when someone starts writing in an empty row.
  const stamp = (event) => {
    const row = event.target.closest("[data-log-row]");
    const time = row && row.querySelector("[data-log-time]");
    if (time && !time.value && event.target !== time) {
      time.value = nowHHMM();
      fire(time);
    }
  };
  rows.addEventListener("focusin", stamp);
  rows.addEventListener("change", stamp); // a list picked without focusing it first (some touch browsers)
  if (!add) return;
  add.hidden = false;
  add.addEventListener("click", () => {
    const clone = addLogRow(log);
    const first = clone && clone.querySelector("textarea, select, input:not([data-log-time])");
    if (first) first.focus();
  });
}

// Conditional items (show_if): hidden while the answer they depend on is another. What stays
// typed in a hidden item is kept on the page (an answer changed back brings it back) but the
// server drops it: a hidden item is not asked (observe/templates_/items.py).
function answerOf(scope, key) {
  const picked = [];
  for (const input of scope.querySelectorAll(`[name="a.${key}"]`)) {
    if (input.type === "radio" || input.type === "checkbox") {
      if (input.checked) picked.push(input.value);
    } else if (input.value) picked.push(input.value);
  }
  return picked;
}

export function applyConditions(engine) {
  const scope = engine.closest("form") || engine;
  const items = [...engine.querySelectorAll("[data-show-if-item]")];
  // Conditions name earlier items, but the focus section may draw an item before its source:
  // repeat until nothing changes (chains settle in at most one pass per item).
  for (let pass = 0; pass <= items.length; pass += 1) {
    let changed = false;
    for (const item of items) {
      const key = item.dataset.showIfItem;
      const source = engine.querySelector(`[data-item="${key}"]`);
      if (!source) continue; // drawn alone (the designer's item preview): keep it in view
      const values = item.dataset.showIfValues.split(" ");
      const shown = !source.hidden && answerOf(scope, key).some((value) => values.includes(value));
      if (item.hidden === shown) {
        item.hidden = !shown;
        changed = true;
      }
    }
    if (!changed) break;
  }
}

function enhanceConditions(engine) {
  if (engine.dataset.conditions || !engine.querySelector("[data-show-if-item]")) return;
  engine.dataset.conditions = "1";
  const update = () => applyConditions(engine);
  engine.addEventListener("change", update);
  engine.addEventListener("input", update);
  // offline-form.js puts a saved copy back without change events: it says so with this one.
  (engine.closest("form") || engine).addEventListener("observe:restored", update);
  update();
}

/** The lesson clock's start (and end) from the form the grid is in: the observation form's
 * started_at/ended_at, the same inputs the visit timer (visits.js) reads. null without one. */
function lessonTimes(box) {
  const form = box.closest("form");
  const read = (name) => {
    const input = form && form.elements.namedItem(name);
    const iso = input && "value" in input ? input.value : "";
    if (!iso) return null;
    const at = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
    return Number.isNaN(at.getTime()) ? null : at;
  };
  const started = read("started_at");
  return started ? { started, ended: read("ended_at") } : null;
}

/** The interval the lesson clock is in (0-based), or null when the clock has not started. */
export function currentInterval(elapsedMs, minutes, count) {
  if (elapsedMs == null || elapsedMs < 0) return null;
  return Math.min(count - 1, Math.floor(elapsedMs / (minutes * 60000)));
}

function enhanceInterval(box) {
  if (box.dataset.enhanced) return;
  box.dataset.enhanced = "1";
  const minutes = Number(box.dataset.minutes || 2);
  const count = Number(box.dataset.intervals || 10);
  const scroller = box.querySelector("[data-interval-scroll]");
  const table = scroller && scroller.querySelector("table");
  const banner = box.querySelector("[data-interval-now]");
  if (!table) return;
  let current = null;
  const rows = [...table.querySelectorAll("tr[data-code-row]")];
  const inputAt = (row, index) => (row.cells[index + 1] ? row.cells[index + 1].querySelector("input") : null);

  // A tap on a code's (or a level's) name ticks it in the current interval: one tap codes "now".
  const taps = rows.map((row) => {
    const head = row.cells[0];
    const label = head.querySelector(".engine-code-label");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "engine-code-tap";
    button.disabled = true;
    button.setAttribute("aria-pressed", "false");
    button.append(...label.childNodes);
    label.replaceWith(button);
    button.addEventListener("click", () => {
      const input = current == null ? null : inputAt(row, current);
      if (!input) return;
      input.checked = input.type === "radio" ? true : !input.checked;
      fire(input);
    });
    return { row, button };
  });

  const refreshPressed = () => {
    for (const { row, button } of taps) {
      const input = current == null ? null : inputAt(row, current);
      button.setAttribute("aria-pressed", input && input.checked ? "true" : "false");
    }
  };
  // A ticked level can be taken back: a second tap on a chosen radio clears it.
  table.addEventListener("click", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "radio") return;
    const was = input.dataset.wasChecked === "1";
    delete input.dataset.wasChecked;
    if (was) {
      input.checked = false;
      fire(input);
    }
  });
  table.addEventListener("pointerdown", (event) => {
    const label = event.target.closest && event.target.closest("label");
    const input = label ? label.querySelector("input[type=radio]") : null;
    if (input) input.dataset.wasChecked = input.checked ? "1" : "";
  });
  table.addEventListener("change", refreshPressed);

  const mark = (index) => {
    if (index === current) return;
    for (const el of box.querySelectorAll(".engine-now")) el.classList.remove("engine-now");
    for (const el of box.querySelectorAll("[aria-current]")) el.removeAttribute("aria-current");
    current = index;
    for (const { button } of taps) button.disabled = current == null;
    if (banner) banner.hidden = current == null;
    if (current == null) return refreshPressed();
    const head = table.querySelector(`thead th[data-col="${current}"]`);
    if (head) {
      head.classList.add("engine-now");
      head.setAttribute("aria-current", "time");
      if (banner) banner.querySelector("[data-interval-now-label]").textContent = head.textContent;
      // Bring the column into view beside the held code column (only the grid's own box scrolls).
      const codeWidth = table.querySelector("thead th").offsetWidth;
      const left = head.offsetLeft - codeWidth;
      if (left < scroller.scrollLeft || head.offsetLeft + head.offsetWidth > scroller.scrollLeft + scroller.clientWidth) {
        scroller.scrollLeft = Math.max(0, left - head.offsetWidth);
      }
    }
    for (const row of rows) {
      const cell = row.cells[current + 1];
      if (cell) cell.classList.add("engine-now");
    }
    const comment = box.querySelector(`[data-interval-comments] li[data-col="${current}"]`);
    if (comment) {
      comment.classList.add("engine-now");
      comment.setAttribute("aria-current", "time");
    }
    refreshPressed();
  };

  const tick = () => {
    const times = lessonTimes(box);
    mark(times ? currentInterval((times.ended || new Date()) - times.started, minutes, count) : null);
    refreshPressed(); // a draft restored on the device sets boxes without events
  };
  tick();
  setInterval(tick, 5000);
}

export function enhance(root = document) {
  for (const box of root.querySelectorAll("[data-form-engine] [data-counter]")) enhanceCounter(box);
  for (const log of root.querySelectorAll("[data-form-engine] [data-timed-log]")) enhanceLog(log);
  const engines = root.matches?.("[data-form-engine]") ? [root] : [...root.querySelectorAll("[data-form-engine]")];
  for (const engine of engines) enhanceConditions(engine);
  for (const grid of root.querySelectorAll("[data-form-engine] [data-interval-grid]")) enhanceInterval(grid);
}

enhance();
