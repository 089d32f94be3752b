"""The dashboard's SQL: GROUP BY statements over the monthly rollups and, where they cannot answer,
over the denormalised answer rows.

Every figure is a SQL GROUP BY; Python only combines the few hundred groups the database returns
(observe.insights.aggregates). Two statements feed the whole dashboard:

- additive sums per (item, month, choice): counts, sums and sums of squares, so
  period totals, distributions, means and spreads are sums over months;
- distinct observations per (item, month, teacher): the privacy threshold needs
  the number of observations AND of distinct teachers behind each figure, and
  distinct counts are not additive across months.

Whole months come from the rollups kept as observations are written (observe.visits.rollups),
and an organisation's days from its day rollups, so a view's cost follows the months, days and cells
it shows, not the observations behind them. The rows read directly are those the rollups cannot
answer: a school's days of a period's first and last month when the period cuts a month, and the
period's rows when a filter needs the visit or the teacher's group on the day (subject, year group,
teacher group) — except an organisation's view of a subject, a year group or both, read from its day
rows for that value, and a teacher group's, read from its own school's rows only. Nothing is ever
grouped or ordered by teacher.
"""
from __future__ import annotations

import operator
from functools import lru_cache, reduce
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, distinct, false, func, null, or_, select, union_all

from ..extensions import db
from ..schools.models import GroupMembership, TeacherGroup
from ..visits.models import Observation, ObservationAnswer as A, Visit
from ..visits.rollups import DAY_TABLES, TABLES as MONTH_TABLES, countable, month_of
from .filters import Filters, Shape, parameters

# Core tables, not ORM entities: the dashboard's statements are plain SELECTs, and Core
# execution skips the ORM's per-statement compile-state work.
ANSWERS, OBSERVATIONS, VISITS = A.__table__, Observation.__table__, Visit.__table__
MEMBERSHIPS, GROUPS = GroupMembership.__table__, TeacherGroup.__table__
SCHOOLS = bindparam("schools", expanding=True)  # every statement here is limited to the viewer's schools


def visit_filtered(visit_level: tuple[bool, bool]):
    """Ids of observations whose visit matches the visit-level filters (subject, year group)."""
    v = VISITS.c
    query = (select(OBSERVATIONS.c.id).join(VISITS, v.id == OBSERVATIONS.c.visit_id)
             .where(v.school_id.in_(SCHOOLS)))
    for wanted, column, name in zip(visit_level, (v.subject, v.year_group), ("subject", "year_group")):
        if wanted:
            query = query.where(column == bindparam(name))
    return query


def in_group():
    """True for an answer row of the chosen teacher group's school whose observed teacher was in the group
    on the day of the visit (dated membership, observe.schools.models.GroupMembership); a teacher in two
    groups counts in both. A teacher group is one school's team: its figures are that school's visits, the
    same for its principal and for the organisation's leaders (a member also observed at another school
    counts there only for that school's groups), and only that school's rows are read. Anonymous and
    de-identified rows name no teacher, so they belong to no group."""
    a, m, g = ANSWERS.c, MEMBERSHIPS.c, GROUPS.c
    member = (select(m.id).where(m.group_id == bindparam("group_id"), m.user_id == a.teacher_id,
                                 or_(m.since.is_(None), m.since <= a.observed_on),
                                 or_(m.until.is_(None), m.until > a.observed_on))
              .exists())
    return and_(a.school_id == select(g.school_id).where(g.id == bindparam("group_id")).scalar_subquery(), member)


def group_filtered():
    """Ids of observations that count for the chosen teacher group (see in_group)."""
    return select(ANSWERS.c.observation_id).where(ANSWERS.c.school_id.in_(SCHOOLS), in_group())


def answer_conditions(shape: Shape) -> list:
    """WHERE clauses shared by every aggregate, with the filter values as bound parameters.

    Answer rows exist only for completed observations (observe.sync.services writes them
    on completion), so no status check is needed here. "observation_id + 0" keeps the
    planner on the covering index instead of probing rows one observation id at a time.
    """
    a = ANSWERS.c
    if shape.rollup:  # whole months come from the rollups: only the cut months' days from here, as index ranges
        ranges = [arm for arm, cut in zip(
            (and_(a.observed_on >= bindparam("start"), a.observed_on < bindparam("whole_start")),
             and_(a.observed_on > bindparam("whole_end"), a.observed_on <= bindparam("end"))), shape.cut) if cut]
        period = ranges[0] if len(ranges) == 1 else or_(false(), *ranges)  # no range: the rows go unread
    else:
        period = and_(a.observed_on >= bindparam("start"), a.observed_on <= bindparam("end"))
    conds = [a.school_id.in_(SCHOOLS), period, countable()]
    if any(shape.visit_level):
        conds.append((a.observation_id + 0).in_(visit_filtered(shape.visit_level)))
    if shape.group:
        conds.append(in_group())
    if shape.template:
        conds.append(a.template_key == bindparam("template"))
    if shape.item:
        conds.append(a.item_key == bindparam("item"))
    if shape.kind:
        conds.append(a.visit_kind == bindparam("kind"))
    return conds


