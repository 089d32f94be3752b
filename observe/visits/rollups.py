"""Monthly rollups of the answer rows, kept as observations are written: what the dashboard reads.

The dashboard needs a few thousand cells (school x month x item x answer), not every answer row
ever written. Four tables hold them per *key* (school, template, month):

- insight_sums: additive sums per (kind of visit, item, answer): rows, numbers, sum, sum of squares,
  min, max — the additive statement the dashboard runs (observe.insights.statements);
- insight_cells: observations, distinct teachers and intervals observed per (kind, item);
- insight_people: observations per (kind, item, teacher), with the number of teachers of its cell.
  Distinct teachers do not add up across schools and months; a figure needs them only to decide
  whether it rests on at least the minimum number of teachers (observe.insights.thresholds). A
  cell with that many teachers decides it alone, so the dashboard reads teachers only from cells
  with fewer (an index on cell_teachers), and the teacher is never shown or grouped by;
- insight_counts: observations per kind of visit.

Any write that changes an observation's answer rows marks its keys (`mark_rows`, `mark_observations`,
and every ORM-added or deleted ObservationAnswer by itself); before the transaction commits, each
marked key is recomputed from the raw rows of that one school-month-template (`refresh`), under a
lock per key on PostgreSQL. A write so costs one month of one template at one school, whatever the
history; the rollups hold only what the dashboard may count (peer rows only as the observed teacher
shared them). `verify` recomputes every key from the rows and lists the differences
(`flask insights verify`); `rebuild` recomputes everything (after a bulk load).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (Float, ForeignKey, Index, Integer, String, and_, case, delete, distinct, event, func,
                        insert, or_, select, text)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .models import Observation, ObservationAnswer, Visit

# Peer observations reach leadership only as counts, and only when the observed teacher shared them.
PEER_TYPES = ("counter", "timed_log")
_MARKS = "observe.rollup_keys"  # Session.info: keys (school_id, template_key, "YYYY-MM") to refresh


class InsightSum(db.Model):
    __tablename__ = "insight_sums"
    __table_args__ = (Index("ix_insight_sums_key", "school_id", "template_key", "month", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    template_key: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))  # "YYYY-MM" of observed_on
    visit_kind: Mapped[str] = mapped_column(String(20))
    item_key: Mapped[str] = mapped_column(String(64))
    item_type: Mapped[str] = mapped_column(String(20))
    choice: Mapped[str | None] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    numbers: Mapped[int] = mapped_column(Integer)
    total: Mapped[float | None] = mapped_column(Float)
    squares: Mapped[float | None] = mapped_column(Float)
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)


class InsightCell(db.Model):
    __tablename__ = "insight_cells"
    __table_args__ = (Index("ix_insight_cells_key", "school_id", "template_key", "month", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    template_key: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))
    visit_kind: Mapped[str] = mapped_column(String(20))
    item_key: Mapped[str] = mapped_column(String(64))
    observations: Mapped[int] = mapped_column(Integer)
    teachers: Mapped[int] = mapped_column(Integer)  # distinct named teachers
    intervals: Mapped[float | None] = mapped_column(Float)  # interval items: intervals observed


class InsightPeople(db.Model):
    __tablename__ = "insight_people"
    __table_args__ = (Index("ix_insight_people_key", "school_id", "template_key", "month", "item_key"),
                      # the dashboard reads only the cells with fewer teachers than its minimum
                      Index("ix_insight_people_small", "school_id", "template_key", "cell_teachers", "month",
                            "item_key", "teacher_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    template_key: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))
    visit_kind: Mapped[str] = mapped_column(String(20))
    item_key: Mapped[str] = mapped_column(String(64))
    teacher_id: Mapped[int | None] = mapped_column(Integer)  # None: anonymous or de-identified
    observations: Mapped[int] = mapped_column(Integer)
    cell_teachers: Mapped[int] = mapped_column(Integer)  # distinct named teachers in its (kind, item) cell


class InsightCount(db.Model):
    __tablename__ = "insight_counts"
    __table_args__ = (Index("ix_insight_counts_key", "school_id", "template_key", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    template_key: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))
    visit_kind: Mapped[str] = mapped_column(String(20))
    observations: Mapped[int] = mapped_column(Integer)


ANSWERS = ObservationAnswer.__table__
TABLES = (InsightSum.__table__, InsightCell.__table__, InsightPeople.__table__, InsightCount.__table__)


def month_of(column, dialect: str):
    """'YYYY-MM' of a date column, in the running database's dialect."""
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.substr(column, 1, 7)  # SQLite stores dates as ISO text


def shared_peer_observation():
    """True for a peer observation whose observed teacher chose to share counts with the principal.

    Correlated, so it is evaluated only for the (few) peer rows, never for the rest."""
    obs, visits = Observation.__table__, Visit.__table__
    return (select(obs.c.id).join(visits, visits.c.id == obs.c.visit_id)
            .where(obs.c.id == ANSWERS.c.observation_id, visits.c.summary_to_principal.is_(True))
            .exists())


def countable():
    """The answer rows leadership may count: everything but peer notes the observed teacher kept."""
    a = ANSWERS.c
    return or_(a.visit_kind != "peer", and_(a.item_type.in_(PEER_TYPES), shared_peer_observation()))


