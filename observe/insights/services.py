"""The leadership dashboard: patterns, not people.

One call, `dashboard(filters, threshold)`, gives everything the page draws: per item its
population (observe.insights.aggregates), its bars and headline (observe.insights.formatting),
per month a cell, and optionally a comparison column. The modules beside this one, from the
bottom up: periods (term arithmetic), thresholds (minimum cell sizes), filters, statements
(the SQL), aggregates, formatting; evidence (free-text search) and export (CSV rows) sit
beside the dashboard.

Privacy: every figure is shown only when its population passes the threshold. Known limit:
comparing two overlapping filter settings (say a whole term and the same term minus one
month) can still reveal by subtraction what a hidden cell held; the threshold protects each
figure, not every difference between figures.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from sqlalchemy import bindparam, func, select

from ..extensions import db
from ..templates_ import measures as derived
from ..templates_.items import log_column_item
from ..templates_.models import Template, TemplateVersion
from ..visits.display import measure_display
from ..visits import lesson_values
from ..visits.rollups import InsightCount
from .aggregates import Cell, aggregate, with_rollups
from .filters import Filters, Shape
from .formatting import (CHOICE_TYPES, choice_labels, fmt_headline, fmt_number, fmt_share, headline, item_code,
                         item_title, label_text)
from .periods import month_range, months_between, previous_period, recent_terms, term_label, term_of, term_range
from .statements import SCHOOLS, run, statements_for
from .thresholds import HIDDEN, Threshold

# The names the views, tests and benchmark reach through this module.
__all__ = ["HIDDEN", "Dashboard", "Filters", "ItemResult", "Threshold", "dashboard", "fmt_number", "fmt_share",
           "item_catalogue", "item_title", "items_of", "label_text", "month_range", "most_used_template", "months_between",
           "previous_period", "recent_terms", "template_choices", "term_label", "term_of", "term_range",
           "version_documents", "visit_values", "with_comparison"]


@dataclass
class Bar:
    value: str
    label: str
    count: int
    share: float
    display: str


@dataclass
class ItemResult:
    key: str
    type: str
    label: str
    item: dict
    cell: Cell
    months: dict  # month -> Cell
    bars: list = field(default_factory=list)
    per_interval: list = field(default_factory=list)  # IntervalDistribution, interval items with choice groups
    headline: float | None = None
    headline_display: str = ""
    scale: tuple = (0.0, 1.0)  # the headline's range, for colouring and axes

    @property
    def shown(self) -> bool:
        return self.cell.shown

    @property
    def code(self) -> str:
        return item_code(self.key)

    @property
    def title(self) -> str:
        return f"{self.code} {self.label}" if self.code else self.label



def _bars(item: dict, kind: str, cell: Cell) -> list[Bar]:
    stats = cell.stats
    if kind not in CHOICE_TYPES:
        return []
    known = choice_labels(item)
    known_values = {value for value, _ in known}
    # A per-interval group's rows ("engagement@3:high") are drawn as their own distribution, not as bars.
    known += [(value, value) for value in sorted(stats.by_choice, key=str)
              if value not in known_values and not (kind == "interval" and "@" in str(value))]
    if kind in ("checklist",):
        base = cell.observations  # share of observations that ticked the option
    elif kind == "interval":
        base = stats.intervals  # share of intervals the code was seen in
    else:
        base = stats.rows
    bars = []
    for value, label in known:
        count = int(stats.choice_sums.get(value, 0)) if kind == "interval" else stats.by_choice.get(value, 0)
        share = count / base if base else 0.0
        bars.append(Bar(value=value, label=str(label), count=count, share=share, display=fmt_share(share)))
    return bars


@dataclass
class IntervalDistribution:
    """One per-interval choice group of an interval item (COPUS's engagement level) over the
    observations: per interval, how many chose each option. An interval answered in fewer
    observations than the minimum cell size is left out (`hidden` counts them)."""
    key: str
    label: str
    options: list  # [(value, label)]
    rows: list  # [{"label": "0–2", "counts": [n, ...], "shares": [float, ...], "displays": [...], "total": n}]
    hidden: int = 0


def interval_distributions(item: dict, cell: Cell, threshold: Threshold) -> list[IntervalDistribution]:
    """From the answer rows "<group>@<i>:<value>" (observe.templates_.items.answer_rows)."""
    sums = cell.stats.choice_sums
    minutes = item.get("interval_minutes", 2)
    out = []
    for group in item.get("interval_choices") or []:
        options = [(o["value"], label_text(o.get("label")) or o["value"]) for o in group["options"]]
        rows, hidden = [], 0
        for index in range(item.get("intervals", 10)):
            counts = [int(sums.get(f"{group['key']}@{index}:{value}", 0)) for value, _label in options]
            total = sum(counts)
            if not total:
                continue
            if total < threshold.min_observations:
                hidden += 1
                continue
            shares = [count / total for count in counts]
            rows.append({"label": f"{index * minutes}–{(index + 1) * minutes}", "counts": counts, "total": total,
                         "shares": shares, "displays": [fmt_share(share) for share in shares]})
        if rows or hidden:
            out.append(IntervalDistribution(key=group["key"], label=label_text(group.get("label")) or group["key"],
                                            options=options, rows=rows, hidden=hidden))
    return out


# The filter-choice statements, built once (the dashboard runs them on every view).
# Version ids and content hashes first, documents after, each content once: every school of an
# organisation holds its own copy of the shared templates (150 schools: 750 equal JSON documents).
_VERSION_HASHES = (select(TemplateVersion.id, TemplateVersion.content_hash)
                   .join(Template, Template.id == TemplateVersion.template_id)
                   .where(Template.school_id.in_(SCHOOLS)).order_by(TemplateVersion.number.desc(), TemplateVersion.id))
_VERSION_HASHES_OF = _VERSION_HASHES.where(Template.key == bindparam("template"))
_DOCUMENTS = select(TemplateVersion.id, TemplateVersion.document).where(
    TemplateVersion.id.in_(bindparam("ids", expanding=True)))


def version_documents(school_ids: tuple[int, ...], template_key: str | None, *, first: bool = False) -> list[dict]:
    """The template versions' documents of these schools, newest version first, equal documents once."""
    rows = db.session.execute(_VERSION_HASHES_OF if template_key else _VERSION_HASHES,
                              {"schools": list(school_ids), "template": template_key}).all()
    ids, seen = [], set()
    for version_id, content in rows:
        if content not in seen:
            seen.add(content)
            ids.append(version_id)
            if first:
                break
    documents = dict(db.session.execute(_DOCUMENTS, {"ids": ids}).all()) if ids else {}
    return [documents[version_id] for version_id in ids]


# Templates with observations the dashboard counts: an index probe per template into the monthly
# counts (observe.visits.rollups), whatever the history. (Probing the answer rows instead, PostgreSQL
# chose to hash every answer row of the schools: 130 ms at 50,000 observations, ten times that at 500,000.)
_TEMPLATES = (select(Template.key, Template.title, Template.kind)
              .where(Template.school_id.in_(SCHOOLS),
                     select(InsightCount.id).where(InsightCount.school_id == Template.school_id,
                                                   InsightCount.template_key == Template.key).exists())
              .order_by(Template.key))
# Observations per template in the period's months (the monthly counts: choosing which template the
# page opens on needs no day-exact figure): run only when the page opens without a template.
_TEMPLATE_USE = (select(InsightCount.template_key, func.sum(InsightCount.observations))
                 .where(InsightCount.school_id.in_(SCHOOLS),
                        InsightCount.month.between(bindparam("month_from"), bindparam("month_to")))
                 .group_by(InsightCount.template_key))


def item_catalogue(school_ids: tuple[int, ...], template_key: str | None) -> list[dict]:
    return items_of(version_documents(school_ids, template_key))


def items_of(documents: list[dict]) -> list[dict]:
    """Items in document order, latest version first, so labels follow the newest wording and
    keys dropped in a newer version still appear (trends continue across versions)."""
    seen, items = set(), []
    for document in documents:
        for section in document.get("sections", []):
            for item in section.get("items", []):
                # A timed log's own choice and number columns are items of their own in Analys, after it.
                for entry in [item] + [log_column_item(item, column) for column in item.get("columns") or []
                                       if item.get("type") == "timed_log" and column["type"] in ("choice", "number")]:
                    if entry["key"] not in seen:
                        seen.add(entry["key"])
                        items.append(entry)
    return items


@dataclass
class MeasureResult:
    """A derived measure (docs/template-format.md) over the cell's population, from its items' sums.

    Shown only when the cell of every item it is computed from is shown: the figure is a function
    of figures the page already shows, so it tells nothing about a smaller group."""
    key: str
    label: str
    measure: dict
    cell: Cell
    value: float | None = None
    display: str = ""
    months: dict = field(default_factory=dict)  # month -> MeasureMonth (months with answers to its items)

    @property
    def shown(self) -> bool:
        return self.cell.shown and self.value is not None

    @property
    def code(self) -> str:  # the exports' code column: a measure has its key only
        return self.key

    @property
    def title(self) -> str:  # as an item's title in the heatmap and the comparison
        return self.label


@dataclass
class MeasureMonth:
    """A derived measure in one month: `shown` when the month's cell of every item it uses is shown;
    `value` None (shown as "–") when the month's answers do not allow it (a share of nothing)."""
    shown: bool
    value: float | None
    display: str = ""


def _measure_cell(keys: list[str], cells: dict) -> Cell:
    present = [cells[key] for key in keys if key in cells]
    cell = Cell(observations=max((c.observations for c in present), default=0),
                n_teachers=max((c.n_teachers for c in present), default=0))
    cell.shown = bool(present) and all(c.shown for c in present)
    return cell


def _measures(document: dict | None, data: dict, months: list) -> list[MeasureResult]:
    """Each derived measure of the template, overall and per month, from the per-item Stats."""
    results = []
    for measure in (document or {}).get("measures", []):
        keys = derived.used_keys(measure, document)
        totals = {key: data[key]["total"] for key in keys if key in data}
        cell = _measure_cell(keys, totals)
        value = derived.from_stats(measure, document, lambda k, c=totals: c[k].stats if k in c else None)
        result = MeasureResult(key=measure["key"], label=label_text(measure["label"]) or measure["key"],
                               measure=measure, cell=cell, value=value)
        result.display = measure_display(measure, value) if cell.shown else ""
        for month in months:
            cells = {key: data[key]["months"][month] for key in keys if key in data and month in data[key]["months"]}
            month_cell = _measure_cell(keys, cells)
            month_value = derived.from_stats(measure, document, lambda k, c=cells: c[k].stats if k in c else None)
            if cells:
                result.months[month] = MeasureMonth(month_cell.shown, month_value if month_cell.shown else None,
                                                    measure_display(measure, month_value) if month_cell.shown else "")
        results.append(result)
    return results


def template_document(school_ids: tuple[int, ...], template_key: str | None) -> dict | None:
    """The latest published document of a template (its derived measures), or None."""
    if not template_key:
        return None
    documents = version_documents(school_ids, template_key, first=True)
    return documents[0] if documents else None


@dataclass
class Dashboard:
    filters: Filters
    threshold: Threshold
    months: list
    items: list  # ItemResult, template order
    observations: int = 0
    compare: "Dashboard | None" = None
    label: str = ""  # how the page names this column when two are compared
    catalogue: list = field(default_factory=list)  # the template items (reused by a comparison)
    measures: list = field(default_factory=list)  # MeasureResult, the template's derived measures
    document: dict | None = None  # the template's latest version (reused by a comparison)


def dashboard(filters: Filters, threshold: Threshold, catalogue: list[dict] | None = None,
              document: dict | None = None) -> Dashboard:
    """Everything the page draws for these filters (one pair of GROUP BY queries)."""
    data = aggregate(filters, threshold)
    if document is None:
        document = template_document(filters.school_ids, filters.template_key)
    if catalogue is None:
        catalogue = item_catalogue(filters.school_ids, filters.template_key)
    by_key = {item["key"]: item for item in catalogue}
    keys = [item["key"] for item in catalogue if item["key"] in data]
    keys += sorted(key for key in data if key not in by_key)
    if filters.item_key:
        keys = [key for key in keys if key == filters.item_key]
    months = months_between(filters.start, filters.end)
    items = []
    for key in keys:
        entry = data[key]
        item = by_key.get(key, {"key": key, "type": entry["type"], "label": key})
        kind = entry["type"] or item.get("type")
        result = ItemResult(key=key, type=kind, label=label_text(item.get("label")) or key, item=item,
                            cell=entry["total"], months=entry["months"])
        result.bars = _bars(item, kind, result.cell)
        if kind == "interval":
            result.per_interval = interval_distributions(item, result.cell, threshold)
        result.headline = headline(kind, result.cell.stats)
        result.headline_display = fmt_headline(kind, result.headline)
        result.scale = _headline_scale(item, kind, entry)
        items.append(result)
    observations = _observation_count(filters)
    shown_measures = _measures(document, data, months) if not filters.item_key else []
    return Dashboard(filters=filters, threshold=threshold, months=months, items=items, observations=observations,
                     catalogue=catalogue, measures=shown_measures, document=document)


def _observation_count(filters: Filters) -> int:
    filters = with_rollups(filters)
    return run(statements_for(Shape.of(filters)).count, filters).scalar_one()


def _headline_scale(item: dict, kind: str, entry: dict) -> tuple[float, float]:
    if kind == "scale":
        scores = [lv.get("score") for lv in item.get("levels", []) if lv.get("score") is not None]
        return (min(scores), max(scores)) if scores else (1.0, 4.0)
    if kind in ("yes_no", "x_of_y"):
        return (0.0, 1.0)
    highs = [cell.stats.mean or 0 for cell in entry["months"].values() if cell.shown]
    return (0.0, max(highs + [entry["total"].stats.mean or 0, 1.0]))


def with_comparison(current: Dashboard, label: str = "", **changes) -> Dashboard:
    """Add a second column: the same filters with `changes` (another period or another group)."""
    current.compare = dashboard(replace(current.filters, **changes), current.threshold, current.catalogue,
                                current.document)
    current.compare.label = label or f"{current.compare.filters.start} – {current.compare.filters.end}"
    return current


# --- filter choices -----------------------------------------------------------------------

def template_choices(school_ids: tuple[int, ...]) -> list[tuple[str, str, str]]:
    """[(key, title, kind)] of the templates in these schools that have completed observations, one per
    key, walkthroughs first (a draft or an unused template has nothing to show)."""
    rows = db.session.execute(_TEMPLATES, {"schools": list(school_ids)}).all()
    seen, out = set(), []
    for key, title, kind in rows:
        if key not in seen:
            seen.add(key)
            out.append((key, label_text(title) or key, kind))
    order = {"walkthrough": 0, "planned": 1, "peer": 3}
    return sorted(out, key=lambda row: (order.get(row[2], 2), row[1]))


def most_used_template(school_ids: tuple[int, ...], start: dt.date, end: dt.date,
                       choices: list[tuple[str, str, str]]) -> str:
    """The template the page opens on: the one with the most completed observations in the period
    (the first choice when the period has none; "" when there is no choice)."""
    used = dict(db.session.execute(_TEMPLATE_USE, {"schools": list(school_ids), "month_from": f"{start:%Y-%m}",
                                                   "month_to": f"{end:%Y-%m}"}).all())
    keys = [key for key, _title, _kind in choices]
    return max(keys, key=lambda key: used.get(key, 0), default="")  # max keeps the first of equals


def visit_values(school_ids: tuple[int, ...]) -> tuple[list[str], list[str]]:
    """The subjects and year groups recorded on visits in these schools (kept as visits are written)."""
    return lesson_values.choices(school_ids)

