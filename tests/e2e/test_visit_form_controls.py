"""The observation form's tally counters and timed log are usable by touch: −/+ buttons and
"Add row" (static/js/form-engine.js, fetched by app.js only where a form has such items)."""
from __future__ import annotations

import pytest

from tests.pwa.e2e_support import (login, observations, observer, planned_visit_on,  # noqa: F401
                                   wait_form, wait_saved_on_device, wait_state, walkthrough_school)

pytestmark = pytest.mark.e2e


@pytest.fixture
def planned_visit(ctx, walkthrough_school, observer, teacher):
    """A planned visit on the shipped planned-visit template (it has two counters)."""
    return planned_visit_on(walkthrough_school, observer, teacher, "planned")


def test_counter_steps_by_touch_are_kept_on_the_device_and_saved(app, live_server, page, observer, planned_visit):
    base = live_server.url
    login(page, base, observer)
    page.goto(f"{base}/visits/{planned_visit.uuid}/observe")
    wait_form(page)
    plus = page.get_by_role("button", name="Plus one: Number of different students who spoke")
    minus = page.get_by_role("button", name="Minus one: Number of different students who spoke")
    for _ in range(3):
        plus.click()
    minus.click()
    counter = page.locator("input[name='a.D4']")
    assert counter.input_value() == "2"
    wait_saved_on_device(page)

    page.reload()  # the taps were kept on the device like typing
    wait_form(page)
    assert page.locator("input[name='a.D4']").input_value() == "2"
    assert page.get_by_role("button", name="Plus one: Number of different students who spoke").count() == 1

    page.get_by_role("button", name="Save", exact=True).click()
    wait_state(page, "synced")
    [saved] = observations(app)
    assert saved.answers["D4"]["value"] == 2


def test_the_walkthrough_form_does_not_fetch_the_form_engine(live_server, page, observer):
    """The walkthrough has no counters or logs: no extra request on the page with the weight budget."""
    base = live_server.url
    login(page, base, observer)
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(f"{base}/visits/new/spontaneous?teacher=anonymous")
    wait_form(page)
    assert not [url for url in fetched if "form-engine.js" in url]
