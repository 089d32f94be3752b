"""Visit rules: who can be observed, building a sync record from the online form, lists.

The online form and the offline client save through the same function
(`observe.sync.services.apply_record`); this module only turns a posted HTML form
into the record shape of docs/sync-protocol.md, so a double submit or a replay from
the outbox is the same idempotent upsert.
"""
from __future__ import annotations

import datetime as dt
import uuid as uuid_mod

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..auth.models import Membership, Role, User
from ..auth.permissions import can_plan_visit, can_view_plan
from ..dbtypes import utcnow
from ..extensions import db
from ..feedback.models import VisitAccess
from ..templates_.items import field_name
from ..templates_.schemas import items_of
from ..templates_.choice import latest_version_for, usable_version_of, usable_versions
from .models import Observation, ObservationStatus, Visit, VisitKind

# The visit form's own inputs (beside the form engine's `a.*` inputs). Area E's offline
# form serialises the same names, so keep them stable.
NOTE_AT, NOTE_TEXT, NEW_NOTE = "note_at", "note_text", "note"
SUBJECTS = ("Svenska", "Matematik", "Engelska", "NO", "SO", "Bild", "Musik", "Idrott och hälsa", "Slöjd",
            "Teknik", "Moderna språk", "Hem- och konsumentkunskap")
YEAR_GROUPS = ("F", "1", "2", "3", "4", "5", "6", "7", "8", "9")
TEXT_LIMIT = 5000


def teachers_of(school, *, query: str | None = None) -> list[User]:
    """Active teachers at the school, alphabetical, optionally filtered by a name fragment."""
    stmt = (select(User).join(Membership).where(Membership.school_id == school.id,
                                                 Membership.role == Role.TEACHER, User.active.is_(True))
            .order_by(User.name))
    if query:
        stmt = stmt.where(func.lower(User.name).contains(query.strip().lower(), autoescape=True))
    return list(db.session.scalars(stmt).unique())


def teachers_for_picker(school, observer, *, query: str | None = None, recent: int = 5) -> tuple[list, list]:
    """(recently visited by this observer, everyone else): the usual next visit is one tap away."""
    teachers = teachers_of(school, query=query)
    latest = dict(db.session.execute(
        select(Visit.teacher_id, func.max(Visit.started_at))
        .where(Visit.school_id == school.id, Visit.observer_id == observer.id, Visit.teacher_id.is_not(None))
        .group_by(Visit.teacher_id)).all())
    ranked = sorted((t for t in teachers if t.id in latest), key=lambda t: latest[t.id], reverse=True)[:recent]
    ids = {t.id for t in ranked}
    return ranked, [t for t in teachers if t.id not in ids]


def teacher_at(school, teacher_id) -> User | None:
    """The user if they hold a role at the school (anyone else is unknown here)."""
    return db.session.scalar(select(User).join(Membership).where(
        User.id == to_int(teacher_id), Membership.school_id == school.id).limit(1))


def is_teacher_at(school, teacher_id: int | None) -> bool:
    """True for an active teacher of this school (or None: an anonymous visit)."""
    return teacher_id is None or any(t.id == teacher_id for t in teachers_of(school))


def walkthrough_version(school, template_id=None):
    """The template version a new spontaneous visit uses: the school's default walkthrough template,
    or the published template the observer picked (None if that one may not be used)."""
    if template_id:
        return usable_version_of(school, "walkthrough", template_id)
    return latest_version_for(school, "walkthrough")


def walkthrough_versions(school) -> list:
    """The published templates a walkthrough may use, the school's default first (the start page's choice)."""
    return usable_versions(school, "walkthrough")


def parse_uuid(value) -> uuid_mod.UUID | None:
    try:
        return uuid_mod.UUID(str(value))
    except (TypeError, ValueError):
        return None


def _clean(value: str | None, limit: int = 200) -> str | None:
    value = (value or "").strip()
    return value[:limit] or None


def to_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def notes_from_form(form) -> list[dict]:
    """Notes already taken (hidden pairs) plus the one typed now, stamped with the server's clock."""
    notes = [{"at": at, "text": text} for at, text in zip(form.getlist(NOTE_AT), form.getlist(NOTE_TEXT))
             if text.strip()]
    new = (form.get(NEW_NOTE) or "").strip()
    if new:
        notes.append({"at": utcnow().isoformat(timespec="seconds"), "text": new[:TEXT_LIMIT]})
    return notes


def record_from_form(form, *, kind: str, finish: bool) -> dict:
    """The sync record (docs/sync-protocol.md) for what the HTML visit form posted."""
    status = ObservationStatus.COMPLETE if finish else (form.get("status") or ObservationStatus.DRAFT)
    teacher = form.get("teacher_id") or ""
    visit = {
        "uuid": form.get("visit_uuid", ""),
        "kind": kind,
        "teacher_id": to_int(teacher) if teacher not in ("", "anonymous") else None,
        "subject": _clean(form.get("subject"), 100),
        "year_group": _clean(form.get("year_group"), 40),
        "started_at": form.get("started_at") or None,
        "ended_at": form.get("ended_at") or (utcnow().isoformat(timespec="seconds") if finish else None),
        "reflective_question": _clean(form.get("reflective_question"), TEXT_LIMIT),
    }
    return {
        "type": "observation",
        "uuid": form.get("uuid", ""),
        "base_revision": to_int(form.get("base_revision")) or 0,
        "visit": visit,
        "template_version_id": to_int(form.get("template_version_id")),
        "fields": {name: form.getlist(name) for name in form if name.startswith("a.")},
        "notes": notes_from_form(form),
        "status": str(status),
    }


