"""Organisations (huvudman), their schools and teacher groups (arbetslag)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import JSONDoc, UTCDateTime, utcnow
from ..extensions import db

# The smallest minimum cell sizes an organisation may set (observe/insights/thresholds.py applies them).
MIN_OBSERVATIONS_FLOOR = 3
MIN_TEACHERS_FLOOR = 2
# Defaults from the domain's data-protection rules; each organisation/school may tighten them.
DEFAULT_ORG_SETTINGS = {
    "min_cell_observations": 5,  # aggregates resting on fewer are not shown (never below the floor)
    "min_cell_teachers": 3,  # ... nor on fewer distinct teachers (never below the floor)
    # Never for salary-setting unless announced in advance (observe/privacy/purpose.py): ISO dates.
    "salary_use_from": None,
    "salary_use_announced_on": None,
}
DEFAULT_RETENTION = {
    "walkthrough_deidentify_days": 30,
    "planned_delete_months_after_follow_up": 12,
    "peer_delete_months": 12,
}


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict] = mapped_column(JSONDoc, default=lambda: dict(DEFAULT_ORG_SETTINGS))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    schools: Mapped[list["School"]] = relationship(back_populates="organisation", order_by="School.name")

    def setting(self, key: str):
        return (self.settings or {}).get(key, DEFAULT_ORG_SETTINGS[key])


class School(db.Model):
    __tablename__ = "schools"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    retention: Mapped[dict] = mapped_column(JSONDoc, default=lambda: dict(DEFAULT_RETENTION))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="schools")
    groups: Mapped[list["TeacherGroup"]] = relationship(
        back_populates="school", order_by="TeacherGroup.name", cascade="all, delete-orphan"
    )


group_members = Table(
    "group_members",
    db.metadata,
    Column("group_id", ForeignKey("teacher_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class TeacherGroup(db.Model):
    """An arbetslag or ämneslag within one school."""

    __tablename__ = "teacher_groups"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    school: Mapped[School] = relationship(back_populates="groups")
    members = relationship("User", secondary=group_members, order_by="User.name")
    memberships: Mapped[list["GroupMembership"]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class GroupMembership(db.Model):
    """Who was in a teacher group when: a visit counts for the groups its observed teacher was in on
    the day of the visit (a teacher may be in two). `group_members` is who is in it now."""

    __tablename__ = "group_memberships"
    __table_args__ = (Index("ix_group_memberships_group_user", "group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("teacher_groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # None: a member from the group's start, so visits made before the group was entered count for it
    # (a team exists before someone types it in); otherwise the day the member was added.
    since: Mapped[dt.date | None] = mapped_column(Date)
    until: Mapped[dt.date | None] = mapped_column(Date)  # the day the member was removed (exclusive); None: still in
