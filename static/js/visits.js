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

/** A note in the list: hidden note_at/note_text inputs (what the no-JS path posts), then an input
 * event tells the offline client to save the form on the device. */
function addNote(form, at, text) {
  form.querySelector("[data-note-list]").append(noteRow(at, text));
  form.dispatchEvent(new Event("input", { bubbles: true }));
  const status = form.querySelector("[data-note-status]");
  if (status) status.textContent = _("Note added at %(time)s.", { time: formatClock(clockTime(at)) });
}

/** "Add note" in the notes section, without a page round trip: the note gets the device's time. */
function enableNotes(form) {
  const button = form.querySelector("[data-add-note]");
  const field = form.elements.namedItem("note");
  if (!button || !form.querySelector("[data-note-list]") || !field) return;
  button.addEventListener("click", (event) => {
    event.preventDefault(); // no submit: neither a page load nor the offline client's submit handler
    const text = field.value.trim();
    if (text) {
      field.value = ""; // before the input event, so the check of the field sees it empty
      addNote(form, isoNow(), text);
    }
    field.focus();
  });
}

/**
 * The "Note" button, fixed on the screen: one tap from anywhere on the form opens the note sheet
 * over the page, stamped with the time of the tap (what the observer just saw), and leaves the
 * observer where they were. Without <dialog> (or without this script) the button is a link to the
 * notes section; then the note field gets the focus.
 */
function enableNoteSheet(form) {
  const jump = document.querySelector("[data-note-jump]");
  const sheet = document.querySelector("[data-note-sheet]");
  if (!jump || !form.querySelector("[data-note-list]")) return;
  if (!sheet || typeof sheet.showModal !== "function") {
    jump.addEventListener("click", () => setTimeout(() => form.elements.namedItem("note")?.focus(), 0));
    return;
  }
  const text = sheet.querySelector("[data-note-sheet-text]");
  const time = sheet.querySelector("[data-note-sheet-time]");
  let at = null;
  jump.addEventListener("click", (event) => {
    event.preventDefault();
    if (!at || !text.value.trim()) at = isoNow(); // a note begun and put aside keeps its moment
    time.dateTime = at;
    time.textContent = formatClock(clockTime(at));
    sheet.showModal();
    text.focus();
  });
  sheet.addEventListener("close", () => {
    if (sheet.returnValue === "add" && text.value.trim()) {
      const note = text.value.trim();
      text.value = "";
      sheet.dispatchEvent(new Event("input")); // its warning goes with the text
      addNote(form, at, note);
      at = null;
    }
    sheet.returnValue = "";
    jump.focus({ preventScroll: true });
  });
  warnAboutPins(sheet);
}

// A personnummer in free text: the rule of observe/privacy/pin.py (YYYYMMDD-XXXX or YYMMDD-XXXX,
// "+", space or no separator; date part and Luhn digit). No lookbehind: older iPad Safari lacks it.
const PIN = /(?:^|\D)(?:19|20)?(\d{6})[-+ ]?(\d{4})(?!\d)/g;
const FREE_TEXT = "textarea, input[type=text]:not([data-log-time])";

export function looksLikePin(text) {
  for (const [, date, last] of String(text || "").matchAll(PIN)) {
    const month = +date.slice(2, 4), day = +date.slice(4) % 60; // samordningsnummer: day + 60
    let sum = 0;
    [...date + last].forEach((digit, i) => { const v = digit * (i % 2 ? 1 : 2); sum += v > 9 ? v - 9 : v; });
    if (month >= 1 && month <= 12 && day >= 1 && day <= 31 && sum % 10 === 0) return true;
  }
  return false;
}

/** While typing, also offline: a warning in a polite live region after the field (made before it
 * is filled, so it is announced), named by the field's aria-describedby. Never a block.
 * `form` is the visit form or the note sheet. */
function warnAboutPins(form) {
  const region = (field) => {
    const id = `${field.id || field.name}-pin-warning`;
    let box = document.getElementById(id);
    if (!box) {
      box = Object.assign(document.createElement("div"), { id, className: "pin-warning" });
      box.setAttribute("aria-live", "polite");
      field.after(box);
    }
    return box;
  };
  const check = (field) => {
    const box = region(field);
    const warn = looksLikePin(field.value);
    if (warn === Boolean(box.firstChild)) return;
    const text = _("This looks like a personal identity number. Observations never need one: please remove it.");
    const note = Object.assign(document.createElement("p"), { className: "flash flash-warning", textContent: text });
    box.replaceChildren(...(warn ? [note] : []));
    const ids = (field.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== box.id);
    if (warn) ids.push(box.id);
    if (ids.length) field.setAttribute("aria-describedby", ids.join(" "));
    else field.removeAttribute("aria-describedby");
  };
  form.addEventListener("input", ({ target }) => {
    if (target === form) { // a script changed fields (a note was added)
      form.querySelectorAll(".pin-warning:not(:empty)").forEach((box) => check(box.previousElementSibling));
    } else if (target.matches(FREE_TEXT)) {
      region(target);
      clearTimeout(target.pinTimer);
      target.pinTimer = setTimeout(() => check(target), 400);
    }
  });
  const checkAll = () => form.querySelectorAll(FREE_TEXT).forEach((field) => field.value && check(field));
  checkAll(); // text the page came with
  // A draft restored from the device arrives without input events: check again once it is in.
  new MutationObserver((changes, observer) => {
    if (!form.dataset.offlineReady) return;
    observer.disconnect();
    checkAll();
  }).observe(form, { attributes: true, attributeFilter: ["data-offline-ready"] });
}

/** "Planned for …" on a visit done on another day than planned. The server drew it for its own day;
 * a page saved for offline use may be opened on another, so the device's day decides. */
function showPlannedDay(form) {
  const notice = document.querySelector("[data-planned-on]");
  if (!notice) return;
  const started = clockTime(form.elements.namedItem("started_at")?.value || "");
  const day = started || new Date();
  const pad = (n) => String(n).padStart(2, "0");
  const local = `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
  const elsewhen = local !== notice.dataset.plannedOn;
  if (notice.hidden === elsewhen) notice.hidden = !elsewhen;
  if (!form.dataset.offlineReady) { // a draft restored from the device may bring its own start time
    new MutationObserver((changes, observer) => {
      observer.disconnect();
      showPlannedDay(form);
    }).observe(form, { attributes: true, attributeFilter: ["data-offline-ready"] });
  }
}

const visitForm = document.querySelector("form.visit-form");
if (visitForm) {
  const timer = document.querySelector("[data-visit-timer]");
  if (timer) startTimer(visitForm, timer);
  enableNotes(visitForm);
  enableNoteSheet(visitForm);
  warnAboutPins(visitForm);
  showPlannedDay(visitForm);
}
