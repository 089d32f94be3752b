"""A feedback conflict on the merge screen: summary, strengths (the server's, theirs or both),
development area, next step and its due date; the merge is saved through the feedback rules.

Called through the record type (`FeedbackRecord.compare`, `.merged_record`,
`.merge_field_errors`), so the merge screen knows no record type by name.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import format_date
from flask_babel import gettext as _

from ..sync.merging import BOTH, MINE, SERVER, Comparison, MergeField
from ..sync.models import SyncConflict


def _strength_parts(strengths: list[dict]) -> list[str]:
    return [f"{s['text']} — {s['evidence']}" if s.get("evidence") else s["text"] for s in strengths]


def _both_strengths(rows: list[dict]) -> list[dict]:
    """Strengths of both versions, each once (the server's first)."""
    return list({(r["text"], r["evidence"]): r for r in rows}.values())


def _due_parts(due_on) -> list[str]:
    return [format_date(dt.date.fromisoformat(str(due_on)), "d MMM y")] if due_on else []


def _text_parts(value) -> list:
    return [value] if value else []


def compare(conflict: SyncConflict, server: dict | None, mine: dict) -> Comparison:
    """Both versions of a feedback draft (`server`: FeedbackCopySchema; `mine`: the device's, in that shape)."""
    if server is None:
        return Comparison(conflict=conflict)
    comparison = Comparison(conflict=conflict, revision=server["revision"], server=server)
    step_s, step_m = server.get("next_step") or {}, mine.get("next_step") or {}
    text = {"free_text": True}
    comparison.sections.append((_("Feedback draft"), [
        MergeField("summary", _("Summary"), _text_parts(server.get("summary")), _text_parts(mine.get("summary")),
                   server.get("summary"), mine.get("summary"), **text),
        MergeField("strengths", _("Strengths"), _strength_parts(server.get("strengths") or []),
                   _strength_parts(mine.get("strengths") or []), server.get("strengths") or [],
                   mine.get("strengths") or [], lines=True, choices=(SERVER, MINE, BOTH), both=_both_strengths),
        MergeField("development_area", _("Development area"), _text_parts(server.get("development_area")),
                   _text_parts(mine.get("development_area")), server.get("development_area"),
                   mine.get("development_area"), **text),
        MergeField("next_step", _("Next step"), _text_parts(step_s.get("text")), _text_parts(step_m.get("text")),
                   step_s.get("text"), step_m.get("text"), **text),
        MergeField("next_step.due", _("Due date of the next step"), _due_parts(step_s.get("due_on")),
                   _due_parts(step_m.get("due_on")), step_s.get("due_on"), step_m.get("due_on")),
    ]))
    return comparison


def merged_record(comparison: Comparison, chosen: dict[str, object]) -> dict:
    """The merge for `FeedbackRecord.resolve` (FeedbackResolveSchema)."""
    step_text = chosen["next_step"] or ""
    return {"base_revision": comparison.revision, "summary": chosen["summary"] or "",
            "strengths": chosen["strengths"][:10], "development_area": chosen["development_area"] or "",
            "next_step": {"text": step_text, "due_on": chosen["next_step.due"]} if step_text.strip() else None}


def merge_field_errors(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """The feedback rules name their fields as the feedback form does; the merge screen's names differ."""
    renamed: dict[str, list[str]] = {}
    for name, messages in fields.items():
        target = ("strengths" if name.startswith("strength") else
                  "next_step.due" if name in ("next_step_due", "next_step.due_on") else name)
        renamed.setdefault(target, []).extend(messages)
    return renamed
