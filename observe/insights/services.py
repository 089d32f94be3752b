"""Leadership aggregates over ObservationAnswer rows: patterns, not people.

Every figure is a SQL GROUP BY over the denormalised answer rows (see
observe.templates_.items.answer_rows for their shape); Python only combines the
few hundred groups the database returns. Two queries feed the whole dashboard:

- additive sums per (item, month, choice): counts, sums and sums of squares, so
  period totals, distributions, means and spreads are sums over months;
- distinct observations per (item, month, teacher): the privacy threshold needs
  the number of observations AND of distinct teachers behind each figure, and
  distinct counts are not additive across months.

Privacy: a figure (chart, bar, heatmap cell, table row) describes a population of
observations; it is shown only when that population holds at least
`min_cell_observations` observations and, if any observation names a teacher, at
least `min_cell_teachers` distinct teachers (organisation settings, never below
3 / 2). Anonymous walkthroughs name nobody, so they count as observations only.
Nothing is ever grouped or ordered by teacher. Known limit: comparing two overlapping
filter settings (say a whole term and the same term minus one month) can still reveal
by subtraction what a hidden cell held; the threshold protects each figure, not every
difference between figures.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from functools import lru_cache
from dataclasses import dataclass, field, replace

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import g, has_app_context
from flask_babel import format_decimal, format_percent, get_locale, lazy_gettext as _l
from sqlalchemy import String, and_, bindparam, cast, distinct, func, null, or_, select, union_all

from ..extensions import db
from ..templates_.items import levels_for
from ..templates_.models import Template, TemplateVersion
from ..visits.models import Observation, ObservationAnswer as A, Visit

MIN_OBSERVATIONS_FLOOR = 3
MIN_TEACHERS_FLOOR = 2
HIDDEN = _l("too few observations to show")
# Item types whose answers draw as a distribution of choices / as numbers.
CHOICE_TYPES = ("scale", "yes_no", "choice", "checklist", "interval")
NUMBER_TYPES = ("counter", "x_of_y", "timed_log")
# Peer observations reach leadership only as counts (the pair owns the notes).
PEER_TYPES = ("counter", "timed_log")


# --- filters and periods ------------------------------------------------------------------

@dataclass(frozen=True)
class Threshold:
    min_observations: int
    min_teachers: int

    @classmethod
    def for_organisation(cls, organisation) -> "Threshold":
        return cls(max(MIN_OBSERVATIONS_FLOOR, int(organisation.setting("min_cell_observations"))),
                   max(MIN_TEACHERS_FLOOR, int(organisation.setting("min_cell_teachers"))))

    def allows(self, n_observations: int, n_teachers: int) -> bool:
        return n_observations >= self.min_observations and not 0 < n_teachers < self.min_teachers


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
    group_id: int | None = None


def term_of(day: dt.date) -> str:
    """Swedish school terms: spring (VT) January-July, autumn (HT) August-December."""
    return f"{day.year}-{'HT' if day.month >= 8 else 'VT'}"


def term_range(term: str) -> tuple[dt.date, dt.date]:
    year, half = int(term[:4]), term[5:]
    if half == "HT":
        return dt.date(year, 8, 1), dt.date(year, 12, 31)
    return dt.date(year, 1, 1), dt.date(year, 7, 31)


def term_label(term: str) -> str:
    year = term[:4]
    return str(_l("Autumn term %(year)s", year=year) if term.endswith("HT") else _l("Spring term %(year)s", year=year))


def recent_terms(today: dt.date, count: int = 6) -> list[str]:
    terms, day = [], today
    for _ in range(count):
        term = term_of(day)
        terms.append(term)
        day = term_range(term)[0] - dt.timedelta(days=1)
    return terms


def month_range(month: str) -> tuple[dt.date, dt.date]:
    year, mon = int(month[:4]), int(month[5:7])
    first = dt.date(year, mon, 1)
    nxt = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def months_between(start: dt.date, end: dt.date) -> list[str]:
    months, year, mon = [], start.year, start.month
    while (year, mon) <= (end.year, end.month):
        months.append(f"{year:04d}-{mon:02d}")
        year, mon = year + (mon == 12), mon % 12 + 1
    return months


def previous_period(start: dt.date, end: dt.date, kind: str) -> tuple[dt.date, dt.date]:
    """The period just before: the previous term, month, or a custom range of equal length."""
    if kind == "term":
        return term_range(term_of(start - dt.timedelta(days=1)))
    if kind == "month":
        return month_range((start - dt.timedelta(days=1)).strftime("%Y-%m"))
    length = end - start
    return start - length - dt.timedelta(days=1), start - dt.timedelta(days=1)


def _month_key(column, dialect: str):
    """'YYYY-MM' of a date column, in the running database's dialect."""
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.substr(column, 1, 7)  # SQLite stores dates as ISO text


