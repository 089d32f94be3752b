"""Capture on a tablet (issue 15): a timestamped note is one tap from anywhere on the walkthrough form,
and the form starts in the first screen (a one-line header, no install invitation on forms)."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.pwa.e2e_support import (log_in_through_the_form, login, observer, open_device,  # noqa: F401
                                   wait_form, wait_saved_on_device, wait_state, walkthrough_school)

pytestmark = pytest.mark.e2e

IN_VIEW = """(el) => { const r = el.getBoundingClientRect();
  return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth; }"""


@pytest.fixture
def device(open_device):
    """A touch device of the given size; pages in English, the browser in Swedish."""
    return lambda width, height, **options: open_device(
        {"width": width, "height": height}, has_touch=True, extra_http_headers={"Accept-Language": "en"}, **options)


@pytest.mark.parametrize("width,height", [(1024, 768), (390, 844)], ids=["1024x768", "390x844"])
def test_a_note_is_one_tap_from_anywhere_on_the_form(live_server, device, observer, teacher, width, height):
    page = device(width, height, is_mobile=width < 600)
    login(page, live_server.url, observer)
    page.goto(f"{live_server.url}/visits/new/spontaneous?teacher={teacher.id}")
    wait_form(page)
    page.evaluate("window.samePage = true")
    for where in ("[data-item]", "button[value=finish]"):  # the first item, then the very end of the form
        page.locator(where).first.scroll_into_view_if_needed()
        scrolled = page.evaluate("scrollY")
        button = page.locator("[data-note-jump]")
        assert page.eval_on_selector("[data-note-jump]", IN_VIEW), f"the Note button is on the screen at {where}"
        before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        button.tap()  # one tap
        field = page.locator("[data-note-sheet-text]")
        assert page.evaluate("document.activeElement.matches('[data-note-sheet-text]')")
        assert page.eval_on_selector("[data-note-sheet-text]", IN_VIEW)
        field.fill(f"Eleverna diskuterar i par ({where}).")
        page.locator("[data-note-sheet] button[value=add]").tap()
        wait_saved_on_device(page)
        assert page.locator("[data-note-sheet]").is_hidden()
        assert page.evaluate("scrollY") == scrolled, "the observer stays where they were"
    rows = page.locator("[data-note-list] li")
    assert rows.count() == 2 and "(button[value=finish])" in rows.nth(1).inner_text()
    at = dt.datetime.fromisoformat(rows.nth(1).locator("time").get_attribute("datetime").replace("Z", "+00:00"))
    assert before <= at <= dt.datetime.now(dt.timezone.utc)  # stamped with the time of the tap
    assert re.search(r"\d\d[:.]\d\d", page.inner_text("[data-note-status]"))
    assert page.evaluate("window.samePage") is True
    page.reload()  # on the device, like any other change to the form
    wait_form(page)
    assert page.locator("[data-note-list] li").count() == 2
    wait_state(page, "synced")  # and on the server: no upload still under way when the test ends


def test_without_javascript_the_note_button_leads_to_the_note_field(live_server, device, observer, teacher):
    page = device(1024, 768, java_script_enabled=False)
    log_in_through_the_form(page, live_server.url, observer)
    page.goto(f"{live_server.url}/visits/new/spontaneous?teacher={teacher.id}")
    assert not page.eval_on_selector("#note", IN_VIEW)
    page.locator("[data-note-jump]").tap()
    page.wait_for_url(re.compile(r"#notes$"))
    assert page.eval_on_selector("#note", IN_VIEW)


@pytest.mark.parametrize("width,height", [(1024, 768), (768, 1024)], ids=["1024x768", "768x1024"])
def test_on_a_touch_tablet_the_form_starts_in_the_first_screen(live_server, device, observer, teacher,
                                                              width, height):
    page = device(width, height, is_mobile=True)
    login(page, live_server.url, observer)
    page.locator("[data-install-invite]").wait_for(state="visible")  # the home page invites to install
    page.goto(f"{live_server.url}/visits/new/spontaneous?teacher={teacher.id}")
    wait_form(page)
    page.wait_for_load_state("load")
    assert page.locator("[data-install-invite]").count() == 0, "no install invitation on a form"
    assert page.locator("header.topbar").bounding_box()["height"] < 80, "a one-line header"
    assert not page.locator("nav.mainnav").is_visible()
    assert page.eval_on_selector("form.visit-form input:not([type=hidden]), form.visit-form select", IN_VIEW)
    # The whole menu is one tap away, over the page.
    page.locator("[data-navmenu] > summary").tap()
    links = page.locator("nav.mainnav a")
    assert links.count() >= 5 and all(links.nth(i).is_visible() for i in range(links.count()))



def test_a_planned_visit_started_days_late_says_so_on_the_form(app, live_server, device, walkthrough_school,
                                                               observer, teacher):
    """The server draws "planned for …"; visits.js checks it against the device's day (a page saved for
    offline use may be opened on another day) and, with the clocks agreeing, keeps it."""
    from observe.extensions import db
    from observe.templates_.services import latest_version_for
    from observe.visits.models import Visit

    with app.app_context():
        version = latest_version_for(walkthrough_school, "planned")
        visit = Visit(school_id=walkthrough_school.id, kind="planned", status="planned", observer_id=observer.id,
                      teacher_id=teacher.id, template_version_id=version.id, focus_item_keys=[], preconference={},
                      scheduled_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2))
        db.session.add(visit)
        db.session.commit()
        path = f"/visits/{visit.uuid}/observe"
    page = device(1024, 768)
    login(page, live_server.url, observer)
    page.goto(live_server.url + path)
    wait_form(page)
    page.wait_for_load_state("load")
    notice = page.locator("[data-planned-on]")
    assert notice.is_visible() and "This visit was planned for" in notice.inner_text()
    assert notice.bounding_box()["y"] < 768  # in the first screen, above the form
