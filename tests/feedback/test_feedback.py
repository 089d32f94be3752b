"""Feedback: private drafts, sharing, the teacher's reflection, comments, acknowledgement, next steps."""
from __future__ import annotations

import re

import datetime as dt

import pytest
from sqlalchemy import select

from observe.audit.models import AuditEvent
from observe.extensions import db
from observe.feedback.models import Comment, Feedback, NextStep

from tests.dates import today

from .conftest import login_en as login, post, text

IN_TWO_WEEKS = today() + dt.timedelta(days=14)  # a due date ahead of the day the tests run
DRAFT = {"summary": "Lugn och tydlig start.", "strength_text_0": "Tydliga instruktioner",
         "strength_evidence_0": "Alla elever började inom en minut efter genomgången.",
         "development_area": "Fler elever i samtalet", "next_step_text": "Pröva EPA i nästa genomgång",
         "next_step_due": str(IN_TWO_WEEKS), "action": "save"}


def client_for(app, user):
    c = app.test_client()
    login(c, user)
    return c


@pytest.fixture
def held(make_planned):
    return make_planned(status="completed")


def test_draft_is_private_to_its_author(app, held, principal, teacher, other_principal):
    author = client_for(app, principal)
    response = post(author, f"/feedback/visit/{held.uuid}/draft", DRAFT)
    assert response.status_code == 302
    feedback = db.session.scalar(select(Feedback))
    assert feedback.status == "draft" and feedback.strengths[0]["evidence"].startswith("Alla elever")
    mine = text(author.get(f"/feedback/visit/{held.uuid}"))
    assert "Lugn och tydlig start." in mine
    assert "allmän handling" in mine  # the UI says what sharing means
    for user in (teacher, other_principal):
        page = client_for(app, user).get(f"/feedback/visit/{held.uuid}")
        assert page.status_code == 200
        assert "Lugn och tydlig start." not in text(page)
        assert "Pröva EPA" not in text(page)
    # The teacher's own lists do not leak the draft's next step either.
    assert "Pröva EPA" not in text(client_for(app, teacher).get("/feedback/"))


def test_sharing_shows_feedback_to_teacher_and_principals(app, held, principal, teacher, other_principal, colleague):
    author = client_for(app, principal)
    assert post(author, f"/feedback/visit/{held.uuid}/draft", {**DRAFT, "action": "share"}).status_code == 302
    feedback = db.session.scalar(select(Feedback))
    assert feedback.status == "shared" and feedback.shared_at is not None
    for user in (teacher, other_principal):
        page = text(client_for(app, user).get(f"/feedback/visit/{held.uuid}"))
        assert "Lugn och tydlig start." in page and "Alla elever började" in page and "Pröva EPA" in page
    assert client_for(app, colleague).get(f"/feedback/visit/{held.uuid}").status_code == 404


def test_strength_needs_evidence_and_next_step_a_date(app, held, principal):
    author = client_for(app, principal)
    response = post(author, f"/feedback/visit/{held.uuid}/draft",
                    {**DRAFT, "strength_evidence_0": "", "next_step_due": ""})
    assert response.status_code == 422
    body = text(response)
    assert "Tydliga instruktioner" in body  # input kept
    assert body.count('class="field-error"') == 2
    assert db.session.scalar(select(Feedback)) is None


def test_only_the_observer_writes_feedback(app, held, teacher, other_principal):
    for user in (teacher, other_principal):
        response = post(client_for(app, user), f"/feedback/visit/{held.uuid}/draft", DRAFT)
        assert response.status_code == 403
    assert db.session.scalar(select(Feedback)) is None


def test_shared_feedback_cannot_be_edited(app, held, principal, make_feedback):
    make_feedback(held, shared=True, summary="Delad text")
    c = client_for(app, principal)
    response = post(c, f"/feedback/visit/{held.uuid}/draft", {**DRAFT, "summary": "Ny"})
    assert response.status_code == 302
    assert db.session.scalar(select(Feedback)).summary == "Delad text"
    assert "can no longer be edited" in text(c.get(response.headers["Location"]))


def test_empty_feedback_cannot_be_shared(app, held, principal):
    response = post(client_for(app, principal), f"/feedback/visit/{held.uuid}/draft",
                    {"action": "share", "summary": ""})
    assert response.status_code == 422
    assert db.session.scalar(select(Feedback)) is None


def test_teacher_reflects_disagrees_and_acknowledges(app, held, teacher, principal, make_feedback):
    feedback = make_feedback(held, shared=True)
    c = client_for(app, teacher)
    assert post(c, f"/feedback/visit/{held.uuid}/reflect",
                {"reflection": "Jag märkte själv att tre elever var tysta.", "acknowledge": "1"}).status_code == 302
    assert post(c, f"/feedback/visit/{held.uuid}/comment",
                {"body": "Jag ser starten annorlunda.", "kind": "disagreement"}).status_code == 302
    db.session.refresh(feedback)
    assert feedback.teacher_reflection.startswith("Jag märkte") and feedback.acknowledged_at is not None
    assert db.session.scalar(select(Comment)).kind == "disagreement"
    page = text(client_for(app, principal).get(f"/feedback/visit/{held.uuid}"))
    assert "Jag märkte själv" in page and "Jag ser starten annorlunda." in page and "Disagrees" in page
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"feedback.reflect", "feedback.acknowledge", "visit.comment"} <= actions


