"""The form engine's server half: item types, parsing posted fields into answers, validation.

CONTRACT (shared by the online form, the offline client and the sync API):
- The form for a template version is rendered by the Jinja macro
  `render_form(document, answers, errors, focus_keys)` in templates/forms/_engine.html.
- Every input is named from the item key: `a.<key>` for the value, `a.<key>.evidence`
  for the evidence note, and `a.<key>.<part>` for composite items (see each type).
- `parse_answers(document, fields)` turns posted fields (a werkzeug MultiDict, or the
  dict {name: [values]} the offline client uploads) into (answers, errors); errors are
  keyed by field name so a client can mark the exact input.
- `answer_rows(document, answers)` flattens answers into ObservationAnswer rows for insights.

Input names and answer shapes per type (answers are {key: {"value": ..., "evidence"?: str}}):
  scale, yes_no, choice  a.K = one value                 -> {"value": "3"}
  text                   a.K = text                      -> {"value": "..."}
  checklist              a.K = several values            -> {"value": ["pair", "individual"]}
  counter                a.K = whole number >= 0         -> {"value": 4}
  x_of_y                 a.K.x, a.K.y                    -> {"value": {"x": 18, "y": 24}}
  timed_log              a.K.<row>.time/.teacher/.students -> {"value": [{"time", "teacher", "students"}]}
                         with columns: a.K.<row>.<column> -> {"value": [{"time": "08:05", "kind": "open", "wait": 3}]}
                         (only the filled-in cells; a number column's cell is a whole number)
  interval               a.K.<i>.teacher, a.K.<i>.students (codes ticked in interval i)
                                                         -> {"value": [{"teacher": [...], "students": [...]}]}
                         with interval_choices: a.K.<i>.<group> = one option -> cell "choices": {group: value}
                         with interval_comments: a.K.<i>.comment = text     -> cell "comment": "..."
                         (both only in cells that have them, so older answers keep their shape)
An item left empty is absent from answers (so "not answered" never counts as 0).
A conditional item (`show_if`) that its condition hides is not asked: whatever was posted for it
is dropped (with any error it had), it is never required, and it makes no ObservationAnswer rows.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from .schemas import (INTERVAL_COMMENT_MAX, NOT_APPLICABLE, NOT_APPLICABLE_LABEL, hidden_items, items_of,
                      yes_no_levels)

MAX_EVIDENCE = 4000
MAX_LOG_CELL = 1000
TIME_RE = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)(?::[0-5]\d)?$")
_ROW_RE = re.compile(r"^a\.(?P<key>[A-Za-z0-9_-]+)\.(?P<row>\d{1,4})\.(?P<part>[a-z][a-z0-9_]*)$")
LOG_PARTS = ("time", "teacher", "students")
DEFAULT_LOG_COLUMNS = [{"key": "time", "type": "time"}, {"key": "teacher", "type": "text"},
                       {"key": "students", "type": "text"}]


def field_name(key: str, *parts) -> str:
    """The input name for an item (and part): field_name("W3", "x") == "a.W3.x"."""
    return ".".join(["a", key, *(str(p) for p in parts)])


def choice_values(item: dict) -> list[str]:
    """The values a single-choice item accepts (scales include "na" when allowed)."""
    kind = item["type"]
    if kind == "yes_no":
        return [lv["value"] for lv in yes_no_levels(item)]
    if kind == "scale":
        values = [lv["value"] for lv in item["levels"]]
        return values + [NOT_APPLICABLE] if item.get("not_applicable") else values
    return [opt["value"] for opt in item.get("options", [])]


def levels_for(item: dict) -> list[dict]:
    """The choices to draw for a scale/yes_no/choice item, as [{value, label}]."""
    if item["type"] == "yes_no":
        return yes_no_levels(item)
    if item["type"] == "scale":
        levels = list(item["levels"])
        if item.get("not_applicable"):
            levels.append({"value": NOT_APPLICABLE, "label": item.get("not_applicable_label") or NOT_APPLICABLE_LABEL})
        return levels
    return item.get("options", [])


class _Fields:
    """Uniform read access to a MultiDict or a {name: [values]} dict."""

    def __init__(self, fields):
        self._fields = fields

    def all(self, name: str) -> list[str]:
        if hasattr(self._fields, "getlist"):
            values = self._fields.getlist(name)
        else:
            raw = self._fields.get(name) if isinstance(self._fields, Mapping) else None
            values = [] if raw is None else (list(raw) if isinstance(raw, (list, tuple)) else [raw])
        return ["" if v is None else str(v) for v in values]

    def one(self, name: str) -> str:
        values = [v for v in self.all(name) if v.strip() != ""]
        return values[-1].strip() if values else ""

    def names(self):
        return list(self._fields.keys())


def _int(text: str, name: str, errors: dict, *, minimum: int = 0, maximum: int | None = None) -> int | None:
    try:
        number = int(text)
    except ValueError:
        errors.setdefault(name, []).append(str(_l("Enter a whole number.")))
        return None
    if number < minimum:
        errors.setdefault(name, []).append(str(_l("Must be at least %(n)d.", n=minimum)))
        return None
    if maximum is not None and number > maximum:
        errors.setdefault(name, []).append(str(_l("Must be at most %(n)d.", n=maximum)))
        return None
    return number


def _parse_value(item: dict, f: _Fields, errors: dict):
    """The item's value from the posted fields, or None when left empty."""
    key, kind = item["key"], item["type"]
    name = field_name(key)
    if kind in ("scale", "yes_no", "choice"):
        value = f.one(name)
        if not value:
            return None
        if value not in choice_values(item):
            errors.setdefault(name, []).append(str(_l("Choose one of the listed answers.")))
            return None
        return value
    if kind == "text":
        value = f.one(name)
        if len(value) > item.get("max_length", 4000):
            errors.setdefault(name, []).append(str(_l("At most %(n)d characters.", n=item.get("max_length", 4000))))
        return value or None
    if kind == "checklist":
        allowed = choice_values(item)
        picked = [v.strip() for v in f.all(name) if v.strip()]
        if any(v not in allowed for v in picked):
            errors.setdefault(name, []).append(str(_l("Choose only from the listed options.")))
        picked = [v for v in allowed if v in picked]  # template order, no duplicates
        return picked or None
    if kind == "counter":
        text = f.one(name)
        return _int(text, name, errors, maximum=item.get("max")) if text else None
    if kind == "x_of_y":
        nx, ny = field_name(key, "x"), field_name(key, "y")
        tx, ty = f.one(nx), f.one(ny)
        if not tx and not ty:
            return None
        if not tx or not ty:
            missing = nx if not tx else ny
            errors.setdefault(missing, []).append(str(_l("Enter both numbers, or neither.")))
            return None
        x, y = _int(tx, nx, errors, maximum=10000), _int(ty, ny, errors, maximum=10000)
        if x is None or y is None:
            return None
        if x > y:
            errors.setdefault(nx, []).append(str(_l("Must be at most %(n)d.", n=y)))
            return None
        return {"x": x, "y": y}
    if kind == "timed_log":
        return _parse_log(item, f, errors)
    if kind == "interval":
        return _parse_intervals(item, f, errors)
    return None


