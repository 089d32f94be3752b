"""While the observer types, even offline, free text that looks like a Swedish personal
identity number gets an inline, announced warning next to the field (static/js/visits.js);
a number that fails the check digit does not. The server's warning after saving is
tests/privacy/test_pin.py, whose examples the browser rule must agree with.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.pwa.e2e_support import Network, login, start_walkthrough, walkthrough_school  # noqa: F401

pytestmark = pytest.mark.e2e
TIMEOUT = 20_000
EVIDENCE = "textarea[name$='.evidence']"
WARNING = "This looks like a personal identity number"

# The same examples as tests/privacy/test_pin.py (the server's rule).
PINS = ["Eleven 20120315-1236 behövde stöd", "120315-1236", "121212+1212", "201203151236",
        "Samordningsnr 120375-1233"]
LOOK_ALIKES = ["20120315-1234", "121345-1234", "Ring 070-123 45 67", "12 av 28 elever räckte upp handen",
               "Lektion 2026-11-23 kl 09.40", ""]


def test_the_browser_rule_agrees_with_the_server(app, live_server, page, walkthrough_school, principal):
    page.set_default_timeout(TIMEOUT)
    login(page, live_server.url, principal)
    start_walkthrough(page, live_server.url)
    # The page runs visits.js inside its bundle (observe/bundles.py); the source module is imported
    # on a page without a form, so its start-up code finds nothing to do and nothing runs twice.
    page.goto(f"{live_server.url}/healthz")
    verdicts = page.evaluate("""async (texts) => {
        const { looksLikePin } = await import('/static/js/visits.js');
        return texts.map(looksLikePin);
    }""", PINS + LOOK_ALIKES)
    assert verdicts == [True] * len(PINS) + [False] * len(LOOK_ALIKES)


def test_typing_a_personal_identity_number_offline_warns_next_to_the_field(
        app, live_server, page, context, walkthrough_school, principal):
    page.set_default_timeout(TIMEOUT)
    page.set_viewport_size({"width": 1024, "height": 768})
    login(page, live_server.url, principal)
    start_walkthrough(page, live_server.url)
    Network(context).off()  # the server cannot help: the check runs on the device

    field = page.locator(EVIDENCE).first
    field.press_sequentially("Eleven 120315-1236 svarade")
    region = page.locator(f"[id='{field.get_attribute('id')}-pin-warning']")
    expect(region).to_contain_text(WARNING)
    assert region.get_attribute("aria-live") == "polite"
    assert region.get_attribute("id") in (field.get_attribute("aria-describedby") or "").split()
    assert page.locator("main").get_by_text(WARNING).count() == 1  # next to this field only

    field.fill("")
    field.press_sequentially("Eleven 120315-1234 svarade")  # fails the check digit
    expect(region).to_be_empty()
    assert region.get_attribute("id") not in (field.get_attribute("aria-describedby") or "").split()

    note = page.locator("#note")  # the quick note: free text as well
    note.press_sequentially("121212+1212")
    expect(page.locator("[id='note-pin-warning']")).to_contain_text(WARNING)
    page.click("button[data-add-note]")  # the note leaves the field, so does the warning
    expect(page.locator("[id='note-pin-warning']")).to_be_empty()


def test_a_draft_restored_from_the_device_is_checked_too(app, live_server, page, context, walkthrough_school,
                                                          principal):
    """Restoring a draft fires no input event: the warning must still be there after a reload."""
    from tests.pwa.e2e_support import type_into, wait_form

    page.set_default_timeout(TIMEOUT)
    login(page, live_server.url, principal)
    start_walkthrough(page, live_server.url)
    Network(context).off()
    field = page.locator(EVIDENCE).first
    name = field.get_attribute("name")
    type_into(page, f"textarea[name='{name}']", "Eleven 120315-1236 svarade")
    page.reload()
    wait_form(page)
    restored = page.locator(f"textarea[name='{name}']")
    assert restored.input_value() == "Eleven 120315-1236 svarade"
    expect(page.locator(f"[id='{restored.get_attribute('id')}-pin-warning']")).to_contain_text(WARNING)
