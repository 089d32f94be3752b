"""Following up the feedback culture (leader action 11) and the in-app reminders.

Figures are per school and term and never rank teachers: per-teacher lists are in
alphabetical order and only say who has not yet had a visit or a peer observation.
"""
from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass

from flask import url_for
from flask_babel import format_date, format_time, gettext as _
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..visits.models import Visit, VisitKind, VisitStatus
from . import peer
from . import services as svc
from .models import Feedback, FeedbackStatus, NextStep, NextStepStatus

FEEDBACK_DUE_DAYS = 3  # feedback talk within 1-3 days (domain.md)
FEEDBACK_REMINDER_DAYS = 30  # older visits without feedback show in the follow-up figures, not as reminders
STEP_DUE_SOON_DAYS = 3
PRECONFERENCE_HORIZON_DAYS = 7


@dataclass(frozen=True)
class Term:
    """Swedish school terms: spring (VT) January-July, autumn (HT) August-December."""

    year: int
    autumn: bool

    @classmethod
    def of(cls, day: dt.date) -> "Term":
        return cls(day.year, day.month >= 8)

    @classmethod
    def parse(cls, value: str | None, default: "Term") -> "Term":
        try:
            season, year = (value or "").split("-")
            if season in ("ht", "vt"):
                return cls(int(year), season == "ht")
        except ValueError:
            pass
        return default

    @property
    def key(self) -> str:
        return f"{'ht' if self.autumn else 'vt'}-{self.year}"

    @property
    def label(self) -> str:
        return (_("Autumn %(year)d", year=self.year) if self.autumn else _("Spring %(year)d", year=self.year))

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 8, 1) if self.autumn else dt.date(self.year, 1, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, 12, 31) if self.autumn else dt.date(self.year, 7, 31)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        zone = svc.school_zone()
        start = dt.datetime.combine(self.first_day, dt.time.min, tzinfo=zone)
        end = dt.datetime.combine(self.last_day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        return start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc)

    def previous(self) -> "Term":
        return Term(self.year, False) if self.autumn else Term(self.year - 1, True)

    def next(self) -> "Term":
        return Term(self.year + 1, False) if self.autumn else Term(self.year, True)


def visit_time():
    return func.coalesce(Visit.started_at, Visit.scheduled_at, Visit.created_at)


def local_date(value: dt.datetime) -> dt.date:
    return svc.utc_to_local(value).date()


def _held_visits(school, start, end, now):
    """Visits with a teacher that took place in [start, end) and by now: walkthroughs and planned visits."""
    return list(db.session.scalars(
        select(Visit).options(selectinload(Visit.feedback))
        .where(Visit.school_id == school.id, Visit.teacher_id.is_not(None),
                            Visit.kind.in_((VisitKind.SPONTANEOUS, VisitKind.PLANNED)),
                            Visit.status != VisitStatus.CANCELLED,
                            visit_time() >= start, visit_time() < end, visit_time() <= now)))


def _when(visit) -> dt.datetime:
    return visit.started_at or visit.scheduled_at or visit.created_at


def buckets(days: list[float]) -> list[dict]:
    edges = [(_("0–1 days"), 0, 2), (_("2–3 days"), 2, 4), (_("4–7 days"), 4, 8), (_("8 days or more"), 8, None)]
    return [{"label": label, "value": sum(1 for d in days if d >= low and (high is None or d < high))}
            for label, low, high in edges]


