"""Marshmallow schemas for the sync API (docs/sync-protocol.md).

They describe the wire format only: no database queries, no current user. Unknown
keys are rejected (marshmallow's default RAISE), and nothing that the server owns
(school, author, revision, visit status) is loadable from a device.
The OpenAPI document at /api/v1/openapi.json is generated from these classes.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, validate
from marshmallow import fields as ma

from ..visits.models import ObservationStatus, VisitKind

UTC = dt.timezone.utc

# Client schema versions this server understands; anything else must update the app.
SUPPORTED_CLIENT_SCHEMA_VERSIONS = frozenset({1})
MAX_RECORDS_PER_REQUEST = 200


def _when(**kwargs) -> ma.AwareDateTime:
    """An ISO-8601 instant; a time without offset is read as UTC (devices send Z)."""
    return ma.AwareDateTime(default_timezone=UTC, **kwargs)


MAX_INT = 2**31 - 1  # ids, revisions and counts are 32-bit integer columns


def _fits_column(value: int) -> None:
    """A larger number can name nothing stored, and PostgreSQL refuses to compare it with a column."""
    if not -MAX_INT <= value <= MAX_INT:
        raise ValidationError(str(_l("Must be at most %(n)d.", n=MAX_INT)))


def _int(*validators, **kwargs) -> ma.Integer:
    return ma.Integer(validate=[*validators, _fits_column], **kwargs)


def _text(max_length: int, **kwargs) -> ma.String:
    return ma.String(allow_none=True, load_default=None, validate=validate.Length(max=max_length), **kwargs)


class DeviceSchema(Schema):
    """What a device reports about itself on every sync (shown to admins).

    Diagnostics only, so keys a newer client adds are ignored rather than failing the sync.
    """

    class Meta:
        unknown = EXCLUDE

    uuid = ma.UUID(required=True, metadata={"description": "Stable id the browser generated for itself."})
    pending = _int(validate.Range(min=0), load_default=0,
                             metadata={"description": "Records still waiting on the device before this sync."})
    oldest_pending_at = _when(allow_none=True, load_default=None)


class VisitRefSchema(Schema):
    """The visit an observation belongs to; a new uuid creates a spontaneous visit."""

    uuid = ma.UUID(required=True)
    kind = ma.String(required=True, validate=validate.OneOf([k.value for k in VisitKind]))
    teacher_id = _int(allow_none=True, load_default=None,
                                metadata={"description": "Observed teacher; null for an anonymous walkthrough."})
    subject = _text(100)
    year_group = _text(40)
    started_at = _when(allow_none=True, load_default=None)
    ended_at = _when(allow_none=True, load_default=None)
    reflective_question = _text(2000)


class NoteSchema(Schema):
    """A timestamped quick note typed during the visit."""

    at = _when(required=True)
    text = ma.String(required=True, validate=validate.Length(max=5000),
                     metadata={"description": "Empty notes are dropped."})


def _form_fields(**kwargs) -> ma.Dict:
    """The form engine's posted inputs: input name -> list of values (data key `fields`)."""
    return ma.Dict(
        keys=ma.String(validate=validate.Length(min=1, max=200)),
        values=ma.List(ma.String(validate=validate.Length(max=20000)), validate=validate.Length(max=100)),
        validate=validate.Length(max=2000), data_key="fields", **kwargs,
    )


class ObservationRecordSchema(Schema):
    """One observation as the device holds it (its whole current state, not a diff)."""

    type = ma.String(required=True, validate=validate.Equal("observation"))
    uuid = ma.UUID(required=True, metadata={"description": "Client-generated; the record's identity forever."})
    base_revision = _int(validate.Range(min=0), required=True,
                                   metadata={"description": "0 = new on this device, else the server revision "
                                                            "the device's copy was edited from."})
    visit = ma.Nested(VisitRefSchema, required=True)
    template_version_id = _int(required=True)
    form_fields = _form_fields(required=True, metadata={
        "description": "Exactly what the rendered form posts: input name -> list of values."})
    notes = ma.List(ma.Nested(NoteSchema), load_default=list, validate=validate.Length(max=500))
    status = ma.String(load_default=ObservationStatus.DRAFT.value,
                           validate=validate.OneOf([s.value for s in ObservationStatus]))


class StrengthSchema(Schema):
    text = ma.String(load_default="", validate=validate.Length(max=4000))
    evidence = ma.String(load_default="", validate=validate.Length(max=4000),
                         metadata={"description": "What was said or done that shows the strength."})


class NextStepSchema(Schema):
    text = ma.String(load_default="", validate=validate.Length(max=4000))
    due_on = ma.Date(allow_none=True, load_default=None)


class FeedbackRecordSchema(Schema):
    """The observer's feedback draft for a visit (shared feedback is changed online only)."""

    type = ma.String(required=True, validate=validate.Equal("feedback"))
    uuid = ma.UUID(required=True, metadata={"description": "Client-generated; the record's identity forever."})
    base_revision = _int(validate.Range(min=0), required=True)
    visit_uuid = ma.UUID(required=True)
    summary = _text(10000)
    strengths = ma.List(ma.Nested(StrengthSchema), load_default=list, validate=validate.Length(max=10))
    development_area = _text(4000)
    next_step = ma.Nested(NextStepSchema, allow_none=True, load_default=None)


