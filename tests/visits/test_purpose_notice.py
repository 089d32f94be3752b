"""Every record says what it may be used for: not salary-setting, unless the organisation
announced in advance that records from a given day may be; older records keep their purpose."""
from __future__ import annotations

import datetime as dt

from observe.extensions import db
from observe.privacy.purpose import ANNOUNCE_DAYS, local_today, set_salary_use

NOT_FOR_SALARY = "Observations are for developing teaching, not for salary-setting."


def _visit_page(client, visit) -> str:
    return client.get(f"/visits/{visit.uuid}").get_data(as_text=True)


def test_a_record_says_it_is_not_for_salary_setting_by_default(client, login_as, principal, teacher, make_visit):
    visit = make_visit(principal, teacher)
    login_as(teacher)
    assert NOT_FOR_SALARY in _visit_page(client, visit)


def test_announced_salary_use_reaches_only_records_from_its_first_day(client, login_as, principal, teacher,
                                                                      make_visit, school):
    start = local_today() + dt.timedelta(days=ANNOUNCE_DAYS)
    set_salary_use(school.organisation, start, school_id=school.id)
    db.session.commit()
    utc = dt.timezone.utc
    before = make_visit(principal, teacher, started_at=dt.datetime.now(utc) - dt.timedelta(days=1))
    after = make_visit(principal, teacher, kind="planned", status="planned", observation=False,
                       scheduled_at=dt.datetime.combine(start + dt.timedelta(days=2), dt.time(10), utc),
                       started_at=None)
    login_as(teacher)

    old = _visit_page(client, before)
    assert "not for salary-setting" in old and "records from" in old  # the announcement is shown, not applied
    assert "This record may be used in salary-setting" not in old
    assert "This record may be used in salary-setting" in client.get(
        f"/planning/{after.uuid}").get_data(as_text=True)
