"""Authentication rules: checking credentials, throttling, recording every event."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..audit import services as audit
from ..dbtypes import utcnow
from ..extensions import db
from . import throttle
from .models import Membership, Role, User, new_session_token
from .passwords import hash_password, needs_rehash, verify_password


@dataclass
class LoginResult:
    user: User | None = None
    retry_after: int = 0  # > 0: throttled, try again in this many seconds


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str, ip: str | None, *, break_glass_only: bool = False) -> LoginResult:
    """Check a password sign-in. With `break_glass_only` (OBSERVE_PASSWORD_LOGIN=0) only accounts made
    by `flask create-user` may pass; any other is answered exactly like a wrong password (and counted
    as one), so the page reveals neither which accounts exist nor which are break-glass."""
    email = email.strip().lower()
    wait = throttle.retry_after(email, ip)
    if wait:
        audit.record("login.throttled", subject=email)
        db.session.commit()
        return LoginResult(retry_after=wait)
    user = find_user(email)
    stored_hash = user.password_hash if user else None
    # End the read before hashing: on SQLite a request's transaction holds the write lock
    # (BEGIN IMMEDIATE), and argon2 takes ~0.1 s of CPU, so 100 tablets logging in at once
    # would queue every other request behind the hashing and time out ("database is locked").
    db.session.commit()
    ok = verify_password(stored_hash, password)
    if not ok or user is None or not user.active or (break_glass_only and not user.break_glass):
        audit.record(throttle.FAILURE, subject=email, user_id=user.id if user else None,
                     **({"reason": "password_login_off"} if ok and break_glass_only else {}))
        db.session.commit()
        return LoginResult()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.record("login.success", subject=email, user_id=user.id, method="password")
    db.session.commit()
    return LoginResult(user=user)


def end_all_sessions(user: User) -> None:
    """Invalidate every login cookie of the user (logout everywhere, disabled account)."""
    user.session_token = new_session_token()


def create_user(*, organisation_id: int, email: str, name: str, password: str | None,
                roles: dict[int, list[Role]] | None = None) -> User:
    user = User(organisation_id=organisation_id, email=email.strip().lower(), name=name.strip(),
                password_hash=hash_password(password) if password else None)
    for school_id, school_roles in (roles or {}).items():
        for role in school_roles:
            user.memberships.append(Membership(school_id=school_id, role=Role(role)))
    db.session.add(user)
    return user


def change_password(user: User, current: str, new: str, ip: str | None) -> LoginResult:
    """The user replaces their password (a temporary one included). A wrong current password
    counts as a failed login, so this form cannot be used to guess passwords faster."""
    wait = throttle.retry_after(user.email, ip)
    if wait:
        audit.record("login.throttled", subject=user.email)
        db.session.commit()
        return LoginResult(retry_after=wait)
    if not verify_password(user.password_hash, current):
        audit.record(throttle.FAILURE, subject=user.email, reason="password_change")
        db.session.commit()
        return LoginResult()
    user.password_hash = hash_password(new)
    user.password_change_required = False
    end_all_sessions(user)  # other devices, possibly someone who knew the old password, are logged out
    audit.record("password.change", subject=user.email)
    db.session.commit()
    return LoginResult(user=user)
