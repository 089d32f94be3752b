"""Retention per school: de-identify walkthroughs, delete planned visits and peer notes.

Run by `flask --app observe retention` from cron. Every rule selects only what is still
due, so a second run changes nothing (idempotent); deletion is real (rows are gone,
including answer rows, comments, next steps and sync copies that held the text).
"""
from __future__ import annotations

import calendar
import datetime as dt

from sqlalchemy import delete, func, or_, select, update

from ..audit import services as audit
from ..dbtypes import utcnow
from ..extensions import db
from ..feedback.models import Comment, Feedback, NextStep, VisitAccess
from ..schools.models import School
from ..schools.services import retention_of
from ..sync.models import RecordRevision, SyncConflict
from ..visits import rollups
from ..visits.models import Observation, ObservationAnswer, Visit, VisitKind, VisitStatus

CLOSED = (VisitStatus.COMPLETED, VisitStatus.CANCELLED)


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day `months` calendar months earlier (clamped to the month's last day)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _strip_free_text(observation: Observation) -> bool:
    """Clear evidence, text answers and quick notes; True when anything was there."""
    text_items = {item["key"] for section in observation.template_version.document.get("sections", [])
                  for item in section.get("items", []) if item.get("type") == "text"}
    answers, changed = {}, bool(observation.notes)
    for key, answer in (observation.answers or {}).items():
        answer = dict(answer) if isinstance(answer, dict) else {"value": answer}
        if answer.pop("evidence", None):
            changed = True
        if key in text_items:
            changed = changed or bool(answer.get("value"))
            continue
        answers[key] = answer
    if changed:
        observation.answers = answers
        observation.notes = []
        observation.revision += 1
    return changed


def deidentify_walkthroughs(school: School, now: dt.datetime) -> int:
    """Walkthroughs older than N days lose the teacher link and every free text."""
    cutoff = now - dt.timedelta(days=retention_of(school)["walkthrough_deidentify_days"])
    when = func.coalesce(Visit.started_at, Visit.created_at)
    visits = db.session.scalars(select(Visit).where(
        Visit.school_id == school.id, Visit.kind == VisitKind.SPONTANEOUS, when < cutoff,
        or_(Visit.teacher_id.is_not(None), Visit.reflective_question.is_not(None),
            Visit.id.in_(select(Observation.visit_id).where(Observation.school_id == school.id))))).all()
    count = 0
    for visit in visits:
        changed = visit.teacher_id is not None or bool(visit.reflective_question)
        for observation in visit.observations:
            changed = _strip_free_text(observation) or changed
        if not changed:
            continue
        visit.teacher_id = None
        visit.reflective_question = None
        visit.focus_text = None
        visit.revision += 1
        ids = [o.id for o in visit.observations]
        if ids:
            rollups.mark_observations(ids)
            db.session.execute(update(ObservationAnswer).where(ObservationAnswer.observation_id.in_(ids))
                               .values(teacher_id=None))
        db.session.execute(delete(Comment).where(Comment.visit_id == visit.id))
        _delete_sync_copies(school, [o.uuid for o in visit.observations])
        count += 1
    return count


def _delete_sync_copies(school: School, uuids: list) -> None:
    """Conflict payloads and revision rows hold what the device sent: they go with the record."""
    if uuids:
        db.session.execute(delete(SyncConflict).where(SyncConflict.school_id == school.id,
                                                      SyncConflict.record_uuid.in_(uuids)))
        db.session.execute(delete(RecordRevision).where(RecordRevision.school_id == school.id,
                                                        RecordRevision.record_uuid.in_(uuids)))


def delete_visits(school: School, visit_ids: list[int]) -> None:
    """Really delete visits and everything hanging off them, in foreign-key order."""
    if not visit_ids:
        return
    obs = db.session.execute(select(Observation.id, Observation.uuid).where(Observation.visit_id.in_(visit_ids))).all()
    feedback = db.session.execute(select(Feedback.id, Feedback.uuid).where(Feedback.visit_id.in_(visit_ids))).all()
    _delete_sync_copies(school, [row.uuid for row in obs] + [row.uuid for row in feedback])
    obs_ids, feedback_ids = [row.id for row in obs], [row.id for row in feedback]
    if obs_ids:
        rollups.mark_observations(obs_ids)
        db.session.execute(delete(ObservationAnswer).where(ObservationAnswer.observation_id.in_(obs_ids)))
        db.session.execute(delete(Observation).where(Observation.id.in_(obs_ids)))
    db.session.execute(delete(NextStep).where(or_(NextStep.visit_id.in_(visit_ids),
                                                  NextStep.feedback_id.in_(feedback_ids or [-1]))))
    db.session.execute(update(NextStep).where(NextStep.follow_up_visit_id.in_(visit_ids))
                       .values(follow_up_visit_id=None))
    db.session.execute(delete(Feedback).where(Feedback.visit_id.in_(visit_ids)))
    db.session.execute(delete(Comment).where(Comment.visit_id.in_(visit_ids)))
    db.session.execute(delete(VisitAccess).where(VisitAccess.visit_id.in_(visit_ids)))
    db.session.execute(delete(Visit).where(Visit.id.in_(visit_ids)))
    db.session.expire_all()


def _last_activity(visit: Visit) -> dt.datetime:
    """When the follow-up ended: the latest of the visit, its feedback and its next steps."""
    moments = [visit.ended_at, visit.scheduled_at, visit.started_at]
    if visit.feedback is not None:
        moments += [visit.feedback.updated_at, visit.feedback.acknowledged_at]
    moments += db.session.scalars(select(NextStep.updated_at).where(NextStep.visit_id == visit.id)).all()
    moments += db.session.scalars(select(Comment.created_at).where(Comment.visit_id == visit.id)).all()
    return max((m for m in moments if m is not None), default=visit.created_at)


def delete_planned_visits(school: School, now: dt.datetime) -> int:
    """Closed planned visits whose follow-up ended more than N months ago, with open next steps done."""
    cutoff = months_before(now, retention_of(school)["planned_delete_months_after_follow_up"])
    candidates = db.session.scalars(select(Visit).where(
        Visit.school_id == school.id, Visit.kind == VisitKind.PLANNED, Visit.status.in_(CLOSED),
        func.coalesce(Visit.ended_at, Visit.scheduled_at, Visit.created_at) < cutoff)).all()
    due = [v.id for v in candidates if _last_activity(v) < cutoff]
    delete_visits(school, due)
    return len(due)


def delete_peer_notes(school: School, now: dt.datetime) -> int:
    """Peer visits (the pair's notes) older than N months are deleted."""
    cutoff = months_before(now, retention_of(school)["peer_delete_months"])
    due = db.session.scalars(select(Visit.id).where(
        Visit.school_id == school.id, Visit.kind == VisitKind.PEER,
        func.coalesce(Visit.ended_at, Visit.scheduled_at, Visit.created_at) < cutoff)).all()
    delete_visits(school, list(due))
    return len(due)


def run(now: dt.datetime | None = None) -> dict[str, dict[str, int]]:
    """Apply every school's retention once; one transaction per school. Returns counts per school."""
    now = now or utcnow()
    report = {}
    for school_id in db.session.scalars(select(School.id).order_by(School.id)).all():
        school = db.session.get(School, school_id)
        counts = {"walkthroughs_deidentified": deidentify_walkthroughs(school, now),
                  "planned_deleted": delete_planned_visits(school, now),
                  "peer_deleted": delete_peer_notes(school, now)}
        if any(counts.values()):
            audit.record("retention.run", school_id=school.id, user_id=None, **counts)
        db.session.commit()
        report[school.name] = counts
    return report
