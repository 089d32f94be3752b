"""Visits (spontaneous, planned, peer), the observations filled in during them, and peer groups.

Visits and observations created on a tablet carry a client-generated UUID and a
revision number: upload is an idempotent upsert by (school, uuid), and a stale
base revision is a conflict rather than an overwrite.
"""
from __future__ import annotations

import datetime as dt
import uuid as uuid_mod
from enum import StrEnum

from sqlalchemy import (Boolean, Column, Date, Float, ForeignKey, Index, Integer, String, Table, Text,
                        UniqueConstraint, Uuid)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import JSONDoc, UTCDateTime, utcnow
from ..extensions import db


class VisitKind(StrEnum):
    SPONTANEOUS = "spontaneous"  # walkthrough, 3-10 minutes
    PLANNED = "planned"  # pre-conference, observation, feedback conversation
    PEER = "peer"  # lektionsobservation i par


class VisitStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Purpose(StrEnum):
    """Why a record exists (GDPR purpose limitation); never salary-setting by default."""

    DEVELOPMENT = "development"
    PEER_LEARNING = "peer_learning"
    MAPPING = "mapping"  # school-wide mapping, feeds de-identified aggregates


class Visit(db.Model):
    __tablename__ = "visits"
    __table_args__ = (
        UniqueConstraint("school_id", "uuid"),
        Index("ix_visits_school_started", "school_id", "started_at"),
        # The navigation badge's reminders and the dashboard's subject / year-group choices
        # (docs/performance.md, insights): index searches instead of reading every visit of the school.
        Index("ix_visits_school_status_scheduled", "school_id", "status", "scheduled_at"),
        Index("ix_visits_school_subject_year", "school_id", "subject", "year_group"),
        Index("ix_visits_observer_times", "observer_id", "ended_at", "started_at", "scheduled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_mod.UUID] = mapped_column(Uuid, default=uuid_mod.uuid4)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=VisitStatus.IN_PROGRESS)
    purpose: Mapped[str] = mapped_column(String(20), default=Purpose.DEVELOPMENT)
    observer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # None for an anonymous walkthrough (counts only towards school-wide aggregates).
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str | None] = mapped_column(String(100))
    year_group: Mapped[str | None] = mapped_column(String(40))  # "F", "1", "7", "Gy2", ...
    template_version_id: Mapped[int] = mapped_column(ForeignKey("template_versions.id"), index=True)
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # planned and peer visits
    planned_minutes: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Item keys the teacher asked feedback on; the form shows them first.
    focus_item_keys: Mapped[list] = mapped_column(JSONDoc, default=list)
    focus_text: Mapped[str | None] = mapped_column(Text)
    # Pre-conference: lesson_goal, student_activity, data_method, feedback_meeting_at (ISO).
    preconference: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    reflective_question: Mapped[str | None] = mapped_column(Text)  # walkthrough question to the teacher
    peer_group_id: Mapped[int | None] = mapped_column(ForeignKey("peer_groups.id", ondelete="SET NULL"))
    # Peer visits: the observed teacher decides whether focus themes and counts reach the principal.
    summary_to_principal: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    observer = relationship("User", foreign_keys=[observer_id])
    teacher = relationship("User", foreign_keys=[teacher_id])
    template_version = relationship("TemplateVersion")
    observations: Mapped[list["Observation"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="Observation.id"
    )
    feedback = relationship("Feedback", back_populates="visit", uselist=False, cascade="all, delete-orphan")
    # The next step this visit follows up (NextStep.follow_up_visit_id points here).
    follow_up_of = relationship("NextStep", primaryjoin="Visit.id == NextStep.follow_up_visit_id",
                                uselist=False, viewonly=True)
    peer_group = relationship("PeerGroup")

    @property
    def observation(self) -> "Observation | None":
        return self.observations[0] if self.observations else None


class ObservationStatus(StrEnum):
    DRAFT = "draft"
    COMPLETE = "complete"


class Observation(db.Model):
    """The filled-in form of one observer during one visit."""

    __tablename__ = "observations"
    __table_args__ = (
        UniqueConstraint("school_id", "uuid"),
        UniqueConstraint("visit_id", "author_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_mod.UUID] = mapped_column(Uuid, default=uuid_mod.uuid4)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    template_version_id: Mapped[int] = mapped_column(ForeignKey("template_versions.id"))
    # {item_key: {"value": ..., "evidence": "..."}} — shape per item type, see templates_/items.py
    answers: Mapped[dict] = mapped_column(JSONDoc, default=dict)
    # Timestamped quick notes: [{"at": ISO-8601, "text": "..."}]
    notes: Mapped[list] = mapped_column(JSONDoc, default=list)
    status: Mapped[str] = mapped_column(String(20), default=ObservationStatus.DRAFT)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # +1 on every accepted change
    client_schema_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    visit: Mapped[Visit] = relationship(back_populates="observations")
    author = relationship("User")
    template_version = relationship("TemplateVersion")


class ObservationAnswer(db.Model):
    """One answer as a row, derived from Observation.answers on every save.

    Denormalised (school, kind, date, teacher, item) so leadership aggregates are
    plain GROUP BY queries over an index instead of JSON parsing in Python.
    """

    __tablename__ = "observation_answers"
    __table_args__ = (
        Index("ix_answers_school_item_date", "school_id", "item_key", "observed_on"),
        # Covering index for the insights dashboard (school, template, period): SQLite answers
        # every aggregate from the index alone; see docs/performance.md.
        Index("ix_answers_dashboard", "school_id", "template_key", "observed_on", "item_key", "item_type",
              "choice", "number", "total", "teacher_id", "observation_id", "visit_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    visit_kind: Mapped[str] = mapped_column(String(20))
    observed_on: Mapped[dt.date] = mapped_column(Date)
    teacher_id: Mapped[int | None] = mapped_column(Integer)  # None when anonymous
    template_key: Mapped[str] = mapped_column(String(64))
    item_key: Mapped[str] = mapped_column(String(64))
    item_type: Mapped[str] = mapped_column(String(20))
    choice: Mapped[str | None] = mapped_column(String(64))  # level, yes/no, or one checklist option per row
    number: Mapped[float | None] = mapped_column(Float)  # counters, x of y as share, scale score
    total: Mapped[float | None] = mapped_column(Float)  # y in "x of y"


class PeerGroupStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    ENDED = "ended"


peer_group_members = Table(
    "peer_group_members",
    db.metadata,
    Column("group_id", ForeignKey("peer_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class PeerGroup(db.Model):
    """A pair or trio of teachers who observe each other during a period."""

    __tablename__ = "peer_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=PeerGroupStatus.CONFIRMED)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The members who have accepted the group: [user id]. None: formed before teachers accepted their
    # groups (every member counts as having accepted).
    accepted_user_ids: Mapped[list | None] = mapped_column(JSONDoc)
    # A member's request to change the group, for the principal: {"user_id", "name", "text", "at"}.
    change_request: Mapped[dict | None] = mapped_column(JSONDoc)

    members = relationship("User", secondary=peer_group_members, order_by="User.name")
