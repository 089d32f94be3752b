"""The dashboard's SQL: GROUP BY statements over the denormalised answer rows.

Every figure is a SQL GROUP BY over ObservationAnswer rows (see
observe.templates_.items.answer_rows for their shape); Python only combines the few
hundred groups the database returns (observe.insights.aggregates). Two statements feed
the whole dashboard:

- additive sums per (item, month, choice): counts, sums and sums of squares, so
  period totals, distributions, means and spreads are sums over months;
- distinct observations per (item, month, teacher): the privacy threshold needs
  the number of observations AND of distinct teachers behind each figure, and
  distinct counts are not additive across months.

Nothing is ever grouped or ordered by teacher.
"""
from __future__ import annotations

from functools import lru_cache
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, distinct, func, null, or_, select, union_all

from ..extensions import db
from ..schools.models import GroupMembership
from ..visits.models import Observation, ObservationAnswer as A, Visit
from .filters import Filters, Shape, parameters

# Peer observations reach leadership only as counts (the pair owns the notes).
PEER_TYPES = ("counter", "timed_log")


def _month_key(column, dialect: str):
    """'YYYY-MM' of a date column, in the running database's dialect."""
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.substr(column, 1, 7)  # SQLite stores dates as ISO text


# Core tables, not ORM entities: the dashboard's statements are plain SELECTs, and Core
# execution skips the ORM's per-statement compile-state work.
ANSWERS, OBSERVATIONS, VISITS = A.__table__, Observation.__table__, Visit.__table__
MEMBERSHIPS = GroupMembership.__table__
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
    """True for an answer row whose observed teacher was in the chosen teacher group on the day of the
    visit (dated membership, observe.schools.models.GroupMembership); a teacher in two groups counts in
    both. Anonymous and de-identified rows name no teacher, so they belong to no group."""
    a, m = ANSWERS.c, MEMBERSHIPS.c
    return (select(m.id).where(m.group_id == bindparam("group_id"), m.user_id == a.teacher_id,
                               or_(m.since.is_(None), m.since <= a.observed_on),
                               or_(m.until.is_(None), m.until > a.observed_on))
            .exists())


def group_filtered():
    """Ids of observations that count for the chosen teacher group (see in_group)."""
    return select(ANSWERS.c.observation_id).where(ANSWERS.c.school_id.in_(SCHOOLS), in_group())


def _shared_peer_observation():
    """True for a peer observation whose observed teacher chose to share counts with the principal.

    Correlated, so it is evaluated only for the (few) peer rows, never for the rest.
    """
    return (select(OBSERVATIONS.c.id).join(VISITS, VISITS.c.id == OBSERVATIONS.c.visit_id)
            .where(OBSERVATIONS.c.id == ANSWERS.c.observation_id, VISITS.c.summary_to_principal.is_(True))
            .exists())


def answer_conditions(shape: Shape) -> list:
    """WHERE clauses shared by every aggregate, with the filter values as bound parameters.

    Answer rows exist only for completed observations (observe.sync.services writes them
    on completion), so no status check is needed here. "observation_id + 0" keeps the
    planner on the covering index instead of probing rows one observation id at a time.
    """
    a = ANSWERS.c
    conds = [a.school_id.in_(SCHOOLS),
             a.observed_on >= bindparam("start"), a.observed_on <= bindparam("end"),
             or_(a.visit_kind != "peer", and_(a.item_type.in_(PEER_TYPES), _shared_peer_observation()))]
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
    people: object
    count: object
    intervals: object


@lru_cache(maxsize=64)
def statements_for(shape: Shape) -> Statements:
    """The dashboard's statements for one shape of filters, built once per process.

    Building these statements and computing their SQLAlchemy cache keys cost about as much
    CPU as a small dashboard's SQL; built once with bound parameters, each request only
    executes them (docs/performance.md, Insights)."""
    a = ANSWERS.c
    month = _month_key(a.observed_on, shape.dialect).label("month")
    conds = answer_conditions(shape)
    sums = (select(a.item_key, a.item_type, month, a.choice, func.count(), func.count(a.number), func.sum(a.number),
                   func.sum(a.number * a.number), func.min(a.number), func.max(a.number))
            .where(*conds).group_by(a.item_key, a.item_type, month, a.choice))
    # Distinct observations and teachers per item and month, and per item over the whole
    # period, from one grouped pass materialised as a CTE (distinct counts do not add up).
    per_teacher = (select(a.item_key, month, a.teacher_id, func.count(distinct(a.observation_id)).label("n"))
                   .where(*conds).group_by(a.item_key, month, a.teacher_id).cte("per_teacher"))
    c = per_teacher.c
    people = union_all(
        select(c.item_key, c.month, func.sum(c.n), func.count(c.teacher_id)).group_by(c.item_key, c.month),
        select(c.item_key, null(), func.sum(c.n), func.count(distinct(c.teacher_id))).group_by(c.item_key),
    )
    count = select(func.count(distinct(a.observation_id))).where(*conds)
    # Intervals observed per item and month: each observation's interval count once.
    per_observation = (select(a.item_key, month, func.max(a.total).label("seen"))
                       .where(*conds, a.item_type == "interval")
                       .group_by(a.item_key, month, a.observation_id).subquery())
    p = per_observation.c
    intervals = select(p.item_key, p.month, func.sum(p.seen)).group_by(p.item_key, p.month)
    return Statements(sums, people, count, intervals)


def run(statement, filters: Filters):
    return db.session.connection().execute(statement, parameters(filters))
