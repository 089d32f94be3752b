"""Reminder e-mails: the same reminders the app shows, sent once each.

The backend is `OBSERVE_MAIL_BACKEND`: "console" (default: written to the log, nothing
leaves the machine) or "smtp" (`OBSERVE_SMTP_HOST`, `OBSERVE_SMTP_PORT`, `OBSERVE_MAIL_FROM`).
Each reminder is mailed at most once per person: the audit log remembers it
(action "reminder.mail", object id = the reminder's key), so running the command
from cron every morning never repeats a message.
"""
from __future__ import annotations

from flask import current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import services as audit
from ..audit.models import AuditEvent
from ..extensions import db
from ..mail import send
from . import followup
from . import services as svc

ACTION = "reminder.mail"


def already_mailed(user_id: int, key: str) -> bool:
    return db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == ACTION, AuditEvent.user_id == user_id,
                                                         AuditEvent.object_id == key).limit(1)) is not None


def send_reminders(school) -> int:
    """Mail every staff member their reminders not mailed before; returns the number of e-mails sent.

    Runs inside a request context whose host is the public address (links are made from it).
    """
    host = request.host_url.rstrip("/")
    sent = 0
    for user in svc.staff(school):
        with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            fresh = [r for r in followup.reminders(user, school) if not already_mailed(user.id, r["key"])]
            if not fresh:
                continue
            lines = [_("Hello %(name)s,", name=user.name), "",
                     _("These need your attention in Observe (%(school)s):", school=school.name), ""]
            lines += [f"- {r['text']}\n  {host}{r['url']}" for r in fresh]
            send(user.email, _("Observe: %(n)d reminders", n=len(fresh)), "\n".join(lines) + "\n")
        for r in fresh:
            event = audit.record(ACTION, school_id=school.id, user_id=user.id, subject=user.email, kind=r["kind"])
            event.object_id = r["key"]
        db.session.commit()
        sent += 1
    return sent
