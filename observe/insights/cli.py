"""`flask insights verify` and `flask insights rebuild`: the dashboard's rollups against the answer rows."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from ..extensions import db
from ..visits import rollups


def register(app: Flask) -> None:
    """Add the `flask insights` group (called by observe.cli.register with the other commands)."""
    group = AppGroup("insights", help="The dashboard's monthly rollups (observe/visits/rollups.py).")

    @group.command("verify")
    def verify_command():
        """Recompute every rollup from the answer rows and list any difference (exit status 1 if one)."""
        problems = rollups.verify()
        db.session.rollback()
        for line in problems:
            click.echo(line)
        if problems:
            click.echo(f"{len(problems)} differences between the rollups and the answer rows; "
                       "`flask insights rebuild` recomputes them", err=True)
            sys.exit(1)
        click.echo("the rollups agree with the answer rows")

    @group.command("rebuild")
    def rebuild_command():
        """Recompute every rollup from the answer rows (after a bulk load or an upgrade). Idempotent."""
        rollups.rebuild()
        db.session.commit()
        click.echo("rollups recomputed from the answer rows")

    app.cli.add_command(group)