@dataclass(frozen=True)
class Statements:
    sums: object
    people: object  # observations and distinct teachers per (item, month) and per item
    count: object
    intervals: object
    teachers: object = None  # rollups: the teachers of the cells below the minimum, counted once


def rollup_conditions(table, shape: Shape) -> list:
    """WHERE clauses over a monthly rollup table: the viewer's schools (or their organisation's rows),
    the period's whole months, the filters."""
    c = table.c
    owner = c.organisation_id == bindparam("organisation") if shape.organisation else c.school_id.in_(SCHOOLS)
    return [owner, c.month.between(bindparam("month_from"), bindparam("month_to")), *_kept_filters(c, shape)]


def day_conditions(table, shape: Shape) -> list:
    """WHERE clauses over an organisation's day table: its rows for every visit, the days of the period's
    cut months, the filters."""
    c = table.c
    ranges = [arm for arm, cut in zip((and_(c.day >= bindparam("start"), c.day < bindparam("whole_start")),
                                       and_(c.day > bindparam("whole_end"), c.day <= bindparam("end"))), shape.cut)
              if cut]
    return [c.organisation_id == bindparam("organisation"), c.facet == "", c.value == "",
            ranges[0] if len(ranges) == 1 else or_(*ranges), *_kept_filters(c, shape)]


def facet_conditions(table, shape: Shape) -> list:
    """WHERE clauses over an organisation's day table for a view filtered on a subject, a year group or both:
    that value's rows, every day of the period, the other filters."""
    c = table.c
    return [c.organisation_id == bindparam("organisation"), c.facet == shape.facet, c.value == bindparam(shape.facet),
            c.day.between(bindparam("start"), bindparam("end")), *_kept_filters(c, shape)]


def _kept_filters(c, shape: Shape) -> list:
    conds = []
    if shape.template:
        conds.append(c.template_key == bindparam("template"))
    if shape.item and "item_key" in c:
        conds.append(c.item_key == bindparam("item"))
    if shape.kind:
        conds.append(c.visit_kind == bindparam("kind"))
    return conds


@dataclass(frozen=True)
class _Kept:
    """The statements' parts read from one grain of rollups (months, or an organisation's days)."""

    sums: object
    cells: object  # observations and teachers per cell: the lower bound of each figure's teachers
    small: object  # teacher ids of the cells with fewer teachers than the minimum
    count: object
    intervals: object


def _kept(tables, conditions, month, shape: Shape) -> _Kept:
    """`tables`: sums, cells, people and counts of one grain; `conditions(table)` its WHERE clauses;
    `month(table)` the 'YYYY-MM' of its rows."""
    s, ce, pe, co = tables
    # One labelled expression per table, grouped by its label: PostgreSQL matches GROUP BY expressions by
    # their text, and two to_char calls bind their format as two parameters.
    sums_month, cells_month = month(s).label("month"), month(ce).label("month")
    sums = (select(s.c.item_key, s.c.item_type, sums_month, s.c.choice, func.sum(s.c.rows),
                   func.sum(s.c.numbers), func.sum(s.c.total), func.sum(s.c.squares), func.min(s.c.low),
                   func.max(s.c.high))
            .where(*conditions(s)).group_by(s.c.item_key, s.c.item_type, sums_month, s.c.choice))
    cells = select(ce.c.item_key, month(ce).label("month"), ce.c.observations, ce.c.teachers).where(*conditions(ce))
    small = (select(pe.c.item_key, month(pe).label("month"), pe.c.teacher_id)
             .where(*conditions(pe), pe.c.cell_teachers < bindparam("min_teachers")))
    count = (select(func.sum(ce.c.observations)).where(*conditions(ce)) if shape.item else
             select(func.sum(co.c.observations)).where(*conditions(co)))
    intervals = (select(ce.c.item_key, cells_month, func.sum(ce.c.intervals))
                 .where(*conditions(ce), ce.c.intervals.is_not(None)).group_by(ce.c.item_key, cells_month))
    return _Kept(sums, cells, small, count, intervals)