# Core tables, not ORM entities: the dashboard's statements are plain SELECTs, and Core
# execution skips the ORM's per-statement compile-state work.
ANSWERS, OBSERVATIONS, VISITS = A.__table__, Observation.__table__, Visit.__table__
_SCHOOLS = bindparam("schools", expanding=True)  # every statement here is limited to the viewer's schools


@dataclass(frozen=True)
class _Shape:
    """Which optional filters are set: the statements differ only by these, never by values."""

    dialect: str
    visit_level: tuple[bool, bool, bool]  # subject, year group, teacher group
    template: bool
    item: bool
    kind: bool

    @classmethod
    def of(cls, filters: Filters) -> "_Shape":
        return cls(db.engine.dialect.name, (bool(filters.subject), bool(filters.year_group), bool(filters.group_id)),
                   bool(filters.template_key), bool(filters.item_key), bool(filters.kind))


def _parameters(filters: Filters) -> dict:
    """The bound values of every statement built by _statements (unused ones are ignored)."""
    return {"schools": list(filters.school_ids), "start": filters.start, "end": filters.end,
            "template": filters.template_key, "item": filters.item_key, "kind": filters.kind,
            "subject": filters.subject, "year_group": filters.year_group, "group_id": filters.group_id}


def _visit_filtered(visit_level: tuple[bool, bool, bool]):
    """Ids of observations whose visit matches the visit-level filters (subject, year group, group)."""
    v = VISITS.c
    query = (select(OBSERVATIONS.c.id).join(VISITS, v.id == OBSERVATIONS.c.visit_id)
             .where(v.school_id.in_(_SCHOOLS)))
    for wanted, column, name in zip(visit_level, (v.subject, v.year_group, v.teacher_group_id),
                                    ("subject", "year_group", "group_id")):
        if wanted:
            query = query.where(column == bindparam(name))
    return query


def _shared_peer_observation():
    """True for a peer observation whose observed teacher chose to share counts with the principal.

    Correlated, so it is evaluated only for the (few) peer rows, never for the rest.
    """
    return (select(OBSERVATIONS.c.id).join(VISITS, VISITS.c.id == OBSERVATIONS.c.visit_id)
            .where(OBSERVATIONS.c.id == ANSWERS.c.observation_id, VISITS.c.summary_to_principal.is_(True))
            .exists())


def answer_conditions(shape: _Shape) -> list:
    """WHERE clauses shared by every aggregate, with the filter values as bound parameters.

    Answer rows exist only for completed observations (observe.sync.services writes them
    on completion), so no status check is needed here. "observation_id + 0" keeps the
    planner on the covering index instead of probing rows one observation id at a time.
    """
    a = ANSWERS.c
    conds = [a.school_id.in_(_SCHOOLS),
             a.observed_on >= bindparam("start"), a.observed_on <= bindparam("end"),
             or_(a.visit_kind != "peer", and_(a.item_type.in_(PEER_TYPES), _shared_peer_observation()))]
    if any(shape.visit_level):
        conds.append((a.observation_id + 0).in_(_visit_filtered(shape.visit_level)))
    if shape.template:
        conds.append(a.template_key == bindparam("template"))
    if shape.item:
        conds.append(a.item_key == bindparam("item"))
    if shape.kind:
        conds.append(a.visit_kind == bindparam("kind"))
    return conds


