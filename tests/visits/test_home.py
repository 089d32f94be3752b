"""The home page shows each role what it needs next."""
from __future__ import annotations

import datetime as dt

from observe.auth.models import Role
from observe.extensions import db
from observe.feedback.models import Feedback, NextStep


def test_principal_sees_start_button_today_recent_and_team_steps(client, login_as, principal, teacher, make_visit):
    soon = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)
    make_visit(principal, teacher, kind="planned", status="planned", scheduled_at=soon, observation=False,
               subject="Biologi")
    make_visit(principal, teacher, subject="Matematik")
    db.session.add(NextStep(school_id=teacher.memberships[0].school_id, teacher_id=teacher.id,
                            text="Pröva exit tickets i slutet av lektionen", status="open"))
    db.session.commit()
    html = login_as(principal).get("/").get_data(as_text=True)
    assert 'href="/visits/new"' in html
    today = html.split('id="h-today"')[1].split("</section>")[0]
    assert "Biologi" in today and "Matematik" not in today
    recent = html.split('id="h-recent"')[1].split("</section>")[0]
    assert "Matematik" in recent and "Lars Lärare" in recent
    assert "Pröva exit tickets" in html
    assert 'id="h-feedback"' not in html  # no teacher sections for a principal-only user


def test_teacher_sees_only_shared_feedback_and_own_steps(client, login_as, principal, teacher, make_user,
                                                        make_visit):
    other = make_user(Role.TEACHER, name="Olle Annan")
    shared = make_visit(principal, teacher, subject="Svenska")
    draft = make_visit(principal, teacher, subject="Engelska")
    school_id = shared.school_id
    db.session.add_all([
        Feedback(school_id=school_id, visit_id=shared.id, author_id=principal.id, status="shared",
                 shared_at=dt.datetime.now(dt.timezone.utc), summary="Tydlig start"),
        Feedback(school_id=school_id, visit_id=draft.id, author_id=principal.id, status="draft"),
        NextStep(school_id=school_id, teacher_id=teacher.id, text="Mitt steg", status="open"),
        NextStep(school_id=school_id, teacher_id=teacher.id, text="Klart steg", status="done"),
        NextStep(school_id=school_id, teacher_id=other.id, text="Annans steg", status="open"),
    ])
    db.session.commit()
    html = login_as(teacher).get("/").get_data(as_text=True)
    feedback = html.split('id="h-feedback"')[1].split("</section>")[0]
    assert "Svenska" in feedback and "Engelska" not in feedback
    steps = html.split('id="h-my-steps"')[1].split("</section>")[0]
    assert "Mitt steg" in steps and "Klart steg" not in steps and "Annans steg" not in steps
    assert 'href="/visits/new"' not in html  # teachers do not start walkthroughs


def test_teacher_sees_peer_observations_they_take_part_in(client, login_as, teacher, make_user, make_visit):
    colleague = make_user(Role.TEACHER, name="Karin Kollega")
    outsider = make_user(Role.TEACHER, name="Ulf Utanför")
    make_visit(colleague, teacher, kind="peer", subject="Slöjd")
    make_visit(colleague, outsider, kind="peer", subject="Musik")
    html = login_as(teacher).get("/").get_data(as_text=True)
    peer = html.split('id="h-peer"')[1].split("</section>")[0]
    assert "Slöjd" in peer and "Musik" not in peer


def test_admin_sees_administration_block(client, login_as, admin_user):
    html = login_as(admin_user).get("/").get_data(as_text=True)
    assert 'id="h-admin"' in html
    assert 'id="h-today"' not in html and 'id="h-feedback"' not in html


def test_home_needs_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_teacher_sees_who_is_coming_and_one_to_do_list_with_the_menus_count(client, login_as, principal, teacher,
                                                                             make_visit):
    """Her home page lists the planned visit (who, when), asks for the pre-conference and for reading the
    shared feedback; the menu badge counts the same items as the list."""
    coming = make_visit(principal, teacher, kind="planned", status="planned", observation=False, started_at=None,
                        subject="Biologi", scheduled_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2))
    done = make_visit(principal, teacher, subject="Svenska")
    db.session.add(Feedback(school_id=done.school_id, visit_id=done.id, author_id=principal.id, status="shared",
                            shared_at=dt.datetime.now(dt.timezone.utc), summary="Tydlig start"))
    db.session.commit()
    html = login_as(teacher).get("/").get_data(as_text=True)
    visits = html.split('id="h-coming"')[1].split("</section>")[0]
    assert "Biologi" in visits and f"{principal.name} is coming" in visits
    assert f"/planning/{coming.uuid}" in visits or str(coming.uuid) in visits
    todo = html.split('id="h-todo"')[1].split("</section>")[0]
    items = todo.count('class="fl-reminder ')
    assert items == 2
    assert "Write your pre-conference" in todo and "waiting for you to read and acknowledge it" in todo
    assert f"Feedback ({items})" in html


def test_nothing_to_do_says_so(client, login_as, teacher):
    html = login_as(teacher).get("/").get_data(as_text=True)
    todo = html.split('id="h-todo"')[1].split("</section>")[0]
    assert "Nothing needs your attention right now." in todo
    assert "No planned visits to your lessons." in html
