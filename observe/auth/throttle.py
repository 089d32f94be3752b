"""Login throttling without lock-out, counted from the audit log.

Failures are counted in the database over a sliding window, so the limits hold across
gunicorn workers and hosts. Nobody can lock an account by failing on purpose:

- A browser holding the account's device cookie (observe/auth/devices.py: it signed in
  successfully before) has its own allowance, untouched by failures anywhere else. Only when
  it fails too often itself is it treated like any other client.
- Every other client is slowed, not refused for good: after the free failures per account
  (and per client address), each further attempt waits twice as long as the one before,
  up to a cap, counted from the latest failure. The right password after the wait gets in.

docs/security.md gives the figures.
"""
from __future__ import annotations

import datetime as dt
import math

from flask import current_app
from sqlalchemy import func, select

from ..audit.models import AuditEvent
from ..dbtypes import utcnow
from ..extensions import db

FAILURE = "login.failure"  # from a client without the account's device cookie
DEVICE_FAILURE = "login.failure.device"  # from a trusted browser; object_id is its hashed nonce
DEVICE = "device_cookie"


def device_allowance_left(device: str) -> bool:
    """A trusted browser (`device`: its hashed nonce) keeps its own allowance until it fails
    too often itself; from then on it is counted like any other client."""
    cfg = current_app.config
    since = utcnow() - dt.timedelta(seconds=cfg["OBSERVE_LOGIN_WINDOW_SECONDS"])
    failures = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == DEVICE_FAILURE, AuditEvent.object_type == DEVICE, AuditEvent.object_id == device,
        AuditEvent.at >= since))
    return failures < cfg["OBSERVE_LOGIN_MAX_FAILURES_DEVICE"]


def retry_after(email: str, ip: str | None) -> int:
    """Seconds an untrusted client waits before its next attempt on `email`; 0 when it may try now."""
    cfg = current_app.config
    since = utcnow() - dt.timedelta(seconds=cfg["OBSERVE_LOGIN_WINDOW_SECONDS"])
    return max(_wait(AuditEvent.subject, email.lower(), cfg["OBSERVE_LOGIN_MAX_FAILURES_ACCOUNT"], since),
               _wait(AuditEvent.ip, ip, cfg["OBSERVE_LOGIN_MAX_FAILURES_IP"], since))


def delay_after(failures: int, free: int) -> int:
    """Seconds to wait after the latest of `failures` (the schedule docs/security.md shows)."""
    cfg = current_app.config
    if failures < free:
        return 0
    return min(cfg["OBSERVE_LOGIN_MAX_DELAY_SECONDS"], cfg["OBSERVE_LOGIN_FIRST_DELAY_SECONDS"] * 2 ** (failures - free))


def _wait(column, value, free: int, since: dt.datetime) -> int:
    if value is None:
        return 0
    cfg = current_app.config
    # Enough rows to reach the cap: counting further would not lengthen the wait.
    doublings = math.ceil(math.log2(max(1, cfg["OBSERVE_LOGIN_MAX_DELAY_SECONDS"]
                                        / max(1, cfg["OBSERVE_LOGIN_FIRST_DELAY_SECONDS"]))))
    times = db.session.scalars(
        select(AuditEvent.at).where(AuditEvent.action == FAILURE, column == value, AuditEvent.at >= since)
        .order_by(AuditEvent.at.desc()).limit(free + doublings + 1)).all()
    delay = delay_after(len(times), free)
    if not delay:
        return 0
    return max(0, math.ceil((times[0] + dt.timedelta(seconds=delay) - utcnow()).total_seconds()))
