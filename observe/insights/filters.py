"""What the dashboard is asked to show, and which of its optional filters are set."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..extensions import db
from ..visits.rollups import pair_value


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
    # Set (observe.insights.aggregates.with_rollups) when school_ids are every school of this organisation:
    # whole months are then read from the organisation's rollup rows.
    organisation_id: int | None = None


@dataclass(frozen=True)
class Shape:
    """Which optional filters are set: the statements differ only by these, never by values."""

    dialect: str
    visit_level: tuple[bool, bool]  # subject, year group
    group: bool
    template: bool
    item: bool
    kind: bool
    # the rollups can answer: no filter needs the visit or the group of the day, or (an organisation's view)
    # the filters on the visit, subject, year group or both, which its day rows hold per value
    rollup: bool
    organisation: bool = False  # ... from the organisation's rows rather than each school's
    cut: tuple[bool, bool] = (True, True)  # the period cuts its first / last month: those days are read as rows

    @property
    def facet(self) -> str:
        """The organisation's day rows a view of a subject, a year group or both reads ("" for every visit:
        observe.visits.rollups.FACETS)."""
        return {(True, True): "subject_year_group", (True, False): "subject", (False, True): "year_group"}.get(
            self.visit_level, "")

    @classmethod
    def of(cls, filters: Filters) -> "Shape":
        return cls(db.engine.dialect.name, (bool(filters.subject), bool(filters.year_group)), bool(filters.group_id),
                   bool(filters.template_key), bool(filters.item_key), bool(filters.kind),
                   not filters.group_id and (not (filters.subject or filters.year_group) or bool(filters.organisation_id)),
                   bool(filters.organisation_id),
                   cut_months(filters.start, filters.end))


def cut_months(start: dt.date, end: dt.date) -> tuple[bool, bool]:
    """Whether the period starts after the first day / ends before the last day of a whole month
    (with no whole month inside it, the whole period counts as its first, cut, month)."""
    whole = whole_months(start, end)
    if whole is None:
        return True, False
    return start < whole[0], end > whole[1]


def whole_months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    """First and last day of the whole calendar months within start..end (None when there are none)."""
    first = start if start.day == 1 else (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    after_end = end + dt.timedelta(days=1)
    last = after_end - dt.timedelta(days=1) if after_end.day == 1 else after_end.replace(day=1) - dt.timedelta(days=1)
    return (first, last) if first <= last else None


def parameters(filters: Filters) -> dict:
    """The bound values of every statement built in observe.insights.statements (unused ones are ignored)."""
    whole = whole_months(filters.start, filters.end)
    if whole is None:  # no whole month: no rollup month, every row read directly
        whole_values = {"whole_start": filters.end + dt.timedelta(days=1), "whole_end": filters.end,
                        "month_from": "9999-12", "month_to": "0000-01"}
    else:
        whole_values = {"whole_start": whole[0], "whole_end": whole[1], "month_from": whole[0].strftime("%Y-%m"),
                        "month_to": whole[1].strftime("%Y-%m")}
    return {**whole_values, "organisation": filters.organisation_id, "schools": list(filters.school_ids), "start": filters.start, "end": filters.end,
            "template": filters.template_key, "item": filters.item_key, "kind": filters.kind,
            "subject": filters.subject, "year_group": filters.year_group, "group_id": filters.group_id,
            "subject_year_group": pair_value(filters.subject, filters.year_group)
            if filters.subject and filters.year_group else None}
