"""A principal starts a walkthrough from the home page in Chromium, fills it in, finishes, and reads it back.

JavaScript is off here: this is the HTML-first path (plain form post, post/redirect/get)
every page must keep working on. The JavaScript path (autosave, outbox, sync) is
covered by the offline client's tests in tests/e2e/test_offline_*.py.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from observe.extensions import db
from observe.visits.models import Observation
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/shots-visits")
TIMEOUT = 20_000  # ms, for a loaded machine; nothing here sleeps


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "java_script_enabled": False}


@pytest.fixture
def walkthrough_school(ctx, school):
    from observe.templates_.services import install_defaults

    install_defaults(school)
    db.session.commit()
    return school


def test_principal_saves_a_spontaneous_visit_from_home(app, live_server, page, walkthrough_school, principal,
                                                       teacher):
    base = live_server.url
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{base}/login")
    page.fill("#email", principal.email)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")

    page.click("a.home-start")  # tap 1
    page.wait_for_url(f"{base}/visits/new")
    page.fill("#subject", "Matematik")
    page.click(f"button.picker-choice[value='{teacher.id}']")  # tap 2
    page.wait_for_url(re.compile(r"/visits/new/spontaneous\?"))
    assert "Lars Lärare" in page.inner_text("h1")

    page.check("input[name='a.W1'][value=yes]")
    page.fill("input[name='a.W3.x']", "19")
    page.fill("input[name='a.W3.y']", "23")
    page.check("input[name='a.W4'][value=pair_group]")
    page.fill("textarea[name='a.W9']", "Elev: ”Jag delade upp talet i tiotal och ental.”")
    page.fill("textarea[name=note]", "Tydlig start med målet på tavlan.")
    page.click("button[value=finish]")

    page.wait_for_url(re.compile(r"/visits/[0-9a-f-]{36}$"))
    body = page.inner_text("main")
    for text in ("Lars Lärare", "Matematik", "19", "23", "Par-/grupparbete", "Jag delade upp talet",
                 "Tydlig start med målet på tavlan."):
        assert text in body, text

    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "e2e-detail-1024x768.png"), full_page=True)
    page.set_viewport_size({"width": 768, "height": 1024})
    page.screenshot(path=str(SHOTS / "e2e-detail-768x1024.png"), full_page=True)

    with app.app_context():
        saved = db.session.scalars(select(Observation)).all()
        assert len(saved) == 1
        assert saved[0].status == "complete"
        assert saved[0].answers["W3"]["value"] == {"x": 19, "y": 23}
        assert saved[0].visit.teacher_id == teacher.id and saved[0].visit.subject == "Matematik"
