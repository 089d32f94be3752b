"""Nothing typed twice, offline too (issue 15): the observer's form saved on the device carries the
teacher's pre-conference, and a visit finished without network stores it as the answers."""
from __future__ import annotations

import datetime as dt

import pytest

from observe.extensions import db
from observe.templates_.services import latest_version_for
from observe.visits.models import Observation, Visit
from tests.pwa.e2e_support import (Network, login, observations, observer, wait_finished, wait_form,  # noqa: F401
                                   wait_state, walkthrough_school)

pytestmark = pytest.mark.e2e

GOAL = "Eleverna kan jämföra bråk med samma täljare."
ACTIVITY = "Parvis med bråkstavar, sedan helklass."


@pytest.fixture
def planned(ctx, walkthrough_school, observer, teacher):
    version = latest_version_for(walkthrough_school, "planned")
    visit = Visit(school_id=walkthrough_school.id, kind="planned", status="planned", observer_id=observer.id,
                  teacher_id=teacher.id, template_version_id=version.id, focus_item_keys=["D2"],
                  focus_text="Får alla elever tid att tänka?",
                  preconference={"lesson_goal": GOAL, "student_activity": ACTIVITY, "data_method": "Tidslogg"},
                  scheduled_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1))
    db.session.add(visit)
    db.session.commit()
    return visit


def test_the_offline_form_carries_the_pre_conference_and_finishing_offline_stores_it(app, live_server, context,
                                                                                    page, observer, planned):
    base = live_server.url
    login(page, base, observer)  # the device saves the user's pages, this visit's form among them
    network = Network(context)
    network.off()
    page.goto(f"{base}/visits/{planned.uuid}/observe")
    wait_form(page)
    assert page.locator("#item-A1 .engine-carried").inner_text() == GOAL
    assert page.locator("#item-A2 .engine-carried").inner_text() == ACTIVITY
    assert page.locator("#item-A3 .engine-carried").inner_text() == "Får alla elever tid att tänka?"
    assert page.locator("textarea[name='a.A1']").count() == 0  # nothing to type again
    assert page.locator("#item-H1").count() == 0  # asked in the feedback, not here
    page.check("input[name='a.D2'][value='3']")
    page.click("button[value=finish]")
    wait_finished(page)

    network.on()
    wait_state(page, "synced")
    [saved] = observations(app)
    assert saved.status == "complete"
    assert saved.answers["A1"]["value"] == GOAL and saved.answers["A2"]["value"] == ACTIVITY
    assert saved.answers["D2"]["value"] == "3"


def test_a_copy_kept_on_the_device_does_not_blank_what_the_teacher_wrote_since(app, live_server, context, page,
                                                                              observer, planned):
    """The observer began the form before the pre-conference was written; that copy, not yet on the
    server, comes back on the fresh page without overwriting the teacher's text with its empty field."""
    with app.app_context():  # begun and saved once (the form's record has its uuid), no pre-conference
        visit = db.session.get(Visit, planned.id)
        visit.preconference, visit.focus_text, visit.status = {}, None, "in_progress"
        visit.started_at = dt.datetime.now(dt.timezone.utc)
        db.session.add(Observation(school_id=visit.school_id, visit_id=visit.id, author_id=observer.id,
                                   template_version_id=visit.template_version_id, answers={}, status="draft",
                                   revision=1))
        db.session.commit()
    base = live_server.url
    login(page, base, observer)
    context.route("**/api/v1/sync", lambda route: route.abort("internetdisconnected"))  # the copy stays here
    page.goto(f"{base}/visits/{planned.uuid}/observe")
    wait_form(page)
    assert page.locator("textarea[name='a.A1']").count() == 1  # nothing written yet: the observer may write
    page.check("input[name='a.D2'][value='2']")
    page.wait_for_selector(".record-state[data-record-state=local]", state="attached")

    with app.app_context():  # meanwhile the teacher writes the pre-conference
        visit = db.session.get(Visit, planned.id)
        visit.preconference = {"lesson_goal": GOAL}
        db.session.commit()
    page.reload()
    wait_form(page)
    assert page.locator("#item-A1 .engine-carried").inner_text() == GOAL
    assert page.is_checked("input[name='a.D2'][value='2']")  # the device's copy came back
    context.unroute("**/api/v1/sync")
    page.click("button[value=finish]")
    page.wait_for_url(f"{base}/visits/{planned.uuid}")
    [saved] = observations(app)
    assert saved.answers["A1"]["value"] == GOAL and saved.answers["D2"]["value"] == "2"
