"""A principal finishes a walkthrough on her tablet; the organisation's leader, in another browser,
sees it in Analys at once — filtered on the lesson's subject, and over a period that cuts months (read
from the organisation's day rows, which the new observation is merged into, not recomputed)."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from observe.auth.models import User
from observe.extensions import db
from observe.visits import rollups
from tests.conftest import PASSWORD
from tests.dates import today as school_today
from tests.insights.conftest import record_observation

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/shots-insights")
TIMEOUT = 20_000  # ms, for a loaded machine; nothing here sleeps


def _log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: not url.endswith("/login"))  # home, or Analys for a leader


def test_the_organisations_leader_sees_a_walkthrough_as_soon_as_a_principal_finishes_it(
        app, live_server, browser, ctx, school, make_school, principal, teacher, make_user):
    from observe.templates_.services import install_defaults

    other = make_school("Ekskolan", organisation=school.organisation)
    install_defaults(school)
    version = next(t for t in install_defaults(other) if t.key == "walkthrough").latest
    db.session.commit()
    leader = User(organisation_id=school.organisation_id, email="chef@example.se", name="Chef",
                  password_hash=principal.password_hash, is_org_leader=True)
    db.session.add(leader)
    db.session.commit()
    today = school_today()  # an earlier visit today, at the other school (in the term on any date)
    record_observation(version, make_user(school=other), today, {"W1": {"value": "no"}}, subject="Matematik")
    base = live_server.url
    subject_view = f"{base}/insights/?template=walkthrough&subject=Matematik"
    cut_view = f"{base}/insights/?template=walkthrough&period=custom&start={today - dt.timedelta(days=10)}&end={today}"

    # The leader, in English on a portrait tablet, reads both views before the visit.
    leading = browser.new_context(viewport={"width": 768, "height": 1024}, locale="en-GB", service_workers="block")
    leader_page = leading.new_page()
    leader_page.set_default_timeout(TIMEOUT)
    _log_in(leader_page, base, leader.email)
    for url in (subject_view, cut_view):
        leader_page.goto(url)
        assert "1 observation" in leader_page.locator("#item-W1").inner_text(), url

    # The principal, in Swedish on a landscape tablet (the plain form: no JavaScript), finishes a walkthrough.
    visiting = browser.new_context(viewport={"width": 1024, "height": 768}, locale="sv-SE", java_script_enabled=False)
    page = visiting.new_page()
    page.set_default_timeout(TIMEOUT)
    _log_in(page, base, principal.email)
    page.click("a.home-start")
    page.fill("#subject", "Matematik")
    page.click(f"button.picker-choice[value='{teacher.id}']")
    page.wait_for_url(re.compile(r"/visits/new/spontaneous\?"))
    page.check("input[name='a.W1'][value=yes]")
    page.click("button[value=finish]")
    page.wait_for_url(re.compile(r"/visits/[0-9a-f-]{36}$"))
    assert "Matematik" in page.inner_text("main")
    with app.app_context():  # the organisation's day rows wait for the next view that reads them
        pending = db.session.execute(select(func.count()).select_from(rollups.InsightPending)).scalar()
        assert pending == len(rollups.PARTS)

    # The leader sees it in both views: two observations, no figure (too few teachers to show one).
    SHOTS.mkdir(exist_ok=True)
    for name, url in (("subject", subject_view), ("cut", cut_view)):
        leader_page.goto(url)
        item = leader_page.locator("#item-W1").inner_text()
        assert "2 observations" in item, (name, item)
        leader_page.screenshot(path=str(SHOTS / f"leader-after-visit-{name}-768.png"), full_page=True)
    with app.app_context():  # merged: the two facets the views read are no longer pending
        parts = set(db.session.execute(select(rollups.InsightPending.part)).scalars())
        assert parts == set(rollups.PARTS) - {"", "subject"}
        assert rollups.verify() == []
    leading.close()
    visiting.close()
