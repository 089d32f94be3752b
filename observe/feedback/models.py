"""Feedback on a visit, the teacher's reflection, next steps and comments.

Feedback is private to its author until shared: a shared record may become an
official document (allmän handling) in a municipal school.
"""
from __future__ import annotations

import datetime as dt
import uuid as uuid_mod
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import JSONDoc, UTCDateTime, utcnow
from ..extensions import db


class FeedbackStatus(StrEnum):
    DRAFT = "draft"  # visible to its author only
    SHARED = "shared"


class Feedback(db.Model):
    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("school_id", "uuid"), UniqueConstraint("visit_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_mod.UUID] = mapped_column(Uuid, default=uuid_mod.uuid4)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The shared summary the teacher sees (not the observer's private jottings).
    summary: Mapped[str | None] = mapped_column(Text)
    # Strengths tied to evidence: [{"text": ..., "evidence": ...}]
    strengths: Mapped[list] = mapped_column(JSONDoc, default=list)
    development_area: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=FeedbackStatus.DRAFT)
    shared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    teacher_reflection: Mapped[str | None] = mapped_column(Text)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The feedback conversation (leader action 3): the day it was held and what was agreed there,
    # recorded by the observer after sharing; the next steps agreed are NextStep rows as always.
    conversation_on: Mapped[dt.date | None] = mapped_column(Date)
    conversation_agreed: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    visit = relationship("Visit", back_populates="feedback")
    author = relationship("User")
    next_steps: Mapped[list["NextStep"]] = relationship(
        back_populates="feedback", cascade="all, delete-orphan", order_by="NextStep.id",
        foreign_keys="NextStep.feedback_id",
    )


class NextStepStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class NextStep(db.Model):
    __tablename__ = "next_steps"
    __table_args__ = (UniqueConstraint("school_id", "uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_mod.UUID] = mapped_column(Uuid, default=uuid_mod.uuid4)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The visit planned to follow this step up (leader action 11); the link lives here to keep
    # visits -> next_steps -> visits free of a foreign-key cycle.
    follow_up_visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=NextStepStatus.OPEN)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    feedback: Mapped[Feedback | None] = relationship(back_populates="next_steps", foreign_keys=[feedback_id])
    teacher = relationship("User", foreign_keys=[teacher_id])
    visit = relationship("Visit", foreign_keys=[visit_id])
    follow_up_visit = relationship("Visit", foreign_keys=[follow_up_visit_id])


class CommentKind(StrEnum):
    COMMENT = "comment"
    DISAGREEMENT = "disagreement"
    CORRECTION_REQUEST = "correction_request"  # GDPR art. 16


class Comment(db.Model):
    """A reply on a visit: the teacher's reply, a disagreement or a correction request."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20), default=CommentKind.COMMENT)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User")


class VisitAccess(db.Model):
    """Someone the planner gave access to a planned visit beyond the default circle.

    The default circle is the observer, the observed teacher and the school's
    principals; a planner may add e.g. a lead teacher who observes along.
    """

    __tablename__ = "visit_access"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", foreign_keys=[user_id])


class TermPlan(db.Model):
    """The leadership's goals for the feedback culture in one term (leader action 9), against which
    the follow-up page reads its figures (10-11). Goals for the school as a whole, never per teacher;
    an empty goal is not planned."""

    __tablename__ = "term_plans"
    __table_args__ = (UniqueConstraint("school_id", "term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    term: Mapped[str] = mapped_column(String(10))  # "ht-2026", "vt-2027" (feedback.followup.Term.key)
    visits_per_teacher: Mapped[int | None] = mapped_column(Integer)  # each teacher visited at least N times
    peer_round_weeks: Mapped[int | None] = mapped_column(Integer)  # a peer round starts every M weeks
    feedback_days: Mapped[int | None] = mapped_column(Integer)  # feedback shared within D days of the visit
    acknowledged_percent: Mapped[int | None] = mapped_column(Integer)  # share of shared feedback acknowledged
    steps_on_time_percent: Mapped[int | None] = mapped_column(Integer)  # share of next steps done by their date
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