def metrics(school, term: Term, now: dt.datetime | None = None) -> dict:
    now = now or svc.now()
    start, end = term.bounds()
    teachers = svc.teachers(school)
    visits = _held_visits(school, start, end, now)
    visited = {v.teacher_id for v in visits}
    per_teacher = Counter(v.teacher_id for v in visits)

    peer_visits = [v for v in db.session.scalars(
        select(Visit).options(selectinload(Visit.observations))
        .where(Visit.school_id == school.id, Visit.kind == VisitKind.PEER,
                            Visit.status != VisitStatus.CANCELLED, visit_time() >= start, visit_time() < end))
        if peer.is_done(v)]
    given = {t.id: 0 for t in teachers}
    received = {t.id: 0 for t in teachers}
    for v in peer_visits:
        if v.observer_id in given:
            given[v.observer_id] += 1
        if v.teacher_id in received:
            received[v.teacher_id] += 1

    shared = [v.feedback for v in visits if v.feedback is not None and v.feedback.status == FeedbackStatus.SHARED]
    days = [max(0.0, (f.shared_at - _when(f.visit)).total_seconds() / 86400) for f in shared]
    acknowledged = [f for f in shared if f.acknowledged_at is not None]

    today = local_date(now)
    steps = list(db.session.scalars(
        select(NextStep).join(Feedback, NextStep.feedback_id == Feedback.id)
        .where(NextStep.school_id == school.id, Feedback.status == FeedbackStatus.SHARED,
               NextStep.due_on >= term.first_day, NextStep.due_on <= min(term.last_day, today))))
    on_time = [s for s in steps if s.status == NextStepStatus.DONE and s.done_at is not None
               and local_date(s.done_at) <= s.due_on]
    late = [s for s in steps if s.status == NextStepStatus.DONE and s not in on_time]
    overdue = [s for s in steps if s.status != NextStepStatus.DONE]

    peer_counts = [given[t.id] + received[t.id] for t in teachers]
    return {
        "term": term,
        "teacher_count": len(teachers),
        "visit_count": len(visits),
        "visit_counts": {t.id: per_teacher[t.id] for t in teachers},  # read against the term plan only
        "feedback_days": days,
        "teachers_visited": sum(1 for t in teachers if t.id in visited),
        "not_visited": [t for t in teachers if t.id not in visited],
        "no_peer": [t for t in teachers if given[t.id] + received[t.id] == 0],
        "peer_rows": [{"name": t.name, "given": given[t.id], "received": received[t.id]} for t in teachers],
        "peer_distribution": [
            {"label": _("none"), "value": sum(1 for c in peer_counts if c == 0)},
            {"label": "1", "value": sum(1 for c in peer_counts if c == 1)},
            {"label": "2", "value": sum(1 for c in peer_counts if c == 2)},
            {"label": _("3 or more"), "value": sum(1 for c in peer_counts if c >= 3)},
        ],
        "peer_count": len(peer_visits),
        "shared_count": len(shared),
        "unshared_count": len(visits) - len(shared),
        "days_median": statistics.median(days) if days else None,
        "days_mean": statistics.fmean(days) if days else None,
        "days_buckets": buckets(days),
        "acknowledged_count": len(acknowledged),
        "acknowledged_share": len(acknowledged) / len(shared) if shared else None,
        "steps_due": len(steps),
        "steps_on_time": len(on_time),
        "steps_late": len(late),
        "steps_overdue": len(overdue),
        "steps_on_time_share": len(on_time) / len(steps) if steps else None,
        "peer_summaries": peer.shared_summaries(school, start, end),
    }


# --- reminders --------------------------------------------------------------------------------


# The reminder statements take their values as bound parameters (see _reminder_parameters) and
# are built once: the navigation badge runs them on every page, and building and keying a
# statement costs about as much as running it.

def _happened_between(start, end):
    """coalesce(ended_at, started_at, scheduled_at) BETWEEN start AND end, spelt out so the database
    can answer each branch from ix_visits_observer_times instead of reading every visit."""
    return or_(Visit.ended_at.between(start, end),
               and_(Visit.ended_at.is_(None), Visit.started_at.between(start, end)),
               and_(Visit.ended_at.is_(None), Visit.started_at.is_(None), Visit.scheduled_at.between(start, end)))


