"""Capture on a tablet (issue 15): the state line says nothing before anything is typed, and a finish
the server refuses leaves the observer at the field to correct, its message beside it."""
from __future__ import annotations

import pytest

from tests.pwa.e2e_support import (TIMEOUT, login, observer, start_walkthrough, type_into,  # noqa: F401
                                   walkthrough_school)

pytestmark = pytest.mark.e2e


def test_no_not_saved_yet_before_anything_is_typed(live_server, page, observer):
    login(page, live_server.url, observer)
    start_walkthrough(page, live_server.url)
    assert page.inner_text(".record-state").strip() == ""
    assert not page.get_by_text("Not saved yet", exact=False).count()
    assert not page.get_by_text("Inte sparat", exact=False).count()
    type_into(page, "textarea[name='a.W9']", "Läraren frågar: varför?")
    assert page.inner_text(".record-state").strip() != ""  # now there is something to say about it


# The default context is an iPad in landscape (1024x768): the finish button is screens below the field.
def test_a_refused_finish_moves_to_the_field_and_says_why_there(app, live_server, page, observer):
    login(page, live_server.url, observer)
    start_walkthrough(page, live_server.url)
    page.fill("input[name='a.W3.y']", "24")
    page.fill("input[name='a.W3.x']", "30")  # 30 of 24 students: the server refuses
    page.locator("button[value=finish]").scroll_into_view_if_needed()
    page.click("button[value=finish]")
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'a.W3.x'", timeout=TIMEOUT)
    field = page.locator("input[name='a.W3.x']")
    assert field.get_attribute("aria-invalid") == "true"
    message = page.locator("#item-W3 [data-offline-error='a.W3.x']")
    assert "24" in message.inner_text()
    assert message.get_attribute("id") in (field.get_attribute("aria-describedby") or "").split()
    # The field and its message are on the screen, not only the line at the top.
    assert page.evaluate("""() => {
        const r = document.querySelector("#item-W3 [data-offline-error]").getBoundingClientRect();
        return r.top >= 0 && r.bottom <= innerHeight; }""")
    assert "/visits/new" in page.url  # still on the form, nothing lost
    assert field.input_value() == "30"
