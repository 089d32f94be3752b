"""An observation's answers as rows (ObservationAnswer): what insights aggregate.

Only complete observations have rows; every write of an observation replaces them
(`write_answer_rows`), and the batch path inserts many records' rows in one executemany.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, insert

from ..dbtypes import utcnow
from ..extensions import db
from ..templates_ import items
from . import rollups
from .form_versions import FormVersion
from .models import Observation, ObservationAnswer, ObservationStatus, Visit

_INSERT_ANSWERS = insert(ObservationAnswer.__table__)  # built once: building costs about as much as running


def _observed_on(started_at: dt.datetime | None) -> dt.date:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return (started_at or utcnow()).astimezone(zone).date()


def answer_row_values(observation_id: int, school_id: int, visit: dict, version: FormVersion,
                      answers: dict) -> list[dict]:
    """An observation's ObservationAnswer rows (`visit`: its kind, started_at and teacher_id)."""
    base = {"observation_id": observation_id, "school_id": school_id, "visit_kind": visit["kind"],
            "observed_on": _observed_on(visit["started_at"]), "teacher_id": visit["teacher_id"]}
    return [{**base, **row} for row in items.answer_rows(version.document, answers or {})]


def insert_answer_rows(rows: list[dict]) -> None:
    """One executemany with the same columns for every row (the ORM's bulk INSERT would split
    the rows by which values are None), not an ORM object per answer (a record has 10-30)."""
    if rows:
        rollups.mark_rows(rows)
        db.session.connection().execute(_INSERT_ANSWERS, rows)


def write_answer_rows(obs: Observation, visit: Visit, version: FormVersion, *, new: bool = False) -> None:
    """Replace the observation's ObservationAnswer rows; only complete observations feed insights."""
    if not new:
        rollups.mark_observations([obs.id])
        db.session.execute(delete(ObservationAnswer).where(ObservationAnswer.observation_id == obs.id))
    if obs.status != ObservationStatus.COMPLETE:
        return
    visit_values = {"kind": visit.kind, "started_at": visit.started_at, "teacher_id": visit.teacher_id}
    insert_answer_rows(answer_row_values(obs.id, obs.school_id, visit_values, version, obs.answers))
