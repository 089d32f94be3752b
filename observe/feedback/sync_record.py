"""The `feedback` record type: the observer's feedback draft, written offline and synced.

The rules for feedback are area G's (`observe.feedback.services.save_draft`: strengths
tied to evidence, a next step needs a due date, shared feedback is no longer editable);
this module only adds what syncing needs: identity by client uuid, idempotent resends,
and conflicts instead of overwrites. `create_app` registers it with the sync protocol.
"""
from __future__ import annotations

import uuid as uuid_mod

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit import services as audit
from ..auth.permissions import can_write_feedback
from ..errors import ValidationFailed
from ..extensions import db
from ..sync.conflicts import close_seen_conflicts, conflict_result
from ..sync.records import CONFLICT, CREATED, UNCHANGED, UPDATED, RecordType, Rejected, flatten_errors, jsonable
from ..sync.revisions import continues_own_writes, record_revision
from ..visits.sync_rules import find_visit, visit_of_conflict
from . import sync_merge
from .models import Feedback, FeedbackStatus
from .services import clean_strengths, save_draft
from .sync_schemas import FeedbackCopySchema, FeedbackRecordSchema, FeedbackResolveSchema


def _content(summary, strengths, development_area, next_step_text, next_step_due) -> dict:
    """What makes two copies of a draft the same, normalised as the feedback rules store it."""
    return jsonable({
        "summary": (summary or "").strip() or None,
        "strengths": clean_strengths([(s.get("text", ""), s.get("evidence", "")) for s in strengths or []]),
        "development_area": (development_area or "").strip() or None,
        "next_step": {"text": next_step_text.strip(), "due_on": next_step_due} if (next_step_text or "").strip()
        else None,
    })


def _incoming(data: dict) -> dict:
    step = data["next_step"] or {}
    return _content(data["summary"], data["strengths"], data["development_area"], step.get("text", ""),
                    step.get("due_on"))


def _server(feedback: Feedback) -> dict:
    step = feedback.next_steps[0] if feedback.next_steps else None
    return _content(feedback.summary, feedback.strengths, feedback.development_area,
                    step.text if step else "", step.due_on if step else None)


def device_content(payload: dict) -> dict:
    """A device's feedback record (as kept with its conflict) in the shape of the server's copy."""
    step = payload.get("next_step") if isinstance(payload.get("next_step"), dict) else {}
    strengths = [s for s in payload.get("strengths") or [] if isinstance(s, dict)]
    return _content(payload.get("summary"), strengths, payload.get("development_area"), step.get("text") or "",
                    step.get("due_on"))


def feedback_copy(feedback: Feedback) -> dict:
    content = _server(feedback)
    return FeedbackCopySchema().dump({
        "uuid": feedback.uuid, "revision": feedback.revision, "visit_uuid": feedback.visit.uuid,
        "summary": content["summary"], "strengths": content["strengths"],
        "development_area": content["development_area"], "next_step": content["next_step"],
        "status": feedback.status, "updated_at": feedback.updated_at,
    })