@dataclass(frozen=True)
class _Statements:
    sums: object
    people: object
    count: object
    intervals: object


@lru_cache(maxsize=64)
def _statements(shape: _Shape) -> _Statements:
    """The dashboard's statements for one shape of filters, built once per process.

    Building these statements and computing their SQLAlchemy cache keys cost about as much
    CPU as a small dashboard's SQL; built once with bound parameters, each request only
    executes them (docs/performance.md, Insights)."""
    a = ANSWERS.c
    month = _month_key(a.observed_on, shape.dialect).label("month")
    conds = answer_conditions(shape)
    sums = (select(a.item_key, a.item_type, month, a.choice, func.count(), func.count(a.number), func.sum(a.number),
                   func.sum(a.number * a.number), func.min(a.number), func.max(a.number))
            .where(*conds).group_by(a.item_key, a.item_type, month, a.choice))
    # Distinct observations and teachers per item and month, and per item over the whole
    # period, from one grouped pass materialised as a CTE (distinct counts do not add up).
    per_teacher = (select(a.item_key, month, a.teacher_id, func.count(distinct(a.observation_id)).label("n"))
                   .where(*conds).group_by(a.item_key, month, a.teacher_id).cte("per_teacher"))
    c = per_teacher.c
    people = union_all(
        select(c.item_key, c.month, func.sum(c.n), func.count(c.teacher_id)).group_by(c.item_key, c.month),
        select(c.item_key, null(), func.sum(c.n), func.count(distinct(c.teacher_id))).group_by(c.item_key),
    )
    count = select(func.count(distinct(a.observation_id))).where(*conds)
    # Intervals observed per item and month: each observation's interval count once.
    per_observation = (select(a.item_key, month, func.max(a.total).label("seen"))
                       .where(*conds, a.item_type == "interval")
                       .group_by(a.item_key, month, a.observation_id).subquery())
    p = per_observation.c
    intervals = select(p.item_key, p.month, func.sum(p.seen)).group_by(p.item_key, p.month)
    return _Statements(sums, people, count, intervals)


def _run(statement, filters: Filters):
    return db.session.connection().execute(statement, _parameters(filters))


# --- results ------------------------------------------------------------------------------

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
    n_teachers: int = 0  # distinct named teachers; anonymous walkthroughs name nobody
    stats: Stats = field(default_factory=Stats)
    shown: bool = False


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
    headline: float | None = None
    headline_display: str = ""
    scale: tuple = (0.0, 1.0)  # the headline's range, for colouring and axes

    @property
    def shown(self) -> bool:
        return self.cell.shown


def aggregate(filters: Filters, threshold: Threshold) -> dict[str, dict]:
    """Run the two GROUP BY queries: {item_key: {"type", "total": Cell, "months": {month: Cell}}}."""
    statements = _statements(_Shape.of(filters))
    sums = _run(statements.sums, filters).all()
    people = _run(statements.people, filters).all()
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
    for key, mon, observations, teachers in people:
        entry = cells(key)
        cell = entry["total"] if mon is None else month_cell(entry, mon)
        cell.observations, cell.n_teachers = int(observations), int(teachers)
    if any(entry["type"] == "interval" for entry in result.values()):
        _add_interval_denominators(result, _run(statements.intervals, filters).all())
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


# --- presentation values (shared by the page and the CSV so they always agree) -----------

@dataclass(frozen=True)
class _PageLocale:
    language: str  # "sv", "en": the key of a template's {"sv": ..., "en": ...} labels
    separators: dict  # str.translate table turning "1,234.5" into the locale's digits

    @classmethod
    def of(cls, locale) -> "_PageLocale":
        return cls(str(locale or "sv"),
                   str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale)}))


