"""`flask --app observe feedback send-reminders`: e-mail the reminders of the feedback loop (daily, from cron)."""
from __future__ import annotations

import click
from flask import current_app

from ..extensions import db
from ..schools.models import School
from . import mail
from .blueprint import bp


@bp.cli.command("send-reminders")
@click.option("--base-url", default="http://localhost:5000", show_default=True,
              help="The address staff open Observe at, for the links in the e-mails.")
def send_reminders_command(base_url):
    """E-mail every school's staff the reminders they have not been mailed yet (run daily, e.g. from cron)."""
    total = 0
    for school in db.session.scalars(db.select(School).order_by(School.id)):
        with current_app.test_request_context(base_url=base_url):
            total += mail.send_reminders(school)
    click.echo(f"sent {total} reminder e-mails")