def sources(dialect: str, *where) -> tuple:
    """The four rollups' rows computed from the answer rows matching `where` (one SELECT each,
    columns in the order of TABLES' columns after id)."""
    a = ANSWERS.c
    month = month_of(a.observed_on, dialect).label("month")
    conds = (countable(), *where)
    head = (a.school_id, a.template_key, month, a.visit_kind)
    sums = (select(*head, a.item_key, a.item_type, a.choice, func.count(), func.count(a.number), func.sum(a.number),
                   func.sum(a.number * a.number), func.min(a.number), func.max(a.number))
            .where(*conds).group_by(*head, a.item_key, a.item_type, a.choice))
    per_observation = (select(*head, a.item_key, a.teacher_id,
                              func.max(case((a.item_type == "interval", a.total))).label("seen"))
                       .where(*conds).group_by(*head, a.item_key, a.teacher_id, a.observation_id).subquery())
    p = per_observation.c
    cell = (p.school_id, p.template_key, p.month, p.visit_kind, p.item_key)
    cells = select(*cell, func.count(), func.count(distinct(p.teacher_id)), func.sum(p.seen)).group_by(*cell)
    per_teacher = select(*cell, p.teacher_id, func.count().label("n")).group_by(*cell, p.teacher_id).subquery()
    t = per_teacher.c
    people = select(t.school_id, t.template_key, t.month, t.visit_kind, t.item_key, t.teacher_id, t.n,
                    func.count(t.teacher_id).over(partition_by=(t.school_id, t.template_key, t.month, t.visit_kind,
                                                                t.item_key)))
    counts = select(*head, func.count(distinct(a.observation_id))).where(*conds).group_by(*head)
    return sums, cells, people, counts


def _columns(table) -> list[str]:
    return [column.name for column in table.columns if column.name != "id"]


# --- marking what changed ---------------------------------------------------------------------

def _key(school_id: int, template_key: str, observed_on) -> tuple[int, str, str]:
    if isinstance(observed_on, str):
        observed_on = dt.date.fromisoformat(observed_on[:10])
    return int(school_id), template_key, f"{observed_on.year:04d}-{observed_on.month:02d}"


def mark_rows(rows: list[dict]) -> None:
    """Answer rows about to be written (dicts with school_id, template_key, observed_on)."""
    if rows:
        db.session.info.setdefault(_MARKS, set()).update(
            _key(row["school_id"], row["template_key"], row["observed_on"]) for row in rows)


def mark_observations(observation_ids) -> None:
    """Observations whose answer rows are about to change or go (call before the change)."""
    ids = list(observation_ids)
    if not ids:
        return
    a = ANSWERS.c
    found = db.session.execute(select(a.school_id, a.template_key, a.observed_on)
                               .where(a.observation_id.in_(ids)).distinct()).all()
    db.session.info.setdefault(_MARKS, set()).update(_key(*row) for row in found)


@event.listens_for(db.session, "after_flush")
def _mark_orm_rows(session, _context) -> None:
    """ObservationAnswer objects added or deleted through the ORM (the demo, fixtures)."""
    for obj in (*session.new, *session.deleted, *session.dirty):
        if isinstance(obj, ObservationAnswer) and obj.observed_on is not None:
            session.info.setdefault(_MARKS, set()).add(_key(obj.school_id, obj.template_key, obj.observed_on))


@event.listens_for(db.session, "before_commit")
def _refresh_marked(session) -> None:
    session.flush()  # rows still pending mark their keys in after_flush
    keys = session.info.pop(_MARKS, None)
    if keys:
        refresh(keys, session)


@event.listens_for(db.session, "after_rollback")
def _forget_marks(session) -> None:
    if not session.in_transaction():
        session.info.pop(_MARKS, None)


# --- keeping and checking ---------------------------------------------------------------------

def refresh(keys, session=None) -> None:
    """Recompute the rollups of these (school, template, month) keys from their answer rows."""
    connection = (session or db.session).connection()
    dialect = connection.dialect.name
    a = ANSWERS.c
    for school_id, template_key, month in sorted(keys):
        if dialect == "postgresql":  # two writers of one key wait for each other (sorted: no deadlock)
            connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
                               {"k": f"rollup:{school_id}:{template_key}:{month}"})
        first = dt.date.fromisoformat(f"{month}-01")
        after = (first + dt.timedelta(days=32)).replace(day=1)
        where = (a.school_id == school_id, a.template_key == template_key, a.observed_on >= first,
                 a.observed_on < after)
        for table, source in zip(TABLES, sources(dialect, *where)):
            c = table.c
            connection.execute(delete(table).where(c.school_id == school_id, c.template_key == template_key,
                                                   c.month == month))
            connection.execute(insert(table).from_select(_columns(table), source))


def rebuild() -> None:
    """Recompute every rollup from the answer rows (after a bulk load or an upgrade)."""
    connection = db.session.connection()
    for table, source in zip(TABLES, sources(connection.dialect.name)):
        connection.execute(delete(table))
        connection.execute(insert(table).from_select(_columns(table), source))


def _normalised(rows) -> dict:
    """Rows as a multiset {row: times}, floats rounded (sums in another order differ in the last bits)."""
    out: dict = {}
    for row in rows:
        row = tuple(round(v, 6) if isinstance(v, float) else v for v in row)
        out[row] = out.get(row, 0) + 1
    return out


def verify() -> list[str]:
    """Every difference between the rollups and what the answer rows give (empty when they agree)."""
    connection = db.session.connection()
    problems = []
    for table, source in zip(TABLES, sources(connection.dialect.name)):
        kept = _normalised(connection.execute(select(*(table.c[name] for name in _columns(table)))).all())
        wanted = _normalised(connection.execute(source).all())
        for row in sorted(set(kept) | set(wanted), key=repr):
            if kept.get(row, 0) != wanted.get(row, 0):
                problems.append(f"{table.name}: {row} kept {kept.get(row, 0)}x, the rows give {wanted.get(row, 0)}x")
    return problems
