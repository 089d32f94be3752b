"""Who wrote each revision of a synced record, and whether a device continues its own writes.

Every record type notes each accepted revision (`record_revision`); `continues_own_writes`
lets a device whose answers were lost resend from its old base without meeting itself as
a conflict (see RecordRevision).
"""
from __future__ import annotations

from sqlalchemy import insert, select

from ..extensions import db
from .models import RecordRevision

# Built once: the batch path inserts many revisions in one executemany.
INSERT_REVISIONS = insert(RecordRevision.__table__)


def revision_values(school_id: int, record_type: str, record_uuid, revision: int, base_revision: int,
                    device_uuid, user) -> dict:
    return {"school_id": school_id, "record_type": record_type, "record_uuid": record_uuid, "revision": revision,
            "base_revision": base_revision, "device_uuid": device_uuid, "user_id": user.id}


def record_revision(row, record_type: str, base_revision: int, device_uuid, user) -> None:
    """Note who produced `row.revision` (see RecordRevision)."""
    db.session.add(RecordRevision(**revision_values(row.school_id, record_type, row.uuid, row.revision,
                                                    base_revision, device_uuid, user)))


def continues_own_writes(school, record_type: str, row, base_revision: int, device_uuid) -> bool:
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