def new_visit_values(teacher_id: int | None, subject: str | None, year_group: str | None) -> dict:
    """Hidden and visible values of a fresh spontaneous visit form (the client regenerates the uuids offline)."""
    return {
        "uuid": str(uuid_mod.uuid4()),
        "visit_uuid": str(uuid_mod.uuid4()),
        "base_revision": 0,
        "status": ObservationStatus.DRAFT,
        "kind": VisitKind.SPONTANEOUS,
        "teacher_id": teacher_id if teacher_id else "anonymous",
        "subject": subject or "",
        "year_group": year_group or "",
        "started_at": utcnow().isoformat(timespec="seconds"),
        "ended_at": "",
        "reflective_question": "",
        "notes": [],
    }


def values_of(observation: Observation) -> dict:
    """The form values of a saved observation, for editing it again."""
    visit = observation.visit
    return {
        "uuid": str(observation.uuid),
        "visit_uuid": str(visit.uuid),
        "base_revision": observation.revision,
        "status": observation.status,
        "kind": visit.kind,
        "teacher_id": visit.teacher_id or "anonymous",
        "subject": visit.subject or "",
        "year_group": visit.year_group or "",
        "started_at": visit.started_at.isoformat(timespec="seconds") if visit.started_at else "",
        "ended_at": visit.ended_at.isoformat(timespec="seconds") if visit.ended_at else "",
        "reflective_question": visit.reflective_question or "",
        "notes": list(observation.notes or []),
    }


def values_from_form(form, record: dict) -> dict:
    """What the user typed, to show again next to the errors (nothing is lost on a 422)."""
    visit = record["visit"]
    return {
        "uuid": record["uuid"],
        "visit_uuid": visit["uuid"],
        "base_revision": record["base_revision"],
        "status": form.get("status") or ObservationStatus.DRAFT,
        "kind": visit["kind"],
        "teacher_id": visit["teacher_id"] or "anonymous",
        "subject": visit["subject"] or "",
        "year_group": visit["year_group"] or "",
        "started_at": visit["started_at"] or "",
        "ended_at": form.get("ended_at") or "",
        "reflective_question": visit["reflective_question"] or "",
        "notes": record["notes"],
    }


def keep_rejected_input(document: dict, form, answers: dict, errors: dict) -> dict:
    """Answers to draw again after a rejection, with the raw text of numbers that failed to parse.

    The form engine's parse drops an invalid number; redrawing it empty would lose what
    the user typed, so the rejected counters and "x of y" pairs are put back as typed.
    """
    kept = dict(answers)
    for item in items_of(document):
        key, kind = item["key"], item["type"]
        if kind == "counter" and field_name(key) in errors:
            kept[key] = {**kept.get(key, {}), "value": form.get(field_name(key), "")}
        elif kind == "x_of_y" and {field_name(key, "x"), field_name(key, "y")} & set(errors):
            kept[key] = {**kept.get(key, {}), "value": {"x": form.get(field_name(key, "x"), ""),
                                                        "y": form.get(field_name(key, "y"), "")}}
    return kept


def visits_observed_by(user, school, *, limit: int = 50) -> list[Visit]:
    """The observer's own visits, newest first (planned ones by their date)."""
    when = func.coalesce(Visit.started_at, Visit.scheduled_at, Visit.created_at)
    return list(db.session.scalars(
        select(Visit).where(Visit.school_id == school.id, Visit.observer_id == user.id)
        .order_by(when.desc(), Visit.id.desc()).limit(limit)))


def parse_timestamp(value: str | None) -> dt.datetime | None:
    """An ISO-8601 timestamp from the form or a note, as an aware UTC datetime."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def planned_visits_for(user, school) -> list[Visit]:
    """The planned visits `user` may see at `school`, by date: all of them for a planner, else those
    they teach, observe or were given access to."""
    query = (select(Visit).options(selectinload(Visit.teacher), selectinload(Visit.observer))
             .where(Visit.school_id == school.id, Visit.kind == VisitKind.PLANNED).order_by(Visit.scheduled_at))
    if not can_plan_visit(user, school):  # narrow in SQL; the check below stays the rule
        granted = select(VisitAccess.visit_id).where(VisitAccess.user_id == user.id)
        query = query.where(or_(Visit.teacher_id == user.id, Visit.observer_id == user.id, Visit.id.in_(granted)))
    return [v for v in db.session.scalars(query) if can_view_plan(user, v)]
