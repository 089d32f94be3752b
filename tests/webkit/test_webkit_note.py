"""The one-tap note in Safari's engine (WebKitGTK), offline: the Note button opens the note sheet
(<dialog>), the note lands in the list with its time and stays on the device across a reload."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from .support import value_of, walkthrough_offline, wait_for, wait_form, wait_saved_on_device

pytestmark = pytest.mark.webkit

NOTE = "Eleverna jämför sina svar i par."


def test_the_note_button_opens_the_note_sheet_offline(network, webkit, observer):
    browser = walkthrough_offline(webkit, network, observer)  # the form from the device
    browser.find_element(By.CSS_SELECTOR, "[data-note-jump]").click()
    wait_for(browser, "dialog[data-note-sheet][open]")
    field = browser.switch_to.active_element
    assert field.get_attribute("id") == "note-sheet-text"
    field.send_keys(NOTE)
    browser.find_element(By.CSS_SELECTOR, "[data-note-sheet] button[value=add]").click()
    wait_for(browser, "[data-note-list] li input[name=note_text]")
    wait_saved_on_device(browser)
    assert value_of(browser, "[data-note-list] li input[name=note_text]") == NOTE
    assert not browser.find_elements(By.CSS_SELECTOR, "dialog[data-note-sheet][open]")

    browser.refresh()  # still offline: the draft comes back from the device with its note
    wait_form(browser)
    wait_for(browser, "[data-note-list] li input[name=note_text]")
    assert value_of(browser, "[data-note-list] li input[name=note_text]") == NOTE
