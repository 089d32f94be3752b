"""What each device reports on sync (how much it still holds unsynced), for admins."""
from __future__ import annotations

import functools

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..dbtypes import utcnow
from ..extensions import db
from .models import Device

_DEVICE_REPORT = ("pending_count", "oldest_pending_at", "user_agent", "last_seen_at")


@functools.cache
def _device_upsert(dialect: str):
    """INSERT ... ON CONFLICT (user_id, device_uuid) DO UPDATE, for this dialect, built once."""
    statement = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(Device.__table__)
    return statement.on_conflict_do_update(index_elements=["user_id", "device_uuid"], set_={
        column: statement.excluded[column] for column in _DEVICE_REPORT})


def store_device(user, device: dict, user_agent: str | None) -> None:
    """Store what the device still holds, so an admin sees who has unsynced data: one upsert on
    (user, device uuid), inside the batch's write transaction (`apply_records` gives it a savepoint)."""
    connection = db.session.connection()
    connection.execute(_device_upsert(connection.dialect.name), {
        "user_id": user.id, "device_uuid": device["uuid"], "pending_count": device["pending"],
        "oldest_pending_at": device["oldest_pending_at"], "user_agent": (user_agent or "")[:300] or None,
        "last_seen_at": utcnow()})
