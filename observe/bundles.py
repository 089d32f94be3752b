"""One script for a signed-in page instead of ten: the ES modules bundled by the server (issue 19).

A signed-in page runs `shell.js` and `app.js`, which import the offline client (i18n, store,
sync, outbox, status) and, when the page needs them, the offline form, the feedback form and
the logout purge: up to eleven modules, one HTTP request each. `bundle()` joins that import
graph into one module, built from the files in static/js at the first request and again
whenever one of them changes (no Node, no build step, nothing checked in):

- each module's body becomes a function run at most once, on its first import, so the
  graph keeps ES semantics: one instance per module (one IndexedDB connection, one outbox),
  dependencies run before the module that imports them, a module only imported with
  `import()` runs only when that happens (`shell.js` loads the purge only after a logout);
- `import { a, b as c } from './x.js'` becomes `const { a, b: c } = __m("x.js")`, each
  `export` declaration a plain one plus an entry in the module's exports, `import('./x.js')`
  `Promise.resolve().then(() => __m("x.js"))`.
- Modules named in EXTERNAL stay files of their own, imported by URL as before: `form-engine.js`
  is also imported by `designer.js`, a page's own script outside the bundle, and must stay a
  single instance there (it enhances the form once).

Pages without a signed-in user (login, the page after a logout) load `shell.js` itself and
none of the offline client. The service worker precaches the bundle with the static files
(observe/pwa/services.py), so an offline reload runs the same code as an online one.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

# Bundle name -> entry modules, run in this order (as their <script type="module"> tags were). A page
# loads exactly one (templates/base.html, `{% block bundle %}`), so each module runs once per page.
BUNDLES = {
    "app": ("shell.js", "app.js"),  # every signed-in page
    "visits": ("shell.js", "app.js", "visits.js"),  # the visit pages: their clock, notes, the teacher filter
}
EXTERNAL = frozenset({"form-engine.js"})

_IMPORT = re.compile(r"^import\s*\{([^}]*)\}\s*from\s*['\"]\./([\w.-]+\.js)['\"];?[ \t]*$", re.M)
_ANY_IMPORT = re.compile(r"^import\b(?!\s*\()", re.M)
_DYNAMIC = re.compile(r"\bimport\(\s*['\"]\./([\w.-]+\.js)['\"]\s*\)")
_EXPORT = re.compile(r"^export\s+(async\s+function\*?|function\*?|class|const|let|var)\s+([A-Za-z_$][\w$]*)", re.M)
_EXPORT_DEFAULT = re.compile(r"^export\s+default\s+", re.M)
_ANY_EXPORT = re.compile(r"^export\b", re.M)


class BundleError(ValueError):
    """A module uses a form of import/export the bundler does not rewrite."""


@dataclass(frozen=True)
class Bundle:
    name: str
    source: bytes
    digest: str  # short hash of `source`: the ?v= of its URL
    modules: tuple[str, ...]  # the files it contains, in the order written


_cache: dict[tuple[str, str], tuple[tuple, Bundle]] = {}  # (folder, name): (files' signature, bundle)


def _rewrite(name: str, text: str) -> tuple[str, list[str], list[str]]:
    """The module's body as a function body; the modules it imports statically and dynamically."""
    static: list[str] = []
    dynamic: list[str] = []

    def imported(match: re.Match) -> str:
        target = match.group(2)
        if target in EXTERNAL:
            raise BundleError(f"{name}: static import of {target}, which stays outside the bundle")
        static.append(target)
        names = []
        for part in match.group(1).split(","):
            part = part.strip()
            if not part:
                continue
            original, _, alias = (p.strip() for p in part.partition(" as "))
            names.append(f"{original}: {alias}" if alias else original)
        return f"const {{ {', '.join(names)} }} = __m({target!r});"

    text = _IMPORT.sub(imported, text)
    leftover = _ANY_IMPORT.search(text)
    if leftover:
        line = text[leftover.start():].splitlines()[0]
        raise BundleError(f"{name}: an import the bundler does not rewrite: {line}")

    def dynamic_import(match: re.Match) -> str:
        target = match.group(1)
        if target in EXTERNAL:
            return match.group(0)  # fetched by URL, relative to the bundle's URL (the same folder)
        dynamic.append(target)
        return f"Promise.resolve().then(() => __m({target!r}))"

    text = _DYNAMIC.sub(dynamic_import, text)
    exports = [m.group(2) for m in _EXPORT.finditer(text)]
    text = _EXPORT.sub(lambda m: f"{m.group(1)} {m.group(2)}", text)
    if _EXPORT_DEFAULT.search(text):
        text = _EXPORT_DEFAULT.sub("const __default = ", text, count=1)
        exports.append("default: __default")
    if _ANY_EXPORT.search(text):
        raise BundleError(f"{name}: an export the bundler does not rewrite")
    body = f"{text.rstrip()}\nreturn {{ {', '.join(exports)} }};"
    return body, static, dynamic


def _sources(folder: Path, entries: tuple[str, ...]) -> dict[str, str]:
    """Every module reachable from `entries` (static and dynamic imports), outside EXTERNAL."""
    found: dict[str, str] = {}
    todo = list(entries)
    while todo:
        name = todo.pop(0)
        if name in found:
            continue
        text = (folder / name).read_text(encoding="utf-8")
        found[name] = text
        todo += [m.group(2) for m in _IMPORT.finditer(text) if m.group(2) not in EXTERNAL]
        todo += [m.group(1) for m in _DYNAMIC.finditer(text) if m.group(1) not in EXTERNAL]
    return found


def build(folder: Path, name: str, entries: tuple[str, ...]) -> Bundle:
    sources = _sources(folder, entries)
    parts = [f"// Observe: the bundle {name!r}, generated by observe/bundles.py from static/js "
             f"({', '.join(sorted(sources))}). Edit those files, not this.",
             "const __defs = {}, __done = {};",
             "function __m(name) {",
             "  if (!(name in __done)) { __done[name] = null; __done[name] = Object.freeze(__defs[name]()); }",
             "  if (__done[name] === null) throw new Error(`import cycle through ${name}`);",
             "  return __done[name];",
             "}"]
    for module in sorted(sources):
        body, _static, _dynamic = _rewrite(module, sources[module])
        parts.append(f"// ---- {module}\n__defs[{module!r}] = () => {{\n{body}\n}};")
    # Each entry on its own, as separate <script type="module"> tags were: one failing
    # must not keep the next from running.
    for entry in entries:
        parts.append(f"try {{ __m({entry!r}); }} catch (error) {{ console.error(error); }}")
    source = ("\n".join(parts) + "\n").encode("utf-8")
    return Bundle(name=name, source=source, digest=hashlib.sha256(source).hexdigest()[:12],
                  modules=tuple(sorted(sources)))


def bundle(static_folder: str, name: str) -> Bundle:
    """The bundle `name`, rebuilt when any file in static/js changed (size or mtime)."""
    folder = Path(static_folder) / "js"
    signature = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.js")))
    cached = _cache.get((str(folder), name))
    if cached and cached[0] == signature:
        return cached[1]
    result = build(folder, name, BUNDLES[name])
    _cache[(str(folder), name)] = (signature, result)
    return result
