"""Applying records from devices (and from the online form): the one write path.

`apply_record(user, school, record)` (the online form) and `apply_records` (a sync
batch) are THE way an observation or a feedback draft is created or changed, online or
offline, so a double submit or a resend after a lost response is harmless. In a batch
each record is applied in its own savepoint, which is what lets one bad record never
block the others; merges go through `resolve_conflict`.

Idempotency rests on the database, not on a check in Python: the record is
INSERTed inside a savepoint and the unique constraint on (school_id, uuid)
decides who was first; the loser re-reads the winner's row and compares.

A sync batch (`apply_records`) does the same work in fewer, larger steps: records are
validated and parsed before the write transaction opens, new walkthroughs are inserted
together in one savepoint (falling back to one savepoint per record if anything in it
fails, e.g. a concurrent upload of the same uuid), and resends that change nothing are
recognised from one query. See docs/performance.md, "Sync server under load".

Record types live in a registry (`RECORD_TYPES`; observations here, feedback in
feedback_records.py): register a `RecordType` subclass with `register_record_type`.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import uuid as uuid_mod
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError
from sqlalchemy import bindparam, delete, insert, literal, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..audit import services as audit
from ..auth.models import Membership, Role
from ..auth.permissions import can_edit_observation, can_start_spontaneous_visit
from ..dbtypes import start_write, utcnow
from ..extensions import db
from ..templates_.models import TemplateVersion
from ..visits.models import (Observation, ObservationAnswer, ObservationStatus, Visit, VisitKind,
                             VisitStatus)
from .models import Device, RecordRevision, SyncConflict
from .schemas import ObservationCopySchema, ObservationRecordSchema, ResolveSchema

CREATED, UNCHANGED, UPDATED, CONFLICT, REJECTED = "created", "unchanged", "updated", "conflict", "rejected"


class Rejected(Exception):
    """A record that cannot be accepted as sent; the device keeps it as "needs attention"."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__(fields)
        self.fields = fields


# --- the registry -------------------------------------------------------------------

class RecordType:
    """One kind of record the sync API accepts. Subclasses set `name` and `schema`."""

    name: str = ""
    schema: type[Schema]

    def prepare(self, school, batch: list[dict]) -> list[dict | None]:
        """Before the write transaction opens: checks and parsing that need no lock (may add keys
        to each record's data for `apply`). Returns, per record, the field errors that refuse it
        or None. Default: nothing to do."""
        return [None] * len(batch)

    def apply(self, user, school, data: dict, raw: dict) -> dict:
        """Upsert the validated `data` inside the open write transaction; return the result."""
        raise NotImplementedError

    def apply_many(self, user, school, batch: list[dict]) -> list[dict | None]:
        """Inside a batch's write transaction, before records are applied one by one: the results
        of the prepared records this type can settle together, None for each record left to
        `apply`. Whatever it writes must be undone if it raises (write inside a savepoint).
        Default: every record is applied one by one."""
        return [None] * len(batch)

    def conflict_copies(self, school, conflict) -> dict:
        """{"server": the current server copy or None, ...extra keys for the merge view}."""
        raise NotImplementedError

    def resolve(self, user, school, conflict, merged: dict) -> dict:
        """Inside the open write transaction: save the author's merge (built on the server
        revision `merged["base_revision"]`) as the next revision and close the conflict; the
        result as for a synced record (`updated`, `conflict` when the server moved on)."""
        raise Rejected({"record": [_("Send the merged record again through sync, from the server's revision.")]})


RECORD_TYPES: dict[str, RecordType] = {}


def register_record_type(record_type: RecordType) -> RecordType:
    RECORD_TYPES[record_type.name] = record_type
    return record_type


# --- the entry point ------------------------------------------------------------------

def apply_record(user, school, record: dict, *, client_schema_version: int | None = None,
                 device_uuid: uuid_mod.UUID | None = None) -> dict:
    """Create or update one record for `user` in `school`; never raises for bad input.

    Returns {"uuid", "status", "revision"?, "fields"?, "server"?} as in docs/sync-protocol.md.
    Commits on created/updated/conflict, rolls back otherwise. `device_uuid` (the syncing
    device) lets a device continue from its own revisions whose answers it never received.
    """
    record_type, data = _load_record(record, client_schema_version, device_uuid)
    if record_type is None:
        return data
    [refused] = record_type.prepare(school, [data])
    if refused:
        return rejected(uuid_text(record.get("uuid")), refused)
    _start_unit_of_work()
    try:
        result = record_type.apply(user, school, data, _jsonable(record))
    except Rejected as exc:
        db.session.rollback()
        return rejected(uuid_text(record.get("uuid")), exc.fields)
    except Exception:
        db.session.rollback()
        raise
    if result["status"] == UNCHANGED:
        db.session.rollback()
    else:
        db.session.commit()
    return result


