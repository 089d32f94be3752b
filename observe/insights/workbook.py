"""The dashboard as an Excel workbook for people: headers in the reader's language, numbers as
numbers, shares as percentages (formatted, still numbers), and a first sheet that says what the
figures are (observe.insights.report). Swedish Excel opens it as it is, unlike a comma-separated file."""
from __future__ import annotations

import io

import xlsxwriter
from flask_babel import gettext as _

from .charts import month_label
from .export import rows
from .services import Dashboard, MeasureResult
from .thresholds import HIDDEN

SHEET_NAME_LIMIT = 31  # Excel's limit on a sheet's name


def _sections() -> dict[str, str]:
    return {"item": _("Item"), "distribution": _("Distribution"), "mean": _("Mean"), "spread": _("Spread"),
            "month": _("Month"), "comparison": _("Comparison"), "measure": _("Derived measures")}


def workbook(board: Dashboard, facts: list[tuple[str, str]]) -> bytes:
    """An .xlsx file: About this report, Figures (every row of the page's tables), By month, Comparison."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"title": _("Insights"), "comments": "Observe"})
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
    share = book.add_format({"num_format": "0%"})
    number = book.add_format({"num_format": "0.0"})
    count = book.add_format({"num_format": "0"})
    muted = book.add_format({"italic": True, "font_color": "#555555"})
    hidden = str(HIDDEN)

    about = book.add_worksheet(_("About this report")[:SHEET_NAME_LIMIT])
    about.set_column(0, 0, 26)
    about.set_column(1, 1, 80)
    about.write(0, 0, _("Insights"), bold)
    for r, (label, value) in enumerate(facts, start=2):
        about.write_string(r, 0, label, bold)
        about.write_string(r, 1, value)
    about.write_string(len(facts) + 3, 0, _("Patterns, not people: a figure is shown only when it rests on at least "
                                            "%(obs)d observations and, where teachers are named, at least %(teachers)d "
                                            "different teachers. No teacher is ranked.",
                                            obs=board.threshold.min_observations,
                                            teachers=board.threshold.min_teachers))

    table = rows(board)
    figures = book.add_worksheet(_("Figures")[:SHEET_NAME_LIMIT])
    headers = [_("Code"), _("Item"), _("Part"), _("Category"), _("Observations"), _("Value")]
    for c, text in enumerate(headers):
        figures.write_string(0, c, text, head)
    figures.set_column(0, 0, 8)
    figures.set_column(1, 1, 48)
    figures.set_column(2, 3, 22)
    figures.set_column(4, 5, 14)
    figures.freeze_panes(1, 0)
    sections = _sections()
    line = 1
    for row in table:
        if row.section in ("month", "comparison"):
            continue  # on their own sheets, laid out as on the page
        figures.write_string(line, 0, row.item.code)
        figures.write_string(line, 1, row.item.label)
        figures.write_string(line, 2, sections[row.section])
        figures.write_string(line, 3, row.category)
        if row.observations is not None:
            figures.write_number(line, 4, row.observations, count)
        _value(figures, line, 5, row, share, number, muted, hidden)
        line += 1
    figures.autofilter(0, 0, max(line - 1, 1), len(headers) - 1)

    months = [row for row in table if row.section == "month"]
    if months:
        sheet = book.add_worksheet(_("By month")[:SHEET_NAME_LIMIT])
        sheet.write_string(0, 0, _("Code"), head)
        sheet.write_string(0, 1, _("Item"), head)
        sheet.set_column(0, 0, 8)
        sheet.set_column(1, 1, 48)
        sheet.set_column(2, 1 + len(board.months), 12)
        sheet.freeze_panes(1, 2)
        for c, month in enumerate(board.months, start=2):
            sheet.write_string(0, c, month_label(month, "LLL y"), head)
        order = {month: c for c, month in enumerate(board.months, start=2)}
        lines: dict[str, int] = {}
        for row in months:
            r = lines.setdefault(row.item.key, len(lines) + 1)
            sheet.write_string(r, 0, row.item.code)
            sheet.write_string(r, 1, row.item.label)
            _value(sheet, r, order[row.category], row, share, number, muted, hidden)

    compared = [row for row in table if row.section == "comparison"]
    if compared:
        sheet = book.add_worksheet(_("Comparison")[:SHEET_NAME_LIMIT])
        mine = {item.key: item for item in board.items}
        measures = {measure.key: measure for measure in board.measures}
        for c, text in enumerate([_("Code"), _("Item"), board.label, board.compare.label, _("Observations")]):
            sheet.write_string(0, c, text, head)
        sheet.set_column(0, 0, 8)
        sheet.set_column(1, 1, 48)
        sheet.set_column(2, 4, 24)
        for r, row in enumerate(compared, start=1):
            measure = isinstance(row.item, MeasureResult)
            item = measures[row.item.key] if measure else mine[row.item.key]
            sheet.write_string(r, 0, item.code)
            sheet.write_string(r, 1, item.label)
            figure = item.value if measure else item.headline
            if item.shown and figure is not None:
                sheet.write_number(r, 2, figure, share if row.share else number)
            else:
                sheet.write_string(r, 2, hidden, muted)
            _value(sheet, r, 3, row, share, number, muted, hidden)
            sheet.write_number(r, 4, row.observations or 0, count)
    book.close()
    return out.getvalue()


def _value(sheet, r: int, c: int, row, share, number, muted, hidden: str) -> None:
    if row.hidden:
        sheet.write_string(r, c, hidden, muted)
    elif row.value is None:
        sheet.write_blank(r, c, None)
    else:
        sheet.write_number(r, c, row.value, share if row.share else number)
