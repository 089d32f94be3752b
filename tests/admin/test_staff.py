"""Adding staff one by one (with an invitation, never a password an admin types), editing roles, deactivating."""
from __future__ import annotations

import re

from sqlalchemy import select

from observe.audit.models import AuditEvent
from observe.auth.models import Membership, Role, User
from observe.auth.passwords import verify_password
from observe.auth.services import find_user
from observe.auth.sessions import WebSession
from observe.extensions import db
from tests.conftest import PASSWORD, login


def add(post, **fields):
    data = {"name": "Anna Andersson", "email": "Anna.Andersson@Skola.se", "roles": ["teacher"]}
    data.update(fields)
    return post("/admin/staff/new", data)


def test_staff_list_shows_everyone_with_their_roles(client, as_admin, make_user, outsider):
    make_user(Role.PRINCIPAL, Role.TEACHER, name="Rut Rektor")
    html = client.get("/admin/staff").get_data(as_text=True)
    assert "Rut Rektor" in html and "Principal, Teacher" in html
    assert "Ada Admin" in html
    assert "Olle" not in html  # another organisation's school


def test_add_a_staff_member(app, client, as_admin, post):
    response = add(post, roles=["teacher", "principal"])
    assert response.status_code == 302 and response.headers["Location"] == "/admin/staff"
    user = find_user("anna.andersson@skola.se")
    assert user.email == "anna.andersson@skola.se"  # stored lower-case
    assert user.roles_in(user.school_ids[0]) == {Role.TEACHER, Role.PRINCIPAL}
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_id == str(user.id))
                             .order_by(AuditEvent.id)) == "staff.add"


def test_the_add_form_has_no_password_field(client, as_admin):
    assert 'type="password"' not in client.get("/admin/staff/new").get_data(as_text=True)


def test_add_without_password_makes_an_account_that_cannot_log_in_yet(app, as_admin, post):
    assert add(post).status_code == 302
    user = find_user("anna.andersson@skola.se")
    assert user.password_hash is None
    assert login(app.test_client(), user.email, "").status_code == 400


def test_add_refuses_missing_roles_and_bad_emails(as_admin, post):
    assert "Choose at least one role." in add(post, roles=[]).get_data(as_text=True)
    response = add(post, email="anna@")
    assert response.status_code == 400 and "not a valid e-mail address" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.name == "Anna Andersson")) is None


def test_add_refuses_someone_already_on_the_staff(as_admin, post, teacher):
    response = add(post, email="LARARE@example.se")
    assert response.status_code == 400
    assert "already on the staff of this school" in response.get_data(as_text=True)


def test_add_refuses_an_email_of_another_organisation(as_admin, post, outsider):
    response = add(post, email=outsider.email)
    assert response.status_code == 400
    assert "account in another organisation" in response.get_data(as_text=True)
    db.session.refresh(outsider)
    assert len(outsider.memberships) == 1


def test_a_colleague_from_a_sister_school_gets_roles_here(as_admin, post, make_school, make_user, school):
    sister = make_school("Lönnskolan", organisation=school.organisation)
    colleague = make_user(Role.TEACHER, school=sister, email="pendlare@example.se")
    hash_before = colleague.password_hash
    response = add(post, email="pendlare@example.se", roles=["teacher"])
    assert response.status_code == 302
    db.session.refresh(colleague)
    assert set(colleague.school_ids) == {school.id, sister.id}
    assert colleague.password_hash == hash_before


def test_edit_roles(client, as_admin, post, teacher, school):
    page = client.get(f"/admin/staff/{teacher.id}").get_data(as_text=True)
    assert re.search(r'<input checked [^>]*value="teacher"', page)
    assert not re.search(r'<input checked [^>]*value="admin"', page)
    assert post(f"/admin/staff/{teacher.id}", {"roles": ["teacher", "principal"]}).status_code == 302
    db.session.refresh(teacher)
    assert teacher.roles_in(school.id) == {Role.TEACHER, Role.PRINCIPAL}
    assert post(f"/admin/staff/{teacher.id}", {"roles": ["principal"]}).status_code == 302
    db.session.refresh(teacher)
    assert teacher.roles_in(school.id) == {Role.PRINCIPAL}
    assert post(f"/admin/staff/{teacher.id}", {"roles": []}).status_code == 400
    assert post(f"/admin/staff/{teacher.id}", {"roles": ["owner"]}).status_code == 400
    db.session.refresh(teacher)
    assert teacher.roles_in(school.id) == {Role.PRINCIPAL}


def test_roles_at_other_schools_are_left_alone(as_admin, post, make_school, make_user, school):
    sister = make_school("Lönnskolan", organisation=school.organisation)
    colleague = make_user(Role.TEACHER, school=sister)
    db.session.add(Membership(user_id=colleague.id, school_id=school.id, role=Role.TEACHER))
    db.session.commit()
    assert post(f"/admin/staff/{colleague.id}", {"roles": ["principal"]}).status_code == 302
    db.session.refresh(colleague)
    assert colleague.roles_in(sister.id) == {Role.TEACHER}
    assert colleague.roles_in(school.id) == {Role.PRINCIPAL}


def test_admin_cannot_remove_their_own_admin_role(as_admin, post, admin_user, school):
    response = post(f"/admin/staff/{admin_user.id}", {"roles": ["teacher"]})
    assert response.status_code == 400
    assert "cannot remove your own administrator role" in response.get_data(as_text=True)
    db.session.refresh(admin_user)
    assert Role.ADMIN in admin_user.roles_in(school.id)


