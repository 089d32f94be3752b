"""A note that has waited on the device for more than a day cannot be missed (issue 20, item 5):
the status bar turns red and says how long, without moving the page."""
from __future__ import annotations

import pytest

from tests.pwa.e2e_support import (Network, login, observations, observer, start_walkthrough,  # noqa: F401
                                   type_into, wait_state, walkthrough_school)

pytestmark = pytest.mark.e2e


def test_a_note_waiting_more_than_a_day_turns_the_status_bar_red(live_server, context, page, observer, app):
    base = live_server.url
    page.clock.install()  # the page's clock, moved on below (from the real now: no fixed date)
    login(page, base, observer)
    start_walkthrough(page, base)
    network = Network(context)
    network.off()
    type_into(page, "textarea[name='a.W9']", "Skrivet offline, aldrig skickat.")
    wait_state(page, "offline")
    bar = page.locator("#sync-status")
    top_before = page.locator("textarea[name='a.W9']").bounding_box()["y"]

    page.clock.fast_forward("23:00:00")
    page.wait_for_timeout(100)
    assert bar.get_attribute("data-state") != "overdue"  # not yet a day
    page.clock.fast_forward("02:00:00")  # the status bar's 30-second refresh runs
    wait_state(page, "overdue")
    assert "Not on the server for 25 hours" in bar.locator("[data-sync-text]").inner_text()
    assert page.locator("textarea[name='a.W9']").bounding_box()["y"] == top_before  # nothing moved
    assert observations(app) == []
