"""Rules of the feedback loop: planning a visit, the pre-conference, feedback and next steps.

Views call these; permission checks stay in observe/auth/permissions.py. Every
change of a personal record is written to the audit log in the same unit of work.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import services as audit
from ..auth.models import Membership, Role, User
from ..errors import ValidationFailed
from ..extensions import db
from ..templates_.choice import usable_versions
from ..templates_.models import TemplateVersion
from ..visits.models import Purpose, Visit, VisitKind, VisitStatus
from .models import (Comment, CommentKind, Feedback, FeedbackStatus, NextStep, NextStepStatus,
                     VisitAccess)

# --- time -----------------------------------------------------------------------------------


def school_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Stockholm")


def local_to_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A naive wall-clock time typed into a form, read in the school's time zone."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=school_zone())
    return value.astimezone(dt.timezone.utc)


def utc_to_local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(school_zone()) if value is not None else None


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# --- people and templates ---------------------------------------------------------------------


def staff(school, *roles: Role) -> list[User]:
    """Active users holding one of `roles` at the school, by name."""
    query = (select(User).join(Membership).where(Membership.school_id == school.id, User.active.is_(True))
             .order_by(User.name).distinct())
    if roles:
        query = query.where(Membership.role.in_([str(r) for r in roles]))
    return list(db.session.scalars(query))


def teachers(school) -> list[User]:
    return staff(school, Role.TEACHER)


def template_versions_for(school, kind: str) -> list[TemplateVersion]:
    """The latest published version of every active template usable for `kind` visits, the school's
    default for that kind first (so it is the form's default choice)."""
    return usable_versions(school, kind)


def member_of(school, user_id: int | None, *roles: Role) -> User | None:
    """The user with this id if they work at the school (in one of `roles`); ids from forms are untrusted."""
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or school.id not in user.school_ids:
        return None
    if roles and not user.has_role(school.id, *roles):
        return None
    return user


# --- planning ---------------------------------------------------------------------------------


def plan_visit(user, school, *, teacher_id: int, scheduled_at: dt.datetime, template_version_id: int,
               purpose: str, planned_minutes: int | None = None, subject: str | None = None,
               year_group: str | None = None, access_user_ids: list[int] | None = None,
               follow_up_step: NextStep | None = None) -> Visit:
    """Create a planned visit with `user` as observer; optionally as the follow-up of a next step."""
    errors: dict[str, list[str]] = {}
    teacher = member_of(school, teacher_id, Role.TEACHER)
    if teacher is None:
        errors["teacher_id"] = [_("Choose a teacher at this school.")]
    # The form offers these; the service holds the rule for any caller (not an archived template, another
    # kind's or an older version).
    version = next((v for v in template_versions_for(school, "planned") if v.id == template_version_id), None)
    if version is None:
        errors["template_version_id"] = [_("Choose a template of this school.")]
    if purpose not in {p.value for p in Purpose}:
        errors["purpose"] = [_("Choose a purpose.")]
    if scheduled_at < now():
        errors["scheduled_at"] = [_("This time has passed. Plan the visit for a time still to come.")]
    if errors:
        raise ValidationFailed("", errors)
    visit = Visit(school_id=school.id, kind=VisitKind.PLANNED, status=VisitStatus.PLANNED, purpose=purpose,
                  observer_id=user.id, teacher_id=teacher.id, template_version_id=version.id,
                  scheduled_at=scheduled_at, planned_minutes=planned_minutes, subject=subject or None,
                  year_group=year_group or None, created_by_id=user.id, focus_item_keys=[], preconference={})
    db.session.add(visit)
    db.session.flush()
    for uid in sorted(set(access_user_ids or [])):
        other = member_of(school, uid)
        if other is not None and other.id not in (user.id, teacher.id):
            db.session.add(VisitAccess(visit_id=visit.id, user_id=other.id, granted_by_id=user.id))
    if follow_up_step is not None:
        follow_up_step.follow_up_visit_id = visit.id
    audit.record("visit.plan", visit, teacher_id=teacher.id)
    return visit


def extra_access(visit) -> list[User]:
    return list(db.session.scalars(
        select(User).join(VisitAccess, VisitAccess.user_id == User.id)
        .where(VisitAccess.visit_id == visit.id).order_by(User.name)))


PRECONFERENCE_FIELDS = ("lesson_goal", "student_activity", "data_method")


def save_preconference(visit, user, *, lesson_goal: str, student_activity: str, data_method: str,
                       focus_item_keys: list[str], focus_text: str,
                       feedback_meeting_at: dt.datetime | None) -> None:
    """Store what the teacher (or both) agreed before the lesson. Unknown item keys are dropped."""
    known = {item["key"] for item in visit.template_version.items()}
    visit.focus_item_keys = [key for key in focus_item_keys if key in known]
    visit.focus_text = focus_text.strip() or None
    visit.preconference = {
        "lesson_goal": lesson_goal.strip(),
        "student_activity": student_activity.strip(),
        "data_method": data_method.strip(),
        "feedback_meeting_at": feedback_meeting_at.isoformat() if feedback_meeting_at else None,
        "updated_by": user.id,
        "updated_at": now().isoformat(),
    }
    visit.revision += 1
    audit.record("visit.preconference", visit)


def preconference_done(visit) -> bool:
    pre = visit.preconference or {}
    return bool(pre.get("lesson_goal") and (visit.focus_item_keys or visit.focus_text))


def feedback_meeting_at(visit) -> dt.datetime | None:
    value = (visit.preconference or {}).get("feedback_meeting_at")
    return dt.datetime.fromisoformat(value) if value else None


def cancel_visit(visit, user) -> None:
    visit.status = VisitStatus.CANCELLED
    audit.record("visit.cancel", visit)


def open_next_step_for(teacher_id: int | None, school_id: int, *, before: Visit | None = None) -> NextStep | None:
    """The teacher's oldest still-open next step from an earlier shared feedback or peer visit.

    Shown at the top of the next observation of this teacher so the visit follows it up.
    """
    if teacher_id is None:
        return None
    query = (select(NextStep).outerjoin(Feedback, NextStep.feedback_id == Feedback.id)
             .where(NextStep.school_id == school_id, NextStep.teacher_id == teacher_id,
                    NextStep.status != NextStepStatus.DONE,
                    (NextStep.feedback_id.is_(None)) | (Feedback.status == FeedbackStatus.SHARED))
             .order_by(NextStep.due_on.is_(None), NextStep.due_on, NextStep.id))
    if before is not None:
        when = before.started_at or before.scheduled_at or before.created_at
        query = query.where((NextStep.visit_id.is_(None)) | (NextStep.visit_id != before.id))
        if when is not None:
            query = query.where(NextStep.created_at < when)
    for step in db.session.scalars(query):
        # Peer next steps stay with the pair: only show them to the pair.
        if step.visit is not None and step.visit.kind == VisitKind.PEER:
            if before is None or before.kind != VisitKind.PEER:
                continue
        return step
    return None


# --- feedback ---------------------------------------------------------------------------------


def feedback_of(visit) -> Feedback | None:
    return visit.feedback


def clean_strengths(pairs: list[tuple[str, str]]) -> list[dict]:
    return [{"text": t.strip(), "evidence": e.strip()} for t, e in pairs if t.strip() or e.strip()]


def save_draft(visit, user, *, summary: str, strengths: list[tuple[str, str]], development_area: str,
               next_step_text: str, next_step_due: dt.date | None) -> Feedback:
    """Create or update the observer's draft. Drafts stay private to their author."""
    feedback = visit.feedback
    if feedback is None:
        feedback = Feedback(school_id=visit.school_id, visit=visit, author_id=user.id,
                            status=FeedbackStatus.DRAFT, strengths=[])
        db.session.add(feedback)
    elif feedback.status != FeedbackStatus.DRAFT:
        raise ValidationFailed(_("Shared feedback can no longer be edited; add a comment instead."))
    errors = {}
    for index, (text, evidence) in enumerate(strengths):  # numbered as given: the form's rows
        if text.strip() and not evidence.strip():
            errors[f"strength_evidence_{index}"] = [_("Tie each strength to evidence: what was said or done?")]
    items = clean_strengths(strengths)
    if next_step_text.strip() and next_step_due is None:
        errors["next_step_due"] = [_("Give the next step a due date.")]
    if errors:
        raise ValidationFailed("", errors)
    feedback.summary = summary.strip() or None
    feedback.strengths = items
    feedback.development_area = development_area.strip() or None
    feedback.revision = (feedback.revision or 0) + 1
    db.session.flush()
    step = feedback.next_steps[0] if feedback.next_steps else None
    if next_step_text.strip():
        if step is None:
            step = NextStep(school_id=visit.school_id, visit_id=visit.id, teacher_id=visit.teacher_id,
                            created_by_id=user.id, text="")
            feedback.next_steps.append(step)
        step.text = next_step_text.strip()
        step.due_on = next_step_due
    elif step is not None:
        feedback.next_steps.remove(step)
    audit.record("feedback.draft", feedback)
    return feedback


def share_feedback(feedback, user) -> None:
    """Make the draft visible to the teacher (and the visit's circle). It may now be an official document."""
    if feedback.status == FeedbackStatus.SHARED:
        return
    if not (feedback.summary or feedback.strengths or feedback.development_area):
        raise ValidationFailed(_("Write a summary, a strength or a development area before sharing."))
    feedback.status = FeedbackStatus.SHARED
    feedback.shared_at = now()
    feedback.revision += 1
    audit.record("feedback.share", feedback)


def reflect(feedback, user, text: str) -> None:
    feedback.teacher_reflection = text.strip() or None
    feedback.revision += 1
    audit.record("feedback.reflect", feedback)


def acknowledge(feedback, user) -> None:
    if feedback.acknowledged_at is None:
        feedback.acknowledged_at = now()
        feedback.revision += 1
        audit.record("feedback.acknowledge", feedback)


def add_comment(visit, user, body: str, kind: str = CommentKind.COMMENT) -> Comment:
    if not body.strip():
        raise ValidationFailed("", {"body": [_("Write something first.")]})
    if kind not in {k.value for k in CommentKind}:
        kind = CommentKind.COMMENT
    comment = Comment(school_id=visit.school_id, visit_id=visit.id, author_id=user.id, kind=kind,
                      body=body.strip())
    db.session.add(comment)
    audit.record("visit.comment", visit, kind=kind)
    return comment


def comments_on(visit) -> list[Comment]:
    return list(db.session.scalars(select(Comment).where(Comment.visit_id == visit.id).order_by(Comment.id)))


def add_next_step(visit, user, *, text: str, due_on: dt.date | None, feedback: Feedback | None = None) -> NextStep:
    """A next step agreed after the talk (or the observed teacher's own step after a peer visit)."""
    errors = {}
    if not text.strip():
        errors["text"] = [_("Describe the next step.")]
    if due_on is None:
        errors["due_on"] = [_("Give the next step a due date.")]
    if errors:
        raise ValidationFailed("", errors)
    step = NextStep(school_id=visit.school_id, visit_id=visit.id, teacher_id=visit.teacher_id,
                    feedback_id=feedback.id if feedback else None, created_by_id=user.id,
                    text=text.strip(), due_on=due_on)
    db.session.add(step)
    audit.record("next_step.create", step)
    return step


def set_next_step_status(step, user, status: str) -> None:
    if status not in {s.value for s in NextStepStatus}:
        raise ValidationFailed("", {"status": [_("Unknown status.")]})
    step.status = status
    step.done_at = now() if status == NextStepStatus.DONE else None
    audit.record("next_step.status", step, status=status)


def next_steps_of_teacher(school, teacher_id: int) -> list[NextStep]:
    """A teacher's own next steps that they may see (shared feedback or their peer visits)."""
    steps = db.session.scalars(
        select(NextStep).outerjoin(Feedback, NextStep.feedback_id == Feedback.id)
        .where(NextStep.school_id == school.id, NextStep.teacher_id == teacher_id,
               (NextStep.feedback_id.is_(None)) | (Feedback.status == FeedbackStatus.SHARED))
        .order_by(NextStep.status == NextStepStatus.DONE, NextStep.due_on, NextStep.id))
    return list(steps)


def next_steps_followed_by(school, observer_id: int) -> list[NextStep]:
    """Shared next steps from the observer's own visits (the ones they follow up)."""
    steps = db.session.scalars(
        select(NextStep).join(Feedback, NextStep.feedback_id == Feedback.id)
        .where(NextStep.school_id == school.id, Feedback.author_id == observer_id,
               Feedback.status == FeedbackStatus.SHARED)
        .order_by(NextStep.status == NextStepStatus.DONE, NextStep.due_on, NextStep.id))
    return list(steps)


def next_steps_of_visit(visit) -> list[NextStep]:
    """Every next step set on `visit` (a peer visit's, which has no feedback), oldest first."""
    return list(db.session.scalars(select(NextStep).where(NextStep.visit_id == visit.id).order_by(NextStep.id)))


def record_conversation(feedback, user, held_on: dt.date, agreed: str | None) -> None:
    """The feedback conversation was held (leader action 3); a later record corrects the earlier one."""
    if held_on > utc_to_local(now()).date():
        raise ValidationFailed("", {"conversation_on": [_("The conversation cannot be held in the future.")]})
    feedback.conversation_on = held_on
    feedback.conversation_agreed = (agreed or "").strip() or None
    audit.record("feedback.conversation", feedback.visit, held_on=held_on.isoformat())
