"""What the observed teacher sees of a visit: the shared result, never the observer's jottings or drafts."""
from __future__ import annotations

import datetime as dt
import re

from observe.extensions import db
from observe.feedback.models import Feedback, NextStep
from tests.conftest import login
from tests.dates import today

ANSWERS = {"W1": {"value": "yes", "evidence": "Målet stod på tavlan"}}


def _with_notes(visit):
    noted = visit.started_at or dt.datetime.now(dt.timezone.utc)
    visit.observations[0].notes = [{"at": noted.isoformat(), "text": "Privat anteckning om Lars"}]
    db.session.commit()
    return visit


def _page(app, user, visit) -> str:
    browser = app.test_client()
    login(browser, user)
    response = browser.get(f"/visits/{visit.uuid}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_teacher_sees_nothing_recorded_before_the_feedback_is_shared(app, make_visit, principal, teacher):
    visit = _with_notes(make_visit(principal, teacher, answers=ANSWERS))
    html = _page(app, teacher, visit)
    assert "Målet stod på tavlan" not in html and "Privat anteckning" not in html
    # ... but she is told it exists and that it comes with the feedback, not that nothing was recorded
    assert "You will see it together with the feedback" in html
    assert "No observation has been recorded" not in html
    db.session.add(Feedback(school_id=visit.school_id, visit_id=visit.id, author_id=principal.id,
                            summary="Tydligt mål", status="draft"))
    db.session.commit()
    assert "Målet stod på tavlan" not in _page(app, teacher, visit)  # a draft is the observer's alone


def test_teacher_sees_the_answers_once_shared_but_never_the_quick_notes(app, make_visit, principal, teacher):
    visit = _with_notes(make_visit(principal, teacher, answers=ANSWERS))
    db.session.add(Feedback(school_id=visit.school_id, visit_id=visit.id, author_id=principal.id,
                            summary="Tydligt mål", status="shared", shared_at=dt.datetime.now(dt.timezone.utc)))
    db.session.commit()
    html = _page(app, teacher, visit)
    assert "Målet stod på tavlan" in html
    assert "Privat anteckning" not in html


def test_observer_sees_own_answers_and_notes(app, make_visit, principal, teacher):
    visit = _with_notes(make_visit(principal, teacher, answers=ANSWERS))
    html = _page(app, principal, visit)
    assert "Målet stod på tavlan" in html and "Privat anteckning" in html


def test_a_visit_not_yet_observed_says_so(app, make_visit, principal, teacher):
    visit = make_visit(principal, teacher, kind="planned", status="planned", observation=False, started_at=None,
                       scheduled_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2))
    html = _page(app, teacher, visit)
    assert "No observation has been recorded for this visit yet." in html
    assert "You will see it together with the feedback" not in html


def test_another_principal_sees_the_answers_but_not_the_observers_notes(app, make_visit, make_user, principal,
                                                                        teacher):
    from observe.auth.models import Role

    deputy = make_user(Role.PRINCIPAL, name="Bitr Rektor")
    visit = _with_notes(make_visit(principal, teacher, answers=ANSWERS))
    html = _page(app, deputy, visit)
    assert "Målet stod på tavlan" in html and "Privat anteckning" not in html


def test_observation_form_of_a_planned_visit_shows_the_teachers_open_next_step(app, make_visit, principal,
                                                                                teacher):
    earlier = make_visit(principal, teacher)
    db.session.add(NextStep(school_id=earlier.school_id, visit_id=earlier.id, teacher_id=teacher.id,
                            text="Vänta fem sekunder efter frågan", due_on=today() + dt.timedelta(days=14)))
    planned = make_visit(principal, teacher, kind="planned", status="planned", observation=False,
                         focus_text="Frågor som kräver resonemang", started_at=None,
                         scheduled_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2))
    browser = app.test_client()
    login(browser, principal)
    html = browser.get(f"/visits/{planned.uuid}/observe").get_data(as_text=True)
    assert "Vänta fem sekunder efter frågan" in html
    assert "Frågor som kräver resonemang" in html


def test_the_visit_page_names_the_purpose_as_planning_did(app, make_visit, principal, teacher):
    """Planning offers "Utveckling"; the visit page said "Kompetensutveckling" for the same purpose."""
    visit = make_visit(principal, teacher, kind="planned", purpose="development")
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    login(browser, principal)
    html = browser.get(f"/visits/{visit.uuid}").get_data(as_text=True)
    purpose = re.search(r"<dt>Syfte</dt><dd>([^<]*)</dd>", html)
    assert purpose and purpose.group(1) == "Utveckling"
