"""Users and their roles per school."""
from __future__ import annotations

import datetime as dt
import secrets
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db


class Role(StrEnum):
    ADMIN = "admin"  # runs the school: staff, roles, retention
    PRINCIPAL = "principal"  # rektor / biträdande rektor: visits, feedback, follow-up
    TEACHER = "teacher"


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(5))  # None: follow the browser
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when an admin gave a temporary password: the user must choose their own at next login.
    password_change_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Organisation leaders (huvudman) see de-identified aggregates across schools.
    is_org_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    # Created by `flask create-user` (someone with server access): may use a password even when
    # OBSERVE_PASSWORD_LOGIN=0, so the school can get in while its identity provider is down.
    break_glass: Mapped[bool] = mapped_column(Boolean, default=False)
    # Part of the login cookie's user id: changing it ends every session of the user.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    organisation = relationship("Organisation")
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def roles_in(self, school_id: int) -> set[Role]:
        return {Role(m.role) for m in self.memberships if m.school_id == school_id}

    def has_role(self, school_id: int, *roles: Role) -> bool:
        return bool(self.roles_in(school_id) & set(roles))

    @property
    def school_ids(self) -> list[int]:
        return sorted({m.school_id for m in self.memberships})

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(db.Model):
    """A role a user holds at one school; a user may hold several."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "school_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    school = relationship("School")


class OidcLink(db.Model):
    """Which account at the identity provider is this user: the provider's `sub`, linked at the first
    sign-in whose verified e-mail matched the user. From then on the `sub` alone decides, so an
    e-mail change at the provider neither locks the person out nor lets someone else in."""

    __tablename__ = "oidc_links"
    __table_args__ = (UniqueConstraint("issuer", "subject"), UniqueConstraint("user_id", "issuer"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(255))  # OBSERVE_OIDC_ISSUER when the link was made
    subject: Mapped[str] = mapped_column(String(255))  # the ID token's `sub` (opaque, never shown)
    email_at_link: Mapped[str] = mapped_column(String(254))  # the verified e-mail that matched, for the admin
    linked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Invitation(db.Model):
    """A one-time link to choose a password, mailed to a new staff member. Only a SHA-256 of the
    token is stored; a newer invitation replaces the older ones of the same person."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # set when the password was chosen

    user: Mapped[User] = relationship(foreign_keys=[user_id])
