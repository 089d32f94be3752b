"""Logging out clears what this browser holds for the user (Clear-Site-Data), unless a device
of theirs still reports unsynced observations: then only the page cache goes, and the
outbox in IndexedDB stays until the server has confirmed it (the offline client also
refuses to log out before the user downloaded such records; docs/security.md)."""
from __future__ import annotations

from flask import g, request
from flask_login import current_user
from sqlalchemy import func, select

from ..extensions import db
from ..sync.models import Device

CLEAR_ALL = '"cache", "storage"'
CLEAR_CACHE = '"cache"'


def _remember_who_logs_out():
    if request.endpoint == "auth.logout" and request.method == "POST" and current_user.is_authenticated:
        g.logging_out_user_id = current_user.id


def _clear_site_data(response):
    user_id = g.pop("logging_out_user_id", None)
    if user_id is None or response.status_code >= 400:
        return response
    pending = db.session.scalar(select(func.coalesce(func.sum(Device.pending_count), 0))
                                .where(Device.user_id == user_id))
    response.headers["Clear-Site-Data"] = CLEAR_CACHE if pending else CLEAR_ALL
    return response


def init(bp) -> None:
    bp.before_app_request(_remember_who_logs_out)
    bp.after_app_request(_clear_site_data)
