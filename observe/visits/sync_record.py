"""The `observation` record type: an observer's observation of a visit, written online or offline.

Where an observation is
- validated: the wire format in `sync_schemas.py` (ObservationRecordSchema), then `prepare`
  here (its template version, and the form engine's parse of the posted fields, before the
  write transaction opens), then the checks of `sync_rules.py` (who may write to the visit);
- written: `apply` (one record, in a savepoint), `apply_many` (a batch's resends that change
  nothing and new walkthroughs in multi-row INSERTs), `_update`, with the answer rows of
  `answer_rows.py`;
- conflicted: `_against_existing` (a stale base revision keeps the device's copy beside the
  server's through `observe.sync.conflicts`), `conflict_copies` and `resolve` (the merge).

`create_app` registers it with the sync protocol (`observe.sync.records.register_record_type`).
"""
from __future__ import annotations

from collections import Counter

from flask import current_app
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import bindparam, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..audit import services as audit
from ..auth.models import Membership, Role
from ..auth.permissions import can_edit_observation, can_start_spontaneous_visit
from ..dbtypes import utcnow
from ..extensions import db
from ..sync.conflicts import close_seen_conflicts, conflict_result
from ..sync.records import CONFLICT, CREATED, UNCHANGED, UPDATED, RecordType, Rejected, flatten_errors, jsonable
from ..sync.revisions import INSERT_REVISIONS, continues_own_writes, record_revision, revision_values
from ..templates_ import items
from ..templates_.models import TemplateVersion
from . import answer_rows, lesson_values, sync_merge
from .form_versions import form_versions, parse_fields, stored_notes, template_version
from .models import Observation, ObservationStatus, Visit, VisitKind, VisitStatus
from .sync_rules import (apply_visit_values, check_teacher, find_observation, find_visit, incoming_content,
                         incoming_visit_values, observation_for_conflict, server_content, server_copy, visit_fields,
                         visit_for_record, visit_of_conflict, visit_status)
from .sync_schemas import ObservationRecordSchema, ResolveSchema

# Statements of the batch path, built once (building and keying a statement costs about as much
# as running it on SQLite).
_TAKEN_UUIDS = select(literal("observation"), Observation.uuid).where(
    Observation.school_id == bindparam("school_id"), Observation.uuid.in_(bindparam("observations", expanding=True))
).union_all(select(literal("visit"), Visit.uuid).where(
    Visit.school_id == bindparam("school_id"), Visit.uuid.in_(bindparam("visits", expanding=True))))
_INSERT_VISITS = insert(Visit.__table__).returning(Visit.__table__.c.uuid, Visit.__table__.c.id)
_INSERT_OBSERVATIONS = insert(Observation.__table__).returning(Observation.__table__.c.uuid,
                                                               Observation.__table__.c.id)


