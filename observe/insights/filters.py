"""What the dashboard is asked to show, and which of its optional filters are set."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..extensions import db


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows; school_ids always comes from permissions, never the request."""

    school_ids: tuple[int, ...]
    start: dt.date
    end: dt.date  # inclusive
    template_key: str | None = None
    item_key: str | None = None
    kind: str | None = None
    subject: str | None = None
    year_group: str | None = None
    group_id: int | None = None  # a teacher group: visits whose teacher was in it that day


@dataclass(frozen=True)
class Shape:
    """Which optional filters are set: the statements differ only by these, never by values."""

    dialect: str
    visit_level: tuple[bool, bool]  # subject, year group
    group: bool
    template: bool
    item: bool
    kind: bool

    @classmethod
    def of(cls, filters: Filters) -> "Shape":
        return cls(db.engine.dialect.name, (bool(filters.subject), bool(filters.year_group)), bool(filters.group_id),
                   bool(filters.template_key), bool(filters.item_key), bool(filters.kind))


def parameters(filters: Filters) -> dict:
    """The bound values of every statement built in observe.insights.statements (unused ones are ignored)."""
    return {"schools": list(filters.school_ids), "start": filters.start, "end": filters.end,
            "template": filters.template_key, "item": filters.item_key, "kind": filters.kind,
            "subject": filters.subject, "year_group": filters.year_group, "group_id": filters.group_id}
