"""Every admin page: anonymous visitors go to the login page, teachers and principals get 403,
and records of another school answer 404 (exactly like records that do not exist)."""
from __future__ import annotations

import pytest

from observe.auth.models import Role
from observe.extensions import db
from observe.schools.models import TeacherGroup
from tests.conftest import csrf_token, login


@pytest.fixture
def records(make_user, school, other_school, outsider):
    """A staff member and a group here, and the same in another organisation's school."""
    colleague = make_user(Role.TEACHER, name="Karin Kollega")
    group = TeacherGroup(school_id=school.id, name="Arbetslag 1")
    foreign_group = TeacherGroup(school_id=other_school.id, name="Arbetslag Gran")
    db.session.add_all([group, foreign_group])
    db.session.commit()
    return {"user": colleague.id, "group": group.id, "foreign_user": outsider.id, "foreign_group": foreign_group.id}


GET_PAGES = ["/admin/", "/admin/schools", "/admin/staff", "/admin/staff/new", "/admin/staff/{user}",
             "/admin/staff/import", "/admin/groups", "/admin/groups/new", "/admin/groups/{group}", "/admin/devices",
             "/admin/retention", "/admin/staff/import/staff-template.csv"]
POST_ACTIONS = ["/admin/schools", "/admin/staff/new", "/admin/staff/{user}", "/admin/staff/{user}/invite",
                "/admin/staff/invite-all", "/admin/staff/{user}/org-leader", "/admin/staff/{user}/remove",
                "/admin/staff/{user}/deactivate", "/admin/staff/{user}/reactivate", "/admin/staff/import",
                "/admin/staff/import/confirm", "/admin/groups/new", "/admin/groups/{group}",
                "/admin/groups/{group}/delete", "/admin/retention"]


@pytest.mark.parametrize("path", GET_PAGES)
def test_anonymous_visitors_are_sent_to_login(client, records, path):
    response = client.get(path.format(**records))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", POST_ACTIONS)
def test_anonymous_posts_are_sent_to_login(client, records, path):
    response = client.post(path.format(**records), data={"csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", [Role.TEACHER, Role.PRINCIPAL])
def test_teachers_and_principals_are_refused_everywhere(client, make_user, records, role):
    user = make_user(role)
    assert login(client, user).status_code == 302
    token = csrf_token(client, "/password")
    for path in GET_PAGES:
        assert client.get(path.format(**records)).status_code == 403, path
    for path in POST_ACTIONS:
        assert client.post(path.format(**records), data={"csrf_token": token}).status_code == 403, path
    db.session.expire_all()
    assert db.session.get(TeacherGroup, records["group"]) is not None


@pytest.mark.parametrize("path", [p for p in GET_PAGES + POST_ACTIONS if "{" in p])
def test_another_schools_records_answer_404(client, as_admin, records, path):
    foreign = path.format(user=records["foreign_user"], group=records["foreign_group"])
    missing = path.format(user=999999, group=999999)
    token = csrf_token(client, "/admin/")
    for target in (foreign, missing):
        if path in GET_PAGES:
            assert client.get(target).status_code == 404, target
        if path in POST_ACTIONS:
            assert client.post(target, data={"csrf_token": token, "roles": ["teacher"], "name": "x"}).status_code == 404, target
    db.session.expire_all()
    assert db.session.get(TeacherGroup, records["foreign_group"]) is not None


def test_admin_at_another_school_only_is_refused_here(client, make_user, school, other_school):
    user = make_user(Role.TEACHER, school=school)
    from observe.auth.models import Membership

    db.session.add(Membership(user_id=user.id, school_id=other_school.id, role=Role.ADMIN))
    db.session.commit()
    login(client, user)
    with client.session_transaction() as sess:
        sess["school_id"] = school.id
    assert client.get("/admin/").status_code == 403


def test_admin_link_is_shown_to_admins_only(client, make_user, admin_user):
    login(client, admin_user)
    assert 'href="/admin/"' in client.get("/password").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/password")})
    login(client, make_user(Role.TEACHER, Role.PRINCIPAL))
    assert 'href="/admin/"' not in client.get("/password").get_data(as_text=True)
