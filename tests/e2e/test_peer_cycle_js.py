"""The peer cycle with JavaScript on, in two languages on a tablet and a phone (issue 15, nothing typed
twice): Lars (English, tablet) books Karin and writes his focus once; Karin (Swedish, phone) finds it
on her form, is not asked his next step, and finishes without retyping anything; Lars then chooses
his own next step on the visit's feedback page."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from observe.extensions import db
from observe.visits.models import PeerGroup, Visit
from tests.dates import form_value, next_weekday, stockholm, today
from tests.pwa.e2e_support import TIMEOUT, login, wait_form

from .test_peer_cycle import add_next_step
from .test_planned_cycle import UUID, defaults_installed  # noqa: F401  (fixture reused)

pytestmark = pytest.mark.e2e

FOCUS = "Which pupils answer my questions?"


def _open(browser, browser_context_args, base, user, locale, viewport):
    context = browser.new_context(**{**browser_context_args, "locale": locale, "viewport": viewport})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    login(page, base, user)
    return context, page


def test_peer_cycle_with_javascript_nothing_typed_twice(app, live_server, browser, browser_context_args,
                                                        defaults_installed, teacher, make_user):
    colleague = make_user(name="Karin Kollega", email="kollega@example.se")
    group = PeerGroup(school_id=defaults_installed.id, period_start=today() - dt.timedelta(days=30),
                      period_end=today() + dt.timedelta(days=60), status="confirmed",
                      accepted_user_ids=[teacher.id, colleague.id])
    group.members = [teacher, colleague]
    db.session.add(group)
    db.session.commit()
    base = live_server.url
    lars_ctx, lars = _open(browser, browser_context_args, base, teacher, "en-GB", {"width": 1024, "height": 768})
    karin_ctx, karin = _open(browser, browser_context_args, base, colleague, "sv-SE", {"width": 390, "height": 844})
    try:
        # Lars books Karin and writes his focus: the only time anyone types it.
        lars.goto(f"{base}/feedback/peer/")
        lars.click("text=Book an observation of my lesson")
        lars.select_option("#observer_id", str(colleague.id))
        lars.fill("#scheduled_at", form_value(stockholm(next_weekday(1), 10)))
        lars.fill("#focus_text", FOCUS)
        lars.click("button:has-text('Book the peer observation')")
        lars.wait_for_url(re.compile(rf"/feedback/visit/{UUID}$"))
        peer_url = lars.url
        visit_uuid = peer_url.rsplit("/", 1)[1]

        # Karin, on her phone in Swedish: the focus is there, his next step is not, nothing to retype.
        karin.goto(peer_url)
        karin.click("a.button.primary:has-text('Observera')")
        karin.wait_for_url(re.compile(rf"/visits/{visit_uuid}/observe$"))
        wait_form(karin)
        assert karin.locator("#item-P1 .engine-carried").inner_text() == FOCUS
        assert karin.locator("textarea[name='a.P1']").count() == 0
        assert karin.locator("#item-P8").count() == 0  # "Mitt nästa steg" is Lars's
        assert karin.inner_text(".record-state").strip() == ""  # nothing typed, nothing "not saved yet"
        karin.fill("textarea[name='a.P5']", "Eleverna närmast tavlan svarade på 9 av 11 frågor.")
        karin.click("button[value=finish]")  # "Avsluta besöket" works without retyping the required focus
        karin.wait_for_url(re.compile(rf"/visits/{visit_uuid}$"))

        # Lars reads her notes and chooses his own next step on the visit's page.
        lars.goto(f"{base}/visits/{visit_uuid}")
        assert "Eleverna närmast tavlan" in lars.inner_text("main")
        add_next_step(lars, peer_url, "Use name cards to share out the questions.")
        assert "Use name cards" in lars.inner_text("main")
    finally:
        lars_ctx.close()
        karin_ctx.close()

    with app.app_context():
        visit = db.session.scalar(select(Visit).where(Visit.kind == "peer"))
        answers = visit.observation.answers
        assert answers["P1"]["value"] == FOCUS and "P8" not in answers
        assert answers["P5"]["value"].startswith("Eleverna närmast tavlan")
