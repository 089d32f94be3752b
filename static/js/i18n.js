// Translations for the strings our scripts show.
//
// Mark every user-facing string with _() or ngettext() imported from here, written in
// English; `make messages` extracts them into the catalogs next to the server's strings.
// The server puts the current language's translations into <script type="application/json"
// id="i18n"> on every page (data, not code: allowed by our CSP), so they work offline too.
//
//   import { _, ngettext, formatDate } from "./i18n.js";
//   _("Saved on this device")
//   _("Saved %(time)s", { time: formatTime(new Date()) })
//   ngettext("%(num)d record waiting", "%(num)d records waiting", count)

function readCatalog() {
  const element = globalThis.document?.getElementById("i18n");
  if (!element) return {};
  try {
    return JSON.parse(element.textContent) || {};
  } catch {
    return {};
  }
}

const catalog = readCatalog();

/** The page's language ("sv" or "en"), as the server chose it. */
export const locale = globalThis.document?.documentElement.lang || "sv";

function interpolate(text, values) {
  if (!values) return text;
  return text.replace(/%\((\w+)\)[sd]/g, (match, name) => (name in values ? String(values[name]) : match));
}

/** Translate `message` (English source text); %(name)s placeholders are filled from `values`. */
export function _(message, values) {
  const translated = catalog[message];
  return interpolate(typeof translated === "string" ? translated : message, values);
}

/** Singular or plural by `num` (both our languages: one form for 1, another for the rest). */
export function ngettext(singular, plural, num, values) {
  const forms = Array.isArray(catalog[singular]) ? catalog[singular] : [singular, plural];
  return interpolate(num === 1 ? forms[0] : forms[1], { num, ...values });
}

/** A date in the page's language, e.g. "23 nov. 2026" / "23 Nov 2026". */
export function formatDate(date, options = { dateStyle: "medium" }) {
  return new Intl.DateTimeFormat(locale, options).format(date);
}

/** A time of day in the page's language, e.g. "09:05" / "09:05". */
export function formatTime(date, options = { timeStyle: "short" }) {
  return new Intl.DateTimeFormat(locale, options).format(date);
}

/** A number in the page's language, e.g. "1 234,5" / "1,234.5". */
export function formatNumber(number, options) {
  return new Intl.NumberFormat(locale, options).format(number);
}