def _row_indexes(key: str, f: _Fields) -> list[int]:
    rows = set()
    for name in f.names():
        match = _ROW_RE.match(name)
        if match and match["key"] == key:
            rows.add(int(match["row"]))
    return sorted(rows)


def log_columns(item: dict) -> list[dict]:
    """A timed log's columns: the school's own (`columns`), or the classic time / teacher / students."""
    return item.get("columns") or DEFAULT_LOG_COLUMNS


def log_column_item(item: dict, column: dict) -> dict:
    """The column of a timed log as Analys sees it: an item of its own, keyed "<item>.<column>"
    (a choice column as a choice item over the log's rows, a number column as a counter)."""
    label = {lang: f"{item['label'].get(lang) or item['label'].get('sv', '')}: "
                   f"{column['label'].get(lang) or column['label'].get('sv', '')}" for lang in ("sv", "en")}
    out = {"key": f"{item['key']}.{column['key']}", "type": "choice" if column["type"] == "choice" else "counter",
           "label": label, "log_column": True}
    if column["type"] == "choice":
        out["options"] = column["options"]
    return out


def _parse_log_cell(item: dict, column: dict, text: str, name: str, errors: dict):
    kind = column["type"]
    if kind == "time":
        match = TIME_RE.match(text)
        if match:
            return f"{int(match[1]):02d}:{match[2]}"
        errors.setdefault(name, []).append(str(_l("Write the time as hh:mm.")))
        return None
    if kind == "choice":
        if text in [o["value"] for o in column["options"]]:
            return text
        errors.setdefault(name, []).append(str(_l("Choose one of the listed answers.")))
        return None
    if kind == "number":
        return _int(text, name, errors, maximum=column.get("max"))
    if len(text) > MAX_LOG_CELL:
        errors.setdefault(name, []).append(str(_l("At most %(n)d characters.", n=MAX_LOG_CELL)))
        return None
    return text


