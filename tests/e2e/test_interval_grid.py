"""A whole lesson's COPUS-style interval sheet (25 intervals × 26 codes, keys with "/", an engagement
level and a comment per interval) on a tablet and a phone: the page never pans sideways, the grid
scrolls inside its own box with the code column and the minute row held in place, the lesson
clock's current interval is marked and one tap on a code's name codes "now" — online and offline,
through to the visit page."""
from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from observe.extensions import db
from tests.e2e.test_a11y_axe import violations_on
from tests.pwa.e2e_support import (Network, login, observations, start_walkthrough,  # noqa: F401
                                   wait_finished, wait_saved_on_device, wait_state)
from tests.templates_.copus import COPUS

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("OBSERVE_SHOTS", "/tmp/shots-grid"))
SIZES = [(1024, 768), (768, 1024), (390, 844)]
WIDEST = """() => { let el = document.querySelector('#item-C1 table'); const out = [];
  while (el) { out.push(`${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().width)}`); el = el.parentElement; }
  return out; }"""
OVER = """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth)
  .slice(0, 8).map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""
NO_PAN = "document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def copus_school(ctx, school, principal):
    """The school's walkthrough form carries the COPUS sheet first (the form kept for offline use)."""
    from observe.templates_.models import Template
    from observe.templates_.services import install_defaults, publish, save_draft, working_document

    install_defaults(school)
    principal.locale = "sv"
    template = db.session.query(Template).filter_by(school_id=school.id, key="walkthrough").one()
    document = working_document(template)
    document["sections"][0]["items"].insert(0, COPUS)
    save_draft(template, document)
    publish(template, principal)
    db.session.commit()
    return school


def _set_lesson_start(page, minutes_ago: float):
    at = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    page.evaluate("at => { document.querySelector('input[name=started_at]').value = at; }", at)


def test_interval_grid_on_tablet_and_phone(app, live_server, context, page, copus_school, principal):
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, base, principal)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        start_walkthrough(page, base)
        grid = page.locator("#item-C1")
        expect(grid.locator("tr[data-code-row]")).to_have_count(13 + 13 + 3)
        assert page.evaluate(NO_PAN), page.evaluate(WIDEST)
        scroller = grid.locator("[data-interval-scroll]")
        assert scroller.evaluate("s => s.scrollWidth > s.clientWidth")  # the grid scrolls inside itself
        _set_lesson_start(page, 15.5)  # interval 8 of 25 (14–16 min)
        expect(grid.locator("thead th[data-col='7']")).to_have_class(re.compile("engine-now"), timeout=10_000)
        # The current column is in view beside the held code column.
        box, head = scroller.bounding_box(), grid.locator("thead th[data-col='7']").bounding_box()
        assert box["x"] <= head["x"] and head["x"] + head["width"] <= box["x"] + box["width"] + 1
        # Scrolled both ways, the code column and the minute row stay where they were.
        code = grid.locator("tr[data-code-row] th").nth(20)
        minute = grid.locator("thead th[data-col='7']")
        scroller.evaluate("s => { s.scrollLeft = 0; s.scrollTop = 0; }")
        code_x, minute_y = code.bounding_box()["x"], minute.bounding_box()["y"]
        scroller.evaluate("s => { s.scrollLeft = s.scrollWidth; s.scrollTop = 400; }")
        assert abs(code.bounding_box()["x"] - code_x) < 1
        assert abs(grid.locator("thead th").first.bounding_box()["y"] - minute_y) < 1
        assert page.evaluate(NO_PAN)
        scroller.evaluate("s => { const h = s.querySelector('thead th[data-col=\"7\"]');"
                          " s.scrollTop = 0; s.scrollLeft = h.offsetLeft - s.querySelector('thead th').offsetWidth - h.offsetWidth; }")
        page.evaluate("window.scrollTo(0, document.querySelector('#item-C1').offsetTop - 60)")
        page.screenshot(path=str(SHOTS / f"grid-{width}x{height}.png"))

    assert violations_on(page, Axe()) == []  # the grid, its code buttons, levels and comments (WCAG)

    # One tap on a code's name codes it in the current interval; "D/V" works like any key.
    grid = page.locator("#item-C1")
    grid.locator("button.engine-code-tap", has_text="Demonstration/video").click()
    expect(grid.locator("input[name='a.C1.7.teacher'][value='D/V']")).to_be_checked()
    expect(grid.locator("button.engine-code-tap", has_text="Demonstration/video")).to_have_attribute("aria-pressed", "true")
    grid.locator("button.engine-code-tap", has_text="Hög").click()
    expect(grid.locator("input[name='a.C1.7.engagement'][value='high']")).to_be_checked()
    grid.locator("input[name='a.C1.0.students'][value='T/Q']").check()
    grid.locator("input[name='a.C1.0.engagement'][value='low']").check()
    grid.locator("[data-interval-comments] summary").click()
    grid.locator("input[name='a.C1.7.comment']").fill("Film om fotosyntes")
    wait_saved_on_device(page)

    network = Network(context)
    network.off()  # the rest of the lesson without a network
    _set_lesson_start(page, 21)  # interval 11 (20–22 min)
    expect(grid.locator("thead th[data-col='10']")).to_have_class(re.compile("engine-now"), timeout=10_000)
    grid.locator("button.engine-code-tap", has_text="Medel").click()
    grid.locator("tbody").nth(1).locator("button.engine-code-tap", has_text="Prov/förhör").click()  # students' T/Q
    expect(grid.locator("input[name='a.C1.10.students'][value='T/Q']")).to_be_checked()
    page.click("button[value=finish]")
    wait_finished(page)
    network.on()
    wait_state(page, "synced")
    [saved] = observations(app)
    cells = saved.answers["C1"]["value"]
    assert len(cells) == 11
    assert cells[0] == {"teacher": [], "students": ["T/Q"], "choices": {"engagement": "low"}}
    assert cells[7] == {"teacher": ["D/V"], "students": [], "choices": {"engagement": "high"},
                        "comment": "Film om fotosyntes"}
    assert cells[10] == {"teacher": [], "students": ["T/Q"], "choices": {"engagement": "medium"}}

    visit_uuid = page.input_value("input[name=visit_uuid]")
    page.goto(f"{base}/visits/{visit_uuid}")
    body = page.inner_text("main")
    assert "Lärare – Demonstration/video: 1 av 11 intervall" in body
    assert "Hög: 1 av 11 intervall" in body
    assert "Film om fotosyntes" in body
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate(NO_PAN), page.evaluate(OVER)
        page.screenshot(path=str(SHOTS / f"grid-visit-{width}x{height}.png"), full_page=True)