class FeedbackRecord(RecordType):
    name = "feedback"
    schema = FeedbackRecordSchema
    resolve_schema = FeedbackResolveSchema

    def apply(self, user, school, data: dict, raw: dict) -> dict:
        visit = find_visit(school, data["visit_uuid"])
        if visit is None or not can_write_feedback(user, visit):
            raise Rejected({"visit_uuid": [_("This visit does not exist or you do not write its feedback.")]})
        feedback = self._find(school, data["uuid"])
        if feedback is None:
            try:
                with db.session.begin_nested():
                    feedback = Feedback(uuid=data["uuid"], school_id=school.id, visit=visit, author_id=user.id,
                                        status=FeedbackStatus.DRAFT, strengths=[], revision=0)
                    db.session.add(feedback)
                    db.session.flush()
            except IntegrityError:
                # Another request created it first, or the visit already has feedback (another device).
                feedback = self._find(school, data["uuid"]) or db.session.execute(
                    select(Feedback).filter_by(visit_id=visit.id)).scalar_one()
            else:
                self._save(visit, user, data)
                record_revision(feedback, self.name, 0, data["device_uuid"], user)
                return {"uuid": str(feedback.uuid), "status": CREATED, "revision": feedback.revision}
        return self._against_existing(user, school, visit, feedback, data, raw)

    @staticmethod
    def _find(school, record_uuid, *, for_update: bool = True) -> Feedback | None:
        """Locked and read fresh when written: a concurrent change of the same draft waits, then
        conflicts (see observe.visits.sync_rules.find_observation)."""
        statement = select(Feedback).filter_by(school_id=school.id, uuid=record_uuid)
        if for_update:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return db.session.execute(statement).scalar_one_or_none()

    @staticmethod
    def _save(visit, user, data: dict) -> None:
        step = data["next_step"] or {}
        try:
            save_draft(visit, user, summary=data["summary"] or "",
                       strengths=[(s["text"], s["evidence"]) for s in data["strengths"]],
                       development_area=data["development_area"] or "",
                       next_step_text=step.get("text", ""), next_step_due=step.get("due_on"))
        except ValidationFailed as exc:
            raise Rejected(exc.fields or {"record": [exc.message]}) from exc
        db.session.flush()

    def _against_existing(self, user, school, visit, feedback: Feedback, data: dict, raw: dict) -> dict:
        if feedback.author_id != user.id or feedback.visit_id != visit.id:
            raise Rejected({"uuid": [_("This record does not exist or is not yours to change.")]})
        same_record = feedback.uuid == data["uuid"]
        if same_record and _incoming(data) == _server(feedback):
            return {"uuid": str(feedback.uuid), "status": UNCHANGED, "revision": feedback.revision}
        if same_record and (data["base_revision"] == feedback.revision or continues_own_writes(
                school, self.name, feedback, data["base_revision"], data["device_uuid"])):
            self._save(visit, user, data)
            record_revision(feedback, self.name, data["base_revision"], data["device_uuid"], user)
            close_seen_conflicts(user, school, self.name, feedback.uuid, data["base_revision"], data["device_uuid"])
            return {"uuid": str(feedback.uuid), "status": UPDATED, "revision": feedback.revision}
        return conflict_result(user, school, self.name, data["uuid"], data["base_revision"], feedback, raw,
                               feedback_copy(feedback), data["device_uuid"])

    def _for_conflict(self, school, conflict, *, for_update: bool = False) -> Feedback | None:
        """The server's feedback the conflict is about (another device may have created it under its own uuid)."""
        feedback = self._find(school, conflict.record_uuid, for_update=for_update)
        if feedback is None:
            visit_uuid = conflict.payload.get("visit_uuid")
            visit = find_visit(school, uuid_mod.UUID(visit_uuid)) if visit_uuid else None
            feedback = visit.feedback if visit is not None else None
        return feedback

    def conflict_copies(self, school, conflict) -> dict:
        feedback = self._for_conflict(school, conflict)
        return {"server": feedback_copy(feedback) if feedback is not None else None}

    def resolve(self, user, school, conflict, merged: dict) -> dict:
        try:
            data = FeedbackResolveSchema().load(merged)
        except ValidationError as exc:
            raise Rejected(flatten_errors(exc.messages)) from exc
        feedback = self._for_conflict(school, conflict, for_update=True)
        if feedback is None or feedback.author_id != user.id:
            raise Rejected({"record": [_("There is nothing to merge into: the server copy no longer exists.")]})
        if feedback.revision != data["base_revision"]:
            return {"uuid": str(feedback.uuid), "status": CONFLICT, "revision": feedback.revision,
                    "server": feedback_copy(feedback)}
        self._save(feedback.visit, user, data)
        record_revision(feedback, self.name, data["base_revision"], None, user)
        audit.record("feedback.merge", feedback, user_id=user.id, revision=feedback.revision)
        return {"uuid": str(feedback.uuid), "status": UPDATED, "revision": feedback.revision}

    def visit_of(self, school, conflict):
        return visit_of_conflict(school, conflict)

    def compare(self, school, conflict):
        return sync_merge.compare(conflict, self.conflict_copies(school, conflict).get("server"),
                                  device_content(conflict.payload or {}))

    def merged_record(self, comparison, chosen):
        return sync_merge.merged_record(comparison, chosen)

    def merge_field_errors(self, fields):
        return sync_merge.merge_field_errors(fields)
