"""Writing audit events. Call `record` inside the unit of work it describes."""
from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import insert

from ..extensions import db
from .models import AuditEvent


def client_ip() -> str | None:
    # request.remote_addr is already corrected by ProxyFix for the configured number of hops.
    return request.remote_addr if has_request_context() else None


def values(action: str, obj=None, *, school_id: int | None = None, subject: str | None = None,
           user_id: int | None = None, **detail) -> dict:
    """The columns of one audit event about `obj` (a model instance with school_id and uuid or id)."""
    if user_id is None and has_request_context() and getattr(current_user, "is_authenticated", False):
        user_id = current_user.id
    return {
        "action": action,
        "user_id": user_id,
        "school_id": school_id if school_id is not None else getattr(obj, "school_id", None),
        "object_type": type(obj).__name__.lower() if obj is not None else None,
        "object_id": str(getattr(obj, "uuid", None) or getattr(obj, "id", "")) if obj is not None else None,
        "subject": subject,
        "ip": client_ip(),
        "detail": detail,
    }


def record(action: str, obj=None, *, school_id: int | None = None, subject: str | None = None,
           user_id: int | None = None, **detail) -> AuditEvent:
    event = AuditEvent(**values(action, obj, school_id=school_id, subject=subject, user_id=user_id, **detail))
    db.session.add(event)
    return event


_INSERT = insert(AuditEvent.__table__)


def record_many(events: list[dict]) -> None:
    """Several events (each from `values`) in one INSERT, e.g. every new observation of a sync batch."""
    if events:
        db.session.connection().execute(_INSERT, events)
