"""The feedback conversation (leader action 3): the observer records that it was held, when and what was agreed."""
from __future__ import annotations

import datetime as dt

from observe.extensions import db
from tests.dates import today

from .conftest import login_en, post, text

UTC = dt.timezone.utc


def _shared(make_planned, make_feedback):
    visit = make_planned(status="completed", at=dt.datetime.now(UTC) - dt.timedelta(days=3))
    make_feedback(visit, shared=True)
    return visit


def test_observer_records_the_conversation_and_the_teacher_reads_it(app, principal, teacher, make_planned,
                                                                    make_feedback):
    visit = _shared(make_planned, make_feedback)
    boss = login_en(app.test_client(), principal)
    page = f"/feedback/visit/{visit.uuid}"
    assert "Record the conversation" in text(boss.get(page))
    held = today() - dt.timedelta(days=1)
    response = post(boss, f"/feedback/visit/{visit.uuid}/conversation",
                    {"conversation_on": str(held), "conversation_agreed": "Vi provar exit tickets i tre veckor."}, page)
    assert response.status_code == 302
    db.session.refresh(visit.feedback)
    assert visit.feedback.conversation_on == held
    lars = text(login_en(app.test_client(), teacher).get(page))
    assert "We agreed:" in lars and "Vi provar exit tickets i tre veckor." in lars
    assert "Record the conversation" not in lars  # the teacher reads it; the observer records it


def test_a_conversation_in_the_future_is_refused_and_nothing_changes(app, principal, make_planned, make_feedback):
    visit = _shared(make_planned, make_feedback)
    boss = login_en(app.test_client(), principal)
    page = f"/feedback/visit/{visit.uuid}"
    response = post(boss, f"/feedback/visit/{visit.uuid}/conversation",
                    {"conversation_on": str(today() + dt.timedelta(days=2)), "conversation_agreed": "Senare"}, page)
    assert response.status_code == 422 and "cannot be held in the future" in text(response)
    db.session.refresh(visit.feedback)
    assert visit.feedback.conversation_on is None


def test_only_the_observer_records_it_and_only_once_shared(app, principal, teacher, make_planned, make_feedback):
    visit = make_planned(status="completed", at=dt.datetime.now(UTC) - dt.timedelta(days=3))
    make_feedback(visit, shared=False)
    page = f"/feedback/visit/{visit.uuid}"
    data = {"conversation_on": str(today())}
    assert post(login_en(app.test_client(), principal), f"/feedback/visit/{visit.uuid}/conversation", data,
                page).status_code == 403  # a draft: there has been nothing to talk about yet
    visit.feedback.status, visit.feedback.shared_at = "shared", dt.datetime.now(UTC)
    db.session.commit()
    assert post(login_en(app.test_client(), teacher), f"/feedback/visit/{visit.uuid}/conversation", data,
                page).status_code == 403
