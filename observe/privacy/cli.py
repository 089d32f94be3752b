"""`flask --app observe retention`: apply every school's retention periods (safe from cron)."""
from __future__ import annotations

import click
from flask import Flask

from . import retention


def register(app: Flask) -> None:
    """Add `flask retention` (called by observe.cli.register with the other commands)."""

    @app.cli.command("retention")
    def retention_command():
        """De-identify old walkthroughs, delete old planned visits and peer notes. Idempotent."""
        report = retention.run()
        for school, counts in report.items():
            click.echo(f"{school}: " + ", ".join(f"{key}={value}" for key, value in counts.items()))
