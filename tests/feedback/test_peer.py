"""Peer observation in pairs: forming and rotating groups, the owner's focus and notes, the principal's summary."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from observe.extensions import db
from observe.feedback.models import NextStep
from observe.visits.models import PeerGroup, Visit

from tests.dates import form_value, next_weekday, stockholm, term_key, today

from .conftest import login_en, post, text


def period() -> dict:
    """A pair's period in the form: from a while back to after today."""
    return {"period_start": str(today() - dt.timedelta(days=30)), "period_end": str(today() + dt.timedelta(days=90))}


def in_two_weeks() -> str:
    return str(today() + dt.timedelta(days=14))


def client_for(app, user):
    return login_en(app.test_client(), user)


def test_principal_forms_a_confirmed_pair(app, principal, teacher, colleague):
    c = client_for(app, principal)
    response = post(c, "/feedback/peer/groups", {"members": [teacher.id, colleague.id],
                                                  **period()})
    assert response.status_code == 302
    group = db.session.scalar(select(PeerGroup))
    assert group.status == "confirmed" and {m.id for m in group.members} == {teacher.id, colleague.id}


def test_group_must_be_a_pair_or_trio(app, principal, teacher):
    c = client_for(app, principal)
    response = post(c, "/feedback/peer/groups", {"members": [teacher.id], **period()})
    assert response.status_code == 422
    assert "Choose two or three teachers" in text(response)
    assert db.session.scalar(select(PeerGroup)) is None


def test_teachers_propose_and_the_principal_confirms(app, principal, teacher, colleague):
    c = client_for(app, teacher)
    assert post(c, "/feedback/peer/groups", {"members": [teacher.id, colleague.id], **period()}).status_code == 302
    group = db.session.scalar(select(PeerGroup))
    assert group.status == "proposed"
    assert post(c, f"/feedback/peer/groups/{group.id}/confirm", {}).status_code == 403
    assert post(client_for(app, principal), f"/feedback/peer/groups/{group.id}/confirm", {}).status_code == 302
    db.session.refresh(group)
    assert group.status == "confirmed"


def test_a_proposal_must_include_the_proposer(app, teacher, colleague, make_user):
    third = make_user(name="Tredje Lärare")
    c = client_for(app, teacher)
    response = post(c, "/feedback/peer/groups", {"members": [colleague.id, third.id], **period()})
    assert response.status_code == 422
    assert db.session.scalar(select(PeerGroup)) is None


def test_rotation_keeps_history(app, principal, teacher, make_pair, make_peer_visit):
    group = make_pair()
    make_peer_visit(group, done=True)
    c = client_for(app, principal)
    assert post(c, f"/feedback/peer/groups/{group.id}/end", {}).status_code == 302
    db.session.refresh(group)
    assert group.status == "ended"
    page = text(c.get("/feedback/peer/"))
    assert "History" in page and "Lars Lärare" in page
    assert db.session.scalar(select(Visit).where(Visit.peer_group_id == group.id)) is not None


def test_observed_teacher_books_a_peer_visit_and_sets_the_focus(app, teacher, colleague, make_pair, peer_version):
    group = make_pair()
    c = client_for(app, teacher)
    assert c.get(f"/feedback/peer/groups/{group.id}/visit").status_code == 200
    response = post(c, f"/feedback/peer/groups/{group.id}/visit", {
        "observer_id": colleague.id, "scheduled_at": form_value(stockholm(next_weekday(), 10)),
        "focus_text": "Hur fördelar jag ordet?", "data_method": "Vem pratar"})
    assert response.status_code == 302
    visit = db.session.scalar(select(Visit))
    assert (visit.kind, visit.teacher_id, visit.observer_id) == ("peer", teacher.id, colleague.id)
    assert visit.template_version_id == peer_version.id and visit.purpose == "peer_learning"
    assert visit.summary_to_principal is False
    page = text(client_for(app, colleague).get(f"/feedback/visit/{visit.uuid}"))
    assert "Hur fördelar jag ordet?" in page and "The notes belong to your colleague" in page


def test_peer_visit_needs_a_focus_and_a_group_member(app, teacher, make_pair, make_user, peer_version):
    group = make_pair()
    stranger = make_user(name="Inte I Gruppen")
    c = client_for(app, teacher)
    response = post(c, f"/feedback/peer/groups/{group.id}/visit", {
        "observer_id": stranger.id, "scheduled_at": form_value(stockholm(next_weekday(), 10)), "focus_text": ""})
    assert response.status_code == 422
    assert db.session.scalar(select(Visit)) is None


def test_non_members_cannot_book_in_a_group(app, make_pair, make_user, peer_version):
    group = make_pair()
    stranger = make_user(name="Inte I Gruppen")
    assert client_for(app, stranger).get(f"/feedback/peer/groups/{group.id}/visit").status_code == 404


