"""Fault matrix case 6: one invalid record among valid ones."""
from __future__ import annotations

import pytest

from tests.pwa.e2e_support import (Network, login, observations, observer, record_uuid,  # noqa: F401
                                   start_walkthrough, type_into, wait_finished, wait_form, wait_state,
                                   walkthrough_school)

pytestmark = pytest.mark.e2e


def walkthrough(page, base, example: str, on_task: str, of: str) -> str:
    start_walkthrough(page, base)
    page.fill("input[name='a.W3.y']", of)
    page.fill("input[name='a.W3.x']", on_task)
    type_into(page, "textarea[name='a.W9']", example)
    page.click("button[value=finish]")
    wait_finished(page)
    return record_uuid(page)


def test_invalid_record_waits_in_needs_attention_while_the_valid_ones_sync(app, live_server, context, page,
                                                                           observer):
    base = live_server.url
    login(page, base, observer)
    network = Network(context)
    network.off()
    first = walkthrough(page, base, "Första besöket", "18", "24")
    invalid = walkthrough(page, base, "Andra besöket", "30", "24")  # 30 of 24 students: the server refuses
    last = walkthrough(page, base, "Tredje besöket", "20", "22")
    assert len({first, invalid, last}) == 3  # the cached form got fresh uuids each time

    network.on()
    wait_state(page, "attention")
    synced = {str(o.uuid): o for o in observations(app)}
    assert set(synced) == {first, last}
    assert synced[first].answers["W9"]["value"] == "Första besöket"

    page.click("#sync-status summary")
    page.click(f"[data-sync-list] li[data-record-state=attention] a[href*='{invalid}']")
    wait_form(page)
    assert page.get_attribute(".record-state", "data-record-state") == "attention"
    assert page.get_attribute("input[name='a.W3.x']", "aria-invalid") == "true"
    assert "24" in page.inner_text("[data-offline-error='a.W3.x']")
    assert page.input_value("input[name='a.W3.x']") == "30"  # editable, nothing lost

    page.fill("input[name='a.W3.x']", "21")
    wait_state(page, "synced")
    rows = {str(o.uuid): o for o in observations(app)}
    assert set(rows) == {first, invalid, last}
    assert rows[invalid].answers["W3"]["value"] == {"x": 21, "y": 24}
    assert rows[invalid].answers["W9"]["value"] == "Andra besöket"
