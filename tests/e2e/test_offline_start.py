"""Fault matrix case 1: offline from the start of a walkthrough to its end."""
from __future__ import annotations

import pytest

from tests.pwa.e2e_support import (Network, login, observations, observer, record_uuid, start_walkthrough,  # noqa: F401
                                   type_into, visit_of, wait_finished, wait_form, wait_state,
                                   walkthrough_school)

pytestmark = pytest.mark.e2e

EXAMPLE = "Läraren frågar: hur vet du att svaret stämmer?"
QUESTION = "Vad vill du att eleverna ska kunna förklara?"


def test_walkthrough_typed_offline_reaches_the_server_once(app, live_server, context, page, observer):
    base = live_server.url
    login(page, base, observer)
    network = Network(context)
    network.off()

    start_walkthrough(page, base)
    page.check("input[name='a.W1'][value=yes]")
    type_into(page, "textarea[name='a.W9']", EXAMPLE)
    uuid = record_uuid(page)
    assert "draft=" in page.url
    wait_state(page, "offline")
    assert page.get_attribute(".record-state", "data-record-state") == "local"  # "only on this device"

    page.reload()  # still offline: the page comes from the device
    wait_form(page)
    assert page.input_value("textarea[name='a.W9']") == EXAMPLE
    assert page.is_checked("input[name='a.W1'][value=yes]")
    assert record_uuid(page) == uuid
    page.close()

    page = context.new_page()  # reopen the app, still offline
    page.goto(f"{base}/")
    wait_state(page, "offline")
    page.click("#sync-status summary")
    page.click(f"[data-sync-list] a[href*='{uuid}']")
    wait_form(page)
    assert page.input_value("textarea[name='a.W9']") == EXAMPLE
    type_into(page, "#reflective_question", QUESTION)
    page.click("button[value=finish]")
    wait_finished(page)
    wait_state(page, "offline")
    assert observations(app) == []  # nothing left the device

    network.on()
    wait_state(page, "synced")
    assert page.get_attribute(".record-state", "data-record-state") == "synced"
    [saved] = observations(app)
    assert str(saved.uuid) == uuid
    assert saved.status == "complete"
    assert saved.answers["W9"]["value"] == EXAMPLE
    assert saved.answers["W1"]["value"] == "yes"
    assert visit_of(app, saved).reflective_question == QUESTION