def _per_item_and_month(rows, observations, teachers, distinct_teachers):
    """Two groupings of one CTE: per (item, month), and per item over the period (month NULL)."""
    c = rows.c
    return (select(c.item_key, c.month, observations(c), teachers(c)).group_by(c.item_key, c.month),
            select(c.item_key, null(), observations(c), distinct_teachers(c)).group_by(c.item_key))


@lru_cache(maxsize=64)
def statements_for(shape: Shape) -> Statements:
    """The dashboard's statements for one shape of filters, built once per process.

    Building these statements and computing their SQLAlchemy cache keys cost about as much
    CPU as a small dashboard's SQL; built once with bound parameters, each request only
    executes them (docs/performance.md, Insights). With `shape.rollup` each statement is the
    union of the rollups' whole months and the answer rows of the cut months, and distinct
    teachers are read only from the cells that have fewer than the minimum (Cell.n_teachers)."""
    a = ANSWERS.c
    month = month_of(a.observed_on, shape.dialect).label("month")
    conds = answer_conditions(shape)
    sums = (select(a.item_key, a.item_type, month, a.choice, func.count(), func.count(a.number), func.sum(a.number),
                   func.sum(a.number * a.number), func.min(a.number), func.max(a.number))
            .where(*conds).group_by(a.item_key, a.item_type, month, a.choice))
    # Distinct observations and teachers per item and month, and per item over the whole
    # period, from one grouped pass materialised as a CTE (distinct counts do not add up).
    per_teacher = (select(a.item_key, month, a.teacher_id, func.count(distinct(a.observation_id)).label("n"))
                   .where(*conds).group_by(a.item_key, month, a.teacher_id).cte("per_teacher"))
    people = _per_item_and_month(per_teacher, lambda c: func.sum(c.n), lambda c: func.count(c.teacher_id),
                                 lambda c: func.count(distinct(c.teacher_id)))  # SQLite: no nested UNION
    count = select(func.count(distinct(a.observation_id))).where(*conds)
    # Intervals observed per item and month: each observation's interval count once.
    per_observation = (select(a.item_key, month, func.max(a.total).label("seen"))
                       .where(*conds, a.item_type == "interval")
                       .group_by(a.item_key, month, a.observation_id).subquery())
    p = per_observation.c
    intervals = select(p.item_key, p.month, func.sum(p.seen)).group_by(p.item_key, p.month)
    if not shape.rollup:
        return Statements(sums, union_all(*people), count, intervals)
    # A period of whole months reads no answer row at all: PostgreSQL would otherwise walk the index
    # of the schools' whole history to find the empty ranges. An organisation's cut days come from its
    # day rows, so its views read no answer row either.
    rows = any(shape.cut) and not shape.organisation
    kept = [_kept(MONTH_TABLES, lambda t: rollup_conditions(t, shape), lambda t: t.c.month, shape)]
    if any(shape.visit_level):  # an organisation's view of a subject, a year group or both: its day rows only
        kept = [_kept(DAY_TABLES, lambda t: facet_conditions(t, shape), lambda t: month_of(t.c.day, shape.dialect),
                      shape)]
    elif shape.organisation and any(shape.cut):
        kept.append(_kept(DAY_TABLES, lambda t: day_conditions(t, shape), lambda t: month_of(t.c.day, shape.dialect),
                          shape))
    sums = _union(sums if rows else None, *(k.sums for k in kept))
    # The cells' largest teacher count is a lower bound that decides the minimum when it reaches it.
    cells = _union(*(k.cells for k in kept)).cte("rollup_cells")
    people = _union(*(people if rows else ()), *_per_item_and_month(
        cells, lambda c: func.sum(c.observations), lambda c: func.max(c.teachers), lambda c: func.max(c.teachers)))
    small = _union(select(per_teacher.c.item_key, per_teacher.c.month, per_teacher.c.teacher_id) if rows else None,
                   *(k.small for k in kept)).cte("small_cells")
    teachers = union_all(*_per_item_and_month(small, lambda c: null(), lambda c: func.count(distinct(c.teacher_id)),
                                              lambda c: func.count(distinct(c.teacher_id))))
    parts = ([count.scalar_subquery()] if rows else []) + [k.count.scalar_subquery() for k in kept]
    count = select(reduce(operator.add, (func.coalesce(part, 0) for part in parts)))
    intervals = _union(intervals if rows else None, *(k.intervals for k in kept))
    return Statements(sums, people, count, intervals, teachers)


def _union(*selects):
    """UNION ALL of the given selects (None: left out); one select stands alone."""
    present = [one for one in selects if one is not None]
    return present[0] if len(present) == 1 else union_all(*present)


def run(statement, filters: Filters, **extra):
    return db.session.connection().execute(statement, {**parameters(filters), **extra})