def _page() -> _PageLocale:
    """The request's locale and what derives from it, looked up once per request: Flask-Babel's
    lookup walks several context proxies, and a dashboard formats a few hundred numbers, labels
    and month names."""
    if not has_app_context():
        return _PageLocale.of(get_locale())
    page = g.get("insights_page")
    if page is None:
        page = g.insights_page = _PageLocale.of(get_locale())
    return page


def page_language() -> str:
    return _page().language


def fmt_share(value: float | None) -> str:
    if value is None:
        return ""
    return _plain_number(value, 0, percent=True) or format_percent(value, format="#,##0 %")


def fmt_number(value: float | None) -> str:
    if value is None:
        return ""
    return _plain_number(value, 1) or format_decimal(value, format="#,##0.0")


_QUANTUM = {0: Decimal(1), 1: Decimal("0.1")}


def _plain_number(value: float, decimals: int, percent: bool = False) -> str | None:
    """What Babel's "#,##0.0" / "#,##0 %" patterns give for a finite non-negative number, without
    re-parsing the pattern and looking up the locale's symbols for each of the page's few hundred
    numbers; the same half-even rounding of the same decimal. None: let Babel do it."""
    number = Decimal(str(value))
    if percent:
        number = number.scaleb(2)
    if not number.is_finite() or number.is_signed():
        return None
    text = f"{number.quantize(_QUANTUM[decimals]):,f}".translate(_page().separators)
    return text + " %" if percent else text  # the pattern's literal suffix, as Babel writes it


def label_text(value) -> str:
    if isinstance(value, dict):
        lang = page_language()
        return value.get(lang) or value.get("sv") or value.get("en") or ""
    return str(value or "")


def choice_labels(item: dict) -> list[tuple[str, str]]:
    """[(stored choice, label)] in the template's order for a distribution item."""
    kind = item.get("type")
    if kind == "interval":
        return ([(f"teacher:{c['key']}", _l("Teacher: %(code)s", code=label_text(c.get("label") or c["key"])))
                 for c in item.get("teacher_codes", [])]
                + [(f"students:{c['key']}", _l("Students: %(code)s", code=label_text(c.get("label") or c["key"])))
                   for c in item.get("student_codes", [])])
    return [(lv["value"], label_text(lv.get("label") or lv["value"])) for lv in levels_for(item)]


def headline(kind: str, stats: Stats) -> float | None:
    """The one number a heatmap cell, trend point or comparison row shows for an item."""
    if kind in ("scale", "yes_no", "x_of_y", "counter", "timed_log"):
        return stats.mean  # yes_no: share yes of observed (yes=1, no=0, not observed has no number)
    return None


def fmt_headline(kind: str, value: float | None) -> str:
    return fmt_share(value) if kind in ("yes_no", "x_of_y") else fmt_number(value)


def _bars(item: dict, kind: str, cell: Cell) -> list[Bar]:
    stats = cell.stats
    if kind not in CHOICE_TYPES:
        return []
    known = choice_labels(item)
    known_values = {value for value, _ in known}
    known += [(value, value) for value in sorted(stats.by_choice, key=str) if value not in known_values]
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


# The filter-choice statements, built once (the dashboard runs them on every view).
_VERSION_DOCUMENTS = (select(TemplateVersion.document).join(Template, Template.id == TemplateVersion.template_id)
                      .where(Template.school_id.in_(_SCHOOLS)).order_by(TemplateVersion.number.desc()))
_VERSION_DOCUMENTS_OF = _VERSION_DOCUMENTS.where(Template.key == bindparam("template"))
_TEMPLATES = (select(Template.key, Template.title, Template.kind).where(Template.school_id.in_(_SCHOOLS))
              .order_by(Template.key))
_SUBJECTS_AND_YEARS = select(Visit.subject, Visit.year_group).where(Visit.school_id.in_(_SCHOOLS)).distinct()


