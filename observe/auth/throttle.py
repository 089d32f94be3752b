"""Login throttling, counted from the audit log.

Failures are counted per account and per client address over a sliding window
in the database, so the limit holds across gunicorn workers and hosts.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select

from ..audit.models import AuditEvent
from ..dbtypes import utcnow
from ..extensions import db

FAILURE = "login.failure"


def retry_after(email: str, ip: str | None) -> int:
    """Seconds until another attempt is allowed; 0 when one is allowed now."""
    cfg = current_app.config
    window = dt.timedelta(seconds=cfg["OBSERVE_LOGIN_WINDOW_SECONDS"])
    since = utcnow() - window
    waits = []
    for column, value, limit in (
        (AuditEvent.subject, email.lower(), cfg["OBSERVE_LOGIN_MAX_FAILURES_ACCOUNT"]),
        (AuditEvent.ip, ip, cfg["OBSERVE_LOGIN_MAX_FAILURES_IP"]),
    ):
        if value is None:
            continue
        times = db.session.scalars(
            select(AuditEvent.at)
            .where(AuditEvent.action == FAILURE, column == value, AuditEvent.at >= since)
            .order_by(AuditEvent.at.desc())
            .limit(limit)
        ).all()
        if len(times) >= limit:
            # Allowed again when the oldest of the last `limit` failures leaves the window.
            waits.append(int((times[-1] + window - utcnow()).total_seconds()) + 1)
    return max(waits, default=0)

