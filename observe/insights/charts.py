"""The server-rendered SVG charts of the dashboard: geometry, then drawing.

Charts are plain SVG with a viewBox, so they scale to a tablet or a printed page
without JavaScript; every chart names itself (role="img" + aria-labelledby) and sits
next to a data table with the same numbers (templates/insights/dashboard.html).
One visit's interval timeline is drawn by templates/insights/_interval_timeline.html.
"""
from __future__ import annotations

import datetime as dt
import functools

from babel.numbers import get_minus_sign_symbol
from flask_babel import format_date, format_decimal, get_locale, gettext, ngettext
from markupsafe import Markup, escape

from ..templates_ import measures as derived
from ..visits.display import measure_display
from .formatting import fmt_headline, fmt_number, fmt_scale_end, fmt_share, headline, label_text, page_language

WIDTH = 640  # wide charts (heatmap, comparison)
ITEM_W = 400  # charts that sit two abreast in an item card on a tablet: drawn about 1:1
LABEL_W = 210
ITEM_LABEL_W = 150
ROW_H = 30
MAX_LABEL = 30
NARROW_W = 320  # the heatmap on a phone: drawn 1:1 in a card on a 390-pixel screen
NARROW_LABEL_H = 18
HEADING_H = 26  # the "Derived measures" line between the items and the measures


def month_label(month: str, pattern: str = "LLL") -> str:
    """A "YYYY-MM" month as people read it in their language ("aug." or "augusti 2026")."""
    return _month_label(month, pattern, page_language())


@functools.lru_cache(maxsize=1024)
def _month_label(month: str, pattern: str, locale: str) -> str:
    year, number = month.split("-")
    return format_date(dt.date(int(year), int(number), 1), pattern)


def scale_ends(item) -> tuple[str, str]:
    """A scale item's lowest and highest score as the page writes them ("1", "4"): a mean of "1,3"
    means little until the reader knows the scale runs from 0 to 2."""
    low, high = item.scale
    return fmt_scale_end(low), fmt_scale_end(high)


def short(text: str, limit: int = MAX_LABEL) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _norm(value: float | None, scale: tuple) -> float:
    low, high = scale
    if value is None or high <= low:
        return 0.0
    return min(1.0, max(0.0, (value - low) / (high - low)))


def bars(item) -> dict:
    """Horizontal bars: one per choice, length = share."""
    plot = ITEM_W - ITEM_LABEL_W - 60
    rows = [{"y": i * ROW_H, "label": short(bar.label, 19), "full": bar.label, "width": round(plot * bar.share, 1),
             "display": bar.display, "count": bar.count} for i, bar in enumerate(item.bars)]
    return {"width": ITEM_W, "height": max(len(rows), 1) * ROW_H, "label_w": ITEM_LABEL_W, "plot": plot,
            "rows": rows}


def spread(item) -> dict:
    """A number line from the scale's low to high: lowest-highest, mean +- one standard deviation, mean."""
    stats = item.cell.stats
    low, high = item.scale
    high = max(high, stats.high or 0)
    scale = (low, high)
    plot = ITEM_W - 40

    def x(value):
        return round(20 + plot * _norm(value, scale), 1)

    mean, sd = stats.mean, stats.spread or 0.0
    ticks = [{"x": x(low + (high - low) * i / 4), "value": low + (high - low) * i / 4} for i in range(5)]
    return {"width": ITEM_W, "height": 80, "min_x": x(stats.low), "max_x": x(stats.high),
            "sd_from": x((mean or 0) - sd), "sd_to": x((mean or 0) + sd), "mean_x": x(mean), "ticks": ticks,
            "percent": item.type == "x_of_y"}


