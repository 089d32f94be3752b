"""`flask --app observe create-user`: the first administrator of a new installation."""
from __future__ import annotations

from observe.auth.models import Role
from observe.auth.services import find_user
from observe.auth.passwords import verify_password
from observe.extensions import db
from observe.schools.models import School


def create(runner, *extra, email="Ada@Example.se", password="long enough pw"):
    return runner.invoke(args=["create-user", "--email", email, "--name", "Ada Admin", "--school", "Ekskolan",
                               "--organisation", "Ekby kommun", "--password", password, *extra])


def test_create_user_makes_an_admin_at_a_new_school(runner, ctx):
    result = create(runner, "--role", "admin", "--role", "principal")
    assert result.exit_code == 0, result.output
    assert "created ada@example.se" in result.output
    user = find_user("ada@example.se")
    assert user.email == "ada@example.se"  # stored lower-case
    assert verify_password(user.password_hash, "long enough pw")
    school = db.session.get(School, user.school_ids[0])
    assert school.name == "Ekskolan" and school.organisation.name == "Ekby kommun"
    assert user.roles_in(school.id) == {Role.ADMIN, Role.PRINCIPAL}


def test_create_user_refuses_a_duplicate_email_whatever_its_case(runner, ctx):
    assert create(runner).exit_code == 0
    result = create(runner, email="ADA@example.SE")
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_create_user_refuses_a_short_password(runner, ctx):
    result = create(runner, password="short")
    assert result.exit_code != 0 and "at least 8 characters" in result.output
    assert find_user("ada@example.se") is None


def test_create_user_refuses_a_malformed_email(runner, ctx):
    result = create(runner, email="ada-at-example")
    assert result.exit_code != 0 and result.output.startswith("Error: ada-at-example:")
    assert find_user("ada-at-example") is None


def test_a_second_user_joins_the_existing_school(runner, ctx):
    assert create(runner).exit_code == 0
    assert create(runner, email="bo@example.se").exit_code == 0
    assert db.session.query(School).filter_by(name="Ekskolan").count() == 1


def test_create_user_can_make_an_organisation_leader(runner, ctx):
    assert create(runner, "--org-leader").exit_code == 0
    assert find_user("ada@example.se").is_org_leader
    assert create(runner, email="bo@example.se").exit_code == 0
    assert not find_user("bo@example.se").is_org_leader


def test_set_password_replaces_the_password_and_ends_sessions(app, runner, ctx, client):
    from tests.conftest import login

    assert create(runner).exit_code == 0
    assert login(client, "ada@example.se", "long enough pw").status_code == 302
    result = runner.invoke(args=["set-password", "--email", "ADA@example.se", "--temporary",
                                 "--password", "a new one!"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    user = find_user("ada@example.se")
    assert verify_password(user.password_hash, "a new one!") and user.password_change_required
    assert client.get("/").status_code == 302  # the old session is gone


def test_set_password_names_what_is_wrong(runner, ctx):
    assert "no user with e-mail nobody@example.se" in runner.invoke(
        args=["set-password", "--email", "nobody@example.se", "--password", "long enough"]).output
    assert create(runner).exit_code == 0
    result = runner.invoke(args=["set-password", "--email", "ada@example.se", "--password", "short"])
    assert result.exit_code != 0 and "at least 8 characters" in result.output