class FeedbackResolveSchema(Schema):
    """A merged feedback draft (the merge screen): the feedback fields on a server revision."""

    base_revision = _int(validate.Range(min=1), required=True)
    summary = _text(10000)
    strengths = ma.List(ma.Nested(StrengthSchema), load_default=list, validate=validate.Length(max=10))
    development_area = _text(4000)
    next_step = ma.Nested(NextStepSchema, allow_none=True, load_default=None)


class StoredNextStepSchema(Schema):
    text = ma.String()
    due_on = ma.String(allow_none=True, metadata={"description": "ISO date."})


class FeedbackCopySchema(Schema):
    """The server's copy of a feedback draft, sent back with a conflict."""

    uuid = ma.UUID()
    revision = ma.Integer()
    visit_uuid = ma.UUID()
    summary = ma.String(allow_none=True)
    strengths = ma.List(ma.Nested(StrengthSchema))
    development_area = ma.String(allow_none=True)
    next_step = ma.Nested(StoredNextStepSchema, allow_none=True)
    status = ma.String()
    updated_at = ma.AwareDateTime()


class SyncRequestSchema(Schema):
    """POST /api/v1/sync. Records are validated one by one, so a bad one never blocks the rest."""

    device = ma.Nested(DeviceSchema, allow_none=True, load_default=None)
    client_schema_version = ma.Integer(required=True)
    records = ma.List(ma.Raw(), required=True, validate=validate.Length(max=MAX_RECORDS_PER_REQUEST),
                          metadata={"description": "Records of any registered type (see RecordType schemas)."})


class StoredNoteSchema(Schema):
    at = ma.String(metadata={"description": "ISO-8601 UTC instant."})
    text = ma.String()


class ObservationCopySchema(Schema):
    """The server's copy of an observation, sent back with a conflict and in the conflict list."""

    uuid = ma.UUID()
    revision = ma.Integer()
    visit = ma.Nested(VisitRefSchema)
    template_version_id = ma.Integer()
    answers = ma.Dict(metadata={"description": "Parsed answers by item key (templates_/items.py shapes)."})
    notes = ma.List(ma.Nested(StoredNoteSchema))
    status = ma.String()
    updated_at = ma.AwareDateTime()


class RecordResultSchema(Schema):
    uuid = ma.String(allow_none=True)
    status = ma.String(validate=validate.OneOf(["created", "unchanged", "updated", "conflict", "rejected"]))
    revision = ma.Integer()
    field_errors = ma.Dict(keys=ma.String(), values=ma.List(ma.String()), data_key="fields", attribute="fields",
                           metadata={"description": "Rejected: messages by input name."})
    server = ma.Dict(metadata={"description": "Conflict: the server copy (see ObservationCopy)."})
    retry = ma.Boolean(metadata={"description": "Rejected by a fault of the server, not of the record: "
                                                "send it again later, unchanged."})


class SyncResponseSchema(Schema):
    results = ma.List(ma.Nested(RecordResultSchema))


class ErrorSchema(Schema):
    error = ma.String()
    message = ma.String()
    field_errors = ma.Dict(keys=ma.String(), values=ma.List(ma.String()), data_key="fields")


class CsrfSchema(Schema):
    csrf_token = ma.String()


class ConflictSchema(Schema):
    """An unresolved conflict with both versions, for the author to merge."""

    id = ma.Integer()
    record_type = ma.String()
    record_uuid = ma.UUID()
    base_revision = ma.Integer()
    server_revision = ma.Integer()
    created_at = ma.AwareDateTime()
    device = ma.Dict(metadata={"description": "The record exactly as the device sent it."})
    device_answers = ma.Dict(metadata={"description": "The device's fields parsed into answers."})
    server = ma.Dict(metadata={"description": "The current server copy (see ObservationCopy)."})


class ConflictListSchema(Schema):
    conflicts = ma.List(ma.Nested(ConflictSchema))


class ResolveSchema(Schema):
    """The merged version the author chose; it becomes the next server revision."""

    base_revision = _int(validate.Range(min=1), required=True,
                                   metadata={"description": "The server revision the merge was built from."})
    form_fields = _form_fields(required=True)
    notes = ma.List(ma.Nested(NoteSchema), load_default=list, validate=validate.Length(max=500))
    status = ma.String(load_default=ObservationStatus.DRAFT.value,
                           validate=validate.OneOf([s.value for s in ObservationStatus]))


class FaultsSchema(Schema):
    """Test-only: the responses the next sync calls get (see views.set_faults)."""

    faults = ma.List(ma.Raw(), required=True)


def outdated_client_message() -> str:
    return str(_l("This version of the app is out of date. Reload the page (or reopen the app) to update it; "
                  "your unsynced work stays on this device."))
