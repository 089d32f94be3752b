"""The principal's follow-up of the feedback culture, and the in-app reminders."""
from __future__ import annotations

import datetime as dt

import pytest

from observe.extensions import db
from observe.feedback import followup
from observe.feedback.models import NextStep
from observe.visits.models import Visit

from tests.conftest import login

from .conftest import login_en, text

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
# The figures are per term, and these tests build one known term around NOW (autumn 2026, with a
# visit in the spring before): the clock stands at NOW, ticking, so pages and services agree with it.
pytestmark = pytest.mark.time_machine(NOW)


def at(days_ago: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days_ago)


@pytest.fixture
def term_data(app, school, principal, teacher, colleague, make_user, make_planned, make_feedback, make_pair,
              make_peer_visit):
    """Three teachers: Lars had two visits, Karin one walkthrough without feedback, Åsa none."""
    asa = make_user(name="Åsa Ämneslärare")
    v1 = make_planned(status="completed", at=at(20))
    make_feedback(v1, shared=True, shared_at=at(19), acknowledged_at=at(18), step_due=dt.date(2026, 11, 10))
    v2 = make_planned(status="completed", at=at(10))
    make_feedback(v2, shared=True, shared_at=at(5), step_due=dt.date(2026, 11, 20))
    walk = Visit(school_id=school.id, kind="spontaneous", status="completed", observer_id=principal.id,
                 teacher_id=colleague.id, template_version_id=v1.template_version_id, started_at=at(4),
                 focus_item_keys=[], preconference={})
    db.session.add(walk)
    # Last term and cancelled visits do not count.
    make_planned(of=asa, status="completed", at=dt.datetime(2026, 5, 1, 9, tzinfo=UTC))
    make_planned(of=asa, status="cancelled", at=at(3))
    steps = db.session.scalars(db.select(NextStep).order_by(NextStep.due_on)).all()
    steps[0].status, steps[0].done_at = "done", dt.datetime(2026, 11, 9, 15, tzinfo=UTC)  # on time
    make_peer_visit(make_pair(), observer=colleague, of=teacher, done=True, at=at(7))
    db.session.commit()
    return {"asa": asa, "walk": walk}


def test_term_metrics(app, school, term_data):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        m = followup.metrics(school, followup.Term(2026, True), now=NOW)
    assert m["teacher_count"] == 3 and m["visit_count"] == 3 and m["teachers_visited"] == 2
    assert [t.name for t in m["not_visited"]] == ["Åsa Ämneslärare"]
    assert [t.name for t in m["no_peer"]] == ["Åsa Ämneslärare"]
    assert (m["shared_count"], m["unshared_count"]) == (2, 1)
    assert m["days_median"] == pytest.approx(3.0) and m["days_mean"] == pytest.approx(3.0)
    assert [b["value"] for b in m["days_buckets"]] == [1, 0, 1, 0]
    assert (m["acknowledged_count"], m["acknowledged_share"]) == (1, 0.5)
    assert (m["steps_due"], m["steps_on_time"], m["steps_overdue"]) == (2, 1, 1)
    # Alphabetical, never ranked by count.
    assert [r["name"] for r in m["peer_rows"]] == ["Karin Kollega", "Lars Lärare", "Åsa Ämneslärare"]
    assert [(r["given"], r["received"]) for r in m["peer_rows"]] == [(1, 0), (0, 1), (0, 0)]


def test_spring_term_is_separate(app, school, term_data):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        m = followup.metrics(school, followup.Term(2026, False), now=NOW)
    assert m["visit_count"] == 1 and m["teachers_visited"] == 1


def test_follow_up_page_for_principals_only(app, principal, teacher, term_data):
    page = login_en(app.test_client(), principal).get("/feedback/follow-up?term=ht-2026")
    assert page.status_code == 200
    body = text(page)
    assert "<svg" in body and "Åsa Ämneslärare" in body and "Autumn 2026" in body
    assert login_en(app.test_client(), teacher).get("/feedback/follow-up").status_code == 403


def test_follow_up_page_writes_decimals_in_the_readers_language(app, principal, term_data):
    """Median and mean days to feedback are 3.0: "3,0" in Swedish (as Analys writes), "3.0" in English."""
    english = text(login_en(app.test_client(), principal).get("/feedback/follow-up?term=ht-2026"))
    assert '<p class="fl-big">3.0</p>' in english
    principal.locale = "sv"
    db.session.commit()
    swedish_client = app.test_client()
    login(swedish_client, principal)
    swedish = text(swedish_client.get("/feedback/follow-up?term=ht-2026"))
    assert '<p class="fl-big">3,0</p>' in swedish and "3.0" not in swedish


