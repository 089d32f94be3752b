"""What the observation form carries in from the visit, so that nobody types it twice.

A planned visit's pre-conference (written by the teacher) and a peer visit's focus (written by
the observed teacher when booking) fill the template's text items marked `carry`; the observer
reads them and they are stored as those items' answers.
"""
from __future__ import annotations

import copy
import datetime as dt
import functools

from ..templates_.schemas import items_of
from ..templates_.services import default_documents
from ..timefmt import safe_datetime

HINTS = ("carry", "asked_in")


@functools.lru_cache(maxsize=1)
def _shipped_hints() -> dict[str, dict[str, tuple[str, dict]]]:
    """{template key: {item key: (item type, {carry/asked_in})}} as the shipped templates have them now."""
    hints: dict[str, dict[str, tuple[str, dict]]] = {}
    for document in default_documents():
        for item in items_of(document):
            hint = {name: item[name] for name in HINTS if name in item}
            if hint:
                hints.setdefault(document["key"], {})[item["key"]] = (item["type"], hint)
    return hints


def with_shipped_hints(document: dict) -> dict:
    """The document as the observation form draws it: a version of a shipped template published
    before items could carry or be asked in the feedback (every school's version 1 of "planned"
    and "peer") gets the hints the shipped template has now, on the items that are still the
    shipped ones (same key and type). The stored version is not changed; a document with hints
    of its own (the school chose) is drawn as it is."""
    hints = _shipped_hints().get(document.get("key"))
    if not hints or any(name in item for item in items_of(document) for name in HINTS):
        return document
    drawn = copy.deepcopy(document)
    for item in items_of(drawn):
        kind, hint = hints.get(item["key"], (None, None))
        if hint and kind == item["type"]:
            item.update(hint)
    return drawn


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


def carried_kinds(document: dict, carried: dict[str, str]) -> set[str]:
    """What the form shows carried in ("focus", "data_method", …), so it is not shown a second time."""
    return {item["carry"] for item in items_of(document) if item.get("carry") and item["key"] in carried}


def with_carried(answers: dict, carried: dict[str, str]) -> dict:
    """The answers with the carried values in place (the visit's text wins: the teacher owns it)."""
    merged = dict(answers or {})
    for key, text in carried.items():
        merged[key] = {**(merged.get(key) or {}), "value": text}
    return merged