def trend(item, months: list[str]) -> dict:
    """A line through the months whose cells may be shown; hidden months leave a gap."""
    height, left, bottom = 170, 44, 30
    plot_w, plot_h = ITEM_W - left - 12, height - bottom - 12
    step = plot_w / max(len(months) - 1, 1)
    points, segments, current = [], [], []
    ticks = tick_months(months)
    for i, month in enumerate(months):
        cell = item.months.get(month)
        x = round(left + step * i if len(months) > 1 else left + plot_w / 2, 1)
        value = headline(item.type, cell.stats) if cell is not None and cell.shown else None
        if value is None:
            if len(current) > 1:
                segments.append(" ".join(current))
            current = []
            points.append({"x": x, "month": month, "y": None, "tick": ticks.get(month)})
            continue
        y = round(12 + plot_h * (1 - _norm(value, item.scale)), 1)
        current.append(f"{x},{y}")
        points.append({"x": x, "month": month, "y": y, "tick": ticks.get(month)})
    if len(current) > 1:
        segments.append(" ".join(current))
    grid = [{"y": round(12 + plot_h * (1 - f), 1), "value": item.scale[0] + (item.scale[1] - item.scale[0]) * f}
            for f in (0, 0.5, 1)]
    return {"width": ITEM_W, "height": height, "left": left, "base": 12 + plot_h, "points": points,
            "segments": segments, "grid": grid, "percent": item.type in ("yes_no", "x_of_y")}


