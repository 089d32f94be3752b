"""The merge screen's model: both versions of a conflicting record, field by field, and the
author's choice for each field. Record types build it (`RecordType.compare`) and turn the
choices back into their merge (`RecordType.merged_record`); the pages are in merge.py.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _

from .models import SyncConflict

SERVER, MINE, EDIT, BOTH = "server", "mine", "edit", "both"


@dataclass
class MergeField:
    """One thing the author may choose between: an item's answer, its evidence note, the notes or the status."""

    name: str  # "W9", "W9.evidence", "notes", "status": the suffix of pick.<name> and merged.<name>
    label: object  # a bilingual {"sv", "en"} label or a plain string
    server: list  # readable parts (strings or bilingual dicts)
    mine: list
    server_value: object = None
    mine_value: object = None
    free_text: bool = False  # a merged text may be written
    lines: bool = False  # its parts are lines (notes, log rows, intervals), not a list of choices
    choices: tuple = (SERVER, MINE)
    errors: list = field(default_factory=list)
    both: Callable[[list], list] | None = None  # with BOTH among the choices: the rows of both versions, merged

    @property
    def differs(self) -> bool:
        return self.server_value != self.mine_value

    @property
    def input_names(self) -> set[str]:
        key, _sep, part = self.name.partition(".")
        return {f"a.{self.name}"} if part else {f"a.{key}", f"a.{key}.x", f"a.{key}.y"}


@dataclass
class Comparison:
    conflict: SyncConflict
    revision: int | None = None  # the server revision it was drawn from; None when there is no server copy
    sections: list = field(default_factory=list)  # [(title, [MergeField])]
    extra: list = field(default_factory=list)  # fields of no section (an observation's notes and status)
    other_version: bool = False  # the device filled in another template version
    server: object = None  # what the record type merges into (an Observation, a feedback copy)

    @property
    def fields(self) -> list[MergeField]:
        return [f for _title, fields in self.sections for f in fields] + self.extra

    @property
    def differing(self) -> list[MergeField]:
        return [f for f in self.fields if f.differs]


def chosen_values(comparison: Comparison, form) -> tuple[dict[str, object], dict[str, list[str]]]:
    """The value the author kept for every field (the server's where both agree), and pick errors."""
    chosen: dict[str, object] = {}
    errors: dict[str, list[str]] = {}
    for merge_field in comparison.fields:
        if not merge_field.differs:
            chosen[merge_field.name] = merge_field.server_value
            continue
        pick = form.get(f"pick.{merge_field.name}")
        allowed = merge_field.choices + ((EDIT,) if merge_field.free_text else ())
        if pick not in allowed:
            errors[merge_field.name] = [_("Choose which version to keep.")]
        elif pick == EDIT:
            chosen[merge_field.name] = (form.get(f"merged.{merge_field.name}") or "").strip() or None
        elif pick == BOTH:
            chosen[merge_field.name] = merge_field.both([*merge_field.server_value, *merge_field.mine_value])
        else:
            chosen[merge_field.name] = merge_field.server_value if pick == SERVER else merge_field.mine_value
    return chosen, errors


def attach_errors(comparison: Comparison, errors: dict[str, list[str]]) -> list[str]:
    """Put each message next to its field; return those that belong to no field."""
    left = []
    for name, messages in errors.items():
        target = next((f for f in comparison.fields if f.name == name or name in f.input_names), None)
        if target is None:
            left.extend(messages)
        else:
            target.errors.extend(messages)
    return left
