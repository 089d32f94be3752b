"""Starting a planned visit on another day than planned (issue 15): the form says for which day it was
planned, and says nothing on the day itself."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from observe.extensions import db
from observe.templates_.services import install_defaults, latest_version_for
from observe.visits.models import Visit
from tests.conftest import login


@pytest.fixture
def planned_for(ctx, school, principal, teacher):
    install_defaults(school)
    db.session.commit()

    def _plan(days_from_now: int, started: dt.datetime | None = None) -> Visit:
        visit = Visit(school_id=school.id, kind="planned", status="planned", observer_id=principal.id,
                      teacher_id=teacher.id, template_version_id=latest_version_for(school, "planned").id,
                      scheduled_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=days_from_now),
                      started_at=started, focus_item_keys=[], preconference={})
        db.session.add(visit)
        db.session.commit()
        return visit

    return _plan


def notice(app, user, visit) -> re.Match | None:
    client = app.test_client()
    login(client, user)
    html = client.get(f"/visits/{visit.uuid}/observe").get_data(as_text=True)
    return re.search(r'<p class="fl-notice planned-notice" data-planned-on="([\d-]+)"( hidden)?>\s*([^<]*)</p>', html)


@pytest.mark.parametrize("days", [-2, 3])
def test_a_planned_visit_started_on_another_day_says_for_which_day(app, planned_for, principal, days):
    visit = planned_for(days)
    shown = notice(app, principal, visit)
    assert shown and shown.group(2) is None
    assert shown.group(3).startswith("This visit was planned for ")
    assert str(visit.scheduled_at.year) in shown.group(3)


def test_on_the_planned_day_the_form_says_nothing_about_it(app, planned_for, principal):
    shown = notice(app, principal, planned_for(0))
    assert shown and shown.group(2) == " hidden"  # kept for a saved copy opened offline on another day


def test_a_visit_started_on_the_planned_day_and_continued_later_says_nothing(app, planned_for, principal):
    visit = planned_for(-2, started=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2))
    shown = notice(app, principal, visit)
    assert shown and shown.group(2) == " hidden"
