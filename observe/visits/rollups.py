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

An organisation leader's view covers every school of the organisation: the same tables also hold
one row set per (organisation, template, month), summed from its schools' rows (school_id NULL,
organisation_id set), and four day tables (insight_day_*) the same figures per (organisation,
template, day), for the days of a period that cuts a month — for every visit, and per the visits'
subject, per their year group and per the pair of both (`facet`), for a view filtered on those. A write
only marks its organisation's days stale (insight_stale, a counter per day and part: its month rows, its
day rows per facet; a changed subject or year group marks only the facets), or, for new observations,
leaves them pending (insight_pending); a dashboard that reads the organisation first brings up to
date the parts it reads (`bring_up_to_date`): a stale month from its schools' month rows, a stale day
from that one day's answer rows, a month or day with new observations by adding their rows to its own
(`_merge_month`, `_merge_day`). Writes so stay one school-month, and an organisation's view reads months (and cut days)
x items x answers, whatever the history.

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
import math
from functools import lru_cache

from sqlalchemy import (Date, Float, ForeignKey, Index, Integer, String, and_, bindparam, case, delete, distinct, event,
                        func, insert, inspect, literal, literal_column, or_, select, text, union_all)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..schools.models import School
from . import lesson_values
from .models import Observation, ObservationAnswer, Visit

# Peer observations reach leadership only as counts, and only when the observed teacher shared them.
PEER_TYPES = ("counter", "timed_log")
_MARKS = "observe.rollup_keys"  # Session.info: keys (school_id, template_key, day) whose rows changed
# Session.info: {(school_id, template_key, day): observation ids} of rows inserted for observations that
# had none (merged into the month's rollups and their organisation's day rows), and the months whose rows
# changed otherwise (recomputed).
_NEW, _CHANGED = "observe.rollup_new", "observe.rollup_changed"
# Session.info: keys (school_id, template_key, day) of visits whose subject or year group changed: only
# their organisations' facet day rows change (the month rows know neither).
_FACET_MARKS = "observe.rollup_facet_keys"


# The organisation rows' indexes hold those rows only: in an index over every row, organisation_id is
# NULL for the schools' millions, and SQLite's statistics then judged it useless and walked the
# schools' rows instead (an organisation view's teacher statement grew with every observation).
# Both databases use a partial index for `organisation_id = :id`.
_ORG_ROWS = {"sqlite_where": text("organisation_id IS NOT NULL"), "postgresql_where": text("organisation_id IS NOT NULL")}


class InsightSum(db.Model):
    __tablename__ = "insight_sums"
    __table_args__ = (Index("ix_insight_sums_key", "school_id", "template_key", "month", "item_key"),
                      Index("ix_insight_sums_org", "organisation_id", "template_key", "month", "item_key", **_ORG_ROWS))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
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
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))


class InsightCell(db.Model):
    __tablename__ = "insight_cells"
    __table_args__ = (Index("ix_insight_cells_key", "school_id", "template_key", "month", "item_key"),
                      Index("ix_insight_cells_org", "organisation_id", "template_key", "month", "item_key", **_ORG_ROWS))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    template_key: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))
    visit_kind: Mapped[str] = mapped_column(String(20))
    item_key: Mapped[str] = mapped_column(String(64))
    observations: Mapped[int] = mapped_column(Integer)
    teachers: Mapped[int] = mapped_column(Integer)  # distinct named teachers
    intervals: Mapped[float | None] = mapped_column(Float)  # interval items: intervals observed
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))


class InsightPeople(db.Model):
    __tablename__ = "insight_people"
    __table_args__ = (Index("ix_insight_people_key", "school_id", "template_key", "month", "item_key"),
                      # the dashboard reads only the cells with fewer teachers than its minimum
                      Index("ix_insight_people_small", "school_id", "template_key", "cell_teachers", "month",
                            "item_key", "teacher_id"),
                      Index("ix_insight_people_org_small", "organisation_id", "template_key", "cell_teachers", "month",
                            "item_key", "teacher_id", **_ORG_ROWS))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    template_key: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))
    visit_kind: Mapped[str] = mapped_column(String(20))
    item_key: Mapped[str] = mapped_column(String(64))
    teacher_id: Mapped[int | None] = mapped_column(Integer)  # None: anonymous or de-identified
    observations: Mapped[int] = mapped_column(Integer)
    cell_teachers: Mapped[int] = mapped_column(Integer)  # distinct named teachers in its (kind, item) cell
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))


class InsightCount(db.Model):
    __tablename__ = "insight_counts"
    __table_args__ = (Index("ix_insight_counts_key", "school_id", "template_key", "month"),
                      Index("ix_insight_counts_org", "organisation_id", "template_key", "month", **_ORG_ROWS))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    template_key: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))
    visit_kind: Mapped[str] = mapped_column(String(20))
    observations: Mapped[int] = mapped_column(Integer)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))


