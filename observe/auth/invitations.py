"""Invitations: a one-time e-mailed link with which a new staff member chooses their own password,
so no administrator ever types someone else's password.

A link is valid for seven days and works once; sending again replaces every earlier link of the
person. Only a SHA-256 of the token is stored (a database leak yields no usable links). The mail
goes through the configured mail settings (observe/mail.py) in the person's language.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import smtplib

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select

from ..audit import services as audit
from ..dbtypes import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from ..mail import send
from .models import Invitation, OidcLink, User
from .passwords import hash_password
from .services import end_all_sessions
from .sessions import end_sessions_of

VALID_FOR = dt.timedelta(days=7)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_invitation(user: User, school, *, sent_by: User | None) -> Invitation:
    """Make a fresh link (earlier unused ones stop working) and mail it. The caller commits; when the
    mail cannot be sent this raises ValidationFailed and the caller rolls back."""
    db.session.execute(delete(Invitation).where(Invitation.user_id == user.id, Invitation.used_at.is_(None)))
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = Invitation(user_id=user.id, token_hash=_hash(token), sent_by_id=sent_by.id if sent_by else None,
                            created_at=now, expires_at=now + VALID_FOR)
    db.session.add(invitation)
    link = url_for("invitation.accept", token=token, _external=True)
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = "\n".join([
            _("Hello %(name)s,", name=user.name), "",
            _("You have been added to the staff of %(school)s in Observe, the school's tool for lesson visits "
              "and feedback. Choose your password with this link:", school=school.name), "",
            link, "",
            _("The link works once and is valid for 7 days. If it has expired, ask your school's administrator "
              "to send a new one."), "",
            _("Your e-mail address for logging in: %(email)s", email=user.email), ""])
        subject = _("Welcome to Observe: choose your password")
    try:
        send(user.email, subject, body)
    except (smtplib.SMTPException, OSError) as exc:  # told in the admin's language, not the invitee's
        current_app.logger.warning("invitation to %s not sent: %s", user.email, exc)
        raise ValidationFailed(_("The invitation e-mail to %(email)s could not be sent, so nothing was saved. "
                                 "Check the mail settings or try again.", email=user.email)) from exc
    audit.record("invitation.send", user, school_id=school.id, subject=user.email)
    return invitation


def find_valid(token: str) -> Invitation | None:
    """The unused, unexpired invitation of an active user that this token opens, else None."""
    if not token or len(token) > 100:
        return None
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token)))
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= utcnow():
        return None
    return invitation if invitation.user.active else None


def accept(invitation: Invitation, password: str) -> User:
    """The person chooses their password: the link is spent, any older session of theirs ends."""
    user = invitation.user
    invitation.used_at = utcnow()
    user.password_hash = hash_password(password)
    user.password_change_required = False
    end_all_sessions(user)
    end_sessions_of(user.id)
    audit.record("invitation.accept", user, subject=user.email, user_id=user.id)
    return user


def not_accepted(users: list[User]) -> dict[int, Invitation | None]:
    """Of these people, those who cannot log in yet (no password, no school-account link), each with
    their latest invitation (None: never sent)."""
    waiting = [u for u in users if u.active and u.password_hash is None]
    if not waiting:
        return {}
    ids = [u.id for u in waiting]
    linked = set(db.session.scalars(select(OidcLink.user_id).where(OidcLink.user_id.in_(ids))))
    latest: dict[int, Invitation] = {}
    for invitation in db.session.scalars(select(Invitation).where(Invitation.user_id.in_(ids))
                                         .order_by(Invitation.created_at)):
        latest[invitation.user_id] = invitation
    return {u.id: latest.get(u.id) for u in waiting if u.id not in linked}
