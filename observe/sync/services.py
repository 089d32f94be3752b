"""Applying records from devices (and from the online form): the one write path.

`apply_record(user, school, record)` (the online form) and `apply_records` (a sync
batch) are THE way an observation or a feedback draft is created or changed, online or
offline, so a double submit or a resend after a lost response is harmless. In a batch
each record is applied in its own savepoint, which is what lets one bad record never
block the others; merges go through `observe.sync.conflicts.resolve_conflict`.

Idempotency rests on the database, not on a check in Python: a record type INSERTs
inside a savepoint and the unique constraint on (school_id, uuid) decides who was
first; the loser re-reads the winner's row and compares.

A sync batch (`apply_records`) does the same work in fewer, larger steps: records are
validated and parsed before the write transaction opens, each record type first settles
what it can together (`RecordType.apply_many`), and every other record runs in its own
savepoint. See docs/performance.md, "Sync server under load".

This module knows record types only through the registry (`observe.sync.records`); what
a record means, how it is written and when it conflicts is its record type's business.
"""
from __future__ import annotations

import uuid as uuid_mod

from flask import current_app
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, InvalidRequestError

from ..dbtypes import start_write
from ..extensions import db
from .devices import store_device
from .records import (RECORD_TYPES, UNCHANGED, RecordType, Rejected, cached_schema, flatten_errors, jsonable,
                      rejected, uuid_text)


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
        result = record_type.apply(user, school, data, jsonable(record))
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
        result = record_type.apply(user, school, data, jsonable(record))
    except Rejected as exc:
        savepoint.rollback()
        return rejected(record_uuid, exc.fields)
    except Exception as exc:  # noqa: BLE001 - the other records must still be answered
        current_app.logger.exception("sync: record failed")
        # A failed flush leaves the savepoint inactive but open: roll back to it, or every later
        # statement of the batch fails (PendingRollbackError) and the whole batch answers 500.
        try:
            savepoint.rollback()
        except InvalidRequestError:  # already closed: nothing of it is left to undo
            pass
        if isinstance(exc, DataError):  # a value this database cannot hold: sending it again cannot help
            return rejected(record_uuid, {"record": [
                _("The server could not store this record as sent. Correct it; it stays on your device.")]})
        # The server's fault, not the record's: the device sends it again later (with backoff).
        return {**rejected(record_uuid, {"record": [
            _("The server could not save this record. Try again later; it stays on your device.")]}), "retry": True}
    if result["status"] == UNCHANGED:
        savepoint.rollback()
    else:
        savepoint.commit()
    return result


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
