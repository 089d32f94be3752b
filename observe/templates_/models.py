"""Observation templates (gemensamt observationsunderlag) and their frozen versions.

A template holds an editable draft; publishing freezes the draft into a
TemplateVersion whose document never changes again. Visits point at a version,
so an observation always renders with the form it was filled in on. Item keys
inside documents stay stable across versions so trends continue.
"""
from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String, Table, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import JSONDoc, UTCDateTime, utcnow
from ..extensions import db


class TemplateKind(StrEnum):
    """Which visits may use a template."""

    WALKTHROUGH = "walkthrough"
    PLANNED = "planned"
    PEER = "peer"
    ANY = "any"


class TemplateStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


template_coauthors = Table(
    "template_coauthors",
    db.metadata,
    Column("template_id", ForeignKey("templates.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Template(db.Model):
    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("school_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))  # slug, unique within the school
    kind: Mapped[str] = mapped_column(String(20), default=TemplateKind.ANY)
    status: Mapped[str] = mapped_column(String(20), default=TemplateStatus.ACTIVE)
    title: Mapped[dict] = mapped_column(JSONDoc)  # {"sv": ..., "en": ...}
    # The working copy (a full template document) or None when it equals the latest version.
    draft: Mapped[dict | None] = mapped_column(JSONDoc)
    draft_updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list["TemplateVersion"]] = relationship(
        back_populates="template", order_by="TemplateVersion.number", cascade="all, delete-orphan"
    )
    coauthors = relationship("User", secondary=template_coauthors)

    @property
    def latest(self) -> "TemplateVersion | None":
        return self.versions[-1] if self.versions else None


class TemplateVersion(db.Model):
    """An immutable, published template document."""

    __tablename__ = "template_versions"
    __table_args__ = (UniqueConstraint("template_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the template
    document: Mapped[dict] = mapped_column(JSONDoc)
    content_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical document
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    template: Mapped[Template] = relationship(back_populates="versions")

    def items(self) -> list[dict]:
        return [item for section in self.document.get("sections", []) for item in section.get("items", [])]

    def item(self, key: str) -> dict | None:
        return next((i for i in self.items() if i["key"] == key), None)


class TemplateDefault(db.Model):
    """The template a school chose for new visits of one kind (walkthrough, planned, peer).

    Without a row, the template of that kind the school has had longest is used, so publishing
    another template never takes over new visits silently (observe/templates_/choice.py).
    """

    __tablename__ = "template_defaults"

    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True)
    visit_kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # walkthrough, planned or peer
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id", ondelete="CASCADE"), index=True)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImmutableVersionError(RuntimeError):
    pass


@event.listens_for(TemplateVersion, "before_update")
def _refuse_changes(_mapper, _connection, target: TemplateVersion) -> None:
    """A published version is frozen: visits and their answers depend on it."""
    raise ImmutableVersionError(f"template version {target.id} is published and cannot change")
