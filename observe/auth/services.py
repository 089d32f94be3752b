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


def _record_failure(email: str, user_id: int | None, device: str | None, **detail) -> None:
    """A failed attempt, counted against the trusted device it came from, or against everyone else."""
    event = audit.record(throttle.DEVICE_FAILURE if device else throttle.FAILURE, subject=email, user_id=user_id,
                         **detail)
    if device:
        event.object_type, event.object_id = throttle.DEVICE, device


def authenticate(email: str, password: str, ip: str | None, devices: dict[int, str] | None = None, *,
                 break_glass_only: bool = False) -> LoginResult:
    """Check a password sign-in. With `break_glass_only` (OBSERVE_PASSWORD_LOGIN=0) only accounts made
    by `flask create-user` may pass; any other is answered exactly like a wrong password (and counted
    as one), so the page reveals neither which accounts exist nor which are break-glass.
    `devices`: user id -> hashed device-cookie nonce of this browser (observe/auth/devices.py)."""
    email = email.strip().lower()
    user = find_user(email)
    device = (devices or {}).get(user.id) if user else None
    if device is not None and not throttle.device_allowance_left(device):
        device = None  # this browser failed too often itself: counted like any other from now on
    wait = 0 if device else throttle.retry_after(email, ip)
    if wait:
        audit.record("login.throttled", subject=email)
        db.session.commit()
        return LoginResult(retry_after=wait)
    stored_hash = user.password_hash if user else None
    # End the read before hashing: on SQLite a request's transaction holds the write lock
    # (BEGIN IMMEDIATE), and argon2 takes ~0.1 s of CPU, so 100 tablets logging in at once
    # would queue every other request behind the hashing and time out ("database is locked").
    db.session.commit()
    ok = verify_password(stored_hash, password)
    if not ok or user is None or not user.active or (break_glass_only and not user.break_glass):
        _record_failure(email, user.id if user else None, device,
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


def change_password(user: User, current: str, new: str, ip: str | None, device: str | None = None) -> LoginResult:
    """The user replaces their password (a temporary one included). A wrong current password
    counts as a failed login, so this form cannot be used to guess passwords faster."""
    if device is not None and not throttle.device_allowance_left(device):
        device = None
    wait = 0 if device else throttle.retry_after(user.email, ip)
    if wait:
        audit.record("login.throttled", subject=user.email)
        db.session.commit()
        return LoginResult(retry_after=wait)
    if not verify_password(user.password_hash, current):
        _record_failure(user.email, user.id, device, reason="password_change")
        db.session.commit()
        return LoginResult()
    user.password_hash = hash_password(new)
    user.password_change_required = False
    end_all_sessions(user)  # other devices, possibly someone who knew the old password, are logged out
    audit.record("password.change", subject=user.email)
    db.session.commit()
    return LoginResult(user=user)