def test_deactivating_ends_the_persons_sessions_and_blocks_login(app, as_admin, post, teacher):
    teachers_tablet = app.test_client()
    login(teachers_tablet, teacher)
    assert teachers_tablet.get("/password").status_code == 200
    response = post(f"/admin/staff/{teacher.id}/deactivate", page=f"/admin/staff/{teacher.id}")
    assert response.status_code == 302
    assert teachers_tablet.get("/password").status_code == 302
    assert not db.session.scalars(select(WebSession).where(WebSession.user_id == teacher.id)).all()
    assert login(teachers_tablet, teacher).status_code == 401
    db.session.refresh(teacher)
    assert not teacher.active
    assert post(f"/admin/staff/{teacher.id}/reactivate", page=f"/admin/staff/{teacher.id}").status_code == 302
    assert login(teachers_tablet, teacher).status_code == 302


def test_deactivate_needs_the_csrf_token(client, as_admin, teacher):
    assert client.post(f"/admin/staff/{teacher.id}/deactivate").status_code == 400
    db.session.refresh(teacher)
    assert teacher.active


def test_admin_cannot_deactivate_themselves(client, as_admin, post, admin_user):
    response = post(f"/admin/staff/{admin_user.id}/deactivate", page="/admin/staff")
    assert response.status_code == 302
    assert "cannot deactivate your own account" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(admin_user)
    assert admin_user.active


def test_an_account_reaching_a_school_one_does_not_run_cannot_be_taken_over(
        client, as_admin, post, make_school, make_user, school):
    sister = make_school("Lönnskolan", organisation=school.organisation)
    other_admin = make_user(Role.TEACHER, school=school, email="dubbel@example.se")
    db.session.add(Membership(user_id=other_admin.id, school_id=sister.id, role=Role.ADMIN))
    db.session.commit()
    page = f"/admin/staff/{other_admin.id}"
    assert "also works at a school where you are not an administrator" in client.get(page).get_data(as_text=True)
    assert post(f"{page}/invite", page=page).status_code == 403  # no new-password link to their mailbox either
    assert post(f"{page}/deactivate", page=page).status_code == 403
    db.session.refresh(other_admin)
    assert other_admin.active and verify_password(other_admin.password_hash, PASSWORD)
    assert post(page, {"roles": ["principal"]}).status_code == 302  # roles here are this school's business


def test_an_admin_of_both_schools_may_manage_the_account(as_admin, post, admin_user, make_school, make_user,
                                                         school):
    sister = make_school("Lönnskolan", organisation=school.organisation)
    colleague = make_user(Role.TEACHER, school=school)
    db.session.add_all([Membership(user_id=colleague.id, school_id=sister.id, role=Role.TEACHER),
                        Membership(user_id=admin_user.id, school_id=sister.id, role=Role.ADMIN)])
    db.session.commit()
    page = f"/admin/staff/{colleague.id}"
    assert post(f"{page}/invite", page=page).status_code == 302


def test_an_admin_of_every_school_appoints_organisation_leaders(client, as_admin, post, teacher):
    page = f"/admin/staff/{teacher.id}"
    assert "Organisation leadership" in client.get(page).get_data(as_text=True)
    assert post(f"{page}/org-leader", {"is_org_leader": "y"}, page=page).status_code == 302
    db.session.refresh(teacher)
    assert teacher.is_org_leader
    assert "Organisation leader" in client.get("/admin/staff").get_data(as_text=True)
    assert post(f"{page}/org-leader", {}, page=page).status_code == 302
    db.session.refresh(teacher)
    assert not teacher.is_org_leader
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "staff.org_leader")).all() \
        == ["staff.org_leader"] * 2


def test_an_admin_of_one_school_among_several_cannot_appoint_them(client, as_admin, post, make_school, teacher,
                                                                  school):
    make_school("Lönnskolan", organisation=school.organisation)
    page = f"/admin/staff/{teacher.id}"
    assert "Organisation leadership" not in client.get(page).get_data(as_text=True)
    assert post(f"{page}/org-leader", {"is_org_leader": "y"}, page=page).status_code == 403
    db.session.refresh(teacher)
    assert not teacher.is_org_leader


def test_removing_someone_from_the_school_keeps_their_account_and_other_schools(
        client, as_admin, post, make_school, make_user, school):
    from observe.schools.models import TeacherGroup

    sister = make_school("Lönnskolan", organisation=school.organisation)
    mover = make_user(Role.TEACHER, Role.PRINCIPAL, school=school, name="Maja Flyttar")
    db.session.add(Membership(user_id=mover.id, school_id=sister.id, role=Role.TEACHER))
    group = TeacherGroup(school_id=school.id, name="Arbetslag 2", members=[mover])
    db.session.add(group)
    db.session.commit()
    page = f"/admin/staff/{mover.id}"
    assert post(f"{page}/remove", page=page).status_code == 302
    db.session.refresh(mover)
    assert mover.school_ids == [sister.id] and mover.active
    db.session.refresh(group)
    assert group.members == []
    assert "Maja Flyttar</a>" not in client.get("/admin/staff").get_data(as_text=True)  # gone from the list
    assert client.get(page).status_code == 404  # no longer this school's staff


def test_an_admin_cannot_remove_themselves(as_admin, post, admin_user, school):
    page = f"/admin/staff/{admin_user.id}"
    assert post(f"{page}/remove", page=page).status_code == 302
    db.session.refresh(admin_user)
    assert admin_user.roles_in(school.id) == {Role.ADMIN}
