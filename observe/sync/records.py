"""The sync protocol's vocabulary: record types, their registry, results and field errors.

A record type is one kind of record the sync API carries (an observation, a feedback
draft). Each domain owns its record type (`observe/visits/sync_record.py`,
`observe/feedback/sync_record.py`): how it is validated, written and conflicted. The
protocol knows record types only through this registry: `create_app` registers them
(`register_record_type`), and nothing in `observe/sync/` imports a domain's record module.
"""
from __future__ import annotations

import datetime as dt
import json
import uuid as uuid_mod

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema

from .merging import Comparison

CREATED, UNCHANGED, UPDATED, CONFLICT, REJECTED = "created", "unchanged", "updated", "conflict", "rejected"


class Rejected(Exception):
    """A record that cannot be accepted as sent; the device keeps it as "needs attention"."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__(fields)
        self.fields = fields


class RecordType:
    """One kind of record the sync API accepts. Subclasses set `name`, `schema` (the record as a
    device sends it) and `resolve_schema` (a merge of a conflict, for the OpenAPI document).

    The batch path (`observe.sync.services.apply_records`) calls, in order: the schema's load,
    `prepare` (before the write transaction), `apply_many`, then `apply` for each record left,
    each in its own savepoint. Conflicts: `conflict_copies` and `resolve`
    (`observe.sync.conflicts`), and for the merge screen `visit_of`, `compare`, `merged_record`
    and `merge_field_errors`."""

    name: str = ""
    schema: type[Schema]
    resolve_schema: type[Schema] | None = None

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

    # The merge screen (observe/sync/merge.py) draws and saves a conflict through these.

    def visit_of(self, school, conflict):
        """The visit the conflicting record belongs to (named on the conflict pages), or None."""
        return None

    def compare(self, school, conflict) -> Comparison:
        """Both versions field by field (observe.sync.merging); no revision: nothing to merge into."""
        return Comparison(conflict=conflict)

    def merged_record(self, comparison: Comparison, chosen: dict[str, object]) -> dict:
        """The merge for `resolve`, from the value the author kept for every field of `comparison`."""
        raise NotImplementedError

    def merge_field_errors(self, fields: dict[str, list[str]]) -> dict[str, list[str]]:
        """`resolve`'s field errors under the merge screen's field names."""
        return fields


RECORD_TYPES: dict[str, RecordType] = {}


def register_record_type(record_type: RecordType) -> RecordType:
    """Make `record_type` known to the protocol under its name (again: the newer one wins)."""
    RECORD_TYPES[record_type.name] = record_type
    return record_type


# --- results --------------------------------------------------------------------------------

def rejected(record_uuid: str | None, fields: dict) -> dict:
    return {"uuid": record_uuid, "status": REJECTED, "fields": fields}


def uuid_text(value) -> str | None:
    try:
        return str(uuid_mod.UUID(str(value)))
    except (TypeError, ValueError):
        return None if value is None else str(value)[:64]


def jsonable(value):
    """A JSON round trip: what is stored and compared is exactly what JSON can hold."""
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.timezone.utc).isoformat() if value else None


_SCHEMAS: dict[type[Schema], Schema] = {}


def cached_schema(schema_class: type[Schema]) -> Schema:
    """One instance per schema class: building a marshmallow schema costs more than loading a
    record with it, and `load` keeps no state on the instance."""
    schema = _SCHEMAS.get(schema_class)
    if schema is None:
        schema = _SCHEMAS[schema_class] = schema_class()
    return schema


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
