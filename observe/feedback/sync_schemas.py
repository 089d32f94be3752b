"""The feedback record (the observer's draft) as it travels over the sync API.

The wire format only: no database queries, no current user; unknown keys are rejected.
The feedback rules themselves are `observe.feedback.services.save_draft`'s.
"""
from __future__ import annotations

from marshmallow import Schema, validate
from marshmallow import fields as ma

from ..sync.schemas import Text, day, integer, optional_text


class StrengthSchema(Schema):
    text = Text(load_default="", validate=validate.Length(max=4000))
    evidence = Text(load_default="", validate=validate.Length(max=4000),
                    metadata={"description": "What was said or done that shows the strength."})


class NextStepSchema(Schema):
    text = Text(load_default="", validate=validate.Length(max=4000))
    due_on = day(allow_none=True, load_default=None)


class FeedbackRecordSchema(Schema):
    """The observer's feedback draft for a visit (shared feedback is changed online only)."""

    type = ma.String(required=True, validate=validate.Equal("feedback"))
    uuid = ma.UUID(required=True, metadata={"description": "Client-generated; the record's identity forever."})
    base_revision = integer(validate.Range(min=0), required=True)
    visit_uuid = ma.UUID(required=True)
    summary = optional_text(10000)
    strengths = ma.List(ma.Nested(StrengthSchema), load_default=list, validate=validate.Length(max=10))
    development_area = optional_text(4000)
    next_step = ma.Nested(NextStepSchema, allow_none=True, load_default=None)


class FeedbackResolveSchema(Schema):
    """A merged feedback draft (the merge screen): the feedback fields on a server revision."""

    base_revision = integer(validate.Range(min=1), required=True)
    summary = optional_text(10000)
    strengths = ma.List(ma.Nested(StrengthSchema), load_default=list, validate=validate.Length(max=10))
    development_area = optional_text(4000)
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
