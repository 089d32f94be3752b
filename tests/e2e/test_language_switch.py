"""In Chromium: Swedish by default, English after one tap, the choice kept after login
and on the next login; scripts get their strings from the page in the page's language."""
from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e
TIMEOUT = 20_000  # ms, for a loaded machine; nothing here sleeps
SWEDISH_BROWSER = {"Accept-Language": "sv-SE,sv;q=0.9"}


def log_in(page, base: str, user):
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")


def test_switching_to_english_before_logging_in(live_server, context, page, teacher):
    base = live_server.url
    context.set_extra_http_headers(SWEDISH_BROWSER)  # as a Swedish tablet would ask
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{base}/login")
    assert page.get_attribute("html", "lang") == "sv"
    assert page.inner_text("h1") == "Logga in i Observe"
    assert page.is_visible("label:has-text('Lösenord')")

    page.click("button[name=lang][value=en]")
    page.wait_for_url(f"{base}/login")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("h1") == "Log in to Observe"

    log_in(page, base, teacher)  # the device's choice survives the fresh session of a login
    assert page.get_attribute("html", "lang") == "en"
    assert page.is_visible("button:has-text('Log out')")


def test_a_signed_in_choice_follows_the_teacher_to_another_device(live_server, context, page, teacher):
    base = live_server.url
    context.set_extra_http_headers(SWEDISH_BROWSER)
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{base}/login")
    log_in(page, base, teacher)
    assert page.is_visible("button:has-text('Logga ut')")
    page.click("button[name=lang][value=en]")
    page.wait_for_url(f"{base}/")
    assert page.is_visible("button:has-text('Log out')")

    other_device = context.browser.new_context(extra_http_headers=SWEDISH_BROWSER)
    other = other_device.new_page()
    other.set_default_timeout(TIMEOUT)
    other.goto(f"{base}/login")
    assert other.get_attribute("html", "lang") == "sv"
    log_in(other, base, teacher)
    assert other.get_attribute("html", "lang") == "en"
    other_device.close()


def test_scripts_translate_from_the_page(live_server, context, page):
    context.set_extra_http_headers(SWEDISH_BROWSER)
    page.goto(f"{live_server.url}/login")
    result = page.evaluate("""async () => {
        const i18n = await import('/static/js/i18n.js');
        const catalog = JSON.parse(document.getElementById('i18n').textContent);
        const mismatched = Object.entries(catalog)
            .filter(([message, translated]) => typeof translated === 'string' && i18n._(message) !== translated);
        return {
            locale: i18n.locale,
            mismatched,
            missing: i18n._('Not in any catalog: %(n)s left', {n: 3}),
            one: i18n.ngettext('%(num)d row', '%(num)d rows', 1),
            many: i18n.ngettext('%(num)d row', '%(num)d rows', 4),
            number: i18n.formatNumber(1234.5),
            date: i18n.formatDate(new Date(Date.UTC(2026, 10, 23, 12))),
        };
    }""")
    assert result["locale"] == "sv"
    assert result["mismatched"] == []
    assert result["missing"] == "Not in any catalog: 3 left"
    assert (result["one"], result["many"]) == ("1 row", "4 rows")
    assert re.fullmatch(r"1\s234,5", result["number"])
    assert result["date"] == "23 nov. 2026"
