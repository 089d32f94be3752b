"""Conflicts: a device's stale copy is kept whole beside the server's, until its author merges.

A record type calls `conflict_result` when a record's base revision is stale and
`close_seen_conflicts` when the conflicting device's next change was built on the server copy
it was shown. The merge (the merge screen and `POST /api/v1/conflicts/<id>/resolve`) goes
through `resolve_conflict`, which hands the record type's own merge to its `resolve`.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import services as audit
from ..dbtypes import start_write, utcnow
from ..extensions import db
from .models import SyncConflict
from .records import CONFLICT, RECORD_TYPES, RecordType, Rejected, rejected


def open_conflicts(user, school) -> list[SyncConflict]:
    return list(db.session.execute(
        select(SyncConflict).filter_by(school_id=school.id, user_id=user.id, resolved_at=None)
        .order_by(SyncConflict.created_at, SyncConflict.id)
    ).scalars())


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

    `merged` is the record type's merge (its `resolve_schema`; observations: {base_revision,
    form_fields, notes, status}; feedback: the feedback fields); if the server moved on since the
    merge was built, nothing is saved and the answer is a new conflict with the newer copy.
    """
    record_type = RECORD_TYPES.get(conflict.record_type) or RecordType()
    start_write(db.session)  # end whatever the request had open, then begin as a writer
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


def recently_merged(user, school, since) -> list[dict]:
    """Records of `user` merged since `since` with nothing open on them, as {"uuid", "revision"}:
    a device that still shows "conflict" for one of them learns it was merged elsewhere."""
    resolved = db.session.execute(
        select(SyncConflict).where(SyncConflict.school_id == school.id, SyncConflict.user_id == user.id,
                                   SyncConflict.resolved_at.is_not(None), SyncConflict.resolved_at >= since)
        .order_by(SyncConflict.resolved_at.desc()).limit(50)).scalars()
    still_open = {c.record_uuid for c in open_conflicts(user, school)}
    merged = {}
    for conflict in resolved:
        if conflict.record_uuid in still_open or conflict.record_uuid in merged:
            continue
        copy = describe_conflict(school, conflict).get("server")
        if copy:
            merged[conflict.record_uuid] = {"uuid": str(conflict.record_uuid), "revision": copy["revision"]}
    return list(merged.values())
