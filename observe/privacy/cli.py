"""`flask --app observe retention`: apply every school's retention periods (safe from cron)."""
from __future__ import annotations

import click

from . import retention
from .views import bp


@bp.cli.command("retention")
def retention_command():
    """De-identify old walkthroughs, delete old planned visits and peer notes. Idempotent."""
    report = retention.run()
    for school, counts in report.items():
        click.echo(f"{school}: " + ", ".join(f"{key}={value}" for key, value in counts.items()))
