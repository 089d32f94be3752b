"""The audit log: every authentication event and every read or change of a personal record.

Login throttling counts recent failures in this table, so the limit holds across
workers and hosts without any per-process state.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import JSONDoc, UTCDateTime, utcnow
from ..extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_action_subject_at", "action", "subject", "at"),
        Index("ix_audit_action_ip_at", "action", "ip", "at"),
        Index("ix_audit_object", "object_type", "object_id"),
        Index("ix_audit_school_at", "school_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="SET NULL"))
    # "login.success", "login.failure", "logout", "visit.view", "visit.create", "export", ...
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    # Whom the event concerns when no user id applies, e.g. the e-mail typed at a failed login.
    subject: Mapped[str | None] = mapped_column(String(254))
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSONDoc, default=dict)
