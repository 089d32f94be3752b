"""An observation conflict on the merge screen: both versions item by item, from the server
copy's template version, and the author's choices turned back into the form engine's fields.

Called through the record type (`ObservationRecord.compare`, `.merged_record`), so the merge
screen (observe/sync/merge.py) knows no record type by name.
"""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import ValidationError

from ..sync.merging import BOTH, MINE, SERVER, Comparison, MergeField
from ..sync.models import SyncConflict
from ..templates_.merge_fields import answer_fields
from ..templates_.schemas import items_of
from .display import note_time, readable_answers
from .form_versions import stored_notes
from .models import Observation, ObservationStatus
from .sync_schemas import NoteSchema


def _clean_notes(notes) -> list[dict]:
    """Notes as the server stores them ({at: ISO UTC, text}), whatever the device sent."""
    try:
        loaded = NoteSchema(many=True).load(notes if isinstance(notes, list) else [])
    except ValidationError:
        return []
    return stored_notes(loaded)


def _note_parts(notes: list[dict]) -> list[str]:
    return [f"{note_time(n['at'])} {n['text']}" for n in notes]


def _both_notes(rows: list[dict]) -> list[dict]:
    """Notes of both versions in time order, each once."""
    return sorted({(n["at"], n["text"]): n for n in rows}.values(), key=lambda n: n["at"])


def _status_parts(status: str) -> list[str]:
    return [_("Finished") if status == ObservationStatus.COMPLETE else _("Draft")]


def _readable_by_key(document: dict, answers: dict) -> dict[str, dict]:
    return {row["key"]: row for section in readable_answers(document, answers) for row in section["rows"]}


def _item_fields(item: dict, ours: dict, theirs: dict, server_rows: dict, mine_rows: dict) -> list[MergeField]:
    key = item["key"]
    fields = []
    if "value" in ours or "value" in theirs:
        fields.append(MergeField(
            name=key, label=item["label"],
            server=(server_rows.get(key) or {}).get("parts") or [],
            mine=(mine_rows.get(key) or {}).get("parts") or [],
            server_value=ours.get("value"), mine_value=theirs.get("value"),
            free_text=item["type"] == "text", lines=item["type"] in ("timed_log", "interval")))
    if ours.get("evidence") or theirs.get("evidence"):
        fields.append(MergeField(
            name=f"{key}.evidence", label=item["label"],
            server=[ours["evidence"]] if ours.get("evidence") else [],
            mine=[theirs["evidence"]] if theirs.get("evidence") else [],
            server_value=ours.get("evidence"), mine_value=theirs.get("evidence"), free_text=True))
    return fields


def compare(conflict: SyncConflict, obs: Observation | None, device_answers: dict) -> Comparison:
    """Both versions of an observation conflict, field by field, from the server's template version."""
    if obs is None:
        return Comparison(conflict=conflict)
    comparison = Comparison(conflict=conflict, revision=obs.revision, server=obs)
    document = obs.template_version.document
    comparison.other_version = conflict.payload.get("template_version_id") != obs.template_version_id
    server_answers = obs.answers or {}
    server_rows, mine_rows = _readable_by_key(document, server_answers), _readable_by_key(document, device_answers)
    for section in document.get("sections", []):
        fields = [merge_field for item in items_of({"sections": [section]})
                  for merge_field in _item_fields(item, server_answers.get(item["key"]) or {},
                                                  device_answers.get(item["key"]) or {}, server_rows, mine_rows)]
        if fields:
            comparison.sections.append((section.get("title"), fields))
    server_notes, mine_notes = list(obs.notes or []), _clean_notes(conflict.payload.get("notes"))
    if server_notes or mine_notes:
        comparison.extra.append(MergeField(
            name="notes", label=_("Notes"), server=_note_parts(server_notes), mine=_note_parts(mine_notes),
            server_value=server_notes, mine_value=mine_notes, choices=(SERVER, MINE, BOTH), lines=True,
            both=_both_notes))
    mine_status = conflict.payload.get("status")
    mine_status = mine_status if mine_status in list(ObservationStatus) else ObservationStatus.DRAFT.value
    comparison.extra.append(MergeField(
        name="status", label=_("Status"), server=_status_parts(obs.status), mine=_status_parts(mine_status),
        server_value=obs.status, mine_value=mine_status))
    return comparison


def merged_record(comparison: Comparison, chosen: dict[str, object]) -> dict:
    """The merge for `ObservationRecord.resolve`: the form engine's fields of the kept answers."""
    obs = comparison.server
    fields: dict[str, list[str]] = {}
    server_answers = obs.answers or {}
    for item in items_of(obs.template_version.document):
        key = item["key"]
        answer = dict(server_answers.get(key) or {})
        for part, name in (("value", key), ("evidence", f"{key}.evidence")):
            if name in chosen:
                answer[part] = chosen[name]
        fields.update(answer_fields(item, answer))
    notes = chosen.get("notes", list(obs.notes or []))
    return {"base_revision": obs.revision, "fields": fields, "notes": notes, "status": chosen.get("status", obs.status)}
