"""What each role sees on the home page: the next thing to do, one tap away.

A user may hold several roles at a school; each role adds its own sections.
Teachers see only feedback that has been shared with them (drafts stay private).
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..auth.models import Membership, Role
from ..auth.permissions import can_view_next_step
from ..extensions import db
from ..feedback.models import Feedback, FeedbackStatus, NextStep, NextStepStatus
from .models import Visit, VisitKind, VisitStatus

OPEN_STEPS = (NextStepStatus.OPEN, NextStepStatus.IN_PROGRESS)

# Admin pages area A may provide: shown when the endpoint exists.
ADMIN_LINKS = (
    ("admin.index", _l("Administration")),
    ("admin.staff", _l("Staff and roles")),
    ("admin.import_staff", _l("Import staff (CSV)")),
    ("admin.schools", _l("Schools")),
    ("admin.groups", _l("Teacher groups")),
    ("admin.retention", _l("Retention")),
    ("templates_.index", _l("Observation templates")),
    ("insights.index", _l("Insights")),
)


def _local_day_bounds(today: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Today in the school's time zone, as a UTC interval (a 07:30 visit is 'today' in Sweden)."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Stockholm"))
    today = today or dt.datetime.now(zone).date()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
    return start.astimezone(dt.timezone.utc), (start + dt.timedelta(days=1)).astimezone(dt.timezone.utc)


def _visits():
    return select(Visit).options(selectinload(Visit.teacher), selectinload(Visit.observer))


def principal_context(user, school) -> dict:
    start, end = _local_day_bounds()
    today = db.session.scalars(
        _visits().where(Visit.school_id == school.id, Visit.observer_id == user.id,
                        Visit.status == VisitStatus.PLANNED, Visit.scheduled_at >= start, Visit.scheduled_at < end)
        .order_by(Visit.scheduled_at)).all()
    recent = db.session.scalars(
        _visits().where(Visit.school_id == school.id, Visit.observer_id == user.id,
                        Visit.status.in_((VisitStatus.IN_PROGRESS, VisitStatus.COMPLETED)))
        .order_by(func.coalesce(Visit.started_at, Visit.created_at).desc(), Visit.id.desc()).limit(6)).all()
    teacher_ids = select(Membership.user_id).where(Membership.school_id == school.id,
                                                   Membership.role == Role.TEACHER)
    steps = db.session.scalars(
        select(NextStep).options(selectinload(NextStep.teacher))
        .where(NextStep.school_id == school.id, NextStep.status.in_(OPEN_STEPS),
               NextStep.teacher_id.in_(teacher_ids))
        .order_by(NextStep.due_on.is_(None), NextStep.due_on, NextStep.id).limit(40)).all()
    return {"today_visits": today, "recent_visits": recent,
            "team_steps": [s for s in steps if can_view_next_step(user, s)][:10]}


def teacher_context(user, school) -> dict:
    feedback = db.session.scalars(
        select(Feedback).join(Visit, Feedback.visit_id == Visit.id)
        .options(selectinload(Feedback.visit).selectinload(Visit.observer))
        .where(Feedback.school_id == school.id, Visit.teacher_id == user.id,
               Feedback.status == FeedbackStatus.SHARED)
        .order_by(Feedback.shared_at.desc(), Feedback.id.desc()).limit(6)).all()
    peer = db.session.scalars(
        _visits().where(Visit.school_id == school.id, Visit.kind == VisitKind.PEER,
                        Visit.status != VisitStatus.CANCELLED,
                        or_(Visit.observer_id == user.id, Visit.teacher_id == user.id))
        .order_by(func.coalesce(Visit.scheduled_at, Visit.started_at, Visit.created_at).desc()).limit(6)).all()
    coming = db.session.scalars(
        _visits().where(Visit.school_id == school.id, Visit.teacher_id == user.id, Visit.kind == VisitKind.PLANNED,
                        Visit.status == VisitStatus.PLANNED, Visit.scheduled_at >= _local_day_bounds()[0])
        .order_by(Visit.scheduled_at).limit(6)).all()
    steps = db.session.scalars(
        select(NextStep).where(NextStep.school_id == school.id, NextStep.teacher_id == user.id,
                               NextStep.status.in_(OPEN_STEPS))
        .order_by(NextStep.due_on.is_(None), NextStep.due_on, NextStep.id)).all()
    return {"my_feedback": feedback, "peer_visits": peer, "coming_visits": coming,
            "my_steps": [s for s in steps if can_view_next_step(user, s)]}


def admin_context() -> dict:
    rules = current_app.view_functions
    return {"admin_links": [(url_for(endpoint), label) for endpoint, label in ADMIN_LINKS if endpoint in rules]}


def context_for(user, school, roles) -> dict:
    """Template variables for core/home.html, one block per role the user holds here."""
    context: dict = {"is_principal": Role.PRINCIPAL in roles, "is_teacher": Role.TEACHER in roles,
                     "is_admin": Role.ADMIN in roles}
    if Role.PRINCIPAL in roles:
        context.update(principal_context(user, school))
    if Role.TEACHER in roles:
        context.update(teacher_context(user, school))
    if Role.ADMIN in roles:
        context.update(admin_context())
    return context