def apply_records(user, school, records: list, *, client_schema_version: int | None = None,
                  device_uuid: uuid_mod.UUID | None = None, device: dict | None = None,
                  user_agent: str | None = None) -> list[dict]:
    """A sync batch: the same results as `apply_record` for each record, in one write transaction.

    Records are validated and parsed (marshmallow, the form engine) before the transaction
    opens, so SQLite's write lock is held only for the database work. Inside it each record
    type first settles what it can together (`RecordType.apply_many`: new walkthroughs in a
    few multi-row INSERTs, resends that change nothing); every other record runs in its own
    SAVEPOINT, so a rejected or failing record is undone alone and never blocks the others.
    The device's report (`device`, diagnostics for admins) is stored in the same transaction
    in a savepoint of its own: it never costs the records their confirmations. One COMMIT ends
    the batch; if it fails, nothing is confirmed and the device sends the batch again
    (idempotent).
    """
    results: list[dict | None] = [None] * len(records)
    loaded: dict[int, tuple[RecordType, dict]] = {}
    for index, record in enumerate(records):
        record_type, data = _load_record(record, client_schema_version, device_uuid)
        if record_type is None:
            results[index] = data
        else:
            loaded[index] = (record_type, data)
    by_type = {record_type: [i for i, (kind, _data) in loaded.items() if kind is record_type]
               for record_type, _data in loaded.values()}
    for record_type, indexes in by_type.items():
        for index, refused in zip(indexes, record_type.prepare(school, [loaded[i][1] for i in indexes])):
            if refused:
                results[index] = rejected(uuid_text(records[index].get("uuid")), refused)
                del loaded[index]
    _start_unit_of_work()
    for record_type, indexes in by_type.items():
        indexes = [i for i in indexes if i in loaded]
        for index, result in zip(indexes, record_type.apply_many(user, school, [loaded[i][1] for i in indexes])):
            results[index] = result
    for index, (record_type, data) in loaded.items():
        if results[index] is None:
            results[index] = _apply_in_savepoint(record_type, user, school, data, records[index])
    if device:
        try:
            with db.session.begin_nested():
                store_device(user, device, user_agent)
        except Exception:  # noqa: BLE001 - diagnostics must never cost the device its confirmations
            current_app.logger.exception("sync: device report failed")
    db.session.commit()
    return results


def _apply_in_savepoint(record_type: RecordType, user, school, data: dict, record: dict) -> dict:
    record_uuid = uuid_text(record.get("uuid"))
    savepoint = db.session.begin_nested()
    try:
        result = record_type.apply(user, school, data, _jsonable(record))
    except Rejected as exc:
        savepoint.rollback()
        return rejected(record_uuid, exc.fields)
    except Exception:  # noqa: BLE001 - the other records must still be answered
        current_app.logger.exception("sync: record failed")
        if savepoint.is_active:
            savepoint.rollback()
        # The server's fault, not the record's: the device sends it again later (with backoff).
        return {**rejected(record_uuid, {"record": [
            _("The server could not save this record. Try again later; it stays on your device.")]}), "retry": True}
    if result["status"] == UNCHANGED:
        savepoint.rollback()
    else:
        savepoint.commit()
    return result


_SCHEMAS: dict[type[Schema], Schema] = {}


def cached_schema(schema_class: type[Schema]) -> Schema:
    """One instance per schema class: building a marshmallow schema costs more than loading a
    record with it, and `load` keeps no state on the instance."""
    schema = _SCHEMAS.get(schema_class)
    if schema is None:
        schema = _SCHEMAS[schema_class] = schema_class()
    return schema


def _load_record(record, client_schema_version: int | None, device_uuid) -> tuple[RecordType | None, dict]:
    """(its record type, the validated data) or (None, the "rejected" result)."""
    if not isinstance(record, dict):
        return None, rejected(None, {"record": [_("A record must be a JSON object.")]})
    record_uuid = uuid_text(record.get("uuid"))
    kind = record.get("type")
    record_type = RECORD_TYPES.get(kind) if isinstance(kind, str) else None
    if record_type is None:
        return None, rejected(record_uuid, {"type": [_("Unknown record type.")]})
    try:
        data = cached_schema(record_type.schema).load(record)
    except ValidationError as exc:
        return None, rejected(record_uuid, flatten_errors(exc.messages))
    data["client_schema_version"] = client_schema_version
    data["device_uuid"] = device_uuid
    return record_type, data


def _start_unit_of_work() -> None:
    """End whatever the request had open (e.g. loading the user), then begin as a writer."""
    start_write(db.session)


def rejected(record_uuid: str | None, fields: dict) -> dict:
    return {"uuid": record_uuid, "status": REJECTED, "fields": fields}


def uuid_text(value) -> str | None:
    try:
        return str(uuid_mod.UUID(str(value)))
    except (TypeError, ValueError):
        return None if value is None else str(value)[:64]


