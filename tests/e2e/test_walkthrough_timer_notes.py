"""A principal starts a walkthrough from home in two taps, watches the timer, adds two
timestamped notes without a page load, finishes in one tap and reads the notes back.

JavaScript is on: the notes go through static/js/visits.js and the offline client's
autosave (the no-JS path is tests/e2e/test_spontaneous_visit.py).
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from observe.extensions import db
from observe.visits.models import Observation
from tests.pwa.e2e_support import login, wait_form, wait_saved_on_device, walkthrough_school  # noqa: F401

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/shots-L")
TIMEOUT = 20_000
NOTES = ("Målet står på tavlan.", "Eleverna förklarar för varandra i par.")


def shoot(page, name: str):
    SHOTS.mkdir(exist_ok=True)
    for width, height in ((1024, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{width}x{height}.png"), full_page=True)
    page.set_viewport_size({"width": 1024, "height": 768})


def test_walkthrough_with_timer_and_notes_from_home(app, live_server, page, walkthrough_school, principal, teacher):
    base = live_server.url
    page.set_default_timeout(TIMEOUT)
    page.set_viewport_size({"width": 1024, "height": 768})
    login(page, base, principal)

    page.click("a.home-start")  # tap 1
    page.click(f"button.picker-choice[value='{teacher.id}']")  # tap 2
    page.wait_for_url(re.compile(r"/visits/new/spontaneous\?"))
    wait_form(page)
    assert "Lars Lärare" in page.inner_text("h1")

    clock = page.locator("[data-timer-clock]")
    assert clock.is_visible()
    assert clock.get_attribute("aria-live") == "off"
    assert re.fullmatch(r"\d+:\d\d", clock.inner_text())
    # The clock follows started_at, e.g. when a draft begun twelve minutes ago is restored.
    twelve_ago = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
    page.eval_on_selector("input[name=started_at]", "(input, value) => { input.value = value; }", twelve_ago)
    expect(clock).to_have_text(re.compile(r"^12:\d\d$"))

    page.evaluate("window.samePage = true")  # gone if "Add note" loaded a page
    for text in NOTES:
        page.fill("#note", text)
        page.click("button[data-add-note]")
    wait_saved_on_device(page)
    assert page.evaluate("window.samePage") is True
    rows = page.locator("[data-note-list] li")
    assert rows.count() == 2
    for index, text in enumerate(NOTES):
        assert re.fullmatch(rf"\d\d[:.]\d\d\s+{re.escape(text)}", rows.nth(index).inner_text().strip())
    assert page.input_value("#note") == ""
    assert "Note added at" in page.inner_text("[data-note-status]")
    shoot(page, "walkthrough-form")

    page.reload()  # the draft comes back from the device with its notes and its start time
    wait_form(page)
    assert page.locator("[data-note-list] li").count() == 2
    expect(clock).to_have_text(re.compile(r"^12:\d\d$"))

    page.click("button[value=finish]")  # one tap
    page.wait_for_url(re.compile(r"/visits/[0-9a-f-]{36}$"))
    notes = page.locator("main .note-list li")
    assert notes.count() == 2
    body = page.inner_text("main")
    for text in NOTES:
        assert text in body
    shoot(page, "walkthrough-visit")

    with app.app_context():
        [saved] = db.session.scalars(select(Observation)).all()
        assert saved.status == "complete" and saved.visit.ended_at is not None
        assert [n["text"] for n in saved.notes] == list(NOTES)
        started = saved.visit.started_at.replace(tzinfo=dt.timezone.utc) if saved.visit.started_at.tzinfo is None \
            else saved.visit.started_at
        assert (saved.visit.ended_at.replace(tzinfo=started.tzinfo) - started) >= dt.timedelta(minutes=12)