def _parse_own_log(item: dict, f: _Fields, errors: dict):
    """A log with the school's own columns: each row holds only its filled-in cells."""
    key, rows = item["key"], []
    for index in _row_indexes(key, f):
        row = {}
        for column in item["columns"]:
            name = field_name(key, index, column["key"])
            text = f.one(name)
            if text:
                value = _parse_log_cell(item, column, text, name, errors)
                if value is not None:
                    row[column["key"]] = value
        if row or any(f.one(field_name(key, index, c["key"])) for c in item["columns"]):
            rows.append(row)
    if len(rows) > item.get("max_rows", 200):
        errors.setdefault(field_name(key), []).append(str(_l("At most %(n)d rows.", n=item.get("max_rows", 200))))
    return rows or None


def _parse_log(item: dict, f: _Fields, errors: dict):
    if item.get("columns"):
        return _parse_own_log(item, f, errors)
    key, rows = item["key"], []
    for index in _row_indexes(key, f):
        row = {part: f.one(field_name(key, index, part)) for part in LOG_PARTS}
        if not any(row.values()):
            continue  # the empty rows the form offers
        tname = field_name(key, index, "time")
        if row["time"]:
            match = TIME_RE.match(row["time"])
            if match:
                row["time"] = f"{int(match[1]):02d}:{match[2]}"
            else:
                errors.setdefault(tname, []).append(str(_l("Write the time as hh:mm.")))
        for part in ("teacher", "students"):
            if len(row[part]) > MAX_LOG_CELL:
                errors.setdefault(field_name(key, index, part), []).append(
                    str(_l("At most %(n)d characters.", n=MAX_LOG_CELL)))
        rows.append(row)
    if len(rows) > item.get("max_rows", 200):
        errors.setdefault(field_name(key), []).append(str(_l("At most %(n)d rows.", n=item.get("max_rows", 200))))
    return rows or None


def interval_groups(item: dict) -> list[dict]:
    """An interval item's per-interval single-choice groups (none for older templates)."""
    return item.get("interval_choices") or []


def interval_parts(item: dict) -> tuple[str, ...]:
    """The input parts of one interval: a.K.<i>.<part>."""
    parts = ("teacher", "students") + tuple(g["key"] for g in interval_groups(item))
    return parts + ("comment",) if item.get("interval_comments") else parts


def _empty_cell(cell: dict) -> bool:
    return not (cell.get("teacher") or cell.get("students") or cell.get("choices") or cell.get("comment"))


def _parse_intervals(item: dict, f: _Fields, errors: dict):
    key, count = item["key"], item.get("intervals", 10)
    allowed = {"teacher": [c["key"] for c in item["teacher_codes"]],
               "students": [c["key"] for c in item["student_codes"]]}
    result = []
    for index in range(count):
        cell = {}
        for who, codes in allowed.items():
            name = field_name(key, index, who)
            ticked = [v.strip() for v in f.all(name) if v.strip()]
            if any(v not in codes for v in ticked):
                errors.setdefault(name, []).append(str(_l("Choose only from the listed codes.")))
            cell[who] = [c for c in codes if c in ticked]
        choices = {}
        for group in interval_groups(item):
            name = field_name(key, index, group["key"])
            value = f.one(name)
            if value and value not in [o["value"] for o in group["options"]]:
                errors.setdefault(name, []).append(str(_l("Choose one of the listed answers.")))
            elif value:
                choices[group["key"]] = value
        if choices:
            cell["choices"] = choices
        if item.get("interval_comments"):
            name = field_name(key, index, "comment")
            comment = f.one(name)
            if len(comment) > INTERVAL_COMMENT_MAX:
                errors.setdefault(name, []).append(str(_l("At most %(n)d characters.", n=INTERVAL_COMMENT_MAX)))
            elif comment:
                cell["comment"] = comment
        result.append(cell)
    for index in _row_indexes(key, f):
        if index >= count:
            errors.setdefault(field_name(key, index, "teacher"), []).append(
                str(_l("This template has only %(n)d intervals.", n=count)))
    while result and _empty_cell(result[-1]):
        result.pop()  # trailing intervals not reached yet
    return result or None


