"""The form engine backwards: the inputs it would post for an answer, so a merge chosen on the
merge screen is saved through the same parse as any form (`items.parse_answers`)."""
from __future__ import annotations

from .items import field_name


def answer_fields(item: dict, answer: dict) -> dict[str, list[str]]:
    """The inputs the form engine would post for `answer`: the inverse of `parse_answers`."""
    key, kind = item["key"], item["type"]
    value = answer.get("value")
    fields: dict[str, list[str]] = {}
    if value not in (None, "", [], {}):
        if kind == "checklist":
            fields[field_name(key)] = [str(v) for v in value]
        elif kind == "x_of_y":
            fields[field_name(key, "x")] = [str(value["x"])]
            fields[field_name(key, "y")] = [str(value["y"])]
        elif kind == "timed_log":
            for index, row in enumerate(value):
                for part, text in row.items():
                    fields[field_name(key, index, part)] = [str(text)]
        elif kind == "interval":
            for index, cell in enumerate(value):
                for who in ("teacher", "students"):
                    if cell.get(who):
                        fields[field_name(key, index, who)] = [str(c) for c in cell[who]]
                for group, chosen in (cell.get("choices") or {}).items():
                    fields[field_name(key, index, group)] = [str(chosen)]
                if cell.get("comment"):
                    fields[field_name(key, index, "comment")] = [cell["comment"]]
        else:
            fields[field_name(key)] = [str(value)]
    if answer.get("evidence"):
        fields[field_name(key, "evidence")] = [answer["evidence"]]
    return fields
