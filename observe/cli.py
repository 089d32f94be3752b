"""Command-line tasks: `flask --app observe create-user`, `set-password`, `demo`, `retention`
(privacy/cli.py), `insights verify|rebuild` (insights/cli.py), and Flask-Migrate's `db upgrade`."""
from __future__ import annotations

import click
from flask import Flask

from .admin.services import normalise_email
from .audit import services as audit
from .auth.passwords import hash_password
from .auth.services import create_user as make_user
from .auth.services import end_all_sessions, find_user
from .auth.sessions import end_sessions_of
from .demo import load_demo
from .extensions import db
from .insights import cli as insights_cli
from .privacy import cli as privacy_cli
from .schools.services import get_or_create_school


def register(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--school", "school_name", required=True, help="School name; created if missing.")
    @click.option("--organisation", "org_name", default=None, help="Organisation (huvudman) of a new school.")
    @click.option("--role", "roles", multiple=True, type=click.Choice(["admin", "principal", "teacher"]),
                  default=["teacher"], show_default=True)
    @click.option("--org-leader", is_flag=True, help="Sees de-identified figures of every school of the organisation.")
    @click.password_option()
    def create_user(email, name, school_name, org_name, roles, org_leader, password):
        """Create a user with roles at a school. Their password works even when password sign-in is off
        (OBSERVE_PASSWORD_LOGIN=0): the break-glass account for when the identity provider is down."""
        try:
            email = normalise_email(email)
        except ValueError as exc:
            raise click.ClickException(f"{email}: {exc}") from exc
        if find_user(email):
            raise click.ClickException(f"a user with e-mail {email} already exists")
        if len(password) < 8:
            raise click.ClickException("the password must have at least 8 characters")
        school = get_or_create_school(school_name, org_name)
        user = make_user(organisation_id=school.organisation_id, email=email, name=name, password=password,
                         roles={school.id: list(roles)})
        user.is_org_leader = org_leader
        user.break_glass = True  # may use this password even with OBSERVE_PASSWORD_LOGIN=0 (docs/security.md)
        db.session.commit()
        click.echo(f"created {email} ({', '.join(roles)}) at {school.name}")

    @app.cli.command("set-password")
    @click.option("--email", required=True)
    @click.option("--temporary", is_flag=True, help="The user must choose their own password at the next login.")
    @click.password_option()
    def set_password(email, temporary, password):
        """Give a user a new password (e.g. the only admin forgot theirs); ends their sessions."""
        user = find_user(email)
        if user is None:
            raise click.ClickException(f"no user with e-mail {email}")
        if len(password) < 8:
            raise click.ClickException("the password must have at least 8 characters")
        user.password_hash = hash_password(password)
        user.password_change_required = temporary
        end_all_sessions(user)
        end_sessions_of(user.id)
        audit.record("password.cli", user, subject=user.email, user_id=user.id, temporary=temporary)
        db.session.commit()
        click.echo(f"new password set for {user.email}; their sessions were ended")

    @app.cli.command("demo")
    def demo():
        """Load the demo school (idempotent: does nothing when it is already there)."""
        created = load_demo()
        click.echo("demo school loaded" if created else "demo school already present")

    privacy_cli.register(app)
    insights_cli.register(app)
