"""The populations behind the dashboard's figures, summed from the statements' few hundred groups.

Each Cell carries its number of observations and of distinct teachers, so the minimum cell
sizes (observe.insights.thresholds) decide per cell whether it may be shown.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from ..visits import rollups
from .filters import Filters, Shape, whole_months
from .statements import run, statements_for
from .thresholds import Threshold


@dataclass
class Stats:
    """Additive sums of one population; mean and spread derive from them."""

    rows: int = 0
    numbers: int = 0
    total: float = 0.0
    squares: float = 0.0
    low: float | None = None
    high: float | None = None
    by_choice: dict = field(default_factory=dict)  # choice -> rows
    choice_sums: dict = field(default_factory=dict)  # choice -> sum of numbers (interval: intervals seen)
    intervals: float = 0.0  # interval items: intervals observed (the share's denominator)

    def add(self, choice, rows, numbers, total, squares, low, high) -> None:
        self.rows += rows
        self.numbers += numbers or 0
        self.total += total or 0.0
        self.squares += squares or 0.0
        if low is not None:
            self.low = low if self.low is None else min(self.low, low)
        if high is not None:
            self.high = high if self.high is None else max(self.high, high)
        if choice is not None:
            self.by_choice[choice] = self.by_choice.get(choice, 0) + rows
            self.choice_sums[choice] = self.choice_sums.get(choice, 0.0) + (total or 0.0)

    @property
    def mean(self) -> float | None:
        return self.total / self.numbers if self.numbers else None

    @property
    def spread(self) -> float | None:
        """Sample standard deviation."""
        if self.numbers < 2:
            return None
        variance = (self.squares - self.total * self.total / self.numbers) / (self.numbers - 1)
        return math.sqrt(max(variance, 0.0))


@dataclass
class Cell:
    """One population behind a figure: its size, its teachers, whether it may be shown."""

    observations: int = 0
    # Distinct named teachers (anonymous walkthroughs name nobody): exact below the threshold's
    # minimum, at least the minimum otherwise — all the threshold asks (observe.visits.rollups).
    n_teachers: int = 0
    stats: Stats = field(default_factory=Stats)
    shown: bool = False


def with_rollups(filters: Filters) -> Filters:
    """The filters to run: an organisation leader's view (every school of one organisation) reads the
    organisation's rollup rows, what it reads of them brought up to date first (observe.visits.rollups)."""
    filters = replace(filters, organisation_id=rollups.whole_organisation(filters.school_ids))
    shape = Shape.of(filters)
    if filters.organisation_id is not None and shape.rollup:  # else it reads only answer rows
        rollups.bring_up_to_date(filters.organisation_id, filters.start, filters.end,
                                 whole_months(filters.start, filters.end), shape.facet, filters.template_key)
    return filters


def aggregate(filters: Filters, threshold: Threshold) -> dict[str, dict]:
    """Run the GROUP BY queries: {item_key: {"type", "total": Cell, "months": {month: Cell}}}."""
    filters = with_rollups(filters)
    statements = statements_for(Shape.of(filters))
    sums = run(statements.sums, filters).all()
    people = run(statements.people, filters).all()
    teachers = run(statements.teachers, filters, min_teachers=threshold.min_teachers).all() \
        if statements.teachers is not None else ()
    result: dict[str, dict] = {}

    def cells(key):
        entry = result.get(key)
        if entry is None:
            entry = result[key] = {"type": None, "total": Cell(), "months": {}}
        return entry

    def month_cell(entry, mon):
        cell = entry["months"].get(mon)
        if cell is None:
            cell = entry["months"][mon] = Cell()
        return cell

    for key, kind, mon, choice, rows, numbers, total, squares, low, high in sums:
        entry = cells(key)
        entry["type"] = kind
        for cell in (entry["total"], month_cell(entry, mon)):
            cell.stats.add(choice, rows, numbers, total, squares, low, high)
    # The cut months' rows and the rollups' whole months each give a row per (item, month) and per
    # item: observations add up; teacher counts are lower bounds made exact below the minimum.
    for key, mon, observations, n_teachers in (*people, *teachers):
        entry = cells(key)
        cell = entry["total"] if mon is None else month_cell(entry, mon)
        cell.observations += int(observations or 0)
        cell.n_teachers = max(cell.n_teachers, int(n_teachers or 0))
    if any(entry["type"] == "interval" for entry in result.values()):
        _add_interval_denominators(result, run(statements.intervals, filters).all())
    for entry in result.values():
        for cell in (entry["total"], *entry["months"].values()):
            cell.shown = threshold.allows(cell.observations, cell.n_teachers)
    return result


def _add_interval_denominators(result: dict, rows) -> None:
    """Intervals observed per item and month: each observation's interval count once."""
    for key, mon, seen in rows:
        entry = result[key]
        entry["total"].stats.intervals += seen or 0
        entry["months"][mon].stats.intervals += seen or 0