def test_term_parsing_falls_back_to_the_current_term():
    today = followup.Term.of(dt.date(2026, 3, 2))
    assert today == followup.Term(2026, False)
    assert followup.Term.parse("ht-2025", today) == followup.Term(2025, True)
    assert followup.Term.parse("nonsense", today) == today
    assert followup.Term(2026, False).previous() == followup.Term(2025, True)


def test_reminders(app, school, principal, teacher, make_planned, make_feedback):
    late = make_planned(status="completed", at=at(4))  # no feedback after 4 days
    recent = make_planned(status="completed", at=at(2))  # still within 3 days
    shared = make_planned(status="completed", at=at(6))
    make_feedback(shared, shared=True, shared_at=at(5), step_due=(NOW + dt.timedelta(days=1)).date())
    drafted = make_planned(status="completed", at=at(5))
    make_feedback(drafted, shared=False, step_due=(NOW + dt.timedelta(days=1)).date())
    soon = make_planned(at=NOW + dt.timedelta(days=2))  # pre-conference missing
    ready = make_planned(at=NOW + dt.timedelta(days=3),
                         preconference={"lesson_goal": "Mål"}, focus_text="Frågor")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        mine = followup.reminders(principal, school, now=NOW)
        theirs = followup.reminders(teacher, school, now=NOW)
        # The navigation badge counts them in SQL; it must say the same number.
        assert [followup.reminder_count(u, school, now=NOW) for u in (principal, teacher)] == [len(mine), len(theirs)]
    unshared = [r["url"] for r in mine if r["kind"] == "feedback_unshared"]
    assert any(str(late.uuid) in u for u in unshared) and any(str(drafted.uuid) in u for u in unshared)
    assert not any(str(recent.uuid) in u or str(shared.uuid) in u for u in unshared)
    # The draft's next step is not shown to the teacher; the shared one is.
    steps = [r for r in theirs if r["kind"] == "next_step_due"]
    assert len(steps) == 1 and "Your next step is due" in steps[0]["text"]
    pre = [r["url"] for r in theirs if r["kind"] == "preconference_missing"]
    assert any(str(soon.uuid) in u for u in pre) and not any(str(ready.uuid) in u for u in pre)
    # The teacher is asked to write hers and told who is coming; the principal is told whose is missing.
    to_teacher = next(r["text"] for r in theirs if r["kind"] == "preconference_missing")
    assert to_teacher.startswith("Write your pre-conference") and principal.name in to_teacher
    assert teacher.name not in to_teacher
    to_principal = next(r["text"] for r in mine if r["kind"] == "preconference_missing")
    assert "is missing" in to_principal and teacher.name in to_principal
    assert not [r for r in theirs if r["kind"] == "feedback_unshared"]
    # Shared feedback not acknowledged yet is hers to read (the draft is not shown to her yet).
    waiting = [r for r in theirs if r["kind"] == "feedback_unacknowledged"]
    assert len(waiting) == 1 and str(shared.uuid) in waiting[0]["url"] and principal.name in waiting[0]["text"]
    assert not [r for r in mine if r["kind"] == "feedback_unacknowledged"]


def test_feedback_to_acknowledge_is_on_the_teachers_list_until_acknowledged(app, principal, teacher, make_planned,
                                                                            make_feedback):
    """The feedback page said "Nothing needs your attention" while shared feedback waited for her."""
    visit = make_planned(status="completed", at=dt.datetime.now(UTC) - dt.timedelta(days=2))
    make_feedback(visit, shared=True, shared_at=dt.datetime.now(UTC) - dt.timedelta(days=1))
    browser = login_en(app.test_client(), teacher)
    page = text(browser.get("/feedback/"))
    assert "is waiting for you to read and acknowledge it" in page and "Feedback (1)" in page
    assert "Nothing needs your attention" not in page
    visit.feedback.acknowledged_at = dt.datetime.now(UTC)
    db.session.commit()
    page = text(browser.get("/feedback/"))
    assert "Nothing needs your attention" in page and "Feedback (1)" not in page


def test_reminders_show_on_the_feedback_page(app, principal, make_planned):
    make_planned(status="completed", at=dt.datetime.now(UTC) - dt.timedelta(days=5))
    page = text(login_en(app.test_client(), principal).get("/feedback/"))
    assert "is not shared yet" in page
