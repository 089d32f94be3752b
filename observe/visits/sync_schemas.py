"""The observation record as it travels over the sync API (docs/sync-protocol.md).

The wire format only: no database queries, no current user. Unknown keys are rejected
(marshmallow's default RAISE), and nothing the server owns (school, author, revision,
visit status) is loadable from a device. What the record means is checked by the record
type (`observe.visits.sync_record`) and the form engine (`observe.templates_.items`).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, validate, validates_schema
from marshmallow import fields as ma

from ..sync.schemas import Text, integer, optional_text, when
from .models import ObservationStatus, VisitKind


def posted_fields(**kwargs) -> ma.Dict:
    """The form engine's posted inputs: input name -> list of values (data key `fields`)."""
    return ma.Dict(
        keys=Text(validate=validate.Length(min=1, max=200)),
        values=ma.List(Text(validate=validate.Length(max=20000)), validate=validate.Length(max=100)),
        validate=validate.Length(max=2000), data_key="fields", **kwargs,
    )


class VisitRefSchema(Schema):
    """The visit an observation belongs to; a new uuid creates a spontaneous visit."""

    uuid = ma.UUID(required=True)
    kind = ma.String(required=True, validate=validate.OneOf([k.value for k in VisitKind]))
    teacher_id = integer(allow_none=True, load_default=None,
                         metadata={"description": "Observed teacher; null for an anonymous walkthrough."})
    subject = optional_text(100)
    year_group = optional_text(40)
    started_at = when(allow_none=True, load_default=None)
    ended_at = when(allow_none=True, load_default=None)
    reflective_question = optional_text(2000)

    @validates_schema
    def _ends_after_start(self, data, **kwargs):
        started, ended = data.get("started_at"), data.get("ended_at")
        if started is not None and ended is not None and ended < started:
            raise ValidationError(str(_l("The end cannot be before the start.")), field_name="ended_at")


class NoteSchema(Schema):
    """A timestamped quick note typed during the visit."""

    at = when(required=True)
    text = Text(required=True, validate=validate.Length(max=5000), metadata={"description": "Empty notes are dropped."})


class ObservationRecordSchema(Schema):
    """One observation as the device holds it (its whole current state, not a diff)."""

    type = ma.String(required=True, validate=validate.Equal("observation"))
    uuid = ma.UUID(required=True, metadata={"description": "Client-generated; the record's identity forever."})
    base_revision = integer(validate.Range(min=0), required=True,
                            metadata={"description": "0 = new on this device, else the server revision "
                                                            "the device's copy was edited from."})
    visit = ma.Nested(VisitRefSchema, required=True)
    template_version_id = integer(required=True)
    form_fields = posted_fields(required=True, metadata={
        "description": "Exactly what the rendered form posts: input name -> list of values."})
    notes = ma.List(ma.Nested(NoteSchema), load_default=list, validate=validate.Length(max=500))
    status = ma.String(load_default=ObservationStatus.DRAFT.value,
                       validate=validate.OneOf([s.value for s in ObservationStatus]))


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


class ResolveSchema(Schema):
    """The merged version the author chose; it becomes the next server revision."""

    base_revision = integer(validate.Range(min=1), required=True,
                            metadata={"description": "The server revision the merge was built from."})
    form_fields = posted_fields(required=True)
    notes = ma.List(ma.Nested(NoteSchema), load_default=list, validate=validate.Length(max=500))
    status = ma.String(load_default=ObservationStatus.DRAFT.value,
                       validate=validate.OneOf([s.value for s in ObservationStatus]))