def test_peer_notes_are_the_pairs_only(app, principal, other_principal, make_user, make_pair, make_peer_visit):
    visit = make_peer_visit(make_pair(), done=True)
    for user in (principal, other_principal, make_user(name="Annan Lärare")):
        c = client_for(app, user)
        assert c.get(f"/feedback/visit/{visit.uuid}").status_code == 404
        assert c.get(f"/visits/{visit.uuid}").status_code == 404


def test_owner_decides_on_the_summary_to_the_principal(app, principal, teacher, colleague, make_pair,
                                                       make_peer_visit):
    visit = make_peer_visit(make_pair(), done=True, counts=9)
    boss = client_for(app, principal)
    term = term_key(visit.scheduled_at.date())  # the term the visit was held in
    page = text(boss.get(f"/feedback/follow-up?term={term}"))
    assert "Vilka elever svarar" not in page
    # The observer is not the owner and cannot share the colleague's notes.
    observer = client_for(app, colleague)
    assert post(observer, f"/feedback/visit/{visit.uuid}/summary", {"summary_to_principal": "y"}).status_code == 403
    owner = client_for(app, teacher)
    assert post(owner, f"/feedback/visit/{visit.uuid}/summary", {"summary_to_principal": "y"}).status_code == 302
    page = text(boss.get(f"/feedback/follow-up?term={term}"))
    assert "Vilka elever svarar på mina frågor?" in page and "Open questions: 9" in page
    # Focus theme and counts only: never the notes themselves.
    assert "Elev vid fönstret" not in page


def test_owner_deletes_the_notes(app, teacher, colleague, make_pair, make_peer_visit):
    visit = make_peer_visit(make_pair(), done=True)
    assert post(client_for(app, colleague), f"/feedback/visit/{visit.uuid}/delete-notes", {}).status_code == 403
    owner = client_for(app, teacher)
    assert "Delete the notes for good" in text(owner.get(f"/feedback/visit/{visit.uuid}"))
    assert post(owner, f"/feedback/visit/{visit.uuid}/delete-notes", {}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).observations == []


def test_observed_teacher_chooses_own_next_step(app, teacher, colleague, principal, make_pair, make_peer_visit):
    visit = make_peer_visit(make_pair(), done=True)
    assert post(client_for(app, colleague), f"/feedback/visit/{visit.uuid}/next-steps",
                {"text": "x", "due_on": in_two_weeks()}).status_code == 403
    c = client_for(app, teacher)
    assert post(c, f"/feedback/visit/{visit.uuid}/next-steps",
                {"text": "Fler öppna frågor", "due_on": in_two_weeks()}).status_code == 302
    step = db.session.scalar(select(NextStep))
    assert step.teacher_id == teacher.id and step.feedback_id is None
    # Both in the pair see it; principals do not (it is part of the pair's notes).
    assert "Fler öppna frågor" in text(client_for(app, colleague).get(f"/feedback/visit/{visit.uuid}"))
    assert "Fler öppna frågor" not in text(client_for(app, principal).get("/feedback/"))


def test_who_observed_whom_and_what_is_left(app, teacher, colleague, make_pair, make_peer_visit):
    group = make_pair()
    make_peer_visit(group, observer=colleague, of=teacher, done=True)
    page = text(client_for(app, teacher).get("/feedback/peer/")).replace("> <", "><")
    assert 'Karin Kollega</td><td>Lars Lärare</td><td><span class="fl-badge fl-ok">Done' in page
    assert 'Lars Lärare</td><td>Karin Kollega</td><td><span class="fl-badge fl-warn">Still to do' in page


def test_peer_step_of_pair_not_shown_before_a_principals_visit(app, teacher, principal, make_pair,
                                                               make_peer_visit, make_planned):
    visit = make_peer_visit(make_pair(), done=True)
    db.session.add(NextStep(school_id=visit.school_id, visit_id=visit.id, teacher_id=teacher.id,
                            created_by_id=teacher.id, text="Parets hemliga steg", due_on=today() + dt.timedelta(days=14)))
    db.session.commit()
    planned = make_planned()
    assert "Parets hemliga steg" not in text(client_for(app, principal).get(f"/planning/{planned.uuid}"))


def test_reading_a_peer_visit_is_audited(app, colleague, make_pair, make_peer_visit):
    from observe.audit.models import AuditEvent

    visit = make_peer_visit(make_pair(), done=True)
    assert client_for(app, colleague).get(f"/feedback/visit/{visit.uuid}").status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "visit.view"))
    assert event.user_id == colleague.id and event.object_id == str(visit.uuid)