# marshmallow's built-in messages, in the user's language (the device shows them under "needs attention").
_MARSHMALLOW_MESSAGES = {
    "Missing data for required field.": _l("This is required."),
    "Unknown field.": _l("This field is not accepted."),
    "Field may not be null.": _l("This cannot be empty."),
    "Not a valid integer.": _l("Enter a whole number."),
    "Not a valid string.": _l("Must be text."),
    "Not a valid UUID.": _l("Not a valid id."),
    "Not a valid datetime.": _l("Not a valid date and time."),
    "Not a valid list.": _l("Must be a list."),
    "Not a valid mapping type.": _l("Must be an object."),
    "Must be one of: draft, complete.": _l("Must be draft or complete."),
}


def _message(message) -> str:
    text = str(message)
    return str(_MARSHMALLOW_MESSAGES.get(text, text))


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error dict -> {"visit.teacher_id": ["..."]}, like the form's input names."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, list):
        flat[prefix or "record"] = [_message(m) for m in messages if not isinstance(m, (dict, list))]
        for m in messages:
            if isinstance(m, (dict, list)):
                flat.update(flatten_errors(m, prefix))
        return flat
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten_errors(value, name))
        else:
            flat[name] = [_message(m) for m in value] if isinstance(value, list) else [_message(value)]
    return flat


def _jsonable(value):
    """A JSON round trip: what is stored and compared is exactly what JSON can hold."""
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.timezone.utc).isoformat() if value else None


# --- observations ---------------------------------------------------------------------

# Visit fields a device may set: all of them for the walkthrough it started itself,
# only the times for a planned or peer visit (someone planned the rest).
_SPONTANEOUS_FIELDS = ("teacher_id", "subject", "year_group", "started_at", "ended_at", "reflective_question")
_PLANNED_FIELDS = ("started_at", "ended_at")


def _visit_fields(kind: str) -> tuple[str, ...]:
    return _SPONTANEOUS_FIELDS if kind == VisitKind.SPONTANEOUS else _PLANNED_FIELDS


