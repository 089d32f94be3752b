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
