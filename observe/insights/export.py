"""The dashboard's figures as rows for spreadsheets and other tools: one list of rows, written as
CSV text (observe.insights.views) or as an Excel workbook (observe.insights.workbook).

CSV dialect (for tools): UTF-8 with a byte-order mark, comma-separated, fields quoted when needed
(RFC 4180, Python's "excel" dialect, CRLF line ends); English column names; values exactly as the
page shows them in the reader's language ("62 %" with a no-break space, "1,3"). The workbook holds the same rows with
headers in the reader's language and the values as numbers.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .formatting import NUMBER_TYPES, fmt_number, fmt_share, headline
from .services import Dashboard, ItemResult
from .thresholds import HIDDEN

CSV_HEADER = ["section", "item_key", "item", "category", "observations", "value"]


@dataclass(frozen=True)
class Row:
    """One figure of the page's data tables."""

    section: str  # item (hidden as a whole), distribution, mean, spread, measure, month, comparison
    item: ItemResult  # or a MeasureResult (section "measure")
    category: str
    observations: int | None  # None: not shown (per month it would reveal hidden months by subtraction)
    value: float | None
    share: bool  # a share (0..1) rather than a number
    hidden: bool = False


def rows(board: Dashboard) -> list[Row]:
    """Exactly the values the page's data tables show (hidden cells say so)."""
    out: list[Row] = []
    for item in board.items:
        n = item.cell.observations
        if not item.shown:
            out.append(Row("item", item, "", n, None, False, hidden=True))
            continue
        for bar in item.bars:
            out.append(Row("distribution", item, bar.label, n, bar.share, True))
        share = item.type in ("yes_no", "x_of_y")
        if item.type in NUMBER_TYPES + ("scale", "yes_no"):
            stats = item.cell.stats
            out.append(Row("mean", item, str(_l("Mean")), n, stats.mean, share))
            if item.type in NUMBER_TYPES:
                out.append(Row("spread", item, str(_l("Standard deviation")), n, stats.spread, share))
                out.append(Row("spread", item, str(_l("Lowest")), n, stats.low, share))
                out.append(Row("spread", item, str(_l("Highest")), n, stats.high, share))
    kinds = {"share": _l("Share"), "rate": _l("Per minute"), "average": _l("Average")}
    for measure in board.measures:  # derived measures: the whole period, as the page's table shows it
        out.append(Row("measure", measure, str(kinds.get(measure.measure["type"], "")), measure.cell.observations,
                       measure.value if measure.shown else None, measure.measure["type"] == "share",
                       hidden=not measure.shown))
    for item in board.items:
        if headline(item.type, item.cell.stats) is None:
            continue
        share = item.type in ("yes_no", "x_of_y")
        for month in board.months:
            cell = item.months.get(month)
            if cell is None:
                continue
            out.append(Row("month", item, month, None, headline(item.type, cell.stats) if cell.shown else None,
                           share, hidden=not cell.shown))
    for measure in board.measures:  # the heatmap's measure rows
        if measure.value is None:
            continue
        for month in board.months:
            entry = measure.months.get(month)
            if entry is not None:
                out.append(Row("month", measure, month, None, entry.value, measure.measure["type"] == "share",
                               hidden=not entry.shown))
    if board.compare is not None:
        other = {item.key: item for item in board.compare.items}
        for item in board.items:
            twin = other.get(item.key)
            if twin is None or headline(item.type, item.cell.stats) is None:
                continue
            out.append(Row("comparison", item, board.compare.label, twin.cell.observations,
                           twin.headline if twin.shown else None, item.type in ("yes_no", "x_of_y"),
                           hidden=not twin.shown))
        twins = {measure.key: measure for measure in board.compare.measures}
        for measure in board.measures:  # the comparison's measure rows
            twin = twins.get(measure.key)
            if twin is None or twin.value is None:
                continue
            out.append(Row("comparison", measure, board.compare.label, twin.cell.observations,
                           twin.value if twin.shown else None, measure.measure["type"] == "share",
                           hidden=not twin.shown))
    return out


def csv_rows(board: Dashboard) -> list[list[str]]:
    """The rows as the page writes them (see the module's note on the dialect)."""
    hidden = str(HIDDEN)
    text = []
    for row in rows(board):
        value = hidden if row.hidden else (fmt_share if row.share else fmt_number)(row.value)
        n = "" if row.observations is None else str(row.observations)
        text.append([row.section, row.item.key, row.item.label, row.category, n, value])
    return [[_csv_safe(value) for value in line] for line in text]


def _csv_safe(value: str) -> str:
    """Keep spreadsheet programs from running a label as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