def parse_fields(version: TemplateVersion, form_fields: dict, status: str) -> dict:
    """The form engine's parse (one function for online, offline and API); Rejected on errors."""
    from ..templates_ import items

    answers, errors = items.parse_answers(version.document, form_fields,
                                          complete=status == ObservationStatus.COMPLETE)
    if errors:
        raise Rejected({key: [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
                        for key, msgs in errors.items()})
    return _jsonable(answers)


def _notes(notes: list[dict]) -> list[dict]:
    return [{"at": _iso(n["at"]), "text": n["text"]} for n in notes if n["text"].strip()]


def _content(visit_kind: str, visit_values: dict, version_id: int, answers: dict, notes: list, status: str) -> dict:
    """What makes two copies of an observation the same (revision and timestamps aside)."""
    return _jsonable({
        "visit": {k: (_iso(v) if isinstance(v, dt.datetime) else v) for k, v in visit_values.items()
                  if k in _visit_fields(visit_kind)},
        "template_version_id": version_id, "answers": answers, "notes": notes, "status": status,
    })


def _incoming_visit_values(kind: str, visit_data: dict, visit: Visit | None) -> dict:
    """The visit values the record asks for; planned/peer times left out keep the server's."""
    values = {k: visit_data.get(k) for k in _visit_fields(kind)}
    if kind != VisitKind.SPONTANEOUS and visit is not None:
        for key in _PLANNED_FIELDS:
            if values[key] is None:
                values[key] = getattr(visit, key)
    return values


def _incoming_content(visit: Visit, data: dict) -> tuple[dict, dict]:
    """(the visit values, the content) of a prepared record against the existing `visit`."""
    values = _incoming_visit_values(visit.kind, data["visit"], visit)
    return values, _content(visit.kind, values, data["_version"].id, data["_answers"], data["_notes"], data["status"])


def _server_content(obs: Observation) -> dict:
    visit = obs.visit
    values = {k: getattr(visit, k) for k in _visit_fields(visit.kind)}
    return _content(visit.kind, values, obs.template_version_id, obs.answers or {}, obs.notes or [], obs.status)


def server_copy(obs: Observation) -> dict:
    """The server's copy in the record's shape, for a conflict answer and the merge view."""
    visit = obs.visit
    return ObservationCopySchema().dump({
        "uuid": obs.uuid, "revision": obs.revision, "template_version_id": obs.template_version_id,
        "visit": {"uuid": visit.uuid, "kind": visit.kind, **{k: getattr(visit, k) for k in _SPONTANEOUS_FIELDS}},
        "answers": obs.answers or {}, "notes": obs.notes or [], "status": obs.status, "updated_at": obs.updated_at,
    })


@dataclass(frozen=True)
class FormVersion:
    """What the write path needs of a template version. Published versions never change, so one
    parsed copy of each document per process serves every request and thread (see `form_versions`);
    nothing may modify `document`."""

    id: int
    document: dict


_VERSIONS_AT_SCHOOL = select(TemplateVersion.id, TemplateVersion.published_at, TemplateVersion.content_hash).where(
    TemplateVersion.school_id == bindparam("school_id"), TemplateVersion.id.in_(bindparam("ids", expanding=True)))
# (id, published_at, content_hash) -> FormVersion: the key identifies one published row even if a
# database is replaced under a running process (ids reused), so a stale document is never served.
_FORM_VERSIONS: dict[tuple, FormVersion] = {}
_FORM_VERSIONS_MAX = 512


def form_versions(school, version_ids) -> dict[int, FormVersion]:
    """The versions among `version_ids` published in `school` (old versions stay valid forever):
    one small query, plus one for documents this process has not parsed yet."""
    ids = {i for i in version_ids if isinstance(i, int)}
    if not ids:
        return {}
    rows = db.session.connection().execute(_VERSIONS_AT_SCHOOL, {"school_id": school.id, "ids": list(ids)}).all()
    keys = {row.id: (row.id, row.published_at, row.content_hash) for row in rows}
    found: dict[int, FormVersion] = {}
    for version_id, key in keys.items():
        version = _FORM_VERSIONS.get(key)  # one lookup: another thread may clear the cache meanwhile
        if version is not None:
            found[version_id] = version
    missing = [version_id for version_id in keys if version_id not in found]
    if missing:
        if len(_FORM_VERSIONS) + len(missing) > _FORM_VERSIONS_MAX:
            _FORM_VERSIONS.clear()
        for version_id, document in db.session.execute(
                select(TemplateVersion.id, TemplateVersion.document).where(TemplateVersion.id.in_(missing))):
            found[version_id] = _FORM_VERSIONS[keys[version_id]] = FormVersion(version_id, document)
    return found


def _template_version(school, version_id: int) -> FormVersion:
    """Any version ever published in this school (old versions stay valid forever)."""
    version = form_versions(school, [version_id]).get(version_id)
    if version is None:
        raise Rejected({"template_version_id": [_("This form version does not exist at your school.")]})
    return version


def _find_observation(school, record_uuid) -> Observation | None:
    return db.session.execute(
        select(Observation).filter_by(school_id=school.id, uuid=record_uuid)
    ).scalar_one_or_none()


def _find_visit(school, visit_uuid) -> Visit | None:
    return db.session.execute(select(Visit).filter_by(school_id=school.id, uuid=visit_uuid)).scalar_one_or_none()


def _check_teacher(school_id: int, teacher_id: int | None) -> None:
    if teacher_id is None:
        return
    found = db.session.execute(
        select(Membership.id).filter_by(user_id=teacher_id, school_id=school_id, role=Role.TEACHER.value)
    ).first()
    if found is None:
        raise Rejected({"visit.teacher_id": [_("Choose a teacher at your school.")]})


def _visit_for_record(user, school, visit_data: dict) -> Visit | None:
    """The existing visit the record points at (checked), or None when a new walkthrough may start."""
    visit = _find_visit(school, visit_data["uuid"])
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


def _visit_status(current: str, observation_status: str) -> str:
    """A visit is completed with its observation (a cancelled visit stays cancelled)."""
    if current == VisitStatus.CANCELLED:
        return current
    return VisitStatus.COMPLETED if observation_status == ObservationStatus.COMPLETE else VisitStatus.IN_PROGRESS


def _apply_visit_values(visit: Visit, values: dict, status: str) -> None:
    for key, value in values.items():
        setattr(visit, key, value)
    visit.status = _visit_status(visit.status, status)


def _observed_on(started_at: dt.datetime | None) -> dt.date:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return (started_at or utcnow()).astimezone(zone).date()


def answer_row_values(observation_id: int, school_id: int, visit: dict, version: FormVersion,
                      answers: dict) -> list[dict]:
    """An observation's ObservationAnswer rows (`visit`: its kind, started_at and teacher_id)."""
    from ..templates_ import items

    base = {"observation_id": observation_id, "school_id": school_id, "visit_kind": visit["kind"],
            "observed_on": _observed_on(visit["started_at"]), "teacher_id": visit["teacher_id"]}
    return [{**base, **row} for row in items.answer_rows(version.document, answers or {})]


def _insert_answer_rows(rows: list[dict]) -> None:
    """One executemany with the same columns for every row (the ORM's bulk INSERT would split
    the rows by which values are None), not an ORM object per answer (a record has 10-30)."""
    if rows:
        db.session.connection().execute(_INSERT_ANSWERS, rows)


def write_answer_rows(obs: Observation, visit: Visit, version: FormVersion, *, new: bool = False) -> None:
    """Replace the observation's ObservationAnswer rows; only complete observations feed insights."""
    if not new:
        db.session.execute(delete(ObservationAnswer).where(ObservationAnswer.observation_id == obs.id))
    if obs.status != ObservationStatus.COMPLETE:
        return
    visit_values = {"kind": visit.kind, "started_at": visit.started_at, "teacher_id": visit.teacher_id}
    _insert_answer_rows(answer_row_values(obs.id, obs.school_id, visit_values, version, obs.answers))


# Statements of the batch path, built once (building and keying a statement costs about as much
# as running it on SQLite).
_TAKEN_UUIDS = select(literal("observation"), Observation.uuid).where(
    Observation.school_id == bindparam("school_id"), Observation.uuid.in_(bindparam("observations", expanding=True))
).union_all(select(literal("visit"), Visit.uuid).where(
    Visit.school_id == bindparam("school_id"), Visit.uuid.in_(bindparam("visits", expanding=True))))
_INSERT_VISITS = insert(Visit.__table__).returning(Visit.__table__.c.uuid, Visit.__table__.c.id)
_INSERT_OBSERVATIONS = insert(Observation.__table__).returning(Observation.__table__.c.uuid,
                                                               Observation.__table__.c.id)
_INSERT_ANSWERS = insert(ObservationAnswer.__table__)
_INSERT_REVISIONS = insert(RecordRevision.__table__)


class ObservationRecord(RecordType):
    name = "observation"
    schema = ObservationRecordSchema

    def prepare(self, school, batch: list[dict]) -> list[dict | None]:
        """Template versions (one query, documents cached per process) and the form engine's parse."""
        versions = form_versions(school, [data["template_version_id"] for data in batch])
        refused: list[dict | None] = []
        for data in batch:
            version = versions.get(data["template_version_id"])
            try:
                if version is None:
                    raise Rejected({"template_version_id": [_("This form version does not exist at your school.")]})
                data["_answers"] = parse_fields(version, data["form_fields"], data["status"])
            except Rejected as exc:
                refused.append(exc.fields)
                continue
            data["_version"], data["_notes"] = version, _notes(data["notes"])
            refused.append(None)
        return refused

    def apply(self, user, school, data: dict, raw: dict) -> dict:
        if "_version" not in data:
            [refused] = self.prepare(school, [data])
            if refused:
                raise Rejected(refused)
        version, answers, notes = data["_version"], data["_answers"], data["_notes"]
        obs = _find_observation(school, data["uuid"])
        if obs is None:
            obs, created = self._insert(user, school, data, version, answers, notes)
            if created:
                return {"uuid": str(obs.uuid), "status": CREATED, "revision": obs.revision}
        return self._against_existing(user, school, obs, data, raw, version, answers, notes)

    def apply_many(self, user, school, batch: list[dict]) -> list[dict | None]:
        """Resends that change nothing (one query) and new walkthroughs (a few multi-row INSERTs)."""
        results: list[dict | None] = [None] * len(batch)
        found = db.session.connection().execute(_TAKEN_UUIDS, {
            "school_id": school.id, "observations": list({d["uuid"] for d in batch}),
            "visits": list({d["visit"]["uuid"] for d in batch})}).all()
        taken = {kind: {row_uuid for row_kind, row_uuid in found if row_kind == kind}
                 for kind in ("observation", "visit")}
        existing = {obs.uuid: obs for obs in db.session.scalars(
            select(Observation).options(joinedload(Observation.visit))
            .where(Observation.school_id == school.id, Observation.uuid.in_(taken["observation"])))
        } if taken["observation"] else {}
        for index, data in enumerate(batch):
            obs = existing.get(data["uuid"])
            if obs is not None and obs.author_id == user.id and can_edit_observation(user, obs.visit) \
                    and obs.visit.uuid == data["visit"]["uuid"] \
                    and _incoming_content(obs.visit, data)[1] == _server_content(obs):
                results[index] = {"uuid": str(obs.uuid), "status": UNCHANGED, "revision": obs.revision}
        fresh = self._new_walkthroughs(user, school, batch, taken)
        for index, result in zip(fresh, self._insert_many(user, school, [batch[i] for i in fresh])):
            results[index] = result
        return results

    @staticmethod
    def _new_walkthroughs(user, school, batch: list[dict], taken: dict[str, set]) -> list[int]:
        """Indexes of records that start a new walkthrough and can be inserted together: their uuid and
        their visit's are new (not in `taken`) and appear once in the batch, and every check `_insert`
        makes passes (anything else is applied one by one, which also gives the exact rejection)."""
        seen = Counter(d["uuid"] for d in batch) + Counter(d["visit"]["uuid"] for d in batch)
        candidates = [i for i, d in enumerate(batch) if d["uuid"] not in taken["observation"]
                      and d["visit"]["uuid"] not in taken["visit"] and d["visit"]["kind"] == VisitKind.SPONTANEOUS
                      and seen[d["uuid"]] == 1 and seen[d["visit"]["uuid"]] == 1]
        if not candidates or not can_start_spontaneous_visit(user, school.id):
            return []
        teachers = {batch[i]["visit"]["teacher_id"] for i in candidates} - {None}
        teaching = set(db.session.scalars(select(Membership.user_id).where(
            Membership.school_id == school.id, Membership.role == Role.TEACHER.value,
            Membership.user_id.in_(teachers)))) if teachers else set()
        return [i for i in candidates if batch[i]["visit"]["teacher_id"] in teaching | {None}]

    def _insert_many(self, user, school, batch: list[dict]) -> list[dict | None]:
        """Insert new walkthroughs together, in one savepoint; if anything fails (another request
        stored the same uuid meanwhile, a bad value), nothing of it stays and every record is
        applied one by one instead (None)."""
        if not batch:
            return []
        ordered = sorted(batch, key=lambda d: d["uuid"])  # one lock order for concurrent batches (PostgreSQL)
        try:
            with db.session.begin_nested():
                connection = db.session.connection()  # inside: this is what emits the SAVEPOINT
                visit_rows = []
                for data in ordered:
                    values = _incoming_visit_values(VisitKind.SPONTANEOUS, data["visit"], None)
                    visit_rows.append({
                        "uuid": data["visit"]["uuid"], "school_id": school.id, "kind": VisitKind.SPONTANEOUS.value,
                        "observer_id": user.id, "created_by_id": user.id, "template_version_id": data["_version"].id,
                        "status": _visit_status(VisitStatus.IN_PROGRESS, data["status"]), **values})
                visit_ids = dict(connection.execute(_INSERT_VISITS, visit_rows).all())
                obs_ids = dict(connection.execute(_INSERT_OBSERVATIONS, [{
                    "uuid": data["uuid"], "school_id": school.id, "visit_id": visit_ids[data["visit"]["uuid"]],
                    "author_id": user.id, "template_version_id": data["_version"].id, "answers": data["_answers"],
                    "notes": data["_notes"], "status": data["status"], "revision": 1,
                    "client_schema_version": data.get("client_schema_version"),
                    "completed_at": utcnow() if data["status"] == ObservationStatus.COMPLETE else None,
                } for data in ordered]).all())
                _insert_answer_rows([row for data in ordered if data["status"] == ObservationStatus.COMPLETE
                                     for row in answer_row_values(obs_ids[data["uuid"]], school.id, data["visit"],
                                                                  data["_version"], data["_answers"])])
                connection.execute(_INSERT_REVISIONS, [
                    _revision_values(school.id, self.name, data["uuid"], 1, 0, data["device_uuid"], user)
                    for data in ordered])
                audit.record_many([{**audit.values("observation.create", school_id=school.id, user_id=user.id),
                                    "object_type": "observation", "object_id": str(data["uuid"])} for data in ordered])
        except IntegrityError:
            return [None] * len(batch)  # a concurrent upload won a race: one by one, it is answered "unchanged"
        except Exception:  # noqa: BLE001 - one by one, the failing record is undone alone
            current_app.logger.warning("sync: batch insert failed, applying records one by one", exc_info=True)
            return [None] * len(batch)
        return [{"uuid": str(data["uuid"]), "status": CREATED, "revision": 1} for data in batch]

    def _insert(self, user, school, data, version, answers, notes) -> tuple[Observation, bool]:
        """INSERT in a savepoint; the unique constraints decide races. Returns (row, created)."""
        for _attempt in range(2):
            visit = _visit_for_record(user, school, data["visit"])
            kind = data["visit"]["kind"]
            values = _incoming_visit_values(kind, data["visit"], visit)
            try:
                with db.session.begin_nested():
                    if visit is None:
                        _check_teacher(school.id, values["teacher_id"])
                        visit = Visit(uuid=data["visit"]["uuid"], school_id=school.id, kind=kind,
                                      observer_id=user.id, created_by_id=user.id,
                                      template_version_id=version.id)
                        db.session.add(visit)
                    _apply_visit_values(visit, values, data["status"])
                    db.session.flush()
                    obs = Observation(
                        uuid=data["uuid"], school_id=school.id, visit_id=visit.id, author_id=user.id,
                        template_version_id=version.id, answers=answers, notes=notes, status=data["status"],
                        revision=1, client_schema_version=data.get("client_schema_version"),
                        completed_at=utcnow() if data["status"] == ObservationStatus.COMPLETE else None)
                    db.session.add(obs)
                    db.session.flush()
            except IntegrityError:
                existing = _find_observation(school, data["uuid"])
                if existing is not None:
                    return existing, False
                continue  # the visit appeared meanwhile, or this author already has an observation on it
            write_answer_rows(obs, visit, version, new=True)
            record_revision(obs, self.name, 0, data["device_uuid"], user)
            audit.record("observation.create", obs, user_id=user.id)
            return obs, True
        # Same visit, same author, another uuid: the visit was filled in on another device.
        visit = _find_visit(school, data["visit"]["uuid"])
        existing = db.session.execute(
            select(Observation).filter_by(visit_id=visit.id, author_id=user.id)
        ).scalar_one_or_none() if visit is not None else None
        if existing is None:
            raise Rejected({"visit": [_("This visit could not be saved. Try again.")]})
        return existing, False

    def _against_existing(self, user, school, obs: Observation, data, raw, version, answers, notes) -> dict:
        visit = obs.visit
        if obs.author_id != user.id or not can_edit_observation(user, visit):
            raise Rejected({"uuid": [_("This record does not exist or is not yours to change.")]})
        if obs.uuid == data["uuid"] and visit.uuid != data["visit"]["uuid"]:
            raise Rejected({"visit": [_("This record belongs to another visit.")]})
        values, incoming = _incoming_content(visit, data)
        if obs.uuid == data["uuid"] and incoming == _server_content(obs):
            return {"uuid": str(obs.uuid), "status": UNCHANGED, "revision": obs.revision}
        if obs.uuid == data["uuid"] and (data["base_revision"] == obs.revision or _continues_own_writes(
                school, self.name, obs, data["base_revision"], data["device_uuid"])):
            self._update(obs, visit, version, values, answers, notes, data["status"], data.get("client_schema_version"))
            record_revision(obs, self.name, data["base_revision"], data["device_uuid"], user)
            close_seen_conflicts(user, school, self.name, obs.uuid, data["base_revision"], data["device_uuid"])
            audit.record("observation.update", obs, user_id=user.id, revision=obs.revision)
            return {"uuid": str(obs.uuid), "status": UPDATED, "revision": obs.revision}
        return conflict_result(user, school, self.name, data["uuid"], data["base_revision"], obs, raw,
                               server_copy(obs), data["device_uuid"])

    def conflict_copies(self, school, conflict) -> dict:
        obs = _observation_for_conflict(school, conflict)
        device_answers: dict = {}
        version_id = conflict.payload.get("template_version_id")
        version = db.session.execute(
            select(TemplateVersion).filter_by(id=version_id, school_id=school.id)
        ).scalar_one_or_none() if isinstance(version_id, int) else None
        if version is not None:
            from ..templates_ import items

            device_answers, _errors = items.parse_answers(version.document, conflict.payload.get("fields") or {})
        return {"server": server_copy(obs) if obs is not None else None, "device_answers": _jsonable(device_answers)}

    def resolve(self, user, school, conflict, merged: dict) -> dict:
        try:
            data = ResolveSchema().load(merged)
        except ValidationError as exc:
            raise Rejected(flatten_errors(exc.messages)) from exc
        obs = _observation_for_conflict(school, conflict)
        if obs is None:
            raise Rejected({"record": [_("This conflict has already been resolved.")]})
        if obs.revision != data["base_revision"]:
            return {"uuid": str(obs.uuid), "status": CONFLICT, "revision": obs.revision, "server": server_copy(obs)}
        visit = obs.visit
        version = _template_version(school, obs.template_version_id)
        answers = parse_fields(version, data["form_fields"], data["status"])
        values = {k: getattr(visit, k) for k in _visit_fields(visit.kind)}
        self._update(obs, visit, version, values, answers, _notes(data["notes"]), data["status"])
        record_revision(obs, conflict.record_type, data["base_revision"], None, user)
        audit.record("observation.merge", obs, user_id=user.id, revision=obs.revision)
        return {"uuid": str(obs.uuid), "status": UPDATED, "revision": obs.revision}

    @staticmethod
    def _update(obs, visit, version, values, answers, notes, status, client_schema_version=None) -> None:
        if visit.kind == VisitKind.SPONTANEOUS and values["teacher_id"] != visit.teacher_id:
            _check_teacher(visit.school_id, values["teacher_id"])
        _apply_visit_values(visit, values, status)
        was_complete = obs.status == ObservationStatus.COMPLETE
        obs.template_version_id = version.id
        obs.answers = answers
        obs.notes = notes
        obs.status = status
        obs.revision += 1
        obs.updated_at = utcnow()
        if client_schema_version:
            obs.client_schema_version = client_schema_version
        if status == ObservationStatus.COMPLETE and not was_complete:
            obs.completed_at = utcnow()
        db.session.flush()
        write_answer_rows(obs, visit, version)


register_record_type(ObservationRecord())


def _revision_values(school_id: int, record_type: str, record_uuid, revision: int, base_revision: int,
                     device_uuid, user) -> dict:
    return {"school_id": school_id, "record_type": record_type, "record_uuid": record_uuid, "revision": revision,
            "base_revision": base_revision, "device_uuid": device_uuid, "user_id": user.id}


def record_revision(row, record_type: str, base_revision: int, device_uuid, user) -> None:
    """Note who produced `row.revision` (see RecordRevision)."""
    db.session.add(RecordRevision(**_revision_values(row.school_id, record_type, row.uuid, row.revision,
                                                     base_revision, device_uuid, user)))


def _continues_own_writes(school, record_type: str, row, base_revision: int, device_uuid) -> bool:
    """True when every revision after `base_revision` came from this device: its copy continues
    its own writes whose answers were lost, so accepting it overwrites nobody else's work."""
    if device_uuid is None or base_revision >= row.revision:
        return False
    writers = dict(db.session.execute(
        select(RecordRevision.revision, RecordRevision.device_uuid).where(
            RecordRevision.school_id == school.id, RecordRevision.record_type == record_type,
            RecordRevision.record_uuid == row.uuid, RecordRevision.revision > base_revision)).all())
    return (set(writers) == set(range(base_revision + 1, row.revision + 1))
            and all(writer == device_uuid for writer in writers.values()))


def close_seen_conflicts(user, school, record_type: str, record_uuid, base_revision: int, device_uuid) -> None:
    """The conflicting device's next accepted change, built on the server copy it was shown, is its merge.

    Only that device's: a change from anywhere else never closes a conflict its author has not seen.
    """
    if device_uuid is None:
        return
    for conflict in open_conflicts(user, school):
        if (conflict.record_type, conflict.record_uuid, conflict.device_uuid) == (
                record_type, record_uuid, device_uuid) and conflict.server_revision <= base_revision:
            conflict.resolved_at = utcnow()


def conflict_result(user, school, record_type: str, record_uuid, base_revision: int, row, raw: dict,
                    copy: dict, device_uuid=None) -> dict:
    """Keep the device's copy beside the server's (once per distinct copy); overwrite nothing."""
    existing = db.session.execute(
        select(SyncConflict).filter_by(school_id=school.id, user_id=user.id, record_type=record_type,
                                       record_uuid=record_uuid, resolved_at=None)
    ).scalars().all()
    if not any(c.payload == raw for c in existing):
        conflict = SyncConflict(school_id=school.id, user_id=user.id, record_type=record_type,
                                record_uuid=record_uuid, base_revision=base_revision,
                                server_revision=row.revision, payload=raw, device_uuid=device_uuid)
        db.session.add(conflict)
        audit.record(f"{record_type}.conflict", row, user_id=user.id, base_revision=base_revision)
    return {"uuid": str(record_uuid), "status": CONFLICT, "revision": row.revision, "server": copy}


# --- conflicts --------------------------------------------------------------------------

def open_conflicts(user, school) -> list[SyncConflict]:
    return list(db.session.execute(
        select(SyncConflict).filter_by(school_id=school.id, user_id=user.id, resolved_at=None)
        .order_by(SyncConflict.created_at, SyncConflict.id)
    ).scalars())


def _observation_for_conflict(school, conflict: SyncConflict) -> Observation | None:
    obs = _find_observation(school, conflict.record_uuid)
    if obs is None:
        # A second observation of the same visit from another device: the server copy is the first one.
        visit_uuid = (conflict.payload.get("visit") or {}).get("uuid")
        visit = _find_visit(school, uuid_mod.UUID(visit_uuid)) if visit_uuid else None
        if visit is not None:
            obs = db.session.execute(
                select(Observation).filter_by(visit_id=visit.id, author_id=conflict.user_id)
            ).scalar_one_or_none()
    return obs


def describe_conflict(school, conflict: SyncConflict) -> dict:
    """Both versions, ready to show side by side: the device's as sent and parsed, and the server's."""
    record_type = RECORD_TYPES.get(conflict.record_type)
    copies = record_type.conflict_copies(school, conflict) if record_type else {"server": None}
    return {
        "id": conflict.id, "record_type": conflict.record_type, "record_uuid": conflict.record_uuid,
        "base_revision": conflict.base_revision, "server_revision": conflict.server_revision,
        "created_at": conflict.created_at, "device": conflict.payload, **copies,
    }


def resolve_conflict(user, school, conflict: SyncConflict, merged: dict) -> dict:
    """Save the author's merge as the next revision of the server copy and close the conflict.

    `merged` is the record type's merge (observations: {base_revision, form_fields, notes,
    status}; feedback: the feedback fields); if the server moved on since the merge was
    built, nothing is saved and the answer is a new conflict with the newer copy.
    """
    record_type = RECORD_TYPES.get(conflict.record_type) or RecordType()
    _start_unit_of_work()
    try:
        conflict = db.session.get(SyncConflict, conflict.id)
        if conflict.resolved_at is not None:
            raise Rejected({"record": [_("This conflict has already been resolved.")]})
        result = record_type.resolve(user, school, conflict, merged)
        if result["status"] == CONFLICT:
            db.session.rollback()
            return result
        now = utcnow()
        for other in open_conflicts(user, school):
            if other.record_uuid == conflict.record_uuid:
                other.resolved_at = now
        db.session.commit()
        return result
    except Rejected as exc:
        db.session.rollback()
        return rejected(str(conflict.record_uuid), exc.fields)
    except Exception:
        db.session.rollback()
        raise


# --- devices --------------------------------------------------------------------------------

@functools.cache
def _device_upsert(dialect: str):
    """INSERT ... ON CONFLICT (user_id, device_uuid) DO UPDATE, for this dialect, built once."""
    statement = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(Device.__table__)
    return statement.on_conflict_do_update(index_elements=["user_id", "device_uuid"], set_={
        column: statement.excluded[column] for column in _DEVICE_REPORT})


_DEVICE_REPORT = ("pending_count", "oldest_pending_at", "user_agent", "last_seen_at")


def store_device(user, device: dict, user_agent: str | None) -> None:
    """Store what the device still holds, so an admin sees who has unsynced data: one upsert on
    (user, device uuid), inside the batch's write transaction (`apply_records` gives it a savepoint)."""
    connection = db.session.connection()
    connection.execute(_device_upsert(connection.dialect.name), {
        "user_id": user.id, "device_uuid": device["uuid"], "pending_count": device["pending"],
        "oldest_pending_at": device["oldest_pending_at"], "user_agent": (user_agent or "")[:300] or None,
        "last_seen_at": utcnow()})
