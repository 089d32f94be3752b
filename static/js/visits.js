// Visit pages: filter the teacher picker while typing, the walkthrough's running timer,
// timestamped quick notes and a warning when free text looks like a personal identity
// number. Every control also works without JavaScript (search button, "Add note" posts the
// form and the server stamps the time, the server warns after saving).
import { _ } from "./i18n.js";

const search = document.querySelector("[data-filter-list]");
if (search) {
  const list = document.getElementById(search.dataset.filterList);
  const rows = list ? [...list.querySelectorAll("li[data-name]")] : [];
  search.addEventListener("input", () => {
    const wanted = search.value.trim().toLowerCase();
    for (const row of rows) row.hidden = wanted !== "" && !row.dataset.name.includes(wanted);
  });
}

/** "2026-11-23T08:42:36Z" — the shape the server and the offline client write. */
const isoNow = () => new Date().toISOString().slice(0, 19) + "Z";

/** Local clock time of an ISO timestamp (naive ones are UTC, as the server writes them). */
function clockTime(iso) {
  const at = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  if (Number.isNaN(at.getTime())) return null;
  return at;
}

function formatClock(at) {
  return at.toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}

/** Elapsed time as m:ss (h:mm:ss after an hour). */
export function formatElapsed(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/**
 * The running timer. started_at is read on every tick, not once: the offline client may
 * restore a saved draft (or give a cached page a fresh start) after this script ran.
 * The clock is role="timer" with aria-live="off", so screen readers are not told every second.
 */
function startTimer(form, timer) {
  const clock = timer.querySelector("[data-timer-clock]");
  const startText = timer.querySelector("[data-timer-start]");
  const running = timer.querySelector("[data-timer-running]");
  if (!clock || !running) return;
  running.hidden = false;
  let shownStart = null;
  const tick = () => {
    const startedValue = form.elements.namedItem("started_at")?.value || "";
    const started = clockTime(startedValue);
    if (!started) return;
    if (startText && startedValue !== shownStart) {
      shownStart = startedValue;
      startText.dateTime = startedValue;
      startText.textContent = formatClock(started);
    }
    const ended = clockTime(form.elements.namedItem("ended_at")?.value || "");
    clock.textContent = formatElapsed((ended || new Date()) - started);
    timer.dataset.elapsedMinutes = String(Math.floor(((ended || new Date()) - started) / 60000));
  };
  tick();
  setInterval(tick, 1000);
}

/** One note row, the same markup as the server's and the offline client's. */
function noteRow(at, text) {
  const item = document.createElement("li");
  const time = document.createElement("time");
  time.dateTime = at;
  time.textContent = formatClock(clockTime(at));
  const hidden = (name, value) => Object.assign(document.createElement("input"), { type: "hidden", name, value });
  item.append(time, ` ${text}`, hidden("note_at", at), hidden("note_text", text));
  return item;
}

/**
 * "Add note" without a page round trip: the note gets the device's time and hidden
 * note_at/note_text inputs (what the no-JS path posts), then an input event tells the
 * offline client to save the form on the device.
 */
function enableNotes(form) {
  const button = form.querySelector("[data-add-note]");
  const list = form.querySelector("[data-note-list]");
  const field = form.elements.namedItem("note");
  const status = form.querySelector("[data-note-status]");
  if (!button || !list || !field) return;
  button.addEventListener("click", (event) => {
    event.preventDefault(); // no submit: neither a page load nor the offline client's submit handler
    const text = field.value.trim();
    if (text) {
      const at = isoNow();
      list.append(noteRow(at, text));
      field.value = "";
      form.dispatchEvent(new Event("input", { bubbles: true }));
      if (status) status.textContent = _("Note added at %(time)s.", { time: formatClock(clockTime(at)) });
    }
    field.focus();
  });
}

// YYYYMMDD-XXXX, YYMMDD-XXXX, also with "+" (over 100) or a space or no separator; the same
// rule as observe/privacy/pin.py (no lookbehind: older iPad Safari cannot parse one).
const PIN_PATTERN = /(?:^|\D)(?:19|20)?(\d{6})[-+ ]?(\d{4})(?!\d)/g;

function luhnOk(digits) {
  let total = 0;
  [...digits].forEach((char, index) => {
    const value = Number(char) * (index % 2 === 0 ? 2 : 1);
    total += value > 9 ? value - 9 : value;
  });
  return total % 10 === 0;
}

function pinDateOk(yymmdd) {
  const month = Number(yymmdd.slice(2, 4));
  let day = Number(yymmdd.slice(4, 6));
  if (day > 60) day -= 60; // samordningsnummer: day + 60
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** True when `text` holds a valid-looking personnummer (date part and Luhn check digit). */
export function looksLikePin(text) {
  for (const [, yymmdd, last4] of String(text || "").matchAll(PIN_PATTERN)) {
    if (pinDateOk(yymmdd) && luhnOk(yymmdd + last4)) return true;
  }
  return false;
}

const PIN_DELAY_MS = 400;
const isFreeText = (element) => element.matches?.("textarea, input[type=text]") && !element.matches("[data-log-time]");

/**
 * Minimisation while typing (offline too): below a free-text field that looks like it holds a
 * personnummer, a warning in a polite live region (created empty before it is filled, so
 * screen readers announce it) that the field names in aria-describedby. Never a block.
 */
function warnAboutPins(form) {
  const timers = new WeakMap();
  const shown = new Set();
  const regionFor = (field) => {
    const id = `${field.id || field.name}-pin-warning`;
    let region = document.getElementById(id);
    if (!region) {
      region = Object.assign(document.createElement("div"), { id, className: "pin-warning" });
      region.setAttribute("aria-live", "polite");
      field.after(region);
    }
    return region;
  };
  const check = (field) => {
    const warn = looksLikePin(field.value);
    if (warn === shown.has(field)) return;
    const region = regionFor(field);
    if (warn) {
      const text = Object.assign(document.createElement("p"), { className: "flash flash-warning" });
      text.textContent = _("This looks like a personal identity number. Observations never need one: please remove it.");
      region.replaceChildren(text);
      shown.add(field);
    } else {
      region.replaceChildren();
      shown.delete(field);
    }
    const described = (field.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && id !== region.id);
    if (warn) described.push(region.id);
    if (described.length) field.setAttribute("aria-describedby", described.join(" "));
    else field.removeAttribute("aria-describedby");
  };
  form.addEventListener("input", (event) => {
    const field = event.target;
    if (field === form) { // a script changed fields (a note was added, a draft restored)
      for (const warned of shown) check(warned);
      return;
    }
    if (!isFreeText(field)) return;
    regionFor(field);
    clearTimeout(timers.get(field));
    timers.set(field, setTimeout(() => check(field), PIN_DELAY_MS));
  });
  for (const field of form.querySelectorAll("textarea, input[type=text]")) {
    if (isFreeText(field)) check(field); // text the page came with
  }
}

const visitForm = document.querySelector("form.visit-form");
if (visitForm) {
  const timer = document.querySelector("[data-visit-timer]");
  if (timer) startTimer(visitForm, timer);
  enableNotes(visitForm);
  warnAboutPins(visitForm);
}
