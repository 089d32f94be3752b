"""What is stored about a person (GDPR art. 15) and who read or changed their records.

The export holds every visit the person was observed in or observed, its observations
(answers, evidence, notes), feedback, next steps and comments, about them and by them,
under the same rules as the pages (observe/auth/permissions.py): what the visit page does
not show the person yet (someone else's draft observation or feedback, their private quick
notes, the reflective question before the visit is finished, walkthrough answers whose
feedback was never shared) is not exported either. Unfinished running text and memory notes
are exempt from the right of access (lag (2018:218) 5 kap. 1 §); the export says so.
"""
from __future__ import annotations

import csv
import io
import json

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..audit.models import AuditEvent
from ..auth.models import User
from ..auth.permissions import (can_view_feedback, can_view_next_step, can_view_observation, can_view_quick_notes,
                                can_view_reflective_question)
from ..extensions import db
from ..feedback.models import Comment, NextStep
from ..schools.models import Organisation, School
from ..visits.models import Visit
from .purpose import salary_use, salary_use_applies

RECORD_TYPES = ("visit", "observation", "feedback", "nextstep", "comment")


def _iso(value):
    return value.isoformat() if value is not None else None


def _name(user_id, names):
    return names.get(user_id) if user_id is not None else None


def visits_of(user) -> list[Visit]:
    """Visits in which `user` was observed, observed someone, or created (planned) them."""
    return list(db.session.scalars(select(Visit).where(
        or_(Visit.teacher_id == user.id, Visit.observer_id == user.id, Visit.created_by_id == user.id))
        .order_by(Visit.scheduled_at, Visit.started_at, Visit.id)))


def not_included() -> str:
    """What the export leaves out, and why (shown on /me/data and written into every export)."""
    return _("Like the visit pages, this export leaves out what has not been shared with you yet: someone "
             "else's draft observation or feedback, an observer's private quick notes, the reflective question "
             "before the visit is finished, and walkthrough answers whose feedback was never shared. Unfinished "
             "drafts and memory notes are exempt from the right of access (lag (2018:218) 5 kap. 1 §).")


def collect(user) -> dict:
    """Everything about and by `user`, as plain JSON-ready data."""
    visits = visits_of(user)
    names = dict(db.session.execute(select(User.id, User.name).where(
        User.organisation_id == user.organisation_id)).all())
    schools = dict(db.session.execute(select(School.id, School.name)).all())
    organisation = db.session.get(Organisation, user.organisation_id)
    use = salary_use(organisation)
    out_visits = []
    for visit in visits:
        feedback = visit.feedback if visit.feedback and can_view_feedback(user, visit.feedback) else None
        out_visits.append({
            "uuid": str(visit.uuid), "school": schools.get(visit.school_id), "kind": visit.kind,
            "status": visit.status, "purpose": visit.purpose, "salary_setting": salary_use_applies(use, visit),
            "your_role": "observed" if visit.teacher_id == user.id else "observer",
            "observer": _name(visit.observer_id, names), "teacher": _name(visit.teacher_id, names),
            "subject": visit.subject, "year_group": visit.year_group,
            "scheduled_at": _iso(visit.scheduled_at), "started_at": _iso(visit.started_at),
            "ended_at": _iso(visit.ended_at), "focus_text": visit.focus_text,
            "reflective_question": visit.reflective_question if can_view_reflective_question(user, visit) else None,
            "preconference": visit.preconference or {},
            "observations": [{"uuid": str(o.uuid), "author": _name(o.author_id, names), "status": o.status,
                              "answers": o.answers or {},
                              "notes": (o.notes or []) if can_view_quick_notes(user, visit, o) else [],
                              "updated_at": _iso(o.updated_at)}
                             for o in visit.observations if can_view_observation(user, visit, o)],
            "feedback": None if feedback is None else {
                "uuid": str(feedback.uuid), "author": _name(feedback.author_id, names), "status": feedback.status,
                "summary": feedback.summary, "strengths": feedback.strengths or [],
                "development_area": feedback.development_area, "teacher_reflection": feedback.teacher_reflection,
                "shared_at": _iso(feedback.shared_at), "acknowledged_at": _iso(feedback.acknowledged_at)},
        })
    visit_ids = [v.id for v in visits]
    steps = db.session.scalars(select(NextStep).where(or_(
        NextStep.teacher_id == user.id, NextStep.created_by_id == user.id)).order_by(NextStep.id)).all()
    steps = [s for s in steps if can_view_next_step(user, s)]
    comments = db.session.scalars(select(Comment).where(or_(
        Comment.author_id == user.id, Comment.visit_id.in_(visit_ids or [-1]))).order_by(Comment.id)).all()
    return {
        # The purpose travels with the data (domain.md): never salary-setting unless announced.
        "salary_use": _salary_use(use),
        "not_included": not_included(),
        "person": {"name": user.name, "email": user.email, "locale": user.locale,
                   "schools": sorted(schools[s] for s in user.school_ids if s in schools)},
        "visits": out_visits,
        "next_steps": [{"uuid": str(s.uuid), "text": s.text, "status": s.status, "due_on": _iso(s.due_on),
                        "teacher": _name(s.teacher_id, names), "created_by": _name(s.created_by_id, names),
                        "visit": _visit_uuid(s.visit_id, visits)} for s in steps],
        "comments": [{"visit": _visit_uuid(c.visit_id, visits), "author": _name(c.author_id, names),
                      "kind": c.kind, "body": c.body, "created_at": _iso(c.created_at)} for c in comments],
        "audit": [{"at": _iso(e.at), "who": _name(e.user_id, names), "action": e.action,
                   "record": e.object_type, "id": e.object_id} for e in events_about(user)],
    }