class ObservationRecord(RecordType):
    name = "observation"
    schema = ObservationRecordSchema
    resolve_schema = ResolveSchema

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
            data["_version"], data["_notes"] = version, stored_notes(data["notes"])
            refused.append(None)
        return refused

    def apply(self, user, school, data: dict, raw: dict) -> dict:
        if "_version" not in data:
            [refused] = self.prepare(school, [data])
            if refused:
                raise Rejected(refused)
        version, answers, notes = data["_version"], data["_answers"], data["_notes"]
        obs = find_observation(school, data["uuid"], for_update=True)
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
                    and incoming_content(obs.visit, data)[1] == server_content(obs):
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
                    values = incoming_visit_values(VisitKind.SPONTANEOUS, data["visit"], None)
                    visit_rows.append({
                        "uuid": data["visit"]["uuid"], "school_id": school.id, "kind": VisitKind.SPONTANEOUS.value,
                        "observer_id": user.id, "created_by_id": user.id, "template_version_id": data["_version"].id,
                        "status": visit_status(VisitStatus.IN_PROGRESS, data["status"]), **values})
                visit_ids = dict(connection.execute(_INSERT_VISITS, visit_rows).all())
                lesson_values.keep(connection, visit_rows)
                obs_ids = dict(connection.execute(_INSERT_OBSERVATIONS, [{
                    "uuid": data["uuid"], "school_id": school.id, "visit_id": visit_ids[data["visit"]["uuid"]],
                    "author_id": user.id, "template_version_id": data["_version"].id, "answers": data["_answers"],
                    "notes": data["_notes"], "status": data["status"], "revision": 1,
                    "client_schema_version": data.get("client_schema_version"),
                    "completed_at": utcnow() if data["status"] == ObservationStatus.COMPLETE else None,
                } for data in ordered]).all())
                answer_rows.insert_answer_rows([
                    row for data in ordered if data["status"] == ObservationStatus.COMPLETE
                    for row in answer_rows.answer_row_values(obs_ids[data["uuid"]], school.id, data["visit"],
                                                             data["_version"], data["_answers"])])
                connection.execute(INSERT_REVISIONS, [
                    revision_values(school.id, self.name, data["uuid"], 1, 0, data["device_uuid"], user)
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
            visit = visit_for_record(user, school, data["visit"])
            kind = data["visit"]["kind"]
            values = incoming_visit_values(kind, data["visit"], visit)
            try:
                with db.session.begin_nested():
                    if visit is None:
                        check_teacher(school.id, values["teacher_id"])
                        visit = Visit(uuid=data["visit"]["uuid"], school_id=school.id, kind=kind,
                                      observer_id=user.id, created_by_id=user.id,
                                      template_version_id=version.id)
                        db.session.add(visit)
                    apply_visit_values(visit, values, data["status"])
                    db.session.flush()
                    obs = Observation(
                        uuid=data["uuid"], school_id=school.id, visit_id=visit.id, author_id=user.id,
                        template_version_id=version.id, answers=answers, notes=notes, status=data["status"],
                        revision=1, client_schema_version=data.get("client_schema_version"),
                        completed_at=utcnow() if data["status"] == ObservationStatus.COMPLETE else None)
                    db.session.add(obs)
                    db.session.flush()
            except IntegrityError:
                existing = find_observation(school, data["uuid"])
                if existing is not None:
                    return existing, False
                continue  # the visit appeared meanwhile, or this author already has an observation on it
            answer_rows.write_answer_rows(obs, visit, version, new=True)
            record_revision(obs, self.name, 0, data["device_uuid"], user)
            audit.record("observation.create", obs, user_id=user.id)
            return obs, True
        # Same visit, same author, another uuid: the visit was filled in on another device.
        visit = find_visit(school, data["visit"]["uuid"])
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
        values, incoming = incoming_content(visit, data)
        if obs.uuid == data["uuid"] and incoming == server_content(obs):
            return {"uuid": str(obs.uuid), "status": UNCHANGED, "revision": obs.revision}
        if obs.uuid == data["uuid"] and (data["base_revision"] == obs.revision or continues_own_writes(
                school, self.name, obs, data["base_revision"], data["device_uuid"])):
            self._update(obs, visit, version, values, answers, notes, data["status"], data.get("client_schema_version"))
            record_revision(obs, self.name, data["base_revision"], data["device_uuid"], user)
            close_seen_conflicts(user, school, self.name, obs.uuid, data["base_revision"], data["device_uuid"])
            audit.record("observation.update", obs, user_id=user.id, revision=obs.revision)
            return {"uuid": str(obs.uuid), "status": UPDATED, "revision": obs.revision}
        return conflict_result(user, school, self.name, data["uuid"], data["base_revision"], obs, raw,
                               server_copy(obs), data["device_uuid"])

    def conflict_copies(self, school, conflict) -> dict:
        obs = observation_for_conflict(school, conflict)
        device_answers: dict = {}
        version_id = conflict.payload.get("template_version_id")
        version = db.session.execute(
            select(TemplateVersion).filter_by(id=version_id, school_id=school.id)
        ).scalar_one_or_none() if isinstance(version_id, int) else None
        if version is not None:
            device_answers, _errors = items.parse_answers(version.document, conflict.payload.get("fields") or {})
        return {"server": server_copy(obs) if obs is not None else None, "device_answers": jsonable(device_answers)}

    def resolve(self, user, school, conflict, merged: dict) -> dict:
        try:
            data = ResolveSchema().load(merged)
        except ValidationError as exc:
            raise Rejected(flatten_errors(exc.messages)) from exc
        obs = observation_for_conflict(school, conflict, for_update=True)
        if obs is None:
            raise Rejected({"record": [_("This conflict has already been resolved.")]})
        if obs.revision != data["base_revision"]:
            return {"uuid": str(obs.uuid), "status": CONFLICT, "revision": obs.revision, "server": server_copy(obs)}
        visit = obs.visit
        version = template_version(school, obs.template_version_id)
        answers = parse_fields(version, data["form_fields"], data["status"])
        values = {k: getattr(visit, k) for k in visit_fields(visit.kind)}
        self._update(obs, visit, version, values, answers, stored_notes(data["notes"]), data["status"])
        record_revision(obs, conflict.record_type, data["base_revision"], None, user)
        audit.record("observation.merge", obs, user_id=user.id, revision=obs.revision)
        return {"uuid": str(obs.uuid), "status": UPDATED, "revision": obs.revision}

    def visit_of(self, school, conflict):
        return visit_of_conflict(school, conflict)

    def compare(self, school, conflict):
        copies = self.conflict_copies(school, conflict)
        obs = observation_for_conflict(school, conflict) if copies.get("server") else None
        return sync_merge.compare(conflict, obs, copies.get("device_answers") or {})

    def merged_record(self, comparison, chosen):
        return sync_merge.merged_record(comparison, chosen)

    @staticmethod
    def _update(obs, visit, version, values, answers, notes, status, client_schema_version=None) -> None:
        if visit.kind == VisitKind.SPONTANEOUS and values["teacher_id"] != visit.teacher_id:
            check_teacher(visit.school_id, values["teacher_id"])
        apply_visit_values(visit, values, status)
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
        answer_rows.write_answer_rows(obs, visit, version)
