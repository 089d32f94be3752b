"""Organisation privacy settings: cell minimums with their floors, and salary-setting use only
when announced at least 30 days ahead; only an admin of every school may change them."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from observe.audit.models import AuditEvent
from observe.auth.models import Role
from observe.extensions import db
from observe.privacy.purpose import ANNOUNCE_DAYS, local_today, salary_use
from tests.conftest import csrf_token

FORM = {"min_cell_observations": "5", "min_cell_teachers": "3"}


def _in(days: int) -> str:
    return (local_today() + dt.timedelta(days=days)).isoformat()


def test_defaults_are_shown_and_salary_use_is_off(client, as_admin):
    html = client.get("/admin/organisation").get_data(as_text=True)
    assert re.search(r'<input [^>]*name="min_cell_observations"[^>]*value="5"', html)
    assert re.search(r'<input [^>]*name="min_cell_teachers"[^>]*value="3"', html)
    assert "not for salary-setting" in html
    salary_box = re.search(r'<input [^>]*name="salary_use"[^>]*>', html).group(0)
    assert "checked" not in salary_box


def test_minimums_are_saved_audited_and_never_below_the_floor(as_admin, post, school):
    assert post("/admin/organisation", {"min_cell_observations": "8", "min_cell_teachers": "4"}).status_code == 302
    db.session.refresh(school.organisation)
    assert (school.organisation.setting("min_cell_observations"), school.organisation.setting("min_cell_teachers")) \
        == (8, 4)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.min_cell"))
    assert event.detail == {"before": [5, 3], "after": [8, 4]} and event.school_id == school.id
    for bad in ({"min_cell_observations": "2", "min_cell_teachers": "3"},
                {"min_cell_observations": "5", "min_cell_teachers": "1"}):
        response = post("/admin/organisation", bad)
        assert response.status_code == 400
    db.session.refresh(school.organisation)
    assert school.organisation.setting("min_cell_observations") == 8


def test_salary_use_needs_a_day_at_least_30_days_ahead(as_admin, post, school):
    too_soon = post("/admin/organisation", {**FORM, "salary_use": "y", "salary_use_from": _in(ANNOUNCE_DAYS - 1)})
    assert too_soon.status_code == 400
    assert "at least 30 days in advance" in too_soon.get_data(as_text=True)
    no_day = post("/admin/organisation", {**FORM, "salary_use": "y", "salary_use_from": ""})
    assert no_day.status_code == 400 and "Choose the first day." in no_day.get_data(as_text=True)
    db.session.refresh(school.organisation)
    assert salary_use(school.organisation) is None

    assert post("/admin/organisation", {**FORM, "salary_use": "y",
                                        "salary_use_from": _in(ANNOUNCE_DAYS)}).status_code == 302
    db.session.refresh(school.organisation)
    use = salary_use(school.organisation)
    assert use.from_date.isoformat() == _in(ANNOUNCE_DAYS) and use.announced_on == local_today()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.salary_use")) is not None

    # Withdrawing takes effect at once.
    assert post("/admin/organisation", FORM).status_code == 302
    db.session.refresh(school.organisation)
    assert salary_use(school.organisation) is None


def test_admin_of_only_some_schools_sees_but_cannot_change(client, make_school, make_user, login_as, school):
    make_school("Lönnskolan", organisation=school.organisation)
    partial_admin = make_user(Role.ADMIN, name="Per Delvis", email="per@example.se")
    login_as(partial_admin)
    html = client.get("/admin/organisation").get_data(as_text=True)
    assert "only someone who is admin at every school can change them" in html
    token = csrf_token(client, "/admin/organisation")
    response = client.post("/admin/organisation", data={**FORM, "min_cell_observations": "9", "csrf_token": token})
    assert response.status_code == 403
    db.session.refresh(school.organisation)
    assert school.organisation.setting("min_cell_observations") == 5
