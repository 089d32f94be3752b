"""The dashboard's figures as rows for spreadsheets and other tools."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .formatting import NUMBER_TYPES, fmt_headline, fmt_number, fmt_share, headline
from .services import Dashboard
from .thresholds import HIDDEN


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