def test_principal_cannot_respond_in_the_teachers_place(app, held, principal, make_feedback):
    feedback = make_feedback(held, shared=True)
    c = client_for(app, principal)
    assert post(c, f"/feedback/visit/{held.uuid}/acknowledge", {}).status_code == 403
    assert post(c, f"/feedback/visit/{held.uuid}/reflect", {"reflection": "x"}).status_code == 403
    db.session.refresh(feedback)
    assert feedback.acknowledged_at is None and feedback.teacher_reflection is None


def test_teacher_cannot_respond_to_a_draft(app, held, teacher, make_feedback):
    make_feedback(held, shared=False)
    c = client_for(app, teacher)
    assert post(c, f"/feedback/visit/{held.uuid}/acknowledge", {}).status_code == 403
    assert post(c, f"/feedback/visit/{held.uuid}/comment", {"body": "hej"}).status_code == 403


def test_next_step_moves_through_its_states(app, held, teacher, make_feedback):
    make_feedback(held, shared=True, step_due=IN_TWO_WEEKS)
    step = db.session.scalar(select(NextStep))
    c = client_for(app, teacher)
    assert "Pröva exit tickets" in text(c.get("/feedback/"))
    for status in ("in_progress", "done"):
        assert post(c, f"/feedback/next-steps/{step.uuid}/status", {"status": status}).status_code == 302
        db.session.refresh(step)
        assert step.status == status
    assert step.done_at is not None
    post(c, f"/feedback/next-steps/{step.uuid}/status", {"status": "open"})
    db.session.refresh(step)
    assert step.done_at is None


def test_next_step_of_another_teacher_is_not_reachable(app, held, colleague, outsider, make_feedback):
    make_feedback(held, shared=True, step_due=IN_TWO_WEEKS)
    step = db.session.scalar(select(NextStep))
    for user in (colleague, outsider):
        response = post(client_for(app, user), f"/feedback/next-steps/{step.uuid}/status", {"status": "done"})
        assert response.status_code == 404
    db.session.refresh(step)
    assert step.status == "open"


def test_next_step_agreed_after_the_talk(app, held, teacher, make_feedback):
    make_feedback(held, shared=True)
    c = client_for(app, teacher)
    assert post(c, f"/feedback/visit/{held.uuid}/next-steps", {"text": "", "due_on": ""}).status_code == 422
    assert post(c, f"/feedback/visit/{held.uuid}/next-steps",
                {"text": "Vänta tre sekunder efter frågan", "due_on": str(IN_TWO_WEEKS)}).status_code == 302
    step = db.session.scalar(select(NextStep))
    assert step.teacher_id == teacher.id and step.feedback_id is not None


def test_other_schools_visit_answers_404(app, held, outsider):
    c = client_for(app, outsider)
    assert c.get(f"/feedback/visit/{held.uuid}").status_code == 404
    assert post(c, f"/feedback/visit/{held.uuid}/draft", DRAFT).status_code == 404


def test_visit_detail_page_includes_the_shared_feedback(app, held, teacher, make_feedback):
    make_feedback(held, shared=True, summary="Sammanfattning för läraren")
    page = client_for(app, teacher).get(f"/visits/{held.uuid}")
    assert page.status_code == 200
    assert "Sammanfattning för läraren" in text(page)


def test_anonymous_walkthrough_has_no_feedback_panel(app, school, principal, planned_version):
    from observe.visits.models import Visit

    visit = Visit(school_id=school.id, kind="spontaneous", status="completed", observer_id=principal.id,
                  teacher_id=None, template_version_id=planned_version.id, focus_item_keys=[], preconference={})
    db.session.add(visit)
    db.session.commit()
    c = client_for(app, principal)
    assert 'id="feedback"' not in text(c.get(f"/visits/{visit.uuid}"))
    assert post(c, f"/feedback/visit/{visit.uuid}/draft", DRAFT).status_code == 403


def test_the_evidence_message_stands_at_the_row_that_lacks_it(app, held, principal):
    """The first strength row left empty, the second without evidence: the message is at row two."""
    author = client_for(app, principal)
    response = post(author, f"/feedback/visit/{held.uuid}/draft",
                    {**DRAFT, "strength_text_0": "", "strength_evidence_0": "",
                     "strength_text_1": "Bra frågor", "strength_evidence_1": ""})
    assert response.status_code == 422
    body = text(response)
    assert re.search(r'id="strength_evidence_1"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="strength_evidence_1"',
                     body)
    assert not re.search(r'aria-invalid="true"[^>]*id="strength_evidence_0"|id="strength_evidence_0"[^>]*aria-invalid',
                         body)