def tick_months(months: list[str], most: int = 6) -> dict[str, str]:
    """{month: axis label} for the months a time axis labels: every month up to `most`, else every
    k-th from the first, so the labels never overlap; with the year when the period spans years
    ("nov. 2025"), since month names alone repeat."""
    years = {month[:4] for month in months}
    pattern = "LLL y" if len(years) > 1 else "LLL"
    step = -(-len(months) // most) if len(months) > most else 1
    return {month: month_label(month, pattern) for month in months[::step]}


def heat_level(item, cell) -> int:
    """0-4: how high the item's headline is within its own scale (colour bucket)."""
    return min(4, int(_norm(headline(item.type, cell.stats), item.scale) * 5))


def measure_scale(measure, board) -> tuple[float, float]:
    """The range a derived measure is shaded and drawn on: a share from 0 to 100 %, an average on
    the scale of the items it averages, a rate from 0 to the highest figure shown (at least 1).
    Only shown figures set a range, so a hidden month's value cannot be read off the shading."""
    kind = measure.measure["type"]
    if kind == "share":
        return (0.0, 1.0)
    if kind == "average":
        keys = set(derived.used_keys(measure.measure, board.document or {}))
        ends = [item.scale for item in board.items if item.key in keys]
        return (min(low for low, _high in ends), max(high for _low, high in ends)) if ends else (0.0, 1.0)
    shown = [month.value for month in measure.months.values() if month.shown and month.value is not None]
    return (0.0, max(shown + ([measure.value] if measure.shown else []) + [1.0]))


def measure_short(measure, value: float) -> str:
    """A measure's figure where a chart has room for a number only ("0,9": the row says per minute)."""
    if measure.measure["type"] == "rate":
        return format_decimal(value, format="#,##0.0#")
    return measure_display(measure.measure, value)


def heatmap(board, narrow: bool = False) -> dict:
    """Items by month, then the template's derived measures under a heading of their own. A period
    that spans years gets a row of years above the months (at the first month and at each January),
    since month names alone repeat.

    `narrow` (a phone): each item's name on a line of its own above its cells, so the months
    get the whole width instead of scrolling out of sight beside the names."""
    rows_items = [item for item in board.items if headline(item.type, item.cell.stats) is not None]
    rows_measures = [measure for measure in getattr(board, "measures", None) or [] if measure.value is not None]
    months = board.months
    label_w, row_h, cell_y = (0, ROW_H + NARROW_LABEL_H, NARROW_LABEL_H) if narrow else (LABEL_W, ROW_H, 0)
    cell_w = (max(40, NARROW_W / max(len(months), 1)) if narrow
              else max(48, (WIDTH - LABEL_W) / max(len(months), 1)))
    spans_years = months[0][:4] != months[-1][:4] if months else False
    top = 40 if spans_years else 24
    rows = []
    for r, item in enumerate(rows_items):
        cells = []
        for c, month in enumerate(months):
            cell = item.months.get(month)
            state = "empty" if cell is None else ("shown" if cell.shown else "hidden")
            display = board_value(item, cell) if state == "shown" else ""
            cells.append({"x": round(label_w + c * cell_w, 1), "month": month, "state": state,
                          "level": heat_level(item, cell) if state == "shown" else None,
                          "display": display, "text": display})
        rows.append({"y": top + r * row_h, "label": short(item.title, 40 if narrow else 24), "full": item.label,
                     "item": item, "cells": cells, "measure": False})
    headings, y = [], top + len(rows) * row_h
    if rows_measures:
        headings.append({"y": y, "text": gettext("Derived measures")})
        y += HEADING_H
    for r, measure in enumerate(rows_measures):
        scale, cells = measure_scale(measure, board), []
        for c, month in enumerate(months):
            entry = measure.months.get(month)
            state = ("empty" if entry is None or (entry.shown and entry.value is None)
                     else "shown" if entry.shown else "hidden")
            cells.append({"x": round(label_w + c * cell_w, 1), "month": month, "state": state,
                          "level": min(4, int(_norm(entry.value, scale) * 5)) if state == "shown" else None,
                          "display": measure_short(measure, entry.value) if state == "shown" else "",
                          "text": entry.display if state == "shown" else ""})
        rows.append({"y": y + r * row_h, "label": short(measure.label, 40 if narrow else 24), "full": measure.label,
                     "item": measure, "cells": cells, "measure": True})
    years = [{"x": round(label_w + c * cell_w + 4, 1), "year": m[:4]} for c, m in enumerate(months)
             if spans_years and (c == 0 or m.endswith("-01"))]
    return {"width": round(label_w + cell_w * len(months), 1), "height": y + len(rows_measures) * row_h,
            "cell_w": round(cell_w, 1), "rows": rows, "years": years, "month_y": top - 8, "narrow": narrow,
            "headings": headings,
            "cell_y": cell_y, "months": [{"x": round(label_w + c * cell_w + cell_w / 2, 1), "month": month_label(m)}
                                         for c, m in enumerate(months)]}


def board_value(item, cell) -> str:
    return fmt_headline(item.type, headline(item.type, cell.stats))


def change(a: float | None, b: float | None, share: bool, decimals: str = "0") -> str:
    """How much a figure moved from the compared column to this one: a share in percentage points
    ("−21 procentenheter"), a mean or a rate in its own unit ("+0,05"); "" when either is hidden."""
    if a is None or b is None:
        return ""
    places = len(decimals)  # the most decimals the figure is written with
    diff = round((a - b) * 100) if share else round(a - b, places)
    signed = "±0"  # when it rounds away
    if diff:
        figure = format_decimal(abs(diff), format="#,##0" if share else "#,##0." + decimals)
        signed = ("+" if diff > 0 else get_minus_sign_symbol(str(get_locale() or "sv"))) + figure
    if share:
        return ngettext("%(n)s percentage point", "%(n)s percentage points", abs(diff), n=signed)
    return signed


def comparison(board, narrow: bool = False) -> dict:
    """Paired bars per item: this period above, the comparison period below; and the change.

    `narrow` (a phone): each item's name on a line of its own above its bars, as the heatmap's, so
    the picture is drawn at the card's width instead of the tablet's scaled down to half-size text."""
    other = {item.key: item for item in board.compare.items}
    label_w, width, cell_y = (0, NARROW_W, NARROW_LABEL_H) if narrow else (LABEL_W, WIDTH, 0)
    plot = width - label_w - 70
    length = 40 if narrow else 24
    rows = []
    for item in board.items:
        if headline(item.type, item.cell.stats) is None:
            continue
        twin = other.get(item.key)
        a = item.headline if item.shown else None
        b = twin.headline if twin is not None and twin.shown else None
        rows.append({"item": item, "twin": twin, "label": short(item.title, length),
                     "change": change(a, b, item.type in ("yes_no", "x_of_y"), "0"),
                     "a_w": round(plot * _norm(a, item.scale), 1) if a is not None else None,
                     "b_w": round(plot * _norm(b, item.scale), 1) if b is not None else None,
                     "a": item.headline_display if a is not None else None,
                     "b": twin.headline_display if b is not None else None})
    items = len(rows)
    twins = {measure.key: measure for measure in getattr(board.compare, "measures", None) or []}
    for measure in getattr(board, "measures", None) or []:
        twin = twins.get(measure.key)
        if measure.value is None and (twin is None or twin.value is None):
            continue
        a = measure.value if measure.shown else None
        b = twin.value if twin is not None and twin.shown else None
        low, high = measure_scale(measure, board)
        scale = (low, max([high] + ([b] if b is not None and measure.measure["type"] == "rate" else [])))
        rows.append({"item": measure, "twin": twin, "label": short(measure.label, length), "measure": True,
                     "change": change(a, b, measure.measure["type"] == "share", "0#"),
                     "a_w": round(plot * _norm(a, scale), 1) if a is not None else None,
                     "b_w": round(plot * _norm(b, scale), 1) if b is not None else None,
                     "a_short": measure_short(measure, a) if a is not None else None,
                     "b_short": measure_short(measure, b) if b is not None else None,
                     "a": measure.display if a is not None else None,
                     "b": twin.display if b is not None else None})
    step, headings = ROW_H * 1.6 + cell_y, []
    for i, row in enumerate(rows):
        row["y"] = i * step + (HEADING_H if i >= items else 0)
        row.setdefault("measure", False)
        row.setdefault("a_short", row["a"])
        row.setdefault("b_short", row["b"])
    if len(rows) > items:
        headings.append({"y": items * step, "text": gettext("Derived measures")})
    height = max(len(rows), 1) * step + (HEADING_H if headings else 0)
    return {"width": width, "height": height, "label_w": label_w, "rows": rows, "headings": headings,
            "narrow": narrow, "cell_y": cell_y}


def interval_timeline(item: dict, value) -> dict:
    """One visit's interval coding as a timeline: a row per code (teacher codes, then student
    codes), a column per interval, a filled cell where the code was ticked. Rows without
    any tick are dropped so the picture shows what happened."""
    cells = value if isinstance(value, list) else []
    minutes = item.get("interval_minutes", 2)
    groups = (("teacher", item.get("teacher_codes", [])), ("students", item.get("student_codes", [])))
    rows = []
    for who, codes in groups:
        for code in codes:
            ticks = [i for i, cell in enumerate(cells) if code["key"] in (cell or {}).get(who, [])]
            if ticks:
                rows.append({"who": who, "label": short(label_text(code.get("label")) or code["key"], 22),
                             "full": label_text(code.get("label")) or code["key"], "ticks": set(ticks)})
    for group in item.get("interval_choices") or []:  # a level per interval: one row per option chosen
        group_label = label_text(group.get("label")) or group["key"]
        for option in group["options"]:
            ticks = [i for i, cell in enumerate(cells)
                     if ((cell or {}).get("choices") or {}).get(group["key"]) == option["value"]]
            if ticks:
                full = f"{group_label}: {label_text(option.get('label')) or option['value']}"
                rows.append({"who": "level", "label": short(full, 22), "full": full, "ticks": set(ticks)})
    n = len(cells)
    cell_w = max(18.0, (WIDTH - LABEL_W) / max(n, 1))
    for r, row in enumerate(rows):
        row["y"] = 24 + r * 24
        row["cells"] = [{"x": round(LABEL_W + i * cell_w, 1), "on": i in row["ticks"]} for i in range(n)]
    return {"width": round(LABEL_W + cell_w * n, 1), "height": 24 + len(rows) * 24 + 4, "cell_w": round(cell_w, 1),
            "rows": rows, "labels": [{"x": round(LABEL_W + i * cell_w + cell_w / 2, 1), "text": f"{i * minutes}′"}
                                     for i in range(n)],
            "intervals": n, "minutes": minutes}


# --- drawing -------------------------------------------------------------------------------
# The dashboard draws about two dozen charts per page; building their SVG here with
# f-strings costs a fraction of the equivalent Jinja macros (docs/performance.md, insights).
# Every text goes through escape(); numbers are ours.

def _svg_open(kind: str, g: dict, labelled_by: str, title, sized: bool = False) -> str:
    size = f' width="{g["width"]}" height="{g["height"]}"' if sized else ""
    return (f'<svg class="chart {kind}"{size} viewBox="0 0 {g["width"]} {g["height"]}" role="img" '
            f'aria-labelledby="{labelled_by}" preserveAspectRatio="xMinYMin meet">'
            f'<title id="{labelled_by}">{escape(title)}</title>')


def bar_svg(g: dict, id: str, title) -> Markup:
    """Horizontal bars (geometry from bars())."""
    label_x, x, plot = g["label_w"] - 8, g["label_w"], g["plot"]
    value_x = x + plot + 6
    out = [_svg_open("chart-bars", g, f"{id}-t", title)]
    for row in g["rows"]:
        display = escape(row["display"])
        out.append(
            f'<g transform="translate(0 {row["y"]})"><title>{escape(row["full"])}: {display} ({row["count"]})</title>'
            f'<text class="chart-label" x="{label_x}" y="19" text-anchor="end">{escape(row["label"])}</text>'
            f'<rect class="chart-track" x="{x}" y="5" width="{plot}" height="20" rx="3"></rect>'
            f'<rect class="chart-bar" x="{x}" y="5" width="{row["width"]}" height="20" rx="3"></rect>'
            f'<text class="chart-value" x="{value_x}" y="19">{display}</text></g>')
    out.append("</svg>")
    return Markup("".join(out))


def spread_svg(g: dict, id: str, title, fmt) -> Markup:
    """A number line with the range, mean +- one standard deviation and the mean (geometry from spread())."""
    out = [_svg_open("chart-spread", g, f"{id}-t", title),
           f'<line class="chart-axis" x1="20" y1="50" x2="{g["width"] - 20}" y2="50"></line>']
    for tick in g["ticks"]:
        out.append(f'<line class="chart-axis" x1="{tick["x"]}" y1="46" x2="{tick["x"]}" y2="54"></line>'
                   f'<text class="chart-tick" x="{tick["x"]}" y="72" text-anchor="middle">{escape(fmt(tick["value"]))}</text>')
    out.append(f'<line class="chart-range" x1="{g["min_x"]}" y1="26" x2="{g["max_x"]}" y2="26"></line>'
               f'<rect class="chart-sd" x="{g["sd_from"]}" y="16" width="{max(g["sd_to"] - g["sd_from"], 2)}" '
               f'height="20" rx="3"></rect><circle class="chart-dot" cx="{g["mean_x"]}" cy="26" r="7"></circle></svg>')
    return Markup("".join(out))


def trend_svg(g: dict, id: str, title, fmt) -> Markup:
    """A line per run of shown months, a dash for a hidden month (geometry from trend())."""
    out = [_svg_open("chart-trend", g, f"{id}-t", title)]
    for line in g["grid"]:
        out.append(f'<line class="chart-grid" x1="{g["left"]}" y1="{line["y"]}" x2="{g["width"] - 12}" y2="{line["y"]}">'
                   f'</line><text class="chart-tick" x="{g["left"] - 6}" y="{line["y"] + 5}" text-anchor="end">'
                   f'{escape(fmt(line["value"]))}</text>')
    out.extend(f'<polyline class="chart-line" points="{segment}"></polyline>' for segment in g["segments"])
    gap_y, tick_y = g["base"] - 4, g["height"] - 8
    for p in g["points"]:
        if p["y"] is not None:
            out.append(f'<circle class="chart-dot" cx="{p["x"]}" cy="{p["y"]}" r="5">'
                       f'<title>{month_label(p["month"], "LLLL y")}</title></circle>')
        else:
            out.append(f'<text class="chart-gap" x="{p["x"]}" y="{gap_y}" text-anchor="middle">–</text>')
        if p["tick"]:
            out.append(f'<text class="chart-tick" x="{p["x"]}" y="{tick_y}" text-anchor="middle">{escape(p["tick"])}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def heatmap_svg(g: dict, title, hidden_text, id: str = "heat") -> Markup:
    """Items by month (geometry from heatmap()); · marks a cell with too few observations."""
    kind = "chart-heat-narrow" if g["narrow"] else "chart-heat"
    if g["narrow"] and g["width"] <= NARROW_W:
        kind += " chart-fit"  # scaled to its card, whatever the phone's width (drawn 1:1 it was cut by a few pixels)
    out = [_svg_open(kind, g, f"{id}-t", title, sized=True)]
    out.extend(f'<text class="chart-tick heat-year" x="{y["x"]}" y="14">{y["year"]}</text>' for y in g["years"])
    out.extend(f'<text class="chart-tick" x="{m["x"]}" y="{g["month_y"]}" text-anchor="middle">{escape(m["month"])}</text>'
               for m in g["months"])
    hidden, width, centre, dy = escape(hidden_text), g["cell_w"] - 2, g["cell_w"] / 2, g["cell_y"]
    out.extend(f'<text class="chart-heading" x="2" y="{h["y"] + 18}">{escape(h["text"])}</text>'
               for h in g.get("headings", []))
    for row in g["rows"]:
        full, y = escape(row["full"]), row["y"]
        label = (f'<text class="chart-label" x="2" y="{y + 13}">' if g["narrow"]
                 else f'<text class="chart-label" x="202" y="{y + 20}" text-anchor="end">')
        out.append(f'{label}<title>{full}</title>{escape(row["label"])}</text>')
        for c in row["cells"]:
            state, level = c["state"], c["level"]
            said = escape(c["text"]) if state == "shown" else (hidden if state == "hidden" else "–")
            shade = f" heat-{level}" if level is not None else ""
            dark = " heat-text-dark" if level is not None and level >= 3 else ""
            mark = escape(c["display"]) if state == "shown" else ("·" if state == "hidden" else "")
            out.append(f'<g><title>{full} · {c["month"]}: {said}</title>'
                       f'<rect class="heat heat-{state}{shade}" x="{c["x"] + 1}" y="{y + dy + 1}" width="{width}" '
                       f'height="28" rx="3"></rect><text class="heat-text{dark}" x="{c["x"] + centre}" '
                       f'y="{y + dy + 20}" text-anchor="middle">{mark}</text></g>')
    out.append("</svg>")
    return Markup("".join(out))


def compare_svg(g: dict, title, label_a, label_b, id: str = "cmp") -> Markup:
    """Paired bars per item (geometry from comparison())."""
    kind = "chart-compare-narrow chart-fit" if g["narrow"] else "chart-compare"
    out = [_svg_open(kind, g, f"{id}-t", title, sized=True)]
    x, label_x, dy = g["label_w"], g["label_w"] - 8, g["cell_y"]
    label_a, label_b = escape(label_a), escape(label_b)
    out.extend(f'<text class="chart-heading" x="2" y="{h["y"] + 18}">{escape(h["text"])}</text>'
               for h in g.get("headings", []))
    for row in g["rows"]:
        label = ('<text class="chart-label" x="2" y="13">' if g["narrow"]
                 else f'<text class="chart-label" x="{label_x}" y="22" text-anchor="end">')
        out.append(f'<g transform="translate(0 {row["y"]})">{label}<title>{escape(row["item"].label)}</title>'
                   f'{escape(row["label"])}</text>')
        if row["a_w"] is not None:
            a = escape(row["a"])
            out.append(f'<rect class="chart-bar" x="{x}" y="{4 + dy}" width="{row["a_w"]}" height="16" rx="3"><title>'
                       f'{label_a}: {a}</title></rect><text class="chart-value" x="{x + row["a_w"] + 6}" y="{17 + dy}">'
                       f'{escape(row["a_short"])}</text>')
        if row["b_w"] is not None:
            b = escape(row["b"])
            out.append(f'<rect class="chart-bar-b" x="{x}" y="{22 + dy}" width="{row["b_w"]}" height="16" rx="3"><title>'
                       f'{label_b}: {b}</title></rect><text class="chart-value" x="{x + row["b_w"] + 6}" y="{35 + dy}">'
                       f'{escape(row["b_short"])}</text>')
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))