_PARTS = {"x_of_y": {("x",), ("y",)}}


def _is_input(item: dict, parts: list[str]) -> bool:
    """True when a.<key>.<parts...> is an input the form engine draws for `item`."""
    kind = item["type"]
    if parts == ["evidence"]:
        return item.get("evidence", "optional") != "none"
    if kind == "interval":
        return len(parts) == 2 and parts[0].isdigit() and len(parts[0]) <= 4 and parts[1] in interval_parts(item)
    if kind == "timed_log":
        return len(parts) == 2 and parts[0].isdigit() and len(parts[0]) <= 4 and parts[1] in [
            c["key"] for c in log_columns(item)]
    if kind in _PARTS:
        return tuple(parts) in _PARTS[kind]
    return not parts


def unknown_names(document: dict, names) -> list[str]:
    """The posted names that are no input of this version's form (its items, parts and evidence).

    Versions are immutable and every record names its own, so a name the version does not
    draw was never typed into its form: the record does not belong to the version.
    """
    by_key = {item["key"]: item for item in items_of(document)}
    unknown = []
    for name in names:
        prefix, _dot, rest = str(name).partition(".")
        key, *parts = rest.split(".")
        item = by_key.get(key) if prefix == "a" else None
        if item is None or not _is_input(item, parts):
            unknown.append(str(name))
    return unknown


def parse_answers(document: dict, fields, *, complete: bool = False, strict: bool = False) -> tuple[dict, dict]:
    """Posted fields -> (answers, errors keyed by input name).

    With strict=True (records: the online form, sync, merges) every posted name must be an input
    of this version (`unknown_names`); each other name is an error under its own name, so a record
    is never half stored. Without it names are ignored that no item reads (a page's own fields,
    e.g. the template preview's csrf_token). With complete=True required items and required
    evidence must be filled in.
    """
    f = _Fields(fields)
    answers: dict[str, dict] = {}
    errors: dict[str, list[str]] = {}
    unknown: list[str] = unknown_names(document, f.names()) if strict else []
    if strict:
        for name in unknown:
            errors[name] = [str(_l("This answer does not belong to this version of the form."))]
    for item in items_of(document):
        key = item["key"]
        value = _parse_value(item, f, errors)
        answer: dict = {}
        if value is not None:
            answer["value"] = value
        if item.get("evidence", "optional") != "none":
            evidence = f.one(field_name(key, "evidence"))
            if len(evidence) > MAX_EVIDENCE:
                errors.setdefault(field_name(key, "evidence"), []).append(
                    str(_l("At most %(n)d characters.", n=MAX_EVIDENCE)))
            elif evidence:
                answer["evidence"] = evidence
        if answer:
            answers[key] = answer
    for key in hidden_items(document, answers):  # not asked for these answers: dropped, errors too
        answers.pop(key, None)
        prefix = field_name(key)
        for name in [n for n in errors if n == prefix or n.startswith(prefix + ".")]:
            if not strict or name not in unknown:
                del errors[name]
    for name, messages in validate(document, answers, complete=complete, shape=False).items():
        errors.setdefault(name, []).extend(messages)
    return answers, errors