def item_catalogue(school_ids: tuple[int, ...], template_key: str | None) -> list[dict]:
    """Items in document order, latest version first, so labels follow the newest wording and
    keys dropped in a newer version still appear (trends continue across versions)."""
    query = _VERSION_DOCUMENTS_OF if template_key else _VERSION_DOCUMENTS
    seen, items = set(), []
    for document in db.session.execute(query, {"schools": list(school_ids), "template": template_key}).scalars():
        for section in document.get("sections", []):
            for item in section.get("items", []):
                if item["key"] not in seen:
                    seen.add(item["key"])
                    items.append(item)
    return items


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


def dashboard(filters: Filters, threshold: Threshold, catalogue: list[dict] | None = None) -> Dashboard:
    """Everything the page draws for these filters (one pair of GROUP BY queries)."""
    data = aggregate(filters, threshold)
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
        result.headline = headline(kind, result.cell.stats)
        result.headline_display = fmt_headline(kind, result.headline)
        result.scale = _headline_scale(item, kind, entry)
        items.append(result)
    observations = _observation_count(filters)
    return Dashboard(filters=filters, threshold=threshold, months=months, items=items, observations=observations,
                     catalogue=catalogue)


def _observation_count(filters: Filters) -> int:
    return _run(_statements(_Shape.of(filters)).count, filters).scalar_one()


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
    current.compare = dashboard(replace(current.filters, **changes), current.threshold, current.catalogue)
    current.compare.label = label or f"{current.compare.filters.start} – {current.compare.filters.end}"
    return current


# --- filter choices -----------------------------------------------------------------------

def template_choices(school_ids: tuple[int, ...]) -> list[tuple[str, str, str]]:
    """[(key, title, kind)] of the templates in these schools, one per key, walkthroughs first."""
    rows = db.session.execute(_TEMPLATES, {"schools": list(school_ids)}).all()
    seen, out = set(), []
    for key, title, kind in rows:
        if key not in seen:
            seen.add(key)
            out.append((key, label_text(title) or key, kind))
    order = {"walkthrough": 0, "planned": 1, "peer": 3}
    return sorted(out, key=lambda row: (order.get(row[2], 2), row[1]))


def visit_values(school_ids: tuple[int, ...]) -> tuple[list[str], list[str]]:
    """The distinct subjects and year groups recorded on visits in these schools (one pass over the visits)."""
    pairs = db.session.execute(_SUBJECTS_AND_YEARS, {"schools": list(school_ids)}).all()
    subjects = sorted({subject for subject, _year in pairs if subject})
    years = sorted({year for _subject, year in pairs if year})
    return subjects, years


# --- free-text evidence ----------------------------------------------------------------

@dataclass
class EvidenceHit:
    observed_on: dt.date | None
    item_label: str
    text: str
    visit: Visit | None  # set only when the viewer may open the visit (then names may show)