# Visits this observer made 3-30 days ago whose feedback is not shared yet.
_UNSHARED_FEEDBACK = (
    select(Visit).outerjoin(Feedback, Feedback.visit_id == Visit.id)
    .where(Visit.school_id == bindparam("school_id"), Visit.observer_id == bindparam("user_id"),
           Visit.teacher_id.is_not(None), Visit.kind.in_((VisitKind.SPONTANEOUS, VisitKind.PLANNED)),
           Visit.status != VisitStatus.CANCELLED, _happened_between(bindparam("stale"), bindparam("late")),
           or_(Feedback.id.is_(None), Feedback.status == FeedbackStatus.DRAFT)))

# Feedback shared with this teacher that she has not acknowledged yet.
_UNACKNOWLEDGED = (
    select(Visit).join(Feedback, Feedback.visit_id == Visit.id)
    .where(Visit.school_id == bindparam("school_id"), Visit.teacher_id == bindparam("user_id"),
           Feedback.status == FeedbackStatus.SHARED, Feedback.acknowledged_at.is_(None)))

# Open next steps due within 3 days that are this user's or on this user's shared feedback.
_STEPS_DUE = (
    select(NextStep).outerjoin(Feedback, NextStep.feedback_id == Feedback.id)
    .where(NextStep.school_id == bindparam("school_id"), NextStep.status != NextStepStatus.DONE,
           NextStep.due_on.is_not(None), NextStep.due_on <= bindparam("soon"),
           or_(NextStep.teacher_id == bindparam("user_id"), Feedback.author_id == bindparam("user_id")),
           or_(NextStep.feedback_id.is_(None), Feedback.status == FeedbackStatus.SHARED)))

# Planned visits in the coming week of this user's (pre-conference checked in Python).
_PLANNED_SOON = (
    select(Visit).options(selectinload(Visit.teacher), selectinload(Visit.observer))
    .where(Visit.school_id == bindparam("school_id"), Visit.kind == VisitKind.PLANNED,
           Visit.status == VisitStatus.PLANNED, Visit.scheduled_at >= bindparam("now"),
           Visit.scheduled_at <= bindparam("horizon"),
           or_(Visit.teacher_id == bindparam("user_id"), Visit.observer_id == bindparam("user_id")))
    .order_by(Visit.scheduled_at))

_COUNT_UNSHARED = select(func.count()).select_from(_UNSHARED_FEEDBACK.subquery())
_COUNT_STEPS_DUE = select(func.count()).select_from(_STEPS_DUE.subquery())
_COUNT_UNACKNOWLEDGED = select(func.count()).select_from(_UNACKNOWLEDGED.subquery())


def _reminder_parameters(user, school, now: dt.datetime) -> dict:
    return {"school_id": school.id, "user_id": user.id, "now": now,
            "stale": now - dt.timedelta(days=FEEDBACK_REMINDER_DAYS),
            "late": now - dt.timedelta(days=FEEDBACK_DUE_DAYS),
            "soon": local_date(now) + dt.timedelta(days=STEP_DUE_SOON_DAYS),
            "horizon": now + dt.timedelta(days=PRECONFERENCE_HORIZON_DAYS)}


def _preconferences_due(params: dict) -> list:
    """Planned visits in the coming week of this user's whose pre-conference is missing."""
    return [v for v in db.session.scalars(_PLANNED_SOON, params) if not svc.preconference_done(v)]


def reminder_count(user, school, now: dt.datetime | None = None) -> int:
    """len(reminders(...)), counted in SQL: the navigation badge on every page needs only the number."""
    params = _reminder_parameters(user, school, now or svc.now())
    return (db.session.scalar(_COUNT_UNSHARED, params) + db.session.scalar(_COUNT_UNACKNOWLEDGED, params)
            + db.session.scalar(_COUNT_STEPS_DUE, params) + len(_preconferences_due(params))
            + len(peer.groups_to_accept(school, user, local_date(params["now"]))))


