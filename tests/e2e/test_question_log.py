"""A timed log with the school's own columns (one row per question: time, kind, who answered, wait
time) on a tablet and a phone: no sideways panning, "Add row" gives a row with the same columns,
the time is stamped when a row is begun, and the rows reach the visit page."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from observe.extensions import db
from tests.pwa.e2e_support import login, observations, start_walkthrough, wait_form, wait_saved_on_device
from tests.templates_.test_timed_log_columns import QUESTIONS

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("OBSERVE_SHOTS", "/tmp/shots-grid"))
SIZES = [(1024, 768), (768, 1024), (390, 844)]
NO_PAN = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def question_school(ctx, school, principal):
    from observe.templates_.models import Template
    from observe.templates_.services import install_defaults, publish, save_draft, working_document

    install_defaults(school)
    principal.locale = "sv"
    template = db.session.query(Template).filter_by(school_id=school.id, key="walkthrough").one()
    document = working_document(template)
    document["sections"][0]["items"].insert(0, QUESTIONS)
    save_draft(template, document)
    publish(template, principal)
    db.session.commit()
    return school


def test_question_log_on_tablet_and_phone(app, live_server, page, question_school, principal):
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, base, principal)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        start_walkthrough(page, base)
        log = page.locator("#item-Q1")
        expect(log.locator("[data-log-row]")).to_have_count(3)
        assert page.evaluate(NO_PAN)
        log.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"grid-questionlog-{width}x{height}.png"))

    log = page.locator("#item-Q1")
    log.locator("select[name='a.Q1.0.kind']").select_option("open")  # beginning a row stamps its time
    expect(log.locator("input[name='a.Q1.0.time']")).not_to_have_value("")
    log.locator("select[name='a.Q1.0.who']").select_option("girl")
    log.locator("input[name='a.Q1.0.wait']").fill("4")
    log.locator("[data-add-row]").click()
    expect(log.locator("[data-log-row]")).to_have_count(4)
    log.locator("select[name='a.Q1.3.kind']").select_option("closed")
    log.locator("input[name='a.Q1.3.wait']").fill("1")
    assert page.evaluate(NO_PAN)
    # A reload puts back every row typed on the device, also those added with "Add row".
    log.locator("[data-add-row]").click()
    log.locator("select[name='a.Q1.4.who']").select_option("chorus")
    wait_saved_on_device(page)
    page.reload()
    wait_form(page)
    log = page.locator("#item-Q1")
    expect(log.locator("[data-log-row]")).to_have_count(5)
    expect(log.locator("select[name='a.Q1.4.who']")).to_have_value("chorus")
    expect(log.locator("input[name='a.Q1.3.wait']")).to_have_value("1")
    log.locator("select[name='a.Q1.4.who']").select_option("")
    log.locator("input[name='a.Q1.4.time']").fill("")
    wait_saved_on_device(page)
    visit_uuid = page.input_value("input[name=visit_uuid]")
    page.click("button[value=finish]")
    page.wait_for_url(f"{base}/visits/{visit_uuid}")
    [saved] = [o for o in observations(app) if o.status == "complete"]
    rows = saved.answers["Q1"]["value"]
    assert [(r["kind"], r.get("who"), r["wait"]) for r in rows] == [("open", "girl", 4), ("closed", None, 1)]
    assert all(len(r["time"]) == 5 for r in rows)
    assert " · Öppen · Flicka · 4" in page.inner_text("main")
