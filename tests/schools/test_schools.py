"""Schools of an organisation, and moving between the schools one works at."""
from __future__ import annotations

from sqlalchemy import select

from observe.auth.models import Membership, Role
from observe.extensions import db
from observe.schools.models import School
from tests.conftest import csrf_token


def test_list_shows_the_organisations_schools_only(client, as_admin, make_school, school, other_school):
    make_school("Lönnskolan", organisation=school.organisation)
    html = client.get("/admin/schools").get_data(as_text=True)
    assert "Björkskolan" in html and "Lönnskolan" in html
    assert "Granskolan" not in html


def test_an_admin_adds_a_school_and_becomes_its_admin(client, as_admin, post, admin_user, school):
    response = post("/admin/schools", {"name": "  Ekskolan "})
    assert response.status_code == 302
    new = db.session.scalar(select(School).where(School.name == "Ekskolan"))
    assert new.organisation_id == school.organisation_id
    db.session.refresh(admin_user)
    assert admin_user.roles_in(new.id) == {Role.ADMIN}
    # Switch to the new school: its admin pages now answer for it.
    response = post("/school", {"school_id": new.id}, page="/admin/")
    assert response.status_code == 302
    assert "Staff at Ekskolan" in client.get("/admin/staff").get_data(as_text=True)


def test_school_names_are_unique_in_the_organisation(as_admin, post, school):
    response = post("/admin/schools", {"name": "björkskolan"})
    assert response.status_code == 400
    assert "already has a school with this name" in response.get_data(as_text=True)
    assert db.session.query(School).filter_by(organisation_id=school.organisation_id).count() == 1


def test_switcher_is_shown_only_to_people_at_several_schools(client, login_as, teacher, make_school, school):
    login_as(teacher)
    assert 'class="school-switch"' not in client.get("/password").get_data(as_text=True)
    sister = make_school("Lönnskolan", organisation=school.organisation)
    db.session.add(Membership(user_id=teacher.id, school_id=sister.id, role=Role.TEACHER))
    db.session.commit()
    html = client.get("/password").get_data(as_text=True)
    assert 'class="school-switch"' in html and "Lönnskolan" in html


def test_one_cannot_switch_to_a_school_without_a_role_there(client, login_as, teacher, other_school):
    login_as(teacher)
    response = client.post("/school", data={"school_id": other_school.id, "csrf_token": csrf_token(client, "/password")})
    assert response.status_code == 404
