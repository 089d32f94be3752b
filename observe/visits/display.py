"""Answers and notes made readable for the visit and merge pages, from the template version they were filled in on.

Works from the stored document alone (never the latest template), so a visit made
with an old version still shows its own labels and options.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import format_decimal, format_percent, get_timezone
from flask_babel import gettext as _

from ..insights.formatting import PERCENT
from ..templates_ import measures
from ..templates_.items import levels_for
from ..templates_.schemas import hidden_items, items_of
from ..timefmt import safe_time
from .services import parse_timestamp


def note_time(value) -> str:
    """A note's ISO timestamp as local clock time (notes are minutes apart within one lesson)."""
    at = parse_timestamp(value)
    return safe_time(at, "HH:mm") if at else ""


def planned_day(visit) -> tuple[dt.date | None, bool]:
    """The school's day a visit was planned for, and whether it is done on another day: the day it was
    started, or today when it has not started yet. (None, False) for a visit planned for no day."""
    def local_day(value: dt.datetime) -> dt.date:
        aware = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        return aware.astimezone(get_timezone()).date()

    if visit is None or visit.scheduled_at is None:
        return None, False
    planned = local_day(visit.scheduled_at)
    done = local_day(visit.started_at) if visit.started_at else dt.datetime.now(get_timezone()).date()
    return planned, done != planned


def _label(choices: list[dict], value: str, field: str = "value"):
    return next((c["label"] for c in choices if c.get(field) == value), value)


def _own_log_row(columns: list[dict], row: dict) -> dict:
    """One row of a log with the school's own columns, both languages: "08:05 · Öppen · Pojke · 3"."""
    out = {}
    for lang in ("sv", "en"):
        cells = []
        for column in columns:
            value = row.get(column["key"])
            if value is None or value == "":
                continue
            if column["type"] == "choice":
                option = next((o for o in column["options"] if o["value"] == value), None)
                value = (option["label"].get(lang) or option["label"].get("sv")) if option else value
            cells.append(str(value))
        out[lang] = " · ".join(cells)
    return out


def _parts(item: dict, value) -> list:
    """Display parts of one answer value; each part a string or a bilingual {"sv", "en"} dict."""
    kind = item.get("type")
    if kind in ("scale", "yes_no", "choice"):
        return [_label(levels_for(item), value)]
    if kind == "checklist":
        return [_label(item.get("options", []), v) for v in value]
    if kind == "x_of_y":
        return [_("%(x)s of %(y)s", x=value.get("x"), y=value.get("y"))]
    if kind == "timed_log" and item.get("columns"):
        return [_own_log_row(item["columns"], row) for row in value]
    if kind == "timed_log":
        return [" · ".join(p for p in (row.get("time"), row.get("teacher"), row.get("students")) if p)
                for row in value]
    if kind == "interval":
        seen = len(value)
        parts = []
        # "Teacher – Other" and "Students – Other": COPUS has codes of the same name on both sides.
        for who, codes, side in (("teacher", item.get("teacher_codes", []), _("Teacher")),
                                 ("students", item.get("student_codes", []), _("Students"))):
            for code in codes:
                hits = sum(1 for cell in value if code["key"] in cell.get(who, []))
                if hits:
                    parts.append({lang: "%s – %s" % (side, _("%(code)s: %(n)d of %(m)d intervals", code=text, n=hits,
                                                              m=seen))
                                  for lang, text in code["label"].items()})
        for group in item.get("interval_choices") or []:
            for option in group["options"]:
                hits = sum(1 for cell in value if (cell.get("choices") or {}).get(group["key"]) == option["value"])
                if hits:
                    parts.append({lang: "%s – %s" % (group["label"].get(lang) or group["label"].get("sv"),
                                                     _("%(code)s: %(n)d of %(m)d intervals", code=text, n=hits, m=seen))
                                  for lang, text in option["label"].items()})
        minutes = item.get("interval_minutes", 2)
        for index, cell in enumerate(value):
            if cell.get("comment"):
                parts.append(_("%(start)d–%(end)d min: %(comment)s", start=index * minutes,
                               end=(index + 1) * minutes, comment=cell["comment"]))
        return parts
    return [str(value)]


def _descriptor(item: dict, value):
    """The chosen level's descriptor (a rubric's paragraph), or None."""
    if item.get("type") != "scale" or not isinstance(value, str):
        return None
    return next((lv.get("description") for lv in levels_for(item) if lv.get("value") == value), None)


def readable_answers(document: dict, answers: dict) -> list[dict]:
    """[{title, rows: [{key, label, type, parts, descriptor, evidence, item, value}]}] for each section with something recorded.

    `item` and `value` let the page draw more than text, e.g. an interval item's timeline.
    """
    sections = []
    hidden = hidden_items(document, answers)  # conditional items not asked: nothing of theirs is shown
    for section in document.get("sections", []):
        rows = []
        for item in items_of({"sections": [section]}):
            if item["key"] in hidden:
                continue
            answer = answers.get(item["key"]) or {}
            value = answer.get("value")
            parts = _parts(item, value) if value not in (None, "", [], {}) else []
            if parts or answer.get("evidence"):
                rows.append({"key": item["key"], "label": item["label"], "type": item["type"],
                             "parts": parts, "descriptor": _descriptor(item, value) if parts else None,
                             "evidence": answer.get("evidence"), "item": item, "value": value})
        if rows:
            sections.append({"title": section.get("title"), "rows": rows})
    return sections


def measure_display(measure: dict, value: float | None) -> str:
    """A derived measure's value as the visit page and Analys write it ("" when it cannot be computed)."""
    if value is None:
        return ""
    if measure["type"] == "share":
        return format_percent(value, format=PERCENT)
    if measure["type"] == "rate":
        return _("%(n)s per minute", n=format_decimal(value, format="#,##0.0#"))
    return format_decimal(value, format="#,##0.0#")


def measure_section(document: dict, answers: dict) -> list[dict]:
    """The derived measures of one observation as one more section of the visit page ([] without any)."""
    rows = [{"key": m["measure"]["key"], "label": m["measure"]["label"], "type": "measure",
             "parts": [measure_display(m["measure"], m["value"])], "descriptor": m["measure"].get("help"),
             "evidence": None, "item": None, "value": m["value"]}
            for m in measures.for_observation(document, answers) if m["value"] is not None]
    return [{"title": _("Derived measures"), "rows": rows}] if rows else []
