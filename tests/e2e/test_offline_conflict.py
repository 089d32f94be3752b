"""Fault matrix case 9: one planned visit edited on two devices."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from observe.extensions import db
from observe.sync.models import SyncConflict
from observe.templates_.services import latest_version_for
from observe.visits.models import Observation, Visit
from tests.pwa.e2e_support import (Network, login, observations, observer, type_into,  # noqa: F401
                                   wait_form, wait_state, walkthrough_school)

pytestmark = pytest.mark.e2e


@pytest.fixture
def planned_visit(ctx, walkthrough_school, observer, teacher):
    """A planned visit whose observation the observer already saved once (revision 1)."""
    version = latest_version_for(walkthrough_school, "spontaneous")
    visit = Visit(school_id=walkthrough_school.id, kind="planned", status="in_progress", observer_id=observer.id,
                  teacher_id=teacher.id, template_version_id=version.id,
                  scheduled_at=dt.datetime.now(dt.timezone.utc), started_at=dt.datetime.now(dt.timezone.utc))
    db.session.add(visit)
    db.session.flush()
    db.session.add(Observation(school_id=walkthrough_school.id, visit_id=visit.id, author_id=observer.id,
                               template_version_id=version.id, answers={}, status="draft", revision=1))
    db.session.commit()
    return visit


def test_two_devices_editing_one_visit_keep_both_versions(app, live_server, browser, browser_context_args,
                                                          context, page, observer, planned_visit):
    base = live_server.url
    observe_url = f"{base}/visits/{planned_visit.uuid}/observe"
    login(page, base, observer)
    page.goto(observe_url)
    wait_form(page)
    tablet = Network(context)
    tablet.off()
    type_into(page, "textarea[name='a.W9']", "Skrivet på surfplattan utan nät.")

    laptop_context = browser.new_context(**browser_context_args)
    try:
        laptop = laptop_context.new_page()
        login(laptop, base, observer)
        laptop.goto(observe_url)
        wait_form(laptop)
        type_into(laptop, "textarea[name='a.W9']", "Skrivet på datorn.")
        wait_state(laptop, "synced")
    finally:
        laptop_context.close()

    tablet.on()
    page.wait_for_selector(".record-state[data-record-state=conflict]", state="attached")
    wait_state(page, "synced")  # nothing waits on the device: the server holds both versions
    page.click("#sync-status summary")
    page.locator("[data-sync-list] li[data-record-state=conflict]").wait_for(state="visible")

    [saved] = observations(app)
    assert saved.answers["W9"]["value"] == "Skrivet på datorn."  # not overwritten
    with app.app_context():
        [conflict] = db.session.execute(select(SyncConflict)).scalars().all()
        assert str(conflict.record_uuid) == str(saved.uuid)
        assert conflict.payload["fields"]["a.W9"] == ["Skrivet på surfplattan utan nät."]
