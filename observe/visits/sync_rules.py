"""The observation record's rules: which visit fields a device may set, who may write to a
visit, and what makes two copies of an observation the same (revision and timestamps aside).

Used by the record type (`observe.visits.sync_record`) and the merge screen.
"""
from __future__ import annotations

import datetime as dt
import uuid as uuid_mod

from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.models import Membership, Role
from ..auth.permissions import can_edit_observation, can_start_spontaneous_visit
from ..extensions import db
from ..sync.models import SyncConflict
from ..sync.records import Rejected, iso, jsonable
from .models import Observation, ObservationStatus, Visit, VisitKind, VisitStatus
from .sync_schemas import ObservationCopySchema

# Visit fields a device may set: all of them for the walkthrough it started itself,
# only the times for a planned or peer visit (someone planned the rest).
SPONTANEOUS_FIELDS = ("teacher_id", "subject", "year_group", "started_at", "ended_at", "reflective_question")
PLANNED_FIELDS = ("started_at", "ended_at")


def visit_fields(kind: str) -> tuple[str, ...]:
    return SPONTANEOUS_FIELDS if kind == VisitKind.SPONTANEOUS else PLANNED_FIELDS


def _content(visit_kind: str, visit_values: dict, version_id: int, answers: dict, notes: list, status: str) -> dict:
    """What makes two copies of an observation the same (revision and timestamps aside)."""
    return jsonable({
        "visit": {k: (iso(v) if isinstance(v, dt.datetime) else v) for k, v in visit_values.items()
                  if k in visit_fields(visit_kind)},
        "template_version_id": version_id, "answers": answers, "notes": notes, "status": status,
    })


def incoming_visit_values(kind: str, visit_data: dict, visit: Visit | None) -> dict:
    """The visit values the record asks for; planned/peer times left out keep the server's."""
    values = {k: visit_data.get(k) for k in visit_fields(kind)}
    if kind != VisitKind.SPONTANEOUS and visit is not None:
        for key in PLANNED_FIELDS:
            if values[key] is None:
                values[key] = getattr(visit, key)
    return values


def incoming_content(visit: Visit, data: dict) -> tuple[dict, dict]:
    """(the visit values, the content) of a prepared record against the existing `visit`."""
    values = incoming_visit_values(visit.kind, data["visit"], visit)
    return values, _content(visit.kind, values, data["_version"].id, data["_answers"], data["_notes"],
                            data["status"])


def server_content(obs: Observation) -> dict:
    visit = obs.visit
    values = {k: getattr(visit, k) for k in visit_fields(visit.kind)}
    return _content(visit.kind, values, obs.template_version_id, obs.answers or {}, obs.notes or [], obs.status)


def server_copy(obs: Observation) -> dict:
    """The server's copy in the record's shape, for a conflict answer and the merge view."""
    visit = obs.visit
    return ObservationCopySchema().dump({
        "uuid": obs.uuid, "revision": obs.revision, "template_version_id": obs.template_version_id,
        "visit": {"uuid": visit.uuid, "kind": visit.kind, **{k: getattr(visit, k) for k in SPONTANEOUS_FIELDS}},
        "answers": obs.answers or {}, "notes": obs.notes or [], "status": obs.status, "updated_at": obs.updated_at,
    })


def find_observation(school, record_uuid, *, for_update: bool = False) -> Observation | None:
    """The stored observation. `for_update`: locked until the transaction ends and read fresh, so
    a second device changing it at the same moment (PostgreSQL) waits, then sees the first one's
    revision and gets a conflict (SQLite's write lock already serialises writers)."""
    statement = select(Observation).filter_by(school_id=school.id, uuid=record_uuid)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return db.session.execute(statement).scalar_one_or_none()


def find_visit(school, visit_uuid) -> Visit | None:
    return db.session.execute(select(Visit).filter_by(school_id=school.id, uuid=visit_uuid)).scalar_one_or_none()


def check_teacher(school_id: int, teacher_id: int | None) -> None:
    if teacher_id is None:
        return
    found = db.session.execute(
        select(Membership.id).filter_by(user_id=teacher_id, school_id=school_id, role=Role.TEACHER.value)
    ).first()
    if found is None:
        raise Rejected({"visit.teacher_id": [_("Choose a teacher at your school.")]})


def visit_for_record(user, school, visit_data: dict) -> Visit | None:
    """The existing visit the record points at (checked), or None when a new walkthrough may start."""
    visit = find_visit(school, visit_data["uuid"])
    not_yours = {"visit": [_("This visit does not exist or is not yours to fill in.")]}
    if visit is None:
        if visit_data["kind"] != VisitKind.SPONTANEOUS:
            raise Rejected(not_yours)
        if not can_start_spontaneous_visit(user, school.id):
            raise Rejected({"visit": [_("You may not start visits at this school.")]})
        return None
    if not can_edit_observation(user, visit):
        raise Rejected(not_yours)
    if visit.kind != visit_data["kind"]:
        raise Rejected({"visit.kind": [_("This visit is of another kind.")]})
    return visit


def visit_status(current: str, observation_status: str) -> str:
    """A visit is completed with its observation (a cancelled visit stays cancelled)."""
    if current == VisitStatus.CANCELLED:
        return current
    return VisitStatus.COMPLETED if observation_status == ObservationStatus.COMPLETE else VisitStatus.IN_PROGRESS


def apply_visit_values(visit: Visit, values: dict, status: str) -> None:
    for key, value in values.items():
        setattr(visit, key, value)
    visit.status = visit_status(visit.status, status)


def observation_for_conflict(school, conflict: SyncConflict, *, for_update: bool = False) -> Observation | None:
    obs = find_observation(school, conflict.record_uuid, for_update=for_update)
    if obs is None:
        # A second observation of the same visit from another device: the server copy is the first one.
        visit_uuid = (conflict.payload.get("visit") or {}).get("uuid")
        visit = find_visit(school, uuid_mod.UUID(visit_uuid)) if visit_uuid else None
        if visit is not None:
            obs = db.session.execute(
                select(Observation).filter_by(visit_id=visit.id, author_id=conflict.user_id)
            ).scalar_one_or_none()
    return obs


def visit_of_conflict(school, conflict: SyncConflict) -> Visit | None:
    """The visit a conflicting record (an observation, or feedback naming `visit_uuid`) belongs to."""
    payload = conflict.payload or {}
    visit_uuid = (payload.get("visit") or {}).get("uuid") if isinstance(payload.get("visit"), dict) \
        else payload.get("visit_uuid")
    try:
        visit = find_visit(school, uuid_mod.UUID(str(visit_uuid))) if visit_uuid else None
    except ValueError:
        visit = None
    if visit is None:
        obs = find_observation(school, conflict.record_uuid)
        visit = obs.visit if obs is not None else None
    return visit
