"""What the sync API keeps beside the records: devices and conflicts."""
from __future__ import annotations

import datetime as dt
import uuid as uuid_mod

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import JSONDoc, UTCDateTime, utcnow
from ..extensions import db


class Device(db.Model):
    """A browser that syncs for a user; it reports how much it still holds unsynced."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("user_id", "device_uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    device_uuid: Mapped[uuid_mod.UUID] = mapped_column(Uuid)
    pending_count: Mapped[int] = mapped_column(Integer, default=0)
    oldest_pending_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str | None] = mapped_column(String(300))
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")


class SyncConflict(db.Model):
    """An upload whose base revision was stale: kept whole beside the server copy for a merge."""

    __tablename__ = "sync_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    record_type: Mapped[str] = mapped_column(String(20))  # "observation", "feedback"
    record_uuid: Mapped[uuid_mod.UUID] = mapped_column(Uuid, index=True)
    base_revision: Mapped[int] = mapped_column(Integer)
    server_revision: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict] = mapped_column(JSONDoc)  # the record exactly as the device sent it
    # The device that sent it: its next change built on the server copy is its merge and closes this.
    device_uuid: Mapped[uuid_mod.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class RecordRevision(db.Model):
    """Who produced each accepted revision of a synced record, and from which device.

    A device whose answer was lost (the server committed, the device never heard) keeps
    editing and resends from its old base. When every revision since that base came
    from this same device, its copy continues its own unseen writes and is accepted as
    an update instead of meeting itself as a conflict.
    """

    __tablename__ = "sync_record_revisions"
    __table_args__ = (UniqueConstraint("school_id", "record_type", "record_uuid", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    record_type: Mapped[str] = mapped_column(String(20))
    record_uuid: Mapped[uuid_mod.UUID] = mapped_column(Uuid)
    revision: Mapped[int] = mapped_column(Integer)
    base_revision: Mapped[int] = mapped_column(Integer)  # what the writer said it edited from
    device_uuid: Mapped[uuid_mod.UUID | None] = mapped_column(Uuid)  # None: the online form or a merge
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
