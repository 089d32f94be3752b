"""The term plan of the feedback culture (leader action 9) and the follow-up read against it (10-11).

The leadership sets goals for the school as a whole; each figure of the follow-up page is shown
beside its goal. Nothing here is per teacher: a goal such as "each teacher visited twice" is read
as how many teachers have reached it, never who has not.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from flask_babel import format_percent, gettext as _, ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..insights.formatting import PERCENT
from ..visits.models import PeerGroup, Visit, VisitKind, VisitStatus
from .models import TermPlan
from .services import utc_to_local

GOALS = ("visits_per_teacher", "peer_round_weeks", "feedback_days", "acknowledged_percent", "steps_on_time_percent")


@dataclass
class Against:
    """One figure beside its goal: met is None when there is nothing to judge yet."""

    key: str
    goal: str
    figure: str
    met: bool | None


def plan_for(school, term) -> TermPlan | None:
    return db.session.scalar(select(TermPlan).where(TermPlan.school_id == school.id, TermPlan.term == term.key))


def save(user, school, term, goals: dict) -> TermPlan:
    plan = plan_for(school, term) or TermPlan(school_id=school.id, term=term.key)
    for key in GOALS:
        setattr(plan, key, goals.get(key))
    plan.updated_by_id = user.id
    db.session.add(plan)
    return plan


def rounds_started(school, term, today: dt.date) -> int:
    """Peer rounds started this term so far: groups starting on the same day are one round."""
    starts = db.session.scalars(
        select(PeerGroup.period_start).where(PeerGroup.school_id == school.id,
                                             PeerGroup.period_start >= term.first_day,
                                             PeerGroup.period_start <= min(term.last_day, today)).distinct())
    return len(set(starts))


def rounds_due(term, today: dt.date, weeks: int) -> int:
    """Rounds a plan of one every `weeks` weeks has started by today (the first at the term's start)."""
    if today < term.first_day:
        return 0
    elapsed = (min(today, term.last_day) - term.first_day).days
    return math.floor(elapsed / (7 * weeks)) + 1


def _percent(value: float | None) -> str:
    return "–" if value is None else format_percent(value, format=PERCENT)


def against_plan(plan: TermPlan | None, m: dict, school, term, today: dt.date) -> list[Against]:
    """Each planned goal with this term's figure (the metrics of feedback.followup.metrics)."""
    if plan is None:
        return []
    out = []
    if plan.visits_per_teacher:
        n = plan.visits_per_teacher
        reached = sum(1 for count in m["visit_counts"].values() if count >= n)
        out.append(Against("visits_per_teacher",
                           ngettext("Each teacher visited at least %(num)d time", "Each teacher visited at least %(num)d times", n),
                           _("%(a)d of %(b)d teachers so far", a=reached, b=m["teacher_count"]),
                           reached >= m["teacher_count"] if m["teacher_count"] else None))
    if plan.peer_round_weeks:
        due = rounds_due(term, today, plan.peer_round_weeks)
        started = rounds_started(school, term, today)
        out.append(Against("peer_round_weeks",
                           ngettext("A peer round every %(num)d week", "A peer round every %(num)d weeks", plan.peer_round_weeks),
                           ngettext("%(num)d round started, %(due)d planned by now",
                                    "%(num)d rounds started, %(due)d planned by now", started, due=due),
                           started >= due if due else None))
    if plan.feedback_days:
        d = plan.feedback_days
        within = [x for x in m["feedback_days"] if x <= d]
        share = len(within) / len(m["feedback_days"]) if m["feedback_days"] else None
        out.append(Against("feedback_days",
                           ngettext("Feedback shared within %(num)d day", "Feedback shared within %(num)d days", d),
                           _("%(share)s of shared feedback (%(a)d of %(b)d)", share=_percent(share), a=len(within),
                             b=len(m["feedback_days"])),
                           None if share is None else share == 1.0))
    if plan.acknowledged_percent is not None:
        share = m["acknowledged_share"]
        out.append(Against("acknowledged_percent",
                           _("At least %(n)d %% of shared feedback acknowledged", n=plan.acknowledged_percent),
                           _percent(share), None if share is None else share * 100 >= plan.acknowledged_percent))
    if plan.steps_on_time_percent is not None:
        share = m["steps_on_time_share"]
        out.append(Against("steps_on_time_percent",
                           _("At least %(n)d %% of next steps done on time", n=plan.steps_on_time_percent),
                           _percent(share), None if share is None else share * 100 >= plan.steps_on_time_percent))
    return out


def calendar(school, term) -> list[dict]:
    """The term's planned visits and peer rounds, by date: who is visited when, and when rounds start."""
    start, end = term.bounds()
    visits = db.session.scalars(
        select(Visit).options(selectinload(Visit.teacher), selectinload(Visit.observer))
        .where(Visit.school_id == school.id, Visit.kind == VisitKind.PLANNED, Visit.status != VisitStatus.CANCELLED,
               Visit.scheduled_at >= start, Visit.scheduled_at < end).order_by(Visit.scheduled_at))
    rows = [{"day": utc_to_local(v.scheduled_at).date(), "at": utc_to_local(v.scheduled_at), "kind": "visit",
             "visit": v} for v in visits]
    groups = db.session.scalars(
        select(PeerGroup).where(PeerGroup.school_id == school.id, PeerGroup.period_start >= term.first_day,
                                PeerGroup.period_start <= term.last_day))
    rounds: dict[tuple, int] = {}
    for g in groups:
        rounds[(g.period_start, g.period_end)] = rounds.get((g.period_start, g.period_end), 0) + 1
    rows += [{"day": s, "at": None, "kind": "round", "end": e, "groups": n} for (s, e), n in rounds.items()]
    return sorted(rows, key=lambda r: (r["day"], r["kind"] != "round", r["at"] or dt.datetime.min))