def _salary_use(use) -> dict | None:
    return use and {"announced_on": use.announced_on.isoformat(), "from": use.from_date.isoformat()}


def _visit_uuid(visit_id, visits):
    return next((str(v.uuid) for v in visits if v.id == visit_id), None)


def record_ids_of(user) -> list[str]:
    """The ids under which audit events name the person's records."""
    visits = [v for v in visits_of(user)]
    ids = [str(v.uuid) for v in visits]
    ids += [str(o.uuid) for v in visits for o in v.observations]
    ids += [str(v.feedback.uuid) for v in visits if v.feedback is not None]
    ids += [str(u) for u in db.session.scalars(select(NextStep.uuid).where(NextStep.teacher_id == user.id))]
    return ids


def events_about(user, limit: int = 500) -> list[AuditEvent]:
    """Who read or changed the person's records ("who looked at my records"), newest first."""
    ids = record_ids_of(user)
    if not ids:
        return []
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type.in_(RECORD_TYPES), AuditEvent.object_id.in_(ids))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)))


def to_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)


CSV_COLUMNS = ("section", "visit", "kind", "date", "who", "field", "value")


def to_csv(data: dict) -> str:
    """One row per stored value: spreadsheet-friendly (UTF-8 with BOM for Excel)."""
    buffer = io.StringIO()
    writer = _SafeWriter(csv.writer(buffer))
    writer.writerow(CSV_COLUMNS)
    writer.writerow(("about", None, None, None, None, "not_included", data["not_included"]))
    for visit in data["visits"]:
        date = visit["started_at"] or visit["scheduled_at"]
        for key in ("kind", "status", "purpose", "your_role", "observer", "teacher", "subject", "year_group",
                    "focus_text", "reflective_question"):
            writer.writerow(("visit", visit["uuid"], visit["kind"], date, None, key, visit[key]))
        for key, value in visit["preconference"].items():
            writer.writerow(("preconference", visit["uuid"], visit["kind"], date, None, key, value))
        for obs in visit["observations"]:
            for key, answer in obs["answers"].items():
                writer.writerow(("observation", visit["uuid"], visit["kind"], date, obs["author"], key,
                                 json.dumps(answer, ensure_ascii=False)))
            for note in obs["notes"]:
                writer.writerow(("note", visit["uuid"], visit["kind"], note.get("at"), obs["author"], "note",
                                 note.get("text")))
        if visit["feedback"]:
            fb = visit["feedback"]
            for key in ("summary", "development_area", "teacher_reflection"):
                writer.writerow(("feedback", visit["uuid"], visit["kind"], fb["shared_at"], fb["author"], key, fb[key]))
            for strength in fb["strengths"]:
                writer.writerow(("feedback", visit["uuid"], visit["kind"], fb["shared_at"], fb["author"], "strength",
                                 json.dumps(strength, ensure_ascii=False)))
    for step in data["next_steps"]:
        writer.writerow(("next_step", step["visit"], None, step["due_on"], step["created_by"], step["status"],
                         step["text"]))
    for comment in data["comments"]:
        writer.writerow(("comment", comment["visit"], None, comment["created_at"], comment["author"], comment["kind"],
                         comment["body"]))
    for event in data["audit"]:
        writer.writerow(("audit", event["id"], event["record"], event["at"], event["who"], "action", event["action"]))
    return "\ufeff" + buffer.getvalue()


class _SafeWriter:
    """A spreadsheet must not run what a person typed: cells starting like a formula get a quote."""

    def __init__(self, writer):
        self.writer = writer

    def writerow(self, row):
        self.writer.writerow(["'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v
                              for v in row])


def school_events(school, *, action: str | None = None, user_id: int | None = None, limit: int = 200):
    """The school's audit log for its admin, newest first, optionally filtered."""
    query = select(AuditEvent).where(AuditEvent.school_id == school.id)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if user_id:
        query = query.where(AuditEvent.user_id == user_id)
    return list(db.session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)))
