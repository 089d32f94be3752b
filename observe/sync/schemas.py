"""Marshmallow schemas of the sync protocol (docs/sync-protocol.md): the request, the
per-record results, conflicts, errors, and the field helpers record types build on.

They describe the wire format only: no database queries, no current user. Unknown
keys are rejected (marshmallow's default RAISE), and nothing that the server owns
(school, author, revision, visit status) is loadable from a device. Each record type's
own schemas live with its domain (`observe/visits/sync_schemas.py`,
`observe/feedback/sync_schemas.py`). The OpenAPI document at /api/v1/openapi.json is
generated from these classes and the registered record types' schemas.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, post_load, validate
from marshmallow import fields as ma

from ..timefmt import FIRST_DATE, FIRST_INSTANT, LAST_DATE, LAST_INSTANT

UTC = dt.timezone.utc

# Client schema versions this server understands; anything else must update the app.
SUPPORTED_CLIENT_SCHEMA_VERSIONS = frozenset({1})
MAX_RECORDS_PER_REQUEST = 200


def _window_message() -> str:
    return str(_l("Must be between %(first)s and %(last)s.", first=FIRST_DATE.isoformat(),
                  last=LAST_DATE.isoformat()))


def _in_window(value: dt.datetime) -> None:
    """Far-future and ancient instants were stored and then broke every page that showed them."""
    if not FIRST_INSTANT <= value < LAST_INSTANT:
        raise ValidationError(_window_message())


def _day_in_window(value: dt.date) -> None:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValidationError(_window_message())


def when(**kwargs) -> ma.AwareDateTime:
    """An ISO-8601 instant in the accepted window (observe/timefmt.py); a time without offset is
    read as UTC (devices send Z)."""
    return ma.AwareDateTime(default_timezone=UTC, validate=_in_window, **kwargs)


def day(**kwargs) -> ma.Date:
    """An ISO-8601 date in the accepted window."""
    return ma.Date(validate=_day_in_window, **kwargs)


class Text(ma.String):
    """Text from a device. NUL (U+0000) is refused with a field message: PostgreSQL cannot store
    it (SQLite can), and a record that can never be saved must not be retried for ever."""

    default_error_messages = {"nul": _l("This text contains a NUL character (U+0000), which cannot be saved. "
                                        "Remove it and try again.")}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("nul")
        return text


MAX_INT = 2**31 - 1  # ids, revisions and counts are 32-bit integer columns


def _fits_column(value: int) -> None:
    """A larger number can name nothing stored, and PostgreSQL refuses to compare it with a column."""
    if not -MAX_INT <= value <= MAX_INT:
        raise ValidationError(str(_l("Must be at most %(n)d.", n=MAX_INT)))


def integer(*validators, **kwargs) -> ma.Integer:
    """A JSON integer: 2.5 or "2" is refused, not rounded or converted (devices send numbers)."""
    return ma.Integer(strict=True, validate=[*validators, _fits_column], **kwargs)


def optional_text(max_length: int, **kwargs) -> Text:
    return Text(allow_none=True, load_default=None, validate=validate.Length(max=max_length), **kwargs)


class DeviceSchema(Schema):
    """What a device reports about itself on every sync (shown to admins).

    Diagnostics only, so keys a newer client adds are ignored rather than failing the sync.
    """

    class Meta:
        unknown = EXCLUDE

    uuid = ma.UUID(required=True, metadata={"description": "Stable id the browser generated for itself."})
    pending = integer(validate.Range(min=0), load_default=0,
                      metadata={"description": "Records still waiting on the device before this sync."})
    oldest_pending_at = ma.AwareDateTime(default_timezone=UTC, allow_none=True, load_default=None, metadata={
        "description": "Outside the accepted window (a device clock off by years) it is stored as unknown."})

    @post_load
    def _clock_off(self, data, **kwargs):
        """A diagnostic must never cost the device its sync: an impossible time is dropped, not refused."""
        at = data.get("oldest_pending_at")
        if at is not None and not FIRST_INSTANT <= at < LAST_INSTANT:
            data["oldest_pending_at"] = None
        return data


class SyncRequestSchema(Schema):
    """POST /api/v1/sync. Records are validated one by one, so a bad one never blocks the rest."""

    device = ma.Nested(DeviceSchema, allow_none=True, load_default=None)
    client_schema_version = ma.Integer(
        required=True, validate=validate.OneOf(sorted(SUPPORTED_CLIENT_SCHEMA_VERSIONS)),
        metadata={"description": "The offline client's data format; another value answers 422 client_outdated."})
    records = ma.List(ma.Raw(allow_none=True), required=True, validate=validate.Length(max=MAX_RECORDS_PER_REQUEST),
                      metadata={"description": "Records of any registered type (see RecordType schemas)."})


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


class FaultsSchema(Schema):
    """Test-only: the responses the next sync calls get (see views.set_faults)."""

    faults = ma.List(ma.Raw(), required=True)


def outdated_client_message() -> str:
    return str(_l("This version of the app is out of date. Reload the page (or reopen the app) to update it; "
               "your unsynced work stays on this device."))