def test_the_same_teachers_cannot_be_in_two_groups_at_once(app, principal, teacher, colleague, make_user, make_pair):
    """A pair and then a trio holding the same pair, in an overlapping period, would give the two
    teachers conflicting status on their pages."""
    make_pair(start=today() - dt.timedelta(days=10), end=today() + dt.timedelta(days=20))
    third = make_user(name="Tredje Lärare")
    c = client_for(app, principal)
    response = post(c, "/feedback/peer/groups", {"members": [teacher.id, colleague.id, third.id], **period()})
    assert response.status_code == 422
    assert "are already in a group together" in text(response)
    assert db.session.query(PeerGroup).count() == 1
    # After that period, or with another partner, it is fine.
    later = {"period_start": str(today() + dt.timedelta(days=21)), "period_end": str(today() + dt.timedelta(days=60))}
    assert post(c, "/feedback/peer/groups", {"members": [teacher.id, colleague.id], **later}).status_code == 302
    assert post(c, "/feedback/peer/groups", {"members": [teacher.id, third.id], **period()}).status_code == 302


def test_booking_outside_the_groups_period_warns_and_in_the_past_is_refused(app, teacher, colleague, make_pair,
                                                                          peer_version):
    group = make_pair(start=today() - dt.timedelta(days=10), end=today() + dt.timedelta(days=2))
    c = client_for(app, teacher)
    late = stockholm(today() + dt.timedelta(days=9), 10)
    response = post(c, f"/feedback/peer/groups/{group.id}/visit", {
        "observer_id": colleague.id, "scheduled_at": form_value(late), "focus_text": "Vem pratar?"})
    assert response.status_code == 302
    page = text(c.get(response.headers["Location"]))
    assert "the observation is outside your group" in page
    past = stockholm(today() - dt.timedelta(days=3), 10)
    response = post(c, f"/feedback/peer/groups/{group.id}/visit", {
        "observer_id": colleague.id, "scheduled_at": form_value(past), "focus_text": "Vem pratar?"})
    assert response.status_code == 422 and "This time has passed" in text(response)
    assert db.session.query(Visit).count() == 1


def test_teachers_accept_the_group_the_principal_formed_before_booking(app, principal, teacher, colleague,
                                                                       peer_version):
    """A group formed by the principal is the teachers' to accept (it was confirmed over their heads)."""
    boss = client_for(app, principal)
    assert post(boss, "/feedback/peer/groups", {"members": [teacher.id, colleague.id], **period()}).status_code == 302
    group = db.session.scalar(select(PeerGroup))
    lars, karin = client_for(app, teacher), client_for(app, colleague)
    home = text(lars.get("/"))
    assert "Accept your peer-observation group with Karin Kollega" in home
    booking = {"observer_id": colleague.id, "scheduled_at": form_value(stockholm(next_weekday(), 10)),
               "focus_text": "Vem pratar?"}
    refused = post(lars, f"/feedback/peer/groups/{group.id}/visit", booking)
    assert refused.status_code == 422 and "must both accept the group first" in text(refused)
    assert post(lars, f"/feedback/peer/groups/{group.id}/accept", {}).status_code == 302
    assert "Accept your peer-observation group" not in text(lars.get("/"))
    assert "Waiting for Karin Kollega to accept the group." in text(lars.get("/feedback/peer/"))
    assert post(karin, f"/feedback/peer/groups/{group.id}/accept", {}).status_code == 302
    assert post(lars, f"/feedback/peer/groups/{group.id}/visit", booking).status_code == 302


def test_a_teacher_asks_for_a_change_and_the_principal_reads_it(app, principal, teacher, colleague):
    boss = client_for(app, principal)
    post(boss, "/feedback/peer/groups", {"members": [teacher.id, colleague.id], **period()})
    group = db.session.scalar(select(PeerGroup))
    lars = client_for(app, teacher)
    assert post(lars, f"/feedback/peer/groups/{group.id}/change",
                {"text": "Jag vill hellre gå med någon från 4–6."}).status_code == 302
    page = text(boss.get("/feedback/peer/"))
    assert "Lars Lärare asks for a change: Jag vill hellre gå med någon från 4–6." in page
    assert "Waiting for Karin Kollega, Lars Lärare to accept the group." in page
    # An empty request says what is missing and changes nothing.
    post(client_for(app, colleague), f"/feedback/peer/groups/{group.id}/change", {"text": "  "})
    db.session.refresh(group)
    assert group.change_request["name"] == "Lars Lärare"


def test_the_teacher_who_proposes_has_accepted(app, teacher, colleague):
    lars = client_for(app, teacher)
    post(lars, "/feedback/peer/groups", {"members": [teacher.id, colleague.id], **period()})
    group = db.session.scalar(select(PeerGroup))
    assert group.accepted_user_ids == [teacher.id]
    assert "Accept your peer-observation group" in text(client_for(app, colleague).get("/feedback/"))
