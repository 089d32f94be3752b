"""Planning a visit, the teacher's view of the plan, the pre-conference and the calendar booking."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from sqlalchemy import func, select

from observe.audit.models import AuditEvent
from observe.extensions import db
from observe.feedback.models import NextStep
from observe.visits.models import Visit

from tests.dates import form_value, next_weekday, stockholm, today, utc

from .conftest import login_en as login, post, text


def _plan(client, teacher, planned_version, at: dt.datetime | None = None, **extra):
    """Plan a visit through the form, by default for next Wednesday at 09:15 Stockholm time."""
    data = {"teacher_id": teacher.id, "scheduled_at": form_value(at or stockholm(next_weekday(), 9, 15)),
            "planned_minutes": "45",
            "template_version_id": planned_version.id, "purpose": "development", "subject": "Matematik",
            "year_group": "3", **extra}
    return post(client, "/planning/new", data, "/planning/new")


def test_principal_plans_and_teacher_sees_the_plan(app, client, principal, teacher, planned_version):
    login(client, principal)
    response = _plan(client, teacher, planned_version)
    assert response.status_code == 302
    visit = db.session.scalar(select(Visit))
    assert (visit.kind, visit.status, visit.observer_id, visit.teacher_id) == ("planned", "planned", principal.id,
                                                                              teacher.id)
    assert visit.scheduled_at == utc(next_weekday(), 9, 15)
    assert response.headers["Location"].endswith(f"/planning/{visit.uuid}")

    teacher_client = app.test_client()
    login(teacher_client, teacher)
    listing = text(teacher_client.get("/planning/"))
    assert "Matematik · year 3" in listing
    page = teacher_client.get(f"/planning/{visit.uuid}")
    assert page.status_code == 200
    assert "09:15" in text(page)


def test_year_group_is_one_of_the_schools_year_groups(app, client, principal, teacher, planned_version):
    """A class name ("3B") stored as the year group was then offered as a year group in Analys."""
    login(client, principal)
    response = _plan(client, teacher, planned_version, year_group="3B")
    assert response.status_code == 422 and "Not a valid choice" in text(response)
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 0
    assert _plan(client, teacher, planned_version, year_group="").status_code == 302  # optional


def test_planning_a_visit_in_the_past_says_so(app, client, principal, teacher, planned_version):
    login(client, principal)
    yesterday = stockholm(today() - dt.timedelta(days=1), 9, 15)
    response = _plan(client, teacher, planned_version, at=yesterday)
    assert response.status_code == 422 and "This time has passed" in text(response)
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 0


# The form takes Stockholm wall time; the database keeps UTC, an hour behind in winter (CET)
# and two in summer (CEST). The clock stands a few days before each plan.
@pytest.mark.parametrize("now, typed, stored", [
    ("2026-11-20T09:00+01:00", "2026-11-25T09:15", dt.datetime(2026, 11, 25, 8, 15, tzinfo=dt.timezone.utc)),
    ("2027-06-01T09:00+02:00", "2027-06-09T09:15", dt.datetime(2027, 6, 9, 7, 15, tzinfo=dt.timezone.utc)),
    ("2027-03-24T09:00+01:00", "2027-03-29T09:15", dt.datetime(2027, 3, 29, 7, 15, tzinfo=dt.timezone.utc)),
], ids=["winter", "summer", "after-the-spring-change"])
def test_planned_time_is_stockholm_time_in_winter_and_summer(client, principal, teacher, planned_version,
                                                              now, typed, stored):
    with time_machine.travel(dt.datetime.fromisoformat(now), tick=True):
        login(client, principal)
        assert post(client, "/planning/new", {
            "teacher_id": teacher.id, "scheduled_at": typed, "planned_minutes": "45",
            "template_version_id": planned_version.id, "purpose": "development"}, "/planning/new").status_code == 302
        assert db.session.scalar(select(Visit)).scheduled_at == stored


def test_plan_form_errors_keep_the_input(client, principal, teacher, planned_version):
    login(client, principal)
    response = _plan(client, teacher, planned_version, teacher_id="0", subject="Svenska")
    assert response.status_code == 422
    body = text(response)
    assert 'value="Svenska"' in body and 'aria-invalid="true"' in body
    assert db.session.scalar(select(Visit)) is None


def test_teacher_cannot_plan_a_visit(client, teacher, planned_version):
    login(client, teacher)
    assert client.get("/planning/new").status_code == 403


def test_teacher_of_another_school_cannot_be_planned(client, principal, outsider, planned_version):
    login(client, principal)
    response = _plan(client, outsider, planned_version)
    assert response.status_code == 422
    assert db.session.scalar(select(Visit)) is None


def test_plan_is_hidden_from_other_teachers_and_other_schools(app, make_planned, colleague, outsider):
    visit = make_planned()
    for user in (colleague, outsider):
        c = app.test_client()
        login(c, user)
        assert c.get(f"/planning/{visit.uuid}").status_code == 404
        assert c.get(f"/planning/{visit.uuid}/booking.ics").status_code == 404
        assert "Lars" not in text(c.get("/planning/"))


def test_extra_access_is_granted_by_the_planner(app, client, principal, teacher, colleague, planned_version):
    login(client, principal)
    _plan(client, teacher, planned_version, access=str(colleague.id))
    visit = db.session.scalar(select(Visit))
    c = app.test_client()
    login(c, colleague)
    page = c.get(f"/planning/{visit.uuid}")
    assert page.status_code == 200
    assert "Karin Kollega" in text(page)


def test_teacher_writes_the_preconference(app, make_planned, teacher):
    visit = make_planned()
    meeting = stockholm(next_weekday() + dt.timedelta(days=1), 14)  # the day after the visit
    c = app.test_client()
    login(c, teacher)
    response = post(c, f"/planning/{visit.uuid}/preconference", {
        "lesson_goal": "Eleverna kan jämföra bråk", "student_activity": "Parvis med bråkstavar",
        "focus_item_keys": ["D1", "NOT_AN_ITEM"], "focus_text": "Hur många elever kommer till tals?",
        "data_method": "Tidslogg över frågor", "feedback_meeting_at": form_value(meeting)}, f"/planning/{visit.uuid}")
    assert response.status_code == 302
    db.session.refresh(visit)
    assert visit.focus_item_keys == ["D1"]
    assert visit.focus_text == "Hur många elever kommer till tals?"
    assert visit.preconference["lesson_goal"] == "Eleverna kan jämföra bråk"
    assert dt.datetime.fromisoformat(visit.preconference["feedback_meeting_at"]) == meeting
    page = text(c.get(f"/planning/{visit.uuid}"))
    assert "Eleverna kan jämföra bråk" in page


def test_preconference_focus_choices_read_as_the_template_says_without_codes(app, make_planned, teacher):
    visit = make_planned()
    c = app.test_client()
    login(c, teacher)
    page = c.get(f"/planning/{visit.uuid}").get_data(as_text=True)
    d1 = next(item for item in visit.template_version.items() if item["key"] == "D1")
    label = d1["label"]["en"] if isinstance(d1["label"], dict) else d1["label"]
    choice = re.search(r'value="D1"[^>]*> <span>([^<]*)</span>', page)
    assert choice and choice.group(1) == label  # "Everyone ...", not "D1 Everyone ..."


def test_other_teacher_cannot_write_the_preconference(app, make_planned, colleague):
    visit = make_planned()
    c = app.test_client()
    login(c, colleague)
    response = post(c, f"/planning/{visit.uuid}/preconference", {"lesson_goal": "x"})
    assert response.status_code == 404
    db.session.refresh(visit)
    assert visit.preconference == {}


def test_booking_is_a_valid_calendar_file(app, make_planned, teacher):
    start, meeting = utc(next_weekday(), 9, 15), utc(next_weekday() + dt.timedelta(days=1), 14)
    visit = make_planned(at=start, preconference={"lesson_goal": "Jämföra bråk; storlek, ordning",
                                                  "feedback_meeting_at": meeting.isoformat()})
    c = app.test_client()
    login(c, teacher)
    response = c.get(f"/planning/{visit.uuid}/booking.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    lines = raw.split(b"\r\n")
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-2] == b"END:VCALENDAR" and lines[-1] == b""
    assert all(len(line) <= 75 for line in lines)
    unfolded = raw.decode().replace("\r\n ", "")
    assert unfolded.count("BEGIN:VEVENT") == 2
    end = start + dt.timedelta(minutes=40)
    assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}" in unfolded and f"DTEND:{end:%Y%m%dT%H%M%SZ}" in unfolded
    assert f"DTSTART:{meeting:%Y%m%dT%H%M%SZ}" in unfolded
    assert "Jämföra bråk\\; storlek\\, ordning" in unfolded
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export")) is not None


def test_follow_up_visit_is_linked_to_the_next_step(client, school, principal, teacher, planned_version,
                                                    make_planned, make_feedback):
    first = make_planned(status="completed")
    make_feedback(first, shared=True, step_due=today() + dt.timedelta(days=14))  # the plan and the step lie ahead
    step = db.session.scalar(select(NextStep))
    login(client, principal)
    form = client.get(f"/planning/new?follow_up={step.uuid}")
    assert form.status_code == 200 and "Pröva exit tickets" in text(form)
    response = _plan(client, teacher, planned_version, follow_up=str(step.uuid))
    assert response.status_code == 302
    db.session.expire_all()
    follow = db.session.scalar(select(Visit).where(Visit.id != first.id))
    assert step.follow_up_visit_id == follow.id
    assert follow.follow_up_of.id == step.id
    # The plan shows the open next step at the top.
    assert "Pröva exit tickets" in text(client.get(f"/planning/{follow.uuid}"))


def test_observer_cancels_a_planned_visit(client, principal, make_planned):
    visit = make_planned()
    login(client, principal)
    assert post(client, f"/planning/{visit.uuid}/cancel", {}).status_code == 302
    db.session.refresh(visit)
    assert visit.status == "cancelled"


def test_calendar_lines_fold_at_75_octets_without_splitting_characters():
    from observe.feedback import ics

    text_value = "Målet: eleverna jämför bråk, ordnar dem på tallinjen och förklarar varför; " * 4
    start = dt.datetime(2026, 11, 25, 8, 15, tzinfo=dt.timezone.utc)
    raw = ics.calendar([ics.event("x@observe", start, start + dt.timedelta(minutes=40), "Besök", text_value)])
    lines = raw.encode("utf-8").split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    for line in lines:
        line.decode("utf-8")  # raises if a fold split a character
    unfolded = raw.replace("\r\n ", "")
    assert "DESCRIPTION:" + text_value.replace(",", "\\,").replace(";", "\\;") in unfolded


def test_the_planning_service_refuses_a_template_the_form_would_not_offer(school, principal, teacher,
                                                                          planned_version, peer_version):
    """The rule lives in the service, not only in the form's list: a peer template or an archived one is
    refused for a planned visit, whoever calls it, and nothing is saved."""
    from observe.feedback import services as svc
    from observe.templates_.models import TemplateStatus
    from observe.errors import ValidationFailed

    def plan(version):
        return svc.plan_visit(principal, school, teacher_id=teacher.id, scheduled_at=utc(next_weekday(), 9),
                              template_version_id=version.id, purpose="development")

    with pytest.raises(ValidationFailed) as refused:
        plan(peer_version)
    assert refused.value.fields["template_version_id"] == ["Choose a template of this school."]
    planned_version.template.status = TemplateStatus.ARCHIVED
    db.session.commit()
    with pytest.raises(ValidationFailed):
        plan(planned_version)
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 0
    planned_version.template.status = TemplateStatus.ACTIVE
    db.session.commit()
    assert plan(planned_version).template_version_id == planned_version.id


@pytest.mark.parametrize("typed", ["2207-03-04T09:15", "0207-03-04T09:15"])
def test_a_mistyped_year_is_refused_as_the_api_refuses_it(client, principal, teacher, planned_version, typed):
    """A date input takes any year up to 9999; the form holds the API's window (2000-2099) and says so."""
    login(client, principal)
    data = {"teacher_id": teacher.id, "scheduled_at": typed, "planned_minutes": "45",
            "template_version_id": planned_version.id, "purpose": "development"}
    response = post(client, "/planning/new", data, "/planning/new")
    assert response.status_code == 422 and "Must be between 2000-01-01 and 2099-12-31." in text(response)
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 0
