"""Swedish first, English on request: the choice order is the user's setting, then the
language chosen on this device, then the browser's; dates and numbers follow the language."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from flask import render_template_string
from flask_babel import format_date, format_datetime, format_decimal, format_percent, format_time

from observe.extensions import db
from observe.i18n import script_catalog, script_messages
from tests.conftest import PASSWORD, csrf_token, login
from tests.i18n.conftest import ROOT

HTML_LANG = re.compile(r'<html lang="(\w+)">')


def page_language(response) -> str:
    return HTML_LANG.search(response.get_data(as_text=True)).group(1)


def switch_language(client, lang: str, back_to: str = "/login"):
    return client.post("/language", data={"lang": lang, "next": back_to, "csrf_token": csrf_token(client, back_to)})


def test_swedish_is_the_default(browser_client):
    response = browser_client.get("/login")
    html = response.get_data(as_text=True)
    assert page_language(response) == "sv"
    assert "Logga in i Observe" in html and "Lösenord" in html
    assert "Log in to Observe" not in html


def test_error_pages_are_swedish_by_default(browser_client):
    assert "Vi hittade inte sidan." in browser_client.get("/no-such-page").get_data(as_text=True)
    body = browser_client.get("/api/v1/no-such-thing").get_json()
    assert body["message"] == "Vi hittade inte sidan."


@pytest.mark.parametrize(("accept", "expected"), [
    ("en", "en"), ("en-GB,en;q=0.9", "en"), ("de-DE,de;q=0.9,en;q=0.5", "en"),
    ("sv-SE,sv;q=0.9,en;q=0.8", "sv"), ("fr-FR", "sv"), ("fi,sv;q=0.5", "sv"),
])
def test_browser_language_is_followed_when_nothing_was_chosen(browser_client, accept, expected):
    response = browser_client.get("/login", headers={"Accept-Language": accept})
    assert page_language(response) == expected


def test_english_page_reads_english(browser_client):
    html = browser_client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Log in to Observe" in html and "Password" in html and "Lösenord" not in html


def test_the_switch_changes_the_language_on_this_device(browser_client):
    response = switch_language(browser_client, "en")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    # The choice beats the browser's own preference.
    assert page_language(browser_client.get("/login", headers={"Accept-Language": "sv"})) == "en"
    switch_language(browser_client, "sv")
    assert page_language(browser_client.get("/login", headers={"Accept-Language": "en"})) == "sv"


def test_the_switch_offers_the_other_language(browser_client):
    html = browser_client.get("/login").get_data(as_text=True)
    assert '<button type="submit" name="lang" value="en" lang="en">English</button>' in html
    switch_language(browser_client, "en")
    html = browser_client.get("/login").get_data(as_text=True)
    assert '<button type="submit" name="lang" value="sv" lang="sv">Svenska</button>' in html


def test_unknown_language_is_refused(browser_client):
    assert switch_language(browser_client, "de").status_code == 400
    assert page_language(browser_client.get("/login")) == "sv"


def test_signed_in_choice_follows_the_user_to_another_device(i18n_app, browser_client, teacher):
    assert login(browser_client, teacher).status_code == 302
    assert page_language(browser_client.get("/")) == "sv"
    switch_language(browser_client, "en", back_to="/")
    assert page_language(browser_client.get("/")) == "en"

    other_device = i18n_app.test_client()
    other_device.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv-SE"
    assert login(other_device, teacher, PASSWORD).status_code == 302
    html = other_device.get("/").get_data(as_text=True)
    assert page_language(other_device.get("/")) == "en"
    assert "Log out" in html


def test_user_setting_beats_the_browser(browser_client, make_user):
    user = make_user()
    user.locale = "en"
    db.session.commit()
    login(browser_client, user)
    assert page_language(browser_client.get("/", headers={"Accept-Language": "sv"})) == "en"


# --- dates, times and numbers -------------------------------------------------------------------

MOMENT = dt.datetime(2026, 11, 23, 8, 5, tzinfo=dt.timezone.utc)  # 09:05 in Stockholm


@pytest.mark.parametrize(("lang", "date", "time", "number", "percent"), [
    ("sv", "23 nov. 2026", "09:05", "1\xa0234,5", "42\xa0%"),
    ("en", "Nov 23, 2026", "9:05\u202fAM", "1,234.5", "42%"),
])
def test_dates_times_and_numbers_follow_the_language(i18n_app, lang, date, time, number, percent):
    with i18n_app.test_request_context("/", headers={"Accept-Language": lang}):
        assert format_date(MOMENT) == date
        assert format_time(MOMENT, "short") == time  # shown in Stockholm time, not UTC
        assert format_decimal(1234.5) == number
        assert format_percent(0.42) == percent


def test_templates_have_the_format_filters(i18n_app):
    with i18n_app.test_request_context("/", headers={"Accept-Language": "sv"}):
        rendered = render_template_string("{{ m|dateformat('long') }}|{{ m|timeformat('short') }}|{{ n|decimalformat }}",
                                          m=MOMENT, n=0.5)
    assert rendered == "23 november 2026|09:05|0,5"


# --- strings shown by JavaScript ----------------------------------------------------------------

@pytest.fixture
def script_tree(tmp_path) -> Path:
    """A project tree with one script using the markers of static/js/i18n.js."""
    (tmp_path / "babel.cfg").write_text((ROOT / "babel.cfg").read_text())
    js = tmp_path / "static" / "js"
    js.mkdir(parents=True)
    (js / "x.js").write_text(
        'import { _, ngettext } from "./i18n.js";\n'
        'export const a = _("Save"), b = _("A string only English has");\n'
        'export const c = (n) => ngettext("%(num)d row", "%(num)d rows", n);\n'
        'export const d = `${_("Sync now")}`;\n')
    return tmp_path


def test_script_strings_are_found_in_the_scripts(script_tree):
    assert script_messages(script_tree) == (
        "Save", "A string only English has", ("%(num)d row", "%(num)d rows"), "Sync now")


def test_script_catalog_carries_the_translations_of_script_strings(i18n_app, script_tree):
    with i18n_app.test_request_context("/", headers={"Accept-Language": "sv"}):
        catalog = script_catalog(script_messages(script_tree))
    assert catalog == {"Save": "Spara", "Sync now": "Synkronisera nu"}  # untranslated ones fall back in JS
    with i18n_app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert script_catalog(script_messages(script_tree)) == {}


def test_every_page_carries_the_script_catalog_as_data(browser_client):
    html = browser_client.get("/login").get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="i18n">(.*?)</script>', html, re.S)
    assert block, "the JSON block is missing from base.html"
    catalog = json.loads(block.group(1))
    assert isinstance(catalog, dict)
    for message, translation in catalog.items():
        assert translation and translation != message


def test_script_catalog_endpoint_for_the_service_worker(browser_client):
    for lang in ("sv", "en"):
        response = browser_client.get(f"/i18n/{lang}.json")
        assert response.status_code == 200 and isinstance(response.get_json(), dict)
        assert response.headers["Content-Language"] == lang
    assert browser_client.get("/i18n/de.json").status_code == 404
