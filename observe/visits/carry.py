"""What the observation form carries in from the visit, so that nobody types it twice.

A planned visit's pre-conference (written by the teacher) and a peer visit's focus (written by
the observed teacher when booking) fill the template's text items marked `carry`; the observer
reads them and they are stored as those items' answers.
"""
from __future__ import annotations

import datetime as dt

from ..templates_.schemas import items_of
from ..timefmt import safe_datetime


def _meeting(value) -> str | None:
    if not value:
        return None
    try:
        return safe_datetime(dt.datetime.fromisoformat(value), "d MMM y HH:mm")
    except (TypeError, ValueError):
        return None


def carried_values(visit, document: dict) -> dict[str, str]:
    """{item key: text} for the document's `carry` items the visit has a value for."""
    if visit is None:
        return {}
    pre = visit.preconference or {}
    source = {"lesson_goal": pre.get("lesson_goal"), "student_activity": pre.get("student_activity"),
              "focus": visit.focus_text, "data_method": pre.get("data_method"),
              "feedback_meeting": _meeting(pre.get("feedback_meeting_at"))}
    out = {}
    for item in items_of(document):
        value = source.get(item.get("carry") or "")
        if value and str(value).strip():
            out[item["key"]] = str(value).strip()
    return out


def with_carried(answers: dict, carried: dict[str, str]) -> dict:
    """The answers with the carried values in place (the visit's text wins: the teacher owns it)."""
    merged = dict(answers or {})
    for key, text in carried.items():
        merged[key] = {**(merged.get(key) or {}), "value": text}
    return merged