def interval_distribution(dist) -> dict:
    """Stacked bars, one per interval: each option's share of the observations that answered it."""
    label_w, plot, row_h = 70, ITEM_W - 70 - 10, 22
    rows = []
    for i, row in enumerate(dist.rows):
        x, segments = label_w, []
        for k, share in enumerate(row["shares"]):
            width = round(plot * share, 1)
            if width > 0:
                segments.append({"x": round(x, 1), "width": width, "k": k, "label": dist.options[k][1],
                                 "display": row["displays"][k], "count": row["counts"][k]})
            x += plot * share
        rows.append({"y": i * row_h, "label": row["label"], "segments": segments})
    return {"width": ITEM_W, "height": max(len(rows), 1) * row_h, "label_w": label_w, "plot": plot, "rows": rows}


def interval_distribution_svg(g: dict, id: str, title) -> Markup:
    out = [_svg_open("chart-stacked", g, f"{id}-t", title)]
    for row in g["rows"]:
        out.append(f'<g transform="translate(0 {row["y"]})"><text class="chart-label" x="{g["label_w"] - 8}" y="15" '
                   f'text-anchor="end">{escape(row["label"])}</text>')
        for seg in row["segments"]:
            out.append(f'<rect class="chart-seg chart-seg-{seg["k"] % 5}" x="{seg["x"]}" y="3" width="{seg["width"]}" '
                       f'height="16"><title>{escape(row["label"])}: {escape(seg["label"])} {escape(seg["display"])} '
                       f'({seg["count"]})</title></rect>')
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))