def _shape_errors(item: dict, value) -> list[tuple[str, str]]:
    """Problems with a stored/uploaded answer value (used for answers that did not come from fields)."""
    key, kind = item["key"], item["type"]
    name = field_name(key)
    if kind in ("scale", "yes_no", "choice"):
        ok = isinstance(value, str) and value in choice_values(item)
        return [] if ok else [(name, str(_l("Choose one of the listed answers.")))]
    if kind == "text":
        return [] if isinstance(value, str) else [(name, str(_l("Must be text.")))]
    if kind == "checklist":
        ok = isinstance(value, list) and all(v in choice_values(item) for v in value)
        return [] if ok else [(name, str(_l("Choose only from the listed options.")))]
    if kind == "counter":
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        ok = ok and (item.get("max") is None or value <= item["max"])
        return [] if ok else [(name, str(_l("Enter a whole number.")))]
    if kind == "x_of_y":
        if not (isinstance(value, dict) and all(isinstance(value.get(p), int) and value[p] >= 0 for p in "xy")):
            return [(field_name(key, "x"), str(_l("Enter both numbers, or neither.")))]
        if value["x"] > value["y"]:
            return [(field_name(key, "x"), str(_l("Must be at most %(n)d.", n=value["y"])))]
        return []
    if kind == "timed_log" and item.get("columns"):
        return _own_log_errors(item, value)
    if kind == "timed_log":
        ok = isinstance(value, list) and all(
            isinstance(r, dict) and all(isinstance(r.get(p, ""), str) for p in LOG_PARTS) for r in value)
        return [] if ok else [(name, str(_l("Each row needs a time and notes.")))]
    if kind == "interval":
        codes = {"teacher": {c["key"] for c in item["teacher_codes"]},
                 "students": {c["key"] for c in item["student_codes"]}}
        ok = isinstance(value, list) and len(value) <= item.get("intervals", 10) and all(
            isinstance(cell, dict) and all(isinstance(cell.get(w, []), list) and set(cell.get(w, [])) <= codes[w]
                                           for w in codes) for cell in value)
        if not ok:
            return [(name, str(_l("Choose only from the listed codes.")))]
        return _interval_extra_errors(item, value)
    return [(name, str(_l("Unknown item type.")))]


def _own_log_errors(item: dict, rows) -> list[tuple[str, str]]:
    """Problems with a stored/uploaded answer of a timed log with the school's own columns."""
    columns = {c["key"]: c for c in item["columns"]}
    if not isinstance(rows, list) or len(rows) > item.get("max_rows", 200):
        return [(field_name(item["key"]), str(_l("At most %(n)d rows.", n=item.get("max_rows", 200))))]
    problems = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or set(row) - set(columns):
            problems.append((field_name(item["key"], index, item["columns"][0]["key"]),
                             str(_l("This answer does not belong to this version of the form."))))
            continue
        for key, value in row.items():
            column, name = columns[key], field_name(item["key"], index, key)
            if column["type"] == "number":
                ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0 and (
                    column.get("max") is None or value <= column["max"])
            elif column["type"] == "choice":
                ok = value in [o["value"] for o in column["options"]]
            elif column["type"] == "time":
                ok = isinstance(value, str) and bool(TIME_RE.match(value))
            else:
                ok = isinstance(value, str) and len(value) <= MAX_LOG_CELL
            if not ok:
                problems.append((name, str(_l("Choose one of the listed answers."))
                                 if column["type"] == "choice" else str(_l("Enter a whole number."))
                                 if column["type"] == "number" else str(_l("Write the time as hh:mm."))
                                 if column["type"] == "time" else str(_l("At most %(n)d characters.", n=MAX_LOG_CELL))))
    return problems


def _interval_extra_errors(item: dict, cells: list) -> list[tuple[str, str]]:
    """Problems with the per-interval choices and comments of a stored/uploaded interval answer."""
    groups = {g["key"]: {o["value"] for o in g["options"]} for g in interval_groups(item)}
    known = {"teacher", "students"} | ({"choices"} if groups else set()) | (
        {"comment"} if item.get("interval_comments") else set())
    problems = []
    for index, cell in enumerate(cells):
        if set(cell) - known:
            problems.append((field_name(item["key"], index, "teacher"),
                             str(_l("This answer does not belong to this version of the form."))))
            continue
        choices = cell.get("choices", {})
        if not isinstance(choices, dict) or any(groups.get(g) is None or v not in groups[g] for g, v in choices.items()):
            problems.append((field_name(item["key"], index, next(iter(groups), "teacher")),
                             str(_l("Choose one of the listed answers."))))
        comment = cell.get("comment", "")
        if not isinstance(comment, str) or len(comment) > INTERVAL_COMMENT_MAX:
            problems.append((field_name(item["key"], index, "comment"),
                             str(_l("At most %(n)d characters.", n=INTERVAL_COMMENT_MAX))))
    return problems