def reminders(user, school, now: dt.datetime | None = None) -> list[dict]:
    """What needs doing now: feedback not shared after 3 days, shared feedback not acknowledged yet,
    next steps due, pre-conferences missing."""
    now = now or svc.now()
    params = _reminder_parameters(user, school, now)
    out: list[dict] = []

    visits = db.session.scalars(
        _UNSHARED_FEEDBACK.options(selectinload(Visit.teacher)).order_by(visit_time()), params)
    for v in visits:
        out.append({"kind": "feedback_unshared", "key": f"feedback_unshared:{v.uuid}", "at": _when(v),
                    "text": _("Feedback to %(name)s is not shared yet (visit %(date)s).",
                              name=v.teacher.name if v.teacher else "", date=_fmt(_when(v))),
                    "url": url_for("feedback.visit", visit_uuid=v.uuid)})

    shared = db.session.scalars(
        _UNACKNOWLEDGED.options(selectinload(Visit.observer)).order_by(visit_time()), params)
    for v in shared:
        out.append({"kind": "feedback_unacknowledged", "key": f"feedback_unacknowledged:{v.uuid}", "at": _when(v),
                    "text": _("Feedback from %(name)s on the visit %(date)s is waiting for you to read and acknowledge it.",
                              name=v.observer.name if v.observer else "", date=_fmt(_when(v))),
                    "url": url_for("feedback.visit", visit_uuid=v.uuid)})

    steps = db.session.scalars(
        _STEPS_DUE.options(selectinload(NextStep.teacher), selectinload(NextStep.visit))
        .order_by(NextStep.due_on), params)
    for s in steps:
        overdue = s.due_on < local_date(now)
        mine = s.teacher_id == user.id
        due = _day(s.due_on)
        if overdue:
            text = (_("Your next step was due %(date)s: %(text)s", date=due, text=s.text) if mine
                    else _("%(name)s's next step was due %(date)s: %(text)s", name=s.teacher.name if s.teacher else "",
                           date=due, text=s.text))
        else:
            text = (_("Your next step is due %(date)s: %(text)s", date=due, text=s.text) if mine
                    else _("%(name)s's next step is due %(date)s: %(text)s", name=s.teacher.name if s.teacher else "",
                           date=due, text=s.text))
        target = s.visit
        out.append({"kind": "next_step_due", "key": f"next_step_{'overdue' if overdue else 'due'}:{s.uuid}",
                    "at": now, "text": text,
                    "url": url_for("feedback.visit", visit_uuid=target.uuid) if target else url_for("feedback.index")})

    for v in _preconferences_due(params):
        if v.teacher_id == user.id:  # the teacher writes it: name who is coming, not herself
            text = _("Write your pre-conference for the visit %(date)s (%(name)s is coming).",
                     date=_fmt(v.scheduled_at), name=v.observer.name if v.observer else "")
        else:
            text = _("The pre-conference for the visit %(date)s (%(name)s) is missing.",
                     date=_fmt(v.scheduled_at), name=v.teacher.name if v.teacher else "")
        out.append({"kind": "preconference_missing", "key": f"preconference_missing:{v.uuid}", "at": v.scheduled_at,
                    "text": text, "url": url_for("planning.show", visit_uuid=v.uuid)})

    for g in peer.groups_to_accept(school, user, local_date(now)):
        partners = ", ".join(m.name for m in g.members if m.id != user.id)
        out.append({"kind": "peer_group_to_accept", "key": f"peer_group_to_accept:{g.id}", "at": now,
                    "text": _("Accept your peer-observation group with %(names)s (%(start)s to %(end)s), or ask for a change.",
                              names=partners, start=_day(g.period_start), end=_day(g.period_end)),
                    "url": url_for("feedback.peer_index", _anchor=f"group-{g.id}")})
    return out


def _day(value: dt.date | dt.datetime) -> str:
    """A date in the reader's language ("23 nov. 2026", "23 Nov 2026"), as the pages show them."""
    return format_date(value, "d MMM y")


def _fmt(value: dt.datetime) -> str:
    """Date and time in the reader's language, in the school's time zone (Flask-Babel converts)."""
    return f"{_day(value)} {format_time(value, 'short')}"
