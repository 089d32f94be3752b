"""The subjects and year groups a school's visits have used: the dashboard's filter choices.

Reading them from the visits (SELECT DISTINCT over every visit of every school) made each Analys
page of a large organisation cost more with every visit ever made, so they are kept here as visits
are written: a flush that adds or changes a visit's subject or year group adds the value (INSERT ...
ON CONFLICT DO NOTHING, so two workers adding the same value at once both succeed). A value stays
when its visits are deleted: a filter choice with nothing behind it shows no observations.
`observe.visits.rollups.verify` reports a visit's value missing here; `rebuild` makes the list exact.
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, delete, event, insert, inspect, literal, select, union
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .models import Visit

FIELDS = ("subject", "year_group")


class LessonValue(db.Model):
    __tablename__ = "lesson_values"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True)
    field: Mapped[str] = mapped_column(String(20), primary_key=True)  # "subject" or "year_group"
    value: Mapped[str] = mapped_column(String(100), primary_key=True)


TABLE = LessonValue.__table__


def _insert(dialect: str):
    """INSERT that leaves an existing value alone (both dialects spell it ON CONFLICT DO NOTHING)."""
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(TABLE).on_conflict_do_nothing()


@event.listens_for(db.session, "after_flush")
def _keep_values(session, _context) -> None:
    """Visits added or changed through the ORM (a flush without one costs nothing more)."""
    visits = [{"school_id": visit.school_id, **{name: getattr(visit, name) for name in FIELDS
                                                 if inspect(visit).attrs[name].history.added}}
              for visit in (*session.new, *session.dirty) if isinstance(visit, Visit)]
    if any(len(visit) > 1 for visit in visits):
        keep(session.connection(), visits)


def keep(connection, visits: list[dict]) -> None:
    """Keep the subjects and year groups of visits being written (dicts with school_id, subject,
    year_group; the sync batch inserts its walkthroughs with Core and calls this itself)."""
    rows = sorted({(visit["school_id"], name, visit[name]) for visit in visits for name in FIELDS if visit.get(name)})
    if rows:
        connection.execute(_insert(connection.dialect.name),
                           [{"school_id": school, "field": name, "value": value} for school, name, value in rows])


def choices(school_ids) -> tuple[list[str], list[str]]:
    """(subjects, year groups) used in these schools, each sorted."""
    c = TABLE.c
    rows = db.session.execute(select(c.field, c.value).where(c.school_id.in_(list(school_ids))).distinct()).all()
    return (sorted({v for f, v in rows if f == "subject"}), sorted({v for f, v in rows if f == "year_group"}))


def _from_visits():
    v = Visit.__table__.c
    return union(*(select(v.school_id, literal(name).label("field"), v[name].label("value"))
                   .where(v[name].is_not(None), v[name] != "") for name in FIELDS))


def rebuild(connection) -> None:
    """Exactly the values the visits use now (after a bulk load; drops values no visit uses)."""
    connection.execute(delete(TABLE))
    connection.execute(insert(TABLE).from_select(["school_id", "field", "value"], _from_visits()))


def missing(connection) -> list[str]:
    """Values a visit uses that the list lacks (the list may hold more: see the module's docstring)."""
    kept = {tuple(row) for row in connection.execute(select(TABLE.c.school_id, TABLE.c.field, TABLE.c.value))}
    return [f"lesson_values: {row} is used by a visit but not kept"
            for row in sorted(tuple(r) for r in connection.execute(_from_visits())) if row not in kept]
