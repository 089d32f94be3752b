"""Translations for the strings our JavaScript shows.

Scripts mark their strings with `_("...")` / `ngettext(...)` from static/js/i18n.js;
`pybabel extract` (babel.cfg) collects them with the server's strings into the same
catalogs. The server then hands each page the translations its scripts need in a
`<script type="application/json" id="i18n">` block (data, not code, so the strict CSP
allows it, and a page the service worker cached offline carries its strings along).
The service worker, which has no page, can fetch /i18n/<lang>.json instead.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from flask import Blueprint, Flask, abort, current_app, jsonify
from flask_babel import force_locale, get_translations

from . import timefmt

ROOT = Path(__file__).resolve().parent.parent
BABEL_CFG = ROOT / "babel.cfg"
SCRIPT_DIRS = ("static/js", "service_worker")

bp = Blueprint("i18n", __name__)


@lru_cache(maxsize=4)
def script_messages(root: Path = ROOT) -> tuple[str | tuple[str, str], ...]:
    """Every msgid our scripts use: a string, or (singular, plural) for ngettext.

    Read from the script files with the same extractor and mapping `pybabel extract`
    uses, once per process, so nobody has to list JS strings by hand.
    """
    with (root / BABEL_CFG.name).open() as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj)
    script_map = [(pattern, method) for pattern, method in method_map if pattern.startswith(SCRIPT_DIRS)]
    found: dict[str | tuple[str, str], None] = {}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(root), script_map, options_map):
        found[tuple(message[:2]) if isinstance(message, tuple) else message] = None
    return tuple(found)


def script_catalog(messages: tuple[str | tuple[str, str], ...] | None = None) -> dict[str, str | list[str]]:
    """The current language's translations of `script_messages()`.

    English is the source language, so strings that read the same are left out and
    the script shows its msgid. Plurals map the singular to [singular, plural]
    (both our languages have two forms: n == 1 and the rest).
    """
    translations = get_translations()
    catalog: dict[str, str | list[str]] = {}
    for message in script_messages() if messages is None else messages:
        if isinstance(message, tuple):
            singular, plural = message
            forms = [translations.ungettext(singular, plural, 1), translations.ungettext(singular, plural, 2)]
            if forms != [singular, plural]:
                catalog[singular] = forms
        else:
            text = translations.ugettext(message)
            if text != message:
                catalog[message] = text
    return catalog


@bp.route("/i18n/<lang>.json")
def catalog_json(lang: str):
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    with force_locale(lang):
        response = jsonify(script_catalog())
    response.headers["Cache-Control"] = "no-cache"  # revalidate: a deploy may bring new strings
    response.headers["Content-Language"] = lang
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    timefmt.init_app(app)  # after Flask-Babel's init_app, whose filters it replaces
    app.jinja_env.globals["script_catalog"] = script_catalog