def search_evidence(user, filters: Filters, term: str, limit: int = 30) -> list[EvidenceHit]:
    """Evidence notes and free-text answers containing `term` (case-insensitive).

    The database narrows the candidates with LIKE over the stored answers; Python then
    picks the matching notes out of at most `limit` observations. Peer visits never
    appear: their notes belong to the pair. The visit (and so the teacher's name) is
    attached only when the viewer may see that visit.
    """
    from ..auth.permissions import can_view_visit

    term = term.strip()
    if not term:
        return []
    stored = cast(Observation.answers, String)
    variants = {term, term.lower(), term.upper(), term.capitalize()}
    patterns = set()
    for variant in variants:
        patterns.add(_like(variant))
        patterns.add(_like(json.dumps(variant)[1:-1]))  # SQLite keeps JSON \\u-escaped
    day = func.coalesce(Visit.started_at, Visit.scheduled_at, Visit.created_at)
    start = dt.datetime.combine(filters.start, dt.time.min, tzinfo=dt.timezone.utc)
    end = dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.timezone.utc)
    query = (select(Observation, Visit).join(Visit, Visit.id == Observation.visit_id)
             .where(Observation.school_id.in_(filters.school_ids), Observation.status == "complete",
                    Visit.kind != "peer",
                    day >= start, day < end, or_(*[stored.ilike(p, escape="!") for p in patterns]))
             .order_by(day.desc()).limit(limit))
    if filters.kind:
        query = query.where(Visit.kind == filters.kind)
    if filters.subject or filters.year_group or filters.group_id:
        query = query.where(Observation.id.in_(_visit_filtered(_Shape.of(filters).visit_level)))
    if filters.template_key:
        query = query.join(TemplateVersion, TemplateVersion.id == Observation.template_version_id).join(
            Template, and_(Template.id == TemplateVersion.template_id, Template.key == filters.template_key))
    needle = term.casefold()
    hits = []
    for observation, visit in db.session.execute(query, _parameters(filters)).all():
        items = {item["key"]: item for item in observation.template_version.items()}
        for key, answer in (observation.answers or {}).items():
            if filters.item_key and key != filters.item_key:
                continue
            texts = [answer.get("evidence")]
            if isinstance(answer.get("value"), str) and items.get(key, {}).get("type") == "text":
                texts.append(answer["value"])
            for text in texts:
                if isinstance(text, str) and needle in text.casefold():
                    visible = visit if can_view_visit(user, visit) else None
                    hits.append(EvidenceHit(observed_on=(visit.started_at or visit.created_at).date(),
                                            item_label=label_text(items.get(key, {}).get("label")) or key,
                                            text=text, visit=visible))
    return hits


def _like(text: str) -> str:
    return "%" + text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


# --- CSV: the page's tables, row by row --------------------------------------------------

CSV_HEADER = ["section", "item_key", "item", "category", "observations", "value"]


def csv_rows(board: Dashboard) -> list[list[str]]:
    """Exactly the values the page's data tables show (hidden cells say so)."""
    hidden = str(HIDDEN)
    rows: list[list[str]] = []
    for item in board.items:
        n = str(item.cell.observations)
        if not item.shown:
            rows.append(["item", item.key, item.label, "", n, hidden])
            continue
        for bar in item.bars:
            rows.append(["distribution", item.key, item.label, bar.label, n, bar.display])
        if item.type in NUMBER_TYPES + ("scale", "yes_no"):
            stats = item.cell.stats
            value = fmt_headline(item.type, stats.mean)
            rows.append(["mean", item.key, item.label, str(_l("Mean")), n, value])
            if item.type in NUMBER_TYPES:
                fmt = fmt_share if item.type == "x_of_y" else fmt_number
                rows.append(["spread", item.key, item.label, str(_l("Standard deviation")), n, fmt(stats.spread)])
                rows.append(["spread", item.key, item.label, str(_l("Lowest")), n, fmt(stats.low)])
                rows.append(["spread", item.key, item.label, str(_l("Highest")), n, fmt(stats.high)])
    for item in board.items:
        if headline(item.type, item.cell.stats) is None:
            continue
        for month in board.months:
            cell = item.months.get(month)
            if cell is None:
                continue
            value = fmt_headline(item.type, headline(item.type, cell.stats)) if cell.shown else hidden
            # No per-month counts (the page shows none either): with the item's total they would
            # let a reader subtract their way to a hidden month.
            rows.append(["month", item.key, item.label, month, "", value])
    if board.compare is not None:
        other = {item.key: item for item in board.compare.items}
        for item in board.items:
            twin = other.get(item.key)
            if twin is None or headline(item.type, item.cell.stats) is None:
                continue
            value = twin.headline_display if twin.shown else hidden
            rows.append(["comparison", item.key, item.label, board.compare.label,
                         str(twin.cell.observations), value])
    return [[_csv_safe(value) for value in row] for row in rows]


def _csv_safe(value: str) -> str:
    """Keep spreadsheet programs from running a label as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
