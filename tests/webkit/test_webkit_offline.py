"""The offline core in Safari's engine (WebKitGTK): typed offline, reload, browser closed and
reopened, back online, on the server exactly once."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.pwa.e2e_support import observations, visit_of

from .support import type_into, value_of, walkthrough_offline, wait_for, wait_form, wait_state

pytestmark = pytest.mark.webkit

EXAMPLE = "Läraren frågar: hur vet du att svaret stämmer?"
QUESTION = "Vad vill du att eleverna ska kunna förklara?"


def test_walkthrough_typed_offline_survives_reload_and_browser_restart(app, network, webkit, observer):
    browser = walkthrough_offline(webkit, network, observer)  # the form from the device
    type_into(browser, "textarea[name='a.W9']", EXAMPLE)
    uuid = value_of(browser, "form[data-offline-form] input[name=uuid]")
    assert "draft=" in browser.current_url
    draft_url = browser.current_url
    wait_state(browser, "offline")

    browser.refresh()  # still offline: the page comes from the device
    wait_form(browser)
    assert value_of(browser, "textarea[name='a.W9']") == EXAMPLE
    webkit.close(browser)

    browser = webkit.open()  # the same profile, as after closing Safari
    browser.get(draft_url)
    wait_form(browser)
    assert value_of(browser, "textarea[name='a.W9']") == EXAMPLE
    assert value_of(browser, "form[data-offline-form] input[name=uuid]") == uuid
    type_into(browser, "#reflective_question", QUESTION)
    browser.find_element(By.CSS_SELECTOR, "button[value=finish]").click()
    wait_for(browser, "form[data-offline-form] input[name=status][value=complete]")
    wait_state(browser, "offline")
    assert observations(app) == []  # nothing left the device

    network.on()
    browser.find_element(By.CSS_SELECTOR, "[data-sync-now]").click()  # WebKitGTK fires no `online` here
    wait_state(browser, "synced")
    [saved] = observations(app)
    assert str(saved.uuid) == uuid and saved.status == "complete"
    assert saved.answers["W9"]["value"] == EXAMPLE
    assert visit_of(app, saved).reflective_question == QUESTION