class InsightDaySum(db.Model):
    """insight_sums of one organisation's day (columns in the order `sources` selects them)."""

    __tablename__ = "insight_day_sums"
    __table_args__ = (Index("ix_insight_day_sums_day", "organisation_id", "template_key", "day"),  # a recomputed day is deleted by these
                      Index("ix_insight_day_sums_key", "organisation_id", "template_key", "facet", "value", "day",
                            "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    template_key: Mapped[str] = mapped_column(String(64))
    facet: Mapped[str] = mapped_column(String(20))  # FACETS: "" (every visit), "subject", "year_group", both
    value: Mapped[str] = mapped_column(String(160))  # the visits' value in the facet ("" for every visit)
    day: Mapped[dt.date] = mapped_column(Date)
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


class InsightDayCell(db.Model):
    """insight_cells of one organisation's day."""

    __tablename__ = "insight_day_cells"
    __table_args__ = (Index("ix_insight_day_cells_day", "organisation_id", "template_key", "day"),  # a recomputed day is deleted by these
                      Index("ix_insight_day_cells_key", "organisation_id", "template_key", "facet", "value", "day",
                            "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    template_key: Mapped[str] = mapped_column(String(64))
    facet: Mapped[str] = mapped_column(String(20))  # FACETS: "" (every visit), "subject", "year_group", both
    value: Mapped[str] = mapped_column(String(160))  # the visits' value in the facet ("" for every visit)
    day: Mapped[dt.date] = mapped_column(Date)
    visit_kind: Mapped[str] = mapped_column(String(20))
    item_key: Mapped[str] = mapped_column(String(64))
    observations: Mapped[int] = mapped_column(Integer)
    teachers: Mapped[int] = mapped_column(Integer)
    intervals: Mapped[float | None] = mapped_column(Float)


class InsightDayPeople(db.Model):
    """insight_people of one organisation's day: named teachers of the cells with fewer than TEACHER_CAP."""

    __tablename__ = "insight_day_people"
    __table_args__ = (Index("ix_insight_day_people_day", "organisation_id", "template_key", "day"),  # a recomputed day is deleted by these
                      Index("ix_insight_day_people_small", "organisation_id", "template_key", "facet", "value",
                            "cell_teachers", "day", "item_key", "teacher_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    template_key: Mapped[str] = mapped_column(String(64))
    facet: Mapped[str] = mapped_column(String(20))  # FACETS: "" (every visit), "subject", "year_group", both
    value: Mapped[str] = mapped_column(String(160))  # the visits' value in the facet ("" for every visit)
    day: Mapped[dt.date] = mapped_column(Date)
    visit_kind: Mapped[str] = mapped_column(String(20))
    item_key: Mapped[str] = mapped_column(String(64))
    teacher_id: Mapped[int] = mapped_column(Integer)
    observations: Mapped[int] = mapped_column(Integer)
    cell_teachers: Mapped[int] = mapped_column(Integer)


class InsightDayCount(db.Model):
    """insight_counts of one organisation's day."""

    __tablename__ = "insight_day_counts"
    __table_args__ = (Index("ix_insight_day_counts_day", "organisation_id", "template_key", "day"),  # a recomputed day is deleted by these
                      Index("ix_insight_day_counts_key", "organisation_id", "template_key", "facet", "value", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    template_key: Mapped[str] = mapped_column(String(64))
    facet: Mapped[str] = mapped_column(String(20))  # FACETS: "" (every visit), "subject", "year_group", both
    value: Mapped[str] = mapped_column(String(160))  # the visits' value in the facet ("" for every visit)
    day: Mapped[dt.date] = mapped_column(Date)
    visit_kind: Mapped[str] = mapped_column(String(20))
    observations: Mapped[int] = mapped_column(Integer)




class InsightStale(db.Model):
    """A part (PARTS) of an organisation's day whose rows lag behind its schools' (version: bumped by
    every write)."""

    __tablename__ = "insight_stale"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    template_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    part: Mapped[str] = mapped_column(String(20), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class InsightPending(db.Model):
    """A new observation not yet merged into a part (PARTS) of its organisation's rows: the next view that
    reads the part adds its rows to the month's or the day's (`_merge_month`, `_merge_day`) instead of
    recomputing them."""

    __tablename__ = "insight_pending"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    template_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    part: Mapped[str] = mapped_column(String(20), primary_key=True)
    observation_id: Mapped[int] = mapped_column(Integer, primary_key=True)


ANSWERS = ObservationAnswer.__table__
SCHOOLS = School.__table__
# The largest minimum number of teachers an organisation may set (observe/admin/forms.py): an
# organisation's cell with at least this many teachers keeps no teacher rows (it decides alone).
TEACHER_CAP = 50
TABLES = (InsightSum.__table__, InsightCell.__table__, InsightPeople.__table__, InsightCount.__table__)
DAY_TABLES = (InsightDaySum.__table__, InsightDayCell.__table__, InsightDayPeople.__table__,
              InsightDayCount.__table__)


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


# The day tables' rows: every visit, per subject, per year group, and per subject and year group together.
FACETS = ("", "subject", "year_group", "subject_year_group")
# A pair's value: subject, this separator, year group (a control character no one types into either).
PAIR_SEPARATOR = "\x1f"


def facet_value(visit, facet: str):
    """The value a visit's rows have in a facet's day rows (NULL: the visit has none, and is in no row)."""
    if facet == "subject_year_group":  # NULL when either is NULL, in both databases
        return visit.c.subject + literal(PAIR_SEPARATOR, String) + visit.c.year_group
    return visit.c[facet]


def pair_value(subject: str, year_group: str) -> str:
    """The value of a subject and a year group in the facet "subject_year_group" (see facet_value)."""
    return f"{subject}{PAIR_SEPARATOR}{year_group}"


# What of an organisation's day can lag behind its schools' rows: the rows of its month ("month") and its
# day rows per facet. A view brings up to date only the parts it reads.
PARTS = ("month", *FACETS)


def sources(dialect: str, *where, by_day: bool = False, facet: str = "", few: bool = False,
            capped: bool = True) -> tuple:
    """The four rollups' rows computed from the answer rows matching `where` (one SELECT each,
    columns in the order of their tables' columns after id): per school and month, or (by_day)
    per organisation and day for the day tables — for every visit (facet "") or per the visits'
    subject or year group — whose cells count their teachers up to TEACHER_CAP and keep teacher rows
    only below it (all of them unless `capped`: new rows to merge, `_merge_day`).

    A facet's value comes from the row's visit: joined for every row (rebuild, verify), or, with
    `few` (one day's rows), looked up row by row — a join there let PostgreSQL hash every observation
    ever made to find one day's few thousand, so the first view after a write grew with history."""
    a = ANSWERS.c
    joined = ANSWERS
    if by_day:
        owner = SCHOOLS.c.organisation_id
        joined = joined.join(SCHOOLS, SCHOOLS.c.id == a.school_id)
        if facet:
            # aliased: the peer rule's own subquery (countable) must not correlate with these
            observation, visit = Observation.__table__.alias("facet_observation"), Visit.__table__.alias("facet_visit")
            if few:
                value = (select(facet_value(visit, facet)).join_from(observation, visit, visit.c.id == observation.c.visit_id)
                         .where(observation.c.id == a.observation_id).scalar_subquery())
                rows_of_day = (select(ANSWERS, owner.label("facet_owner"), value.label("facet_value"))
                               .select_from(joined).where(countable(), *where).subquery("facet_rows"))
                a, joined, owner = rows_of_day.c, rows_of_day, rows_of_day.c.facet_owner
                value, where = a.facet_value, (a.facet_value.is_not(None),)
            else:
                joined = (joined.join(observation, observation.c.id == a.observation_id)
                          .join(visit, visit.c.id == observation.c.visit_id))
                value = facet_value(visit, facet)
                where = (*where, value.is_not(None))
        else:
            value = literal_column("''", String)
        grain = (literal_column(f"'{facet}'", String).label("facet"), value.label("value"), a.observed_on.label("grain"))
        grouped = (value, a.observed_on) if facet else (a.observed_on,)  # a constant is not grouped by
    else:
        owner = a.school_id
        grain = (month_of(a.observed_on, dialect).label("grain"),)
        grouped = grain
    conds = where if by_day and facet and few else (countable(), *where)  # `few` applied it to its rows
    head = (owner.label("owner"), a.template_key, *grain, a.visit_kind)
    keys = (owner, a.template_key, *grouped, a.visit_kind)
    names = [column.name for column in grain]

    def rows(query):
        return query.select_from(joined)
    sums = (rows(select(*head, a.item_key, a.item_type, a.choice, func.count(), func.count(a.number),
                        func.sum(a.number), func.sum(a.number * a.number), func.min(a.number), func.max(a.number)))
            .where(*conds).group_by(*keys, a.item_key, a.item_type, a.choice))
    per_observation = (rows(select(*head, a.item_key, a.teacher_id,
                                   func.max(case((a.item_type == "interval", a.total))).label("seen")))
                       .where(*conds).group_by(*keys, a.item_key, a.teacher_id, a.observation_id).subquery())
    p = per_observation.c
    cell = (p.owner, p.template_key, *(p[name] for name in names), p.visit_kind, p.item_key)
    teachers = func.count(distinct(p.teacher_id))
    if by_day:  # a day cell at the cap stays there whatever is merged into it (_merge_day)
        teachers = case((teachers >= TEACHER_CAP, TEACHER_CAP), else_=teachers)
    cells = select(*cell, func.count(), teachers, func.sum(p.seen)).group_by(*cell)
    per_teacher = select(*cell, p.teacher_id, func.count().label("n")).group_by(*cell, p.teacher_id).subquery()
    t = per_teacher.c
    t_cell = (t.owner, t.template_key, *(t[name] for name in names), t.visit_kind, t.item_key)
    people = select(*t_cell, t.teacher_id, t.n, func.count(t.teacher_id).over(partition_by=t_cell).label("cell_teachers"))
    if by_day:
        counted = people.subquery()
        people = select(*counted.c).where(counted.c.teacher_id.is_not(None),
                                          *((counted.c.cell_teachers < TEACHER_CAP,) if capped else ()))
    counts = rows(select(*head, func.count(distinct(a.observation_id)))).where(*conds).group_by(*keys)
    return sums, cells, people, counts


def day_sources(dialect: str, *where, few: bool = False) -> list[tuple]:
    """Per facet, the day tables' rows from the answer rows matching `where` (of every organisation's schools;
    `few`: one day's, see sources)."""
    return [sources(dialect, SCHOOLS.c.organisation_id.is_not(None), *where, by_day=True, facet=facet, few=few)
            for facet in FACETS]


def _columns(table) -> list[str]:
    """A row's columns in the order `sources` selects them (a school row's organisation_id stays NULL)."""
    skip = ("id", "organisation_id") if "school_id" in table.c else ("id",)
    return [column.name for column in table.columns if column.name not in skip]


def _org_columns(table) -> list[str]:
    """An organisation row's columns (school_id stays NULL), in the order `org_sources` selects them."""
    return [column.name for column in table.columns if column.name not in ("id", "school_id")]


def org_sources(*where) -> tuple:
    """The four rollups' organisation rows summed from their schools' rows (`where`: over any rollup
    table as `x`, a function of it). Distinct teachers are counted again across the schools."""
    s, ce, pe, co = (table.alias("x") for table in TABLES)
    org = SCHOOLS.c.organisation_id

    def school_rows(x):
        return (x.join(SCHOOLS, SCHOOLS.c.id == x.c.school_id),), (x.c.school_id.is_not(None), *(w(x) for w in where))
    joined, conds = school_rows(s)
    sums = (select(s.c.template_key, s.c.month, s.c.visit_kind, s.c.item_key, s.c.item_type, s.c.choice,
                   func.sum(s.c.rows), func.sum(s.c.numbers), func.sum(s.c.total), func.sum(s.c.squares),
                   func.min(s.c.low), func.max(s.c.high), org)
            .select_from(*joined).where(*conds)
            .group_by(org, s.c.template_key, s.c.month, s.c.visit_kind, s.c.item_key, s.c.item_type, s.c.choice))
    joined, conds = school_rows(ce)
    cell_key = (org.label("organisation_id"), ce.c.template_key, ce.c.month, ce.c.visit_kind, ce.c.item_key)
    summed = (select(*cell_key, func.sum(ce.c.observations).label("observations"),
                     func.sum(ce.c.intervals).label("intervals"))
              .select_from(*joined).where(*conds).group_by(*cell_key).subquery())
    joined, conds = school_rows(pe)
    per_teacher = (select(org.label("organisation_id"), pe.c.template_key, pe.c.month, pe.c.visit_kind,
                          pe.c.item_key, pe.c.teacher_id, func.sum(pe.c.observations).label("n"))
                   .select_from(*joined).where(*conds, pe.c.teacher_id.is_not(None))
                   .group_by(org, pe.c.template_key, pe.c.month, pe.c.visit_kind, pe.c.item_key, pe.c.teacher_id)
                   .subquery())
    t = per_teacher.c
    key = (t.organisation_id, t.template_key, t.month, t.visit_kind, t.item_key)
    teachers = select(*key, func.count().label("teachers")).group_by(*key).subquery()
    m, n = summed.c, teachers.c
    # capped as a day cell's: an organisation's month has new observations merged into it (_merge_month)
    cells = (select(m.template_key, m.month, m.visit_kind, m.item_key, m.observations,
                    case((n.teachers >= TEACHER_CAP, TEACHER_CAP), else_=func.coalesce(n.teachers, 0)),
                    m.intervals, m.organisation_id)
             .select_from(summed.outerjoin(teachers, and_(
                 n.organisation_id == m.organisation_id, n.template_key == m.template_key, n.month == m.month,
                 n.visit_kind == m.visit_kind, n.item_key == m.item_key))))
    counted = select(*key, t.teacher_id, t.n, func.count().over(partition_by=key).label("cell_teachers")).subquery()
    c = counted.c
    people = select(c.template_key, c.month, c.visit_kind, c.item_key, c.teacher_id, c.n, c.cell_teachers,
                    c.organisation_id).where(c.cell_teachers < TEACHER_CAP)
    joined, conds = school_rows(co)
    counts = (select(co.c.template_key, co.c.month, co.c.visit_kind, func.sum(co.c.observations), org)
              .select_from(*joined).where(*conds).group_by(org, co.c.template_key, co.c.month, co.c.visit_kind))
    return sums, cells, people, counts


# --- marking what changed ---------------------------------------------------------------------

def _key(school_id: int, template_key: str, observed_on) -> tuple[int, str, dt.date]:
    if isinstance(observed_on, str):
        observed_on = dt.date.fromisoformat(observed_on[:10])
    elif isinstance(observed_on, dt.datetime):
        observed_on = observed_on.date()
    return int(school_id), template_key, observed_on


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def mark_rows(rows: list[dict]) -> None:
    """Answer rows about to be inserted for observations that have none yet (dicts with observation_id,
    school_id, template_key, observed_on): their months are merged, the rollups plus these rows.
    Replacing an observation's rows calls mark_observations first, so its months are recomputed."""
    if not rows:
        return
    info = db.session.info
    days, new = info.setdefault(_MARKS, set()), info.setdefault(_NEW, {})
    for row in rows:
        key = _key(row["school_id"], row["template_key"], row["observed_on"])
        days.add(key)
        new.setdefault(key, set()).add(row["observation_id"])


def _changed(session, keys) -> None:
    keys = list(keys)
    session.info.setdefault(_MARKS, set()).update(keys)
    session.info.setdefault(_CHANGED, set()).update((s, t, _month(d)) for s, t, d in keys)


def mark_observations(observation_ids) -> None:
    """Observations whose answer rows are about to change or go (call before the change)."""
    ids = list(observation_ids)
    if not ids:
        return
    a = ANSWERS.c
    found = db.session.execute(select(a.school_id, a.template_key, a.observed_on)
                               .where(a.observation_id.in_(ids)).distinct()).all()
    _changed(db.session, (_key(*row) for row in found))


@event.listens_for(db.session, "after_flush")
def _mark_orm_rows(session, _context) -> None:
    """ObservationAnswer objects added or deleted through the ORM (the demo, fixtures)."""
    _changed(session, (_key(obj.school_id, obj.template_key, obj.observed_on)
                       for obj in (*session.new, *session.deleted, *session.dirty)
                       if isinstance(obj, ObservationAnswer) and obj.observed_on is not None))


@event.listens_for(db.session, "after_flush")
def _mark_visit_values(session, _context) -> None:
    """A visit whose subject or year group changed moves its rows between the day tables' facets
    (and changes no month rollup)."""
    changed = [obj.id for obj in session.dirty if isinstance(obj, Visit) and obj.id is not None and any(
        inspect(obj).attrs[name].history.has_changes() for name in ("subject", "year_group"))]
    if changed:
        a, o = ANSWERS.c, Observation.__table__.c
        found = session.connection().execute(select(a.school_id, a.template_key, a.observed_on).join(
            Observation.__table__, o.id == a.observation_id).where(o.visit_id.in_(changed)).distinct()).all()
        session.info.setdefault(_FACET_MARKS, set()).update(_key(*row) for row in found)


@event.listens_for(db.session, "before_commit")
def _refresh_marked(session) -> None:
    session.flush()  # rows still pending mark their keys in after_flush
    keys = session.info.pop(_MARKS, None)
    new, changed = session.info.pop(_NEW, {}), session.info.pop(_CHANGED, set())
    if keys:
        refresh(keys, session, new={(s, t, d): ids for (s, t, d), ids in new.items() if (s, t, _month(d)) not in changed})
    facet_keys = session.info.pop(_FACET_MARKS, None)
    if facet_keys:
        mark_days_stale(session.connection(), facet_keys, FACETS[1:])


@event.listens_for(db.session, "after_rollback")
def _forget_marks(session) -> None:
    if not session.in_transaction():
        for name in (_MARKS, _NEW, _CHANGED, _FACET_MARKS):
            session.info.pop(name, None)


# --- keeping and checking ---------------------------------------------------------------------

def _lock(connection, name: str) -> None:
    """PostgreSQL: two transactions on one key wait for each other (taken in sorted order: no deadlock).
    SQLite writers are serialised anyway."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": name})


def _month_range(month: str) -> tuple[dt.date, dt.date]:
    first = dt.date.fromisoformat(f"{month}-01")
    return first, (first + dt.timedelta(days=32)).replace(day=1)


@lru_cache(maxsize=4)
def _refresh_statements(dialect: str) -> tuple:
    """Per table: (delete a key's rows, insert them from its answer rows), built once per dialect with
    bound parameters: building them cost more CPU than running them for a sync batch's one month."""
    a = ANSWERS.c
    where = (a.school_id == bindparam("k_school"), a.template_key == bindparam("k_template"),
             a.observed_on >= bindparam("k_first"), a.observed_on < bindparam("k_after"))
    statements = []
    for table, source in zip(TABLES, sources(dialect, *where)):
        c = table.c
        statements.append((delete(table).where(c.school_id == bindparam("k_school"),
                                               c.template_key == bindparam("k_template"),
                                               c.month == bindparam("k_month")),
                           insert(table).from_select(_columns(table), source)))
    return tuple(statements)


@lru_cache(maxsize=4)
def _mark_statement(dialect: str):
    """Mark a part of an organisation's day stale, or bump its version (an executemany of such rows)."""
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(InsightStale)
    return upsert.on_conflict_do_update(index_elements=["organisation_id", "template_key", "day", "part"],
                                        set_={"version": InsightStale.version + 1})


def _organisations(connection, keys) -> dict:
    """{school: its organisation (None outside any)} of these (school, template, day) keys."""
    return dict(connection.execute(select(SCHOOLS.c.id, SCHOOLS.c.organisation_id)
                                   .where(SCHOOLS.c.id.in_(bindparam("ids", expanding=True))),
                                   {"ids": sorted({key[0] for key in keys})}).all())


def mark_days_stale(connection, keys, parts=PARTS) -> None:
    """Mark these parts of the days of these (school, template, day) keys stale in the schools'
    organisations (a school outside any organisation has none)."""
    keys = list(keys)
    organisations = _organisations(connection, keys)
    stale = sorted({(organisations[school_id], template_key, day) for school_id, template_key, day in keys
                    if organisations.get(school_id) is not None})
    if stale:
        connection.execute(_mark_statement(connection.dialect.name),
                           [{"organisation_id": o, "template_key": t, "day": d, "part": part, "version": 1}
                            for o, t, d in stale for part in parts])


def mark_days_pending(connection, new: dict) -> None:
    """New observations ({(school, template, day): ids}) left pending in every part of their organisations'
    days (the month rows and the day rows per facet), to be merged by the next view that reads the part.

    Under the organisation's lock, as a view that merges: a view that read the pending ids before this
    write commits cannot see its answer rows either, so no observation is merged twice or lost."""
    if not new:
        return
    organisations = _organisations(connection, new)
    rows = sorted({(organisations[s], t, d, part, observation_id) for (s, t, d), ids in new.items()
                   if organisations.get(s) is not None for observation_id in ids for part in PARTS})
    for organisation_id, template_key, month in sorted({(o, t, _month(d)) for o, t, d, _p, _i in rows}):
        _lock(connection, f"rollup-org:{organisation_id}:{template_key}:{month}")
    if rows:
        insert_ = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(InsightPending)
        connection.execute(insert_.on_conflict_do_nothing(), [
            {"organisation_id": o, "template_key": t, "day": d, "part": part, "observation_id": i}
            for o, t, d, part, i in rows])


@lru_cache(maxsize=4)
def _day_statements(dialect: str) -> tuple:
    """{facet: per day table (delete an organisation's day rows of the facet, insert them from that day's
    answer rows of its schools)}."""
    a = ANSWERS.c
    where = (SCHOOLS.c.organisation_id == bindparam("k_org"), a.template_key == bindparam("k_template"),
             a.observed_on == bindparam("k_day"))
    per_facet = day_sources(dialect, *where, few=True)  # per facet, a source per day table
    return {facet: tuple((delete(table).where(table.c.organisation_id == bindparam("k_org"),
                                              table.c.template_key == bindparam("k_template"),
                                              table.c.day == bindparam("k_day"), table.c.facet == facet),
                          insert(table).from_select(_columns(table), source))
                         for table, source in zip(DAY_TABLES, facet_sources))
            for facet, facet_sources in zip(FACETS, per_facet)}


@lru_cache(maxsize=4)
def _merge_statements(dialect: str) -> tuple:
    """Per table, in the order the merge runs them: (the key's largest row id, insert the key's rows
    merged with the new observations' rows, delete the key's old rows). A merge reads the month's rollup
    rows and the new answer rows, not the month's answer rows: a sync batch into a busy month costs the
    same as into a quiet one."""
    a = ANSWERS.c
    # The new observations' rows by their ids (one observation's rows share one key; the key's conditions
    # only guard it). "school_id + 0" keeps both planners off the month's range of the dashboard index,
    # which they chose on statistics from before the batch and then read the whole month.
    new_rows = (a.school_id + 0 == bindparam("k_school"), a.template_key == bindparam("k_template"),
                a.observed_on >= bindparam("k_first"), a.observed_on < bindparam("k_after"),
                a.observation_id.in_(bindparam("k_new", expanding=True)))
    new_sums, new_cells, new_people, new_counts = sources(dialect, *new_rows)
    sums_t, cells_t, people_t, counts_t = TABLES

    def key(table):
        c = table.c
        return (c.school_id == bindparam("k_school"), c.template_key == bindparam("k_template"),
                c.month == bindparam("k_month"))

    def union(table, new):
        kept = select(*(table.c[name] for name in _columns(table))).where(*key(table))
        return union_all(kept, new).subquery()

    u = union(sums_t, new_sums).c
    head = (u.school_id, u.template_key, u.month, u.visit_kind)
    sums = (select(*head, u.item_key, u.item_type, u.choice, func.sum(u.rows), func.sum(u.numbers), func.sum(u.total),
                   func.sum(u.squares), func.min(u.low), func.max(u.high))
            .group_by(*head, u.item_key, u.item_type, u.choice))
    u = union(counts_t, new_counts).c
    counts = select(u.school_id, u.template_key, u.month, u.visit_kind, func.sum(u.observations)).group_by(
        u.school_id, u.template_key, u.month, u.visit_kind)
    u = union(people_t, new_people).c
    cell = (u.school_id, u.template_key, u.month, u.visit_kind, u.item_key)
    per_teacher = select(*cell, u.teacher_id, func.sum(u.observations).label("n")).group_by(*cell, u.teacher_id).subquery()
    t = per_teacher.c
    t_cell = (t.school_id, t.template_key, t.month, t.visit_kind, t.item_key)
    people = select(*t_cell, t.teacher_id, t.n, func.count(t.teacher_id).over(partition_by=t_cell))
    u = union(cells_t, new_cells).c
    cell = (u.school_id, u.template_key, u.month, u.visit_kind, u.item_key)
    p = people_t.alias("merged_people").c
    teachers = (select(func.coalesce(func.max(p.cell_teachers), 0))  # the people rows, merged first
                .where(p.school_id == u.school_id, p.template_key == u.template_key, p.month == u.month,
                       p.visit_kind == u.visit_kind, p.item_key == u.item_key).scalar_subquery())
    cells = select(*cell, func.sum(u.observations), teachers, func.sum(u.intervals)).group_by(*cell)
    out = []
    for table, merged in ((sums_t, sums), (counts_t, counts), (people_t, people), (cells_t, cells)):
        out.append((select(func.max(table.c.id)).where(*key(table)),
                    insert(table).from_select(_columns(table), merged),
                    delete(table).where(*key(table), table.c.id <= bindparam("k_old"))))
    return tuple(out)


def refresh(keys, session=None, new: dict | None = None) -> None:
    """Bring the rollups of the months of these (school, template, day) keys up to date, and their
    organisations' days. `new` ({key: observation ids}) holds the keys of months that only gained those
    observations' rows: merged into the month's rollups, and left pending for the organisation's day rows
    (`mark_days_pending`); any other month is recomputed from its answer rows and its days marked stale."""
    connection = (session or db.session).connection()
    statements = _refresh_statements(connection.dialect.name)
    new = new or {}
    added: dict = {}
    for (school_id, template_key, day), ids in new.items():
        added.setdefault((school_id, template_key, _month(day)), set()).update(ids)
    for school_id, template_key, month in sorted({(s, t, _month(day)) for s, t, day in keys}):
        _lock(connection, f"rollup:{school_id}:{template_key}:{month}")
        first, after = _month_range(month)
        values = {"k_school": school_id, "k_template": template_key, "k_month": month, "k_first": first,
                  "k_after": after}
        observations = added.get((school_id, template_key, month))
        if observations:
            for largest, add, remove in _merge_statements(connection.dialect.name):
                old = connection.execute(largest, values).scalar()
                connection.execute(add, {**values, "k_new": sorted(observations)})
                if old is not None:
                    connection.execute(remove, {**values, "k_old": old})
            continue
        for remove, add in statements:
            connection.execute(remove, values)
            connection.execute(add, values)
    merged = {key for key in keys if key in new}
    mark_days_stale(connection, [key for key in keys if key not in merged])
    mark_days_pending(connection, {key: new[key] for key in merged})


def whole_organisation(school_ids) -> int | None:
    """The organisation whose every school is in `school_ids` and nothing else (an organisation
    leader's view), else None."""
    if not school_ids:
        return None
    rows = db.session.execute(select(SCHOOLS.c.organisation_id, func.count()).where(
        SCHOOLS.c.organisation_id.in_(select(SCHOOLS.c.organisation_id).where(SCHOOLS.c.id.in_(list(school_ids)))))
        .group_by(SCHOOLS.c.organisation_id)).all()
    if len(rows) == 1 and rows[0][1] == len(set(school_ids)):
        return rows[0][0]
    return None


def bring_up_to_date(organisation_id: int, start: dt.date, end: dt.date, whole: tuple[dt.date, dt.date] | None,
                     facet: str = "", template_key: str | None = None) -> None:
    """Bring up to date, from its schools' rows, the parts an organisation view of start..end reads (the
    dashboard, before reading; what it does not read waits for the view that does): with a facet, that
    facet's day rows of the period's days; otherwise the month rows of the stale months within `whole` (the
    period's whole months, or None) and the day rows of the days outside them. A stale month is recomputed
    from the schools' month rows, a stale day from that day's answer rows, and a month or day that only
    gained new observations gets their rows merged into its own (`_merge_month`, `_merge_day`)."""
    connection = db.session.connection()
    st, pe = InsightStale.__table__.c, InsightPending.__table__.c

    def wanted(t):
        if facet:
            return and_(t.part == facet, t.day.between(start, end))
        if whole is None:
            return and_(t.part == "", t.day.between(start, end))
        cut = or_(and_(t.day >= start, t.day < whole[0]), and_(t.day > whole[1], t.day <= end))
        return or_(and_(t.part == "", cut), and_(t.part == "month", t.day.between(*whole)))

    def conds(t):
        return (t.organisation_id == organisation_id, wanted(t), *((t.template_key == template_key,) if template_key else ()))
    months = sorted({(template, _month(day)) for t in (st, pe) for template, day in connection.execute(
        select(t.template_key, t.day).where(*conds(t)).distinct()).all()})
    for template, month in months:
        _lock(connection, f"rollup-org:{organisation_id}:{template}:{month}")
        first, after = _month_range(month)
        this_month = (lambda t: (*conds(t), t.template_key == template, t.day >= first, t.day < after))
        seen = connection.execute(select(st.day, st.part, st.version).where(*this_month(st))).all()
        pending: dict = {}
        for day, part, observation_id in connection.execute(select(pe.day, pe.part, pe.observation_id)
                                                            .where(*this_month(pe))):
            pending.setdefault((day, part), []).append(observation_id)
        month_pending = [i for (_day, part), ids in pending.items() if part == "month" for i in ids]
        if any(part == "month" for _day, part, _version in seen):
            _recompute_org(connection, organisation_id, template, month)
        elif month_pending:
            _merge_month(connection, organisation_id, template, month, month_pending)
        if month_pending:  # merged, or recomputed with the month
            connection.execute(delete(InsightPending).where(
                pe.organisation_id == organisation_id, pe.template_key == template, pe.day >= first, pe.day < after,
                pe.part == "month", pe.observation_id.in_(month_pending)))
        for day, part, version in seen:  # none: another request brought them up to date meanwhile
            if part != "month":
                values = {"k_org": organisation_id, "k_template": template, "k_day": day}
                for remove, add in _day_statements(connection.dialect.name)[part]:
                    connection.execute(remove, values)
                    connection.execute(add, values)
                pending.pop((day, part), None)  # recomputed with them
                connection.execute(delete(InsightPending).where(
                    pe.organisation_id == organisation_id, pe.template_key == template, pe.day == day, pe.part == part))
            # A write that marked the part again since `seen` leaves it stale for the next reader.
            connection.execute(delete(InsightStale).where(
                st.organisation_id == organisation_id, st.template_key == template, st.day == day,
                st.part == part, st.version == version))
        for (day, part), ids in sorted(pending.items()):
            if part == "month":
                continue
            _merge_day(connection, organisation_id, template, day, part, ids)
            connection.execute(delete(InsightPending).where(
                pe.organisation_id == organisation_id, pe.template_key == template, pe.day == day, pe.part == part,
                pe.observation_id.in_(ids)))


@lru_cache(maxsize=4)
def _new_day_statements(dialect: str) -> dict:
    """{facet: the day tables' rows of some new observations alone (`k_new`, observed from `k_first` to
    before `k_after`), every teacher row kept}."""
    a = ANSWERS.c
    where = (SCHOOLS.c.organisation_id == bindparam("k_org"), a.template_key == bindparam("k_template"),
             a.observed_on >= bindparam("k_first"), a.observed_on < bindparam("k_after"),
             a.observation_id.in_(bindparam("k_new", expanding=True)))
    return {facet: sources(dialect, SCHOOLS.c.organisation_id.is_not(None), *where, by_day=True, facet=facet,
                           few=True, capped=False) for facet in FACETS}


def _new_rows(connection, facet: str, organisation_id: int, template_key: str, first: dt.date, after: dt.date,
              ids) -> list[list]:
    values = {"k_org": organisation_id, "k_template": template_key, "k_first": first, "k_after": after,
              "k_new": sorted(set(ids))}
    return [connection.execute(statement, values).all()
            for statement in _new_day_statements(connection.dialect.name)[facet]]


def _merge_day(connection, organisation_id: int, template_key: str, day: dt.date, facet: str, ids) -> None:
    """Add new observations' rows to a facet of an organisation's day: only the day's rows of the values
    they have (every row for facet ""), read, summed with theirs in Python (`_merged`) and written back —
    a few hundred rows whatever the day's volume, where recomputing the day read all its answer rows."""
    new = _new_rows(connection, facet, organisation_id, template_key, day, day + dt.timedelta(days=1), ids)
    touched = sorted({row[3] for row in new[3]})  # (organisation, template, facet, value, day, kind, ...)
    if not touched:
        return  # none of them counts here (a peer observation not shared, a visit without the facet's value)

    def where(table):
        c = table.c
        return (c.organisation_id == organisation_id, c.template_key == template_key, c.day == day,
                c.facet == facet, c.value.in_(touched))
    kept = [connection.execute(select(*(t.c[name] for name in _columns(t))).where(*where(t))).all() for t in DAY_TABLES]
    for table, rows in zip(DAY_TABLES, _merged(*(k + n for k, n in zip(kept, new)), kept_cells=kept[1])):
        connection.execute(delete(table).where(*where(table)))
        if rows:
            names = _columns(table)
            connection.execute(insert(table), [dict(zip(names, row)) for row in rows])


def _merge_month(connection, organisation_id: int, template_key: str, month: str, ids) -> None:
    """Add new observations' rows to an organisation's month rows, as `_merge_day` to a day's: their rows
    for every visit, their days taken as the month, and the month's rows in the day rows' layout."""
    first, after = _month_range(month)
    new = [[(*row[:4], month, *row[5:]) for row in rows]
           for rows in _new_rows(connection, "", organisation_id, template_key, first, after, ids)]
    if not new[3]:
        return

    def where(table):
        c = table.c
        return c.organisation_id == organisation_id, c.template_key == template_key, c.month == month
    layouts = [_columns(day)[_columns(day).index("visit_kind"):] for day in DAY_TABLES]  # kind and the figures
    kept = [connection.execute(select(t.c.organisation_id, t.c.template_key, literal_column("''", String),
                                      literal_column("''", String), t.c.month, *(t.c[name] for name in names))
                               .where(*where(t))).all() for t, names in zip(TABLES, layouts)]
    for table, names, rows in zip(TABLES, layouts, _merged(*(k + n for k, n in zip(kept, new)), kept_cells=kept[1])):
        connection.execute(delete(table).where(*where(table)))
        if rows:
            connection.execute(insert(table), [
                {"organisation_id": row[0], "template_key": row[1], "month": row[4], **dict(zip(names, row[5:]))}
                for row in rows])


def _add(a, b):
    return b if a is None else a if b is None else a + b


def _merged(sums, cells, people, counts, kept_cells) -> tuple[list, list, list, list]:
    """The day tables' rows of kept and new rows together (rows as `_columns` orders them; the first six
    columns, organisation to kind, key every row)."""
    out_sums: dict = {}
    for row in sums:  # ..., item_key, item_type, choice | rows, numbers, total, squares, low, high
        key, (rows, numbers, total, squares, low, high) = row[:9], row[9:]
        if key in out_sums:
            r, n, t, q, lo, hi = out_sums[key]
            low = lo if low is None else low if lo is None else min(lo, low)
            high = hi if high is None else high if hi is None else max(hi, high)
            rows, numbers, total, squares = r + rows, n + numbers, _add(t, total), _add(q, squares)
        out_sums[key] = (rows, numbers, total, squares, low, high)
    out_counts: dict = {}
    for row in counts:  # ... | observations
        out_counts[row[:6]] = out_counts.get(row[:6], 0) + row[6]
    full = {row[:7] for row in kept_cells if row[8] >= TEACHER_CAP}  # cells whose teacher rows are not kept
    per_teacher: dict = {}
    for row in people:  # ..., item_key, teacher_id | observations, cell_teachers
        if row[:7] not in full:
            per_teacher[row[:8]] = per_teacher.get(row[:8], 0) + row[8]
    teachers: dict = {}
    for key in per_teacher:
        teachers[key[:7]] = teachers.get(key[:7], 0) + 1
    out_cells: dict = {}
    for row in cells:  # ..., item_key | observations, teachers, intervals
        key, (observations, _teachers, intervals) = row[:7], row[7:]
        if key in out_cells:
            o, i = out_cells[key]
            observations, intervals = o + observations, _add(i, intervals)
        out_cells[key] = (observations, intervals)
    return ([(*key, *figures) for key, figures in out_sums.items()],
            [(*key, observations, TEACHER_CAP if key in full else min(teachers.get(key, 0), TEACHER_CAP), intervals)
             for key, (observations, intervals) in out_cells.items()],
            [(*key, n, teachers[key[:7]]) for key, n in per_teacher.items() if teachers[key[:7]] < TEACHER_CAP],
            [(*key, n) for key, n in out_counts.items()])


def _recompute_org(connection, organisation_id: int, template_key: str, month: str) -> None:
    where = (lambda x: SCHOOLS.c.organisation_id == organisation_id, lambda x: x.c.template_key == template_key,
             lambda x: x.c.month == month)
    for table, source in zip(TABLES, org_sources(*where)):
        c = table.c
        connection.execute(delete(table).where(c.organisation_id == organisation_id, c.template_key == template_key,
                                               c.month == month))
        connection.execute(insert(table).from_select(_org_columns(table), source))


def rebuild() -> None:
    """Recompute every rollup from the answer rows (after a bulk load or an upgrade)."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    for table, source in zip(TABLES, sources(dialect)):
        connection.execute(delete(table))
        connection.execute(insert(table).from_select(_columns(table), source))
    for table, source in zip(TABLES, org_sources()):
        connection.execute(insert(table).from_select(_org_columns(table), source))
    for table, *facets in zip(DAY_TABLES, *day_sources(dialect)):
        connection.execute(delete(table))
        for source in facets:
            connection.execute(insert(table).from_select(_columns(table), source))
    connection.execute(delete(InsightStale))
    connection.execute(delete(InsightPending))
    lesson_values.rebuild(connection)


def _normalised(rows) -> dict:
    """Rows as a multiset {row: times}, floats rounded to 6 decimals, so that most sums added in another
    order meet here; the few either side of a rounding boundary meet in `_unpaired`."""
    out: dict = {}
    for row in rows:
        row = tuple(round(v, 6) if isinstance(v, float) else v for v in row)
        out[row] = out.get(row, 0) + 1
    return out


def _close(a, b) -> bool:
    """A rounded value kept and one recomputed agree: equal, or floats one unit of the sixth decimal apart
    (plus a relative 1e-9). A float sum's last bits depend on the order it was added in: at 500,000
    observations a sum of squares of 2.2790625 was kept as 2.279062 and recomputed as 2.279063."""
    if a == b:
        return True
    floats = isinstance(a, float) or isinstance(b, float)
    numbers = isinstance(a, (int, float)) and isinstance(b, (int, float))
    return floats and numbers and abs(a - b) <= 1.5e-6 + 1e-9 * max(abs(a), abs(b))


def _unpaired(kept: dict, wanted: dict) -> tuple[dict, dict]:
    """The rows each multiset has and the other lacks, once rows equal up to `_close` are paired off."""
    extra = {row: n - wanted.get(row, 0) for row, n in kept.items() if n > wanted.get(row, 0)}
    missing = {row: n - kept.get(row, 0) for row, n in wanted.items() if n > kept.get(row, 0)}
    for row in sorted(extra, key=repr):
        for other in sorted(missing, key=repr):
            if extra[row] and missing[other] and len(row) == len(other) and all(map(_close, row, other)):
                common = min(extra[row], missing[other])
                extra[row] -= common
                missing[other] -= common
    return ({row: n for row, n in extra.items() if n}, {row: n for row, n in missing.items() if n})


def verify() -> list[str]:
    """Every difference between the rollups and what the answer rows give (empty when they agree).
    The parts of an organisation's days that lag (stale: its months, its day rows of a facet; or with new
    observations pending) are left out: the next dashboard that reads them brings them up to date.

    Compared a piece at a time — a school's month rows, an organisation's month rows, an organisation's
    day rows of one template and month — so its memory follows the largest piece, not the history (the
    whole tables at once took 18 GB at 500,000 observations). Each piece reads its answer rows through
    the (school, template, day) index."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    by_school, by_organisation, by_day = _verify_statements(dialect)
    problems = []
    st = InsightStale.__table__.c
    pe = InsightPending.__table__.c
    stale_days = {tuple(row) for t in (st, pe) for row in connection.execute(
        select(t.organisation_id, t.template_key, t.part, t.day).distinct())}  # a day row's part is its facet
    stale_months = {(o, t, _month(d)) for o, t, part, d in stale_days if part == "month"}
    schools = dict(connection.execute(select(SCHOOLS.c.id, SCHOOLS.c.organisation_id)).all())

    def compare(name, pairs, values, keep=lambda rows: rows):
        for label, (kept, *wanted) in zip(name, pairs):
            problems.extend(_differences(label, keep(connection.execute(kept, values).all()),
                                         keep([row for source in wanted for row in connection.execute(source, values)])))
    owners = {column: {o for table in TABLES for o in connection.execute(select(table.c[column]).distinct()).scalars()}
              for column in ("school_id", "organisation_id")}
    for school_id in sorted((schools.keys() | owners["school_id"]) - {None}):
        compare([t.name for t in TABLES], by_school, {"school": school_id})
    for organisation_id in sorted((set(schools.values()) | owners["organisation_id"]) - {None}):
        compare([f"{t.name} (organisation)" for t in TABLES], by_organisation, {"organisation": organisation_id},
                lambda rows: [row for row in rows if (row[-1], row[0], row[1]) not in stale_months])
    for organisation_id, template_key, month in _day_pieces(connection, dialect):
        first, after = _month_range(month)
        members = [s for s, o in schools.items() if o == organisation_id]
        compare([t.name for t in DAY_TABLES], by_day,  # rows: (organisation, template, facet, value, day, ...)
                {"organisation": organisation_id, "template": template_key, "first": first, "after": after,
                 "members": members},
                lambda rows: [row for row in rows if (row[0], row[1], row[2], row[4]) not in stale_days])
    return problems + lesson_values.missing(connection)


@lru_cache(maxsize=4)
def _verify_statements(dialect: str) -> tuple:
    """verify's statements per piece, with bound parameters: per table (kept rows, *their sources)."""
    a = ANSWERS.c
    school, organisation = bindparam("school"), bindparam("organisation")
    by_school = [(select(*(t.c[name] for name in _columns(t))).where(t.c.school_id == school), source)
                 for t, source in zip(TABLES, sources(dialect, a.school_id == school))]
    by_organisation = [(select(*(t.c[name] for name in _org_columns(t))).where(t.c.organisation_id == organisation),
                        source)
                       for t, source in zip(TABLES, org_sources(lambda x: SCHOOLS.c.organisation_id == organisation))]
    first, after = bindparam("first"), bindparam("after")
    where = (a.school_id.in_(bindparam("members", expanding=True)), a.template_key == bindparam("template"),
             a.observed_on >= first, a.observed_on < after)
    by_day = [(select(*(t.c[name] for name in _columns(t))).where(
                   t.c.organisation_id == organisation, t.c.template_key == bindparam("template"), t.c.day >= first,
                   t.c.day < after), *facets)
              for t, *facets in zip(DAY_TABLES, *day_sources(dialect, *where, few=True))]
    return by_school, by_organisation, by_day


def _day_pieces(connection, dialect: str) -> list[tuple[int, str, str]]:
    """(organisation, template, month) of every organisation day row kept or to be kept."""
    a = ANSWERS.c
    wanted = (select(SCHOOLS.c.organisation_id, a.template_key, month_of(a.observed_on, dialect))
              .join_from(ANSWERS, SCHOOLS, SCHOOLS.c.id == a.school_id)
              .where(SCHOOLS.c.organisation_id.is_not(None)).distinct())
    pieces = {tuple(row) for row in connection.execute(wanted)}
    for table in DAY_TABLES:
        pieces |= {tuple(row) for row in connection.execute(
            select(table.c.organisation_id, table.c.template_key, month_of(table.c.day, dialect)).distinct())}
    return sorted(pieces)


def _differences(name: str, kept_rows, wanted_rows) -> list[str]:
    kept, wanted = _normalised(kept_rows), _normalised(wanted_rows)
    extra, missing = _unpaired(kept, wanted)
    return [f"{name}: {row} kept {kept.get(row, 0)}x, the rows give {wanted.get(row, 0)}x"
            for row in sorted(set(extra) | set(missing), key=repr)]