def card_words() -> dict:
    """The words every item card repeats, translated once per page (patterns keep their %(...)s)."""
    return {"answer": gettext("Answer"), "count": gettext("Count"), "share": gettext("Share"),
            "mean": gettext("Mean"), "sd": gettext("Standard deviation"), "low": gettext("Lowest"),
            "high": gettext("Highest"), "trend": gettext("Trend: %(item)s"),
            "trend_note": gettext("Trend per month (continues across template versions)"),
            "per_interval": gettext("%(group)s per interval"), "minutes": gettext("Minutes"),
            "observations": gettext("Observations"),
            "per_interval_hidden": gettext("Intervals answered in too few observations to show: %(n)d.")}


def item_figures(item, months: list[str], words: dict) -> Markup:
    """An item card's figures, each chart beside the table of its numbers: the distribution of
    answers, the spread of a number, the trend per month (when there is more than one month).

    Written here rather than in the template for the same reason as the charts: a page has
    two dozen cards, and this is most of the page's markup."""
    label = escape(item.label)
    caption = f'<caption class="visually-hidden">{label}</caption>'
    out = []
    if item.bars:
        rows = "".join(f'<tr><th scope="row">{escape(bar.label)}</th><td>{bar.count}</td><td>{escape(bar.display)}</td></tr>'
                       for bar in item.bars)
        out.append(f'<figure class="chart-figure">{bar_svg(bars(item), f"bars-{item.key}", item.label)}'
                   f'<table class="insights-table">{caption}<thead><tr><th scope="col">{escape(words["answer"])}</th>'
                   f'<th scope="col">{escape(words["count"])}</th><th scope="col">{escape(words["share"])}</th></tr>'
                   f'</thead><tbody>{rows}</tbody></table></figure>')
    for dist in getattr(item, "per_interval", None) or []:
        title = words["per_interval"] % {"group": dist.label}
        heads = "".join(f'<th scope="col">{escape(label)}</th>' for _value, label in dist.options)
        body = "".join(f'<tr><th scope="row">{escape(row["label"])}</th>'
                       + "".join(f'<td>{escape(d)} ({c})</td>' for d, c in zip(row["displays"], row["counts"]))
                       + f'<td>{row["total"]}</td></tr>' for row in dist.rows)
        note = (f'<figcaption class="muted">{escape(words["per_interval_hidden"] % {"n": dist.hidden})}</figcaption>'
                if dist.hidden else "")
        chart = interval_distribution_svg(interval_distribution(dist), f"dist-{item.key}-{dist.key}", title) if dist.rows else ""
        if chart:  # which shade is which option (the table beside it has the numbers)
            chart += Markup('<p class="chart-legend" aria-hidden="true">' + "".join(
                f'<span><svg width="14" height="14" viewBox="0 0 14 14"><rect class="chart-seg chart-seg-{k % 5}" '
                f'width="14" height="14"></rect></svg> {escape(label)}</span>'
                for k, (_value, label) in enumerate(dist.options)) + "</p>")
        out.append(f'<figure class="chart-figure chart-figure-wide">{chart}{note}<div class="table-scroll" tabindex="0">'
                   f'<table class="insights-table insights-table-dist"><caption>{escape(title)}</caption><thead><tr>'
                   f'<th scope="col">{escape(words["minutes"])}</th>{heads}<th scope="col">{escape(words["observations"])}</th>'
                   f'</tr></thead><tbody>{body}</tbody></table></div></figure>')
    if item.type in ("counter", "x_of_y", "timed_log"):
        fmt = fmt_share if item.type == "x_of_y" else fmt_number
        stats = item.cell.stats
        rows = "".join(f'<tr><th scope="row">{escape(words[word])}</th><td>{escape(fmt(value))}</td></tr>'
                       for word, value in (("mean", stats.mean), ("sd", stats.spread), ("low", stats.low),
                                           ("high", stats.high)))
        out.append(f'<figure class="chart-figure">{spread_svg(spread(item), f"spread-{item.key}", item.label, fmt)}'
                   f'<table class="insights-table">{caption}<tbody>{rows}</tbody></table></figure>')
    if item.headline is not None and len(months) > 1:
        fmt = fmt_share if item.type in ("yes_no", "x_of_y") else fmt_number
        title = words["trend"] % {"item": item.label}
        out.append(f'<figure class="chart-figure">{trend_svg(trend(item, months), f"trend-{item.key}", title, fmt)}'
                   f'<figcaption class="muted">{escape(words["trend_note"])}</figcaption></figure>')
    return Markup("".join(out))