def validate(document: dict, answers: dict, *, complete: bool = False, shape: bool = True) -> dict:
    """Errors (keyed by input name) for answers against a document.

    `shape=True` also checks each value's shape (for answers that arrive as JSON).
    `complete=True` enforces required items and required evidence notes.
    """
    errors: dict[str, list[str]] = {}
    hidden = hidden_items(document, answers)
    for item in items_of(document):
        key = item["key"]
        answer = answers.get(key) or {}
        if key in hidden:
            continue  # not asked for these answers: ignored, never required
        has_value = answer.get("value") not in (None, "", [], {})
        if shape and has_value:
            for name, message in _shape_errors(item, answer["value"]):
                errors.setdefault(name, []).append(message)
        if not complete:
            continue
        if item.get("required") and not has_value and not item.get("asked_in"):  # not on the form: not required there
            name = field_name(key, "x") if item["type"] == "x_of_y" else field_name(key)
            if item["type"] in ("timed_log", "interval"):
                name = field_name(key)
            errors.setdefault(name, []).append(str(_l("This item is required.")))
        if item.get("evidence") == "required" and has_value and not (answer.get("evidence") or "").strip():
            errors.setdefault(field_name(key, "evidence"), []).append(str(_l("Write down what you saw or heard.")))
    return errors


def answer_rows(document: dict, answers: dict) -> list[dict]:
    """ObservationAnswer rows (item_key, item_type, template_key, choice, number, total) for insights.

    Free text and evidence notes never become rows: aggregates carry counts and
    choices only. scale: level + score; yes_no: value + 1/0; choice: value;
    checklist: one row per ticked option; counter: number; x_of_y: share x/y with y
    as total; timed_log: number of rows; interval: one row per code with the number
    of intervals it was seen in (total = intervals observed).
    """
    rows: list[dict] = []
    template_key = document.get("key", "")

    def row(item, choice=None, number=None, total=None):
        rows.append({"template_key": template_key, "item_key": item["key"], "item_type": item["type"],
                     "choice": choice, "number": number, "total": total})

    def log_rows(item, value):
        # A log with the school's own columns: each choice or number column is also an item of its
        # own for Analys ("Q1.kind": one choice row per log row; "Q1.wait": one number per log row).
        for column in item.get("columns") or []:
            if column["type"] not in ("choice", "number"):
                continue
            column_item = log_column_item(item, column)
            for entry in value:
                cell = entry.get(column["key"])
                if cell is None or cell == "":
                    continue
                if column["type"] == "choice":
                    row(column_item, choice=cell)
                else:
                    row(column_item, number=float(cell))

    hidden = hidden_items(document, answers)
    for item in items_of(document):
        value = (answers.get(item["key"]) or {}).get("value")
        if value in (None, "", [], {}) or item["key"] in hidden:
            continue
        kind = item["type"]
        if kind == "scale":
            level = next((lv for lv in item["levels"] if lv["value"] == value), None)
            score = level.get("score") if level else None
            row(item, choice=value, number=float(score) if score is not None else None)
        elif kind == "yes_no":
            row(item, choice=value, number={"yes": 1.0, "partly": 0.5, "no": 0.0}.get(value))
        elif kind == "choice":
            row(item, choice=value)
        elif kind == "checklist":
            for option in value:
                row(item, choice=option, number=1.0)
        elif kind == "counter":
            row(item, number=float(value))
        elif kind == "x_of_y":
            y = value["y"]
            row(item, number=(value["x"] / y) if y else None, total=float(y))
        elif kind == "timed_log":
            row(item, number=float(len(value)))
            log_rows(item, value)
        elif kind == "interval":
            seen = len(value)
            for who, codes in (("teacher", item["teacher_codes"]), ("students", item["student_codes"])):
                for code in codes:
                    hits = sum(1 for cell in value if code["key"] in cell.get(who, []))
                    if hits:
                        row(item, choice=f"{who}:{code['key']}", number=float(hits), total=float(seen))
            for group in interval_groups(item):
                given = [(i, (cell.get("choices") or {}).get(group["key"])) for i, cell in enumerate(value)]
                for option in group["options"]:
                    hits = sum(1 for _i, v in given if v == option["value"])
                    if hits:
                        row(item, choice=interval_choice(group["key"], option["value"]),
                            number=float(hits), total=float(seen))
                for index, chosen in given:
                    if chosen:
                        row(item, choice=interval_choice(group["key"], chosen, index), number=1.0, total=float(seen))
    return rows


def interval_choice(group: str, value: str, index: int | None = None) -> str:
    """The answer row choice of a per-interval group: "engagement:high", or "engagement@3:high" for
    interval 3 (0-based). At most 20 + 1 + 2 + 1 + 40 = 64 characters, the column's size."""
    return f"{group}:{value}" if index is None else f"{group}@{index}:{value}"
