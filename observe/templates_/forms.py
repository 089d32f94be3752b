"""WTForms for the template pages. A scale's own levels, the options of a checklist or choice, an interval
sheet's codes and its choice groups per interval, and a timed log's own columns are typed in rows of fields
(with spare empty rows, so no JavaScript is needed to add one). The lines of text an older page posted
(`key | Svenska | English`) are still read."""
from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .items import levels_for
from .schemas import INTERVAL_PARTS, SCALE_PRESETS, TemplateFormatError

_ITEM_PATH = re.compile(r"^sections\[\d+\]\.items\[\d+\]\.?(?P<rest>.*)$")  # an item's path in schema errors
_DESCRIPTOR_PATH = re.compile(r"^levels\[(?P<i>\d+)\]\.description")  # a level's descriptor, within an item
# An entry of a list typed in rows (within an item): teacher_codes[2].key, interval_choices[0].options[1].value
_ROW_PATH = re.compile(r"^(?P<list>teacher_codes|student_codes|interval_choices|columns)(?:\[(?P<i>\d+)\])?"
                       r"(?P<options>\.options(?:\[(?P<j>\d+)\])?)?(?:\.(?P<field>\w+))?")
MAX_LEVELS = 10

KIND_CHOICES = [SelectChoice("walkthrough", _l("Walkthrough (short visit)")), SelectChoice("planned", _l("Planned visit")),
                SelectChoice("peer", _l("Peer observation")), SelectChoice("any", _l("Any visit"))]
TYPE_CHOICES = [SelectChoice("scale", _l("Scale")), SelectChoice("yes_no", _l("Yes / no / not observed")), SelectChoice("text", _l("Text")),
                SelectChoice("checklist", _l("Checklist (pick several)")), SelectChoice("choice", _l("Choice (pick one)")),
                SelectChoice("counter", _l("Counter")), SelectChoice("x_of_y", _l("x of y")), SelectChoice("timed_log", _l("Timed log")),
                SelectChoice("interval", _l("Interval coding"))]
EVIDENCE_CHOICES = [SelectChoice("optional", _l("Optional")), SelectChoice("required", _l("Required")), SelectChoice("none", _l("No evidence note"))]
COLUMN_TYPE_CHOICES = [SelectChoice("time", _l("Time (hh:mm)")), SelectChoice("text", _l("Text")),
                       SelectChoice("choice", _l("Choice (a list)")), SelectChoice("number", _l("Whole number"))]
PRESET_CHOICES = [SelectChoice("F4", _l("F4 frequency: not seen … consistently")), SelectChoice("YNO", _l("Yes / no / not observed")),
                  SelectChoice("custom", _l("My own levels"))]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NewTemplateForm(FlaskForm):
    title_sv = StringField(_l("Title (Swedish)"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Used for"), choices=KIND_CHOICES, default="any")


class MetaForm(FlaskForm):
    title_sv = StringField(_l("Title (Swedish)"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200)])
    description_sv = TextAreaField(_l("Description (Swedish)"), validators=[Optional(), Length(max=4000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Optional(), Length(max=4000)])
    header_note_sv = TextAreaField(_l("Note shown above the form (Swedish)"), validators=[Optional(), Length(max=2000)])
    header_note_en = TextAreaField(_l("Note shown above the form (English)"), validators=[Optional(), Length(max=2000)])
    kind = SelectField(_l("Used for"), choices=KIND_CHOICES)


class SectionForm(FlaskForm):
    title_sv = StringField(_l("Section title (Swedish)"), validators=[DataRequired(), Length(max=500)])
    title_en = StringField(_l("Section title (English)"), validators=[Optional(), Length(max=500)])
    help_sv = TextAreaField(_l("Guidance for the section (Swedish)"), validators=[Optional(), Length(max=2000)])
    help_en = TextAreaField(_l("Guidance for the section (English)"), validators=[Optional(), Length(max=2000)])


class NewItemForm(FlaskForm):
    type = SelectField(_l("Item type"), choices=TYPE_CHOICES)
    label_sv = StringField(_l("Question or look-for (Swedish)"), validators=[DataRequired(), Length(max=500)])
    label_en = StringField(_l("Question or look-for (English)"), validators=[Optional(), Length(max=500)])


class DescriptorForm(Form):
    """One scale level's descriptor (a rubric's paragraph), typed in fields rather than on a line."""
    sv = TextAreaField(validators=[Optional()])  # labelled with its level's number in item.html
    en = TextAreaField(validators=[Optional()])


class OptionRowForm(Form):
    """One option of a checklist or choice, typed in fields (labelled with its number in item.html)."""
    value = StringField(validators=[Optional(), Length(max=40)])  # empty: made from the label
    sv = StringField(validators=[Optional(), Length(max=200)])
    en = StringField(validators=[Optional(), Length(max=200)])
    help_sv = StringField(validators=[Optional(), Length(max=500)])
    help_en = StringField(validators=[Optional(), Length(max=500)])

    def is_empty(self) -> bool:
        return not any((f.data or "").strip() for f in (self.value, self.sv, self.en, self.help_sv, self.help_en))


class LevelRowForm(Form):
    """One level of an own scale, typed in fields (labelled with its number in item.html)."""
    value = StringField(validators=[Optional(), Length(max=40)])  # empty: its number
    sv = StringField(validators=[Optional(), Length(max=200)])
    en = StringField(validators=[Optional(), Length(max=200)])
    score = StringField(validators=[Optional(), Length(max=20)])  # the schema says when it is not a number

    def is_empty(self) -> bool:
        return not any((f.data or "").strip() for f in (self.value, self.sv, self.en, self.score))


class CodeRowForm(Form):
    """One code of an interval sheet, typed in fields (labelled with its number in item.html)."""
    key = StringField(validators=[Optional(), Length(max=40)])  # empty: made from the label
    sv = StringField(validators=[Optional(), Length(max=200)])
    en = StringField(validators=[Optional(), Length(max=200)])
    help_sv = StringField(validators=[Optional(), Length(max=500)])
    help_en = StringField(validators=[Optional(), Length(max=500)])

    def is_empty(self) -> bool:
        return not any((f.data or "").strip() for f in (self.key, self.sv, self.en, self.help_sv, self.help_en))


MAX_OPTIONS = 30
SPARE_OPTIONS = 3  # empty rows offered for new options (no JavaScript needed to add one)
MAX_CODES = 30
MAX_GROUP_OPTIONS = 10  # a choice group per interval: 2-10 options
MAX_COLUMN_OPTIONS = 20  # a timed log's choice column: 2-20 options
MAX_GROUPS = 3
MAX_COLUMNS = 8


def _filled(rows) -> list:
    """The row forms of a FieldList that have something typed in them (empty spare rows are left out)."""
    return [row.form for row in rows if not row.form.is_empty()]


def _pad(rows, spare: int, most: int, least: int = 0) -> None:
    """Spare empty rows after the filled ones (at least `least` rows, at most `most`)."""
    want = min(max(len(_filled(rows)) + spare, least), most)
    while len(rows) < want:
        rows.append_entry()


def _bi_of(row, prefix: str = "") -> dict:
    return {"sv": (row[f"{prefix}sv"].data or "").strip(), "en": (row[f"{prefix}en"].data or "").strip()}


class ChoiceGroupForm(Form):
    """A single-choice group answered once per interval (COPUS's engagement level), with its options."""
    key = StringField(validators=[Optional(), Length(max=20)])  # empty: made from the name
    sv = StringField(validators=[Optional(), Length(max=200)])
    en = StringField(validators=[Optional(), Length(max=200)])
    help_sv = StringField(validators=[Optional(), Length(max=500)])
    help_en = StringField(validators=[Optional(), Length(max=500)])
    option_rows = FieldList(FormField(OptionRowForm), max_entries=MAX_GROUP_OPTIONS + 2)

    def is_empty(self) -> bool:
        return (not any((f.data or "").strip() for f in (self.key, self.sv, self.en, self.help_sv, self.help_en))
                and not _filled(self.option_rows))


class LogColumnForm(Form):
    """A timed log's own column: its name, type, help, a number column's maximum, a choice column's options."""
    key = StringField(validators=[Optional(), Length(max=20)])  # empty: made from the name
    type = SelectField(choices=COLUMN_TYPE_CHOICES, default="text")
    sv = StringField(validators=[Optional(), Length(max=200)])
    en = StringField(validators=[Optional(), Length(max=200)])
    help_sv = StringField(validators=[Optional(), Length(max=500)])
    help_en = StringField(validators=[Optional(), Length(max=500)])
    max = IntegerField(validators=[Optional(), NumberRange(1, 100000)])  # a number column's highest value
    option_rows = FieldList(FormField(OptionRowForm), max_entries=MAX_COLUMN_OPTIONS + 2)

    def is_empty(self) -> bool:  # the type list always posts a value, so it does not count
        return (not any((f.data or "").strip() for f in (self.key, self.sv, self.en, self.help_sv, self.help_en))
                and self.max.data is None and not _filled(self.option_rows))


def _option_value(label: str, taken: set[str], n: int) -> str:
    """A value for an option typed without one: its label's letters (å→a), else o<n>; never a taken one."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")[:30] or f"o{n}"
    value, k = base, 2
    while value in taken:
        value, k = f"{base}_{k}", k + 1
    return value


def _part_key(label: str, taken: set[str], prefix: str, n: int) -> str:
    """A key for a choice group or a log column typed without one: part of an input name, so 1-20 of
    a-z 0-9 _ starting with a letter (else `prefix`<n>), never a taken one or one the grid uses."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")[:16].strip("_")
    if not base or not base[0].isalpha():
        base = f"{prefix}{n}"
    value, k = base, 2
    while value in taken or value in INTERVAL_PARTS:
        value, k = f"{base}_{k}", k + 1
    return value


class ItemForm(FlaskForm):
    key = StringField(_l("Key"), validators=[DataRequired(), Length(max=40)],
                      description=_l("Stays the same across versions so trends continue. Letters, digits, - and _."))
    type = SelectField(_l("Item type"), choices=TYPE_CHOICES)
    label_sv = StringField(_l("Question or look-for (Swedish)"), validators=[DataRequired(), Length(max=500)])
    label_en = StringField(_l("Question or look-for (English)"), validators=[Optional(), Length(max=500)])
    help_sv = TextAreaField(_l("What to look for (Swedish)"), validators=[Optional(), Length(max=2000)])
    help_en = TextAreaField(_l("What to look for (English)"), validators=[Optional(), Length(max=2000)])
    required = BooleanField(_l("Must be answered before the observation is complete"))
    evidence = SelectField(_l("Evidence note"), choices=EVIDENCE_CHOICES)
    preset = SelectField(_l("Scale"), choices=PRESET_CHOICES, default="F4")
    levels = TextAreaField(_l("Levels, one per line: value | Swedish | English | score"), validators=[Optional()])
    level_rows = FieldList(FormField(LevelRowForm), max_entries=MAX_LEVELS + 2)  # what the page shows
    not_applicable = BooleanField(_l("Offer “not applicable”"))
    na_label_sv = StringField(_l("Wording of “not applicable” (Swedish)"), validators=[Optional(), Length(max=200)],
                              description=_l("Empty: “Ej aktuellt”."))
    na_label_en = StringField(_l("Wording of “not applicable” (English)"), validators=[Optional(), Length(max=200)],
                              description=_l("Empty: “Not applicable”."))
    partly = BooleanField(_l("Also offer “partly” (yes / partly / no)"))
    descriptors = FieldList(FormField(DescriptorForm), max_entries=MAX_LEVELS)  # by position, level 1 first
    options = TextAreaField(_l("Options, one per line: value | Swedish | English"), validators=[Optional()])
    option_rows = FieldList(FormField(OptionRowForm), max_entries=MAX_OPTIONS + SPARE_OPTIONS)  # what the page shows
    max = IntegerField(_l("Highest count (empty: no limit)"), validators=[Optional(), NumberRange(1, 100000)])
    max_length = IntegerField(_l("Longest text (characters)"), validators=[Optional(), NumberRange(1, 20000)])
    max_rows = IntegerField(_l("Most rows"), validators=[Optional(), NumberRange(1, 1000)])
    interval_minutes = IntegerField(_l("Minutes per interval"), validators=[Optional(), NumberRange(1, 60)])
    intervals = IntegerField(_l("Number of intervals"), validators=[Optional(), NumberRange(1, 60)])
    teacher_codes = TextAreaField(_l("Teacher codes, one per line: key | Swedish | English"), validators=[Optional()])
    student_codes = TextAreaField(_l("Student codes, one per line: key | Swedish | English"), validators=[Optional()])
    teacher_code_rows = FieldList(FormField(CodeRowForm), max_entries=MAX_CODES + SPARE_OPTIONS)  # what the page shows
    student_code_rows = FieldList(FormField(CodeRowForm), max_entries=MAX_CODES + SPARE_OPTIONS)
    choice_groups = FieldList(FormField(ChoiceGroupForm), max_entries=MAX_GROUPS)
    interval_comments = BooleanField(_l("A short comment per interval"))
    column_rows = FieldList(FormField(LogColumnForm), max_entries=MAX_COLUMNS)
    # Posted by the item editor that shows every field of the format: what it leaves empty is meant
    # so (absent, an older page or a script: the fields it does not post are kept as they were).
    every_field = HiddenField()
    # "K=v" pairs: the earlier item K and the answers v that show this item (none: always shown).
    show_if = MultiCheckboxField(_l("Show this item only when"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_errors: dict[str, list[str]] = {}  # a list of rows' own errors, by the list's name

    def fill_from(self, item: dict) -> None:
        """Show an item (a normalised document item) in the form."""
        self.key.data, self.type.data = item["key"], item["type"]
        self.label_sv.data, self.label_en.data = item["label"]["sv"], item["label"]["en"]
        self.help_sv.data, self.help_en.data = item.get("help", {}).get("sv", ""), item.get("help", {}).get("en", "")
        self.required.data, self.evidence.data = item.get("required", False), item.get("evidence", "optional")
        if item["type"] == "scale":
            preset = next((name for name, p in SCALE_PRESETS.items()
                           if p["levels"] == item["levels"]), "custom")
            self.preset.data = preset
            self.levels.data = lines([[lv["value"], lv["label"]["sv"], lv["label"]["en"],
                                       "" if lv.get("score") is None else str(lv["score"])] for lv in item["levels"]])
            self.not_applicable.data = item.get("not_applicable", False)
            for level in item["levels"][:MAX_LEVELS]:
                self.level_rows.append_entry({"value": level["value"], "sv": level["label"]["sv"],
                                              "en": level["label"]["en"],
                                              "score": "" if level.get("score") is None else str(level["score"])})
            na_label = item.get("not_applicable_label") or {}
            self.na_label_sv.data, self.na_label_en.data = na_label.get("sv", ""), na_label.get("en", "")
            for level in item["levels"][:MAX_LEVELS]:
                described = level.get("description") or {}
                self.descriptors.append_entry({"sv": described.get("sv", ""), "en": described.get("en", "")})
        if item["type"] == "yes_no":
            self.partly.data = bool(item.get("partly"))
        if item["type"] in ("checklist", "choice"):
            self.options.data = lines([[o["value"], o["label"]["sv"], o["label"]["en"]] for o in levels_for(item)])
            for option in levels_for(item):
                helped = option.get("help") or {}
                self.option_rows.append_entry({"value": option["value"], "sv": option["label"]["sv"],
                                               "en": option["label"]["en"], "help_sv": helped.get("sv", ""),
                                               "help_en": helped.get("en", "")})
        if item["type"] == "interval":
            self.interval_minutes.data, self.intervals.data = item["interval_minutes"], item["intervals"]
            self.teacher_codes.data = lines([[c["key"], c["label"]["sv"], c["label"]["en"]] for c in item["teacher_codes"]])
            self.student_codes.data = lines([[c["key"], c["label"]["sv"], c["label"]["en"]] for c in item["student_codes"]])
            for codes, rows in ((item["teacher_codes"], self.teacher_code_rows), (item["student_codes"], self.student_code_rows)):
                for code in codes[:MAX_CODES]:
                    rows.append_entry({"key": code["key"], **_row_texts(code)})
            for group in item.get("interval_choices", [])[:MAX_GROUPS]:
                self.choice_groups.append_entry({"key": group["key"], **_row_texts(group), "option_rows": [
                    {"value": o["value"], **_row_texts(o)} for o in group["options"][:MAX_GROUP_OPTIONS]]})
            self.interval_comments.data = bool(item.get("interval_comments"))
        if item["type"] == "timed_log":
            for column in item.get("columns", [])[:MAX_COLUMNS]:
                self.column_rows.append_entry({"key": column["key"], "type": column["type"], "max": column.get("max"),
                                               **_row_texts(column), "option_rows": [
                    {"value": o["value"], **_row_texts(o)} for o in column.get("options", [])[:MAX_COLUMN_OPTIONS]]})
        condition = item.get("show_if")
        self.show_if.data = [f"{condition['item']}={value}" for value in condition["equals"]] if condition else []
        self.max.data = item.get("max")
        self.max_length.data = item.get("max_length")
        self.max_rows.data = item.get("max_rows")

    def to_item(self) -> dict:
        """The item as a document fragment (validated afterwards by the document schema)."""
        kind = self.type.data
        item = {"key": (self.key.data or "").strip(), "type": kind,
                "label": {"sv": self.label_sv.data or "", "en": self.label_en.data or ""},
                "help": {"sv": self.help_sv.data or "", "en": self.help_en.data or ""},
                "required": bool(self.required.data), "evidence": self.evidence.data}
        picked = [pair.split("=", 1) for pair in self.show_if.data or [] if "=" in pair]
        if picked:  # the schema says when the item or a value is not one to use
            item["show_if"] = {"item": picked[0][0], "equals": [value for _key, value in picked]}
        if kind == "scale":
            described = self._descriptors()
            if self.preset.data in SCALE_PRESETS and not any(described):
                item["scale"] = self.preset.data
                if self.preset.data == "F4":
                    item["not_applicable"] = bool(self.not_applicable.data)
            else:  # own levels, or a preset's levels given descriptors (then stored as levels)
                preset = SCALE_PRESETS.get(self.preset.data)
                levels = ([dict(lv) for lv in preset["levels"]] if preset else self._levels_typed())
                for level, text in zip(levels, described):
                    if text:
                        level["description"] = text
                item["levels"] = levels
                item["not_applicable"] = (bool(self.not_applicable.data) if not preset or self.preset.data == "F4"
                                          else preset["not_applicable"])
            na_label = {"sv": (self.na_label_sv.data or "").strip(), "en": (self.na_label_en.data or "").strip()}
            if item.get("not_applicable") and (na_label["sv"] or na_label["en"]):
                item["not_applicable_label"] = na_label
        elif kind == "yes_no" and self.partly.data:
            item["partly"] = True
        elif kind in ("checklist", "choice"):
            rows = [row.form for row in self.option_rows if not row.form.is_empty()]
            if rows:
                item["options"] = self._options_from_rows(rows)
            else:  # the lines of text an older page (or a script) posts
                item["options"] = [{"value": p[0], "label": _label(p)} for p in split_lines(self.options.data)]
        elif kind == "counter" and self.max.data:
            item["max"] = self.max.data
        elif kind == "text" and self.max_length.data:
            item["max_length"] = self.max_length.data
        elif kind == "timed_log":
            if self.max_rows.data:
                item["max_rows"] = self.max_rows.data
            columns = _filled(self.column_rows)
            if columns:  # none: the classic three columns (time, teacher, students)
                item["columns"] = self._columns_from_rows(columns)
        elif kind == "interval":
            item["interval_minutes"] = self.interval_minutes.data or 2
            item["intervals"] = self.intervals.data or 10
            for name, rows, text in (("teacher_codes", self.teacher_code_rows, self.teacher_codes),
                                     ("student_codes", self.student_code_rows, self.student_codes)):
                filled = _filled(rows)
                if filled:
                    item[name] = self._codes_from_rows(filled)
                else:  # the lines of text an older page (or a script) posts
                    item[name] = [{"key": p[0], "label": _label(p)} for p in split_lines(text.data)]
            groups = _filled(self.choice_groups)
            if groups:
                item["interval_choices"] = self._groups_from_rows(groups)
            if self.interval_comments.data:
                item["interval_comments"] = True
        return item

    def shows_every_field(self) -> bool:
        """Posted by the item editor that has a field for everything the format holds."""
        return self.every_field.data == "1"

    @staticmethod
    def _codes_from_rows(rows: list) -> list[dict]:
        taken = {(row.key.data or "").strip() for row in rows} - {""}
        codes = []
        for n, row in enumerate(rows, start=1):
            label, key = _bi_of(row), (row.key.data or "").strip()
            if not key:
                key = _option_value(label["sv"] or label["en"], taken, n)
                taken.add(key)
            code = {"key": key, "label": label}
            if any(_bi_of(row, "help_").values()):
                code["help"] = _bi_of(row, "help_")
            codes.append(code)
        return codes

    @classmethod
    def _groups_from_rows(cls, rows: list) -> list[dict]:
        taken = {(row.key.data or "").strip() for row in rows} - {""}
        groups = []
        for n, row in enumerate(rows, start=1):
            label, key = _bi_of(row), (row.key.data or "").strip()
            if not key:
                key = _part_key(label["en"] or label["sv"], taken, "group", n)
                taken.add(key)
            group = {"key": key, "label": label, "options": cls._options_from_rows(_filled(row.option_rows))}
            if any(_bi_of(row, "help_").values()):
                group["help"] = _bi_of(row, "help_")
            groups.append(group)
        return groups

    @classmethod
    def _columns_from_rows(cls, rows: list) -> list[dict]:
        """Each column as the format has it; a column uses only the fields of its type (options for a
        choice column, the maximum for a number column), as the item uses only its own type's options."""
        taken = {(row.key.data or "").strip() for row in rows} - {""}
        columns = []
        for n, row in enumerate(rows, start=1):
            label, key = _bi_of(row), (row.key.data or "").strip()
            if not key:
                key = _part_key(label["en"] or label["sv"], taken, "column", n)
                taken.add(key)
            column = {"key": key, "type": row.type.data, "label": label}
            if any(_bi_of(row, "help_").values()):
                column["help"] = _bi_of(row, "help_")
            if row.type.data == "choice":
                column["options"] = cls._options_from_rows(_filled(row.option_rows))
            if row.type.data == "number" and row.max.data is not None:
                column["max"] = row.max.data
            columns.append(column)
        return columns

    @staticmethod
    def _options_from_rows(rows: list) -> list[dict]:
        taken = {(row.value.data or "").strip() for row in rows} - {""}
        options = []
        for n, row in enumerate(rows, start=1):
            label = {"sv": (row.sv.data or "").strip(), "en": (row.en.data or "").strip()}
            value = (row.value.data or "").strip()
            if not value:
                value = _option_value(label["sv"] or label["en"], taken, n)
                taken.add(value)
            option = {"value": value, "label": label}
            helped = {"sv": (row.help_sv.data or "").strip(), "en": (row.help_en.data or "").strip()}
            if helped["sv"] or helped["en"]:
                option["help"] = helped
            options.append(option)
        return options

    def pad_options(self) -> None:
        """Spare empty rows under the options, so a new one can be typed without JavaScript."""
        filled = sum(1 for row in self.option_rows if not row.form.is_empty())
        while len(self.option_rows) < min(filled + SPARE_OPTIONS, MAX_OPTIONS + SPARE_OPTIONS):
            self.option_rows.append_entry()

    def pad_rows(self) -> None:
        """Spare empty rows for new codes, choice groups (with three options: low, medium, high), log
        columns and their options, so each can be typed without JavaScript."""
        for rows in (self.teacher_code_rows, self.student_code_rows):
            _pad(rows, SPARE_OPTIONS, MAX_CODES + SPARE_OPTIONS)
        _pad(self.choice_groups, 1, MAX_GROUPS)
        for group in self.choice_groups:
            _pad(group.form.option_rows, 2, MAX_GROUP_OPTIONS + 2, least=3)
        _pad(self.column_rows, 2, MAX_COLUMNS)
        for column in self.column_rows:
            _pad(column.form.option_rows, 2, MAX_COLUMN_OPTIONS + 2, least=3)

    def validate_show_if(self, field) -> None:
        if len({pair.split("=", 1)[0] for pair in field.data or []}) > 1:
            raise ValidationError(_l("Tick answers of one question only: the item is shown when that question "
                                "has one of them."))

    def _descriptors(self) -> list[dict | None]:
        """Each descriptor entry as bilingual text, None where both languages are empty."""
        out: list[dict | None] = []
        for entry in self.descriptors:
            text = {"sv": (entry.sv.data or "").strip(), "en": (entry.en.data or "").strip()}
            out.append(text if text["sv"] or text["en"] else None)
        return out

    def level_names(self) -> list[str]:
        """What to call each descriptor's level in the designer: the label typed for it (or the preset's)."""
        preset = SCALE_PRESETS.get(self.preset.data)
        if preset:
            return [lv["label"]["sv"] or lv["label"]["en"] for lv in preset["levels"]]
        return [level["label"]["sv"] or level["label"]["en"] or level["value"] for level in self._levels_typed()]

    def _levels_typed(self) -> list[dict]:
        """An own scale's levels: the rows of fields, or the lines of text an older page posts."""
        rows = [row.form for row in self.level_rows if not row.form.is_empty()]
        if not rows:
            return [_level(parts) for parts in split_lines(self.levels.data)]
        levels, taken = [], {(row.value.data or "").strip() for row in rows} - {""}
        for n, row in enumerate(rows, start=1):
            value = (row.value.data or "").strip()
            if not value:
                value = next(str(k) for k in range(n, n + 100) if str(k) not in taken)
                taken.add(value)
            level = {"value": value, "label": {"sv": (row.sv.data or "").strip(), "en": (row.en.data or "").strip()}}
            if (row.score.data or "").strip():
                level["score"] = row.score.data.strip().replace(",", ".")
            levels.append(level)
        return levels

    def pad_levels(self) -> None:
        """Spare empty rows under an own scale's levels, so one more can be typed without JavaScript."""
        filled = sum(1 for row in self.level_rows if not row.form.is_empty())
        while len(self.level_rows) < min(filled + 2, MAX_LEVELS + 2):
            self.level_rows.append_entry()

    def pad_descriptors(self) -> None:
        """One descriptor entry per level typed, so a level added on a line gets its fields."""
        while len(self.descriptors) < min(len(self.level_names()), MAX_LEVELS):
            self.descriptors.append_entry()

    def attach_schema_errors(self, exc: TemplateFormatError) -> list[str]:
        """Put the document schema's errors on the field they concern; return the rest. An error in a
        row (a code, a choice group or its option, a log column or its option) is said as the import says
        it — section, item, row, field, what is allowed — under the field and at the top of the page."""
        general = []
        for (path, messages), readable in zip(exc.errors.items(), exc.readable):
            match = _ITEM_PATH.match(path)
            row_path = _ROW_PATH.fullmatch(match["rest"]) if match else None
            if row_path and self._attach_row_error(row_path, readable):
                general.append(readable)
                continue
            described = _DESCRIPTOR_PATH.match(match["rest"]) if match else None
            if described and int(described["i"]) < len(self.descriptors):
                entry = self.descriptors[int(described["i"])]
                lang = "en" if len(entry.en.data or "") > len(entry.sv.data or "") else "sv"  # the too-long one
                entry[lang].errors = list(entry[lang].errors) + messages
                self.descriptors.errors = [e.errors for e in self.descriptors.entries]  # the list's summary
                continue
            name = re.split(r"[.\[]", match["rest"])[0] if match else ""
            name = {"label": "label_sv", "help": "help_sv", "scale": "preset",
                    "not_applicable_label": "na_label_sv"}.get(name, name)
            if name and name in self:
                self[name].errors = list(self[name].errors) + messages
            else:
                general.extend(f"{path}: {m}" for m in messages)
        return general

    def _attach_row_error(self, where: re.Match, message: str) -> bool:
        """Put `message` on the row field `where` names (or its list, at the top of it); False if not found."""
        rows = {"teacher_codes": self.teacher_code_rows, "student_codes": self.student_code_rows,
                "interval_choices": self.choice_groups, "columns": self.column_rows}[where["list"]]
        filled = [row for row in rows if not row.form.is_empty()]  # the document's entries, in order
        field = where["field"]
        if where["i"] is None or int(where["i"]) >= len(filled):
            if len(rows) == 0:  # an older page that typed the codes on lines: the text box says it
                return False
            self.row_errors.setdefault(rows.name, []).append(message)
            return True
        row = filled[int(where["i"])].form
        if where["options"]:
            options = [o for o in row.option_rows if not o.form.is_empty()]
            if where["j"] is None or int(where["j"]) >= len(options):
                self.row_errors.setdefault(row.option_rows.name, []).append(message)
                return True
            row = options[int(where["j"])].form
        name = {"label": "sv", "help": "help_sv"}.get(field or "", field)
        if name and name in row:
            row[name].errors = list(row[name].errors) + [message]
        else:
            self.row_errors.setdefault(row._prefix.rstrip("-"), []).append(message)
        return True


def _row_texts(entry: dict) -> dict:
    """A code's, group's, column's or option's label and help as the fields of its row."""
    helped = entry.get("help") or {}
    return {"sv": entry["label"]["sv"], "en": entry["label"]["en"], "help_sv": helped.get("sv", ""),
            "help_en": helped.get("en", "")}


def lines(rows: list[list[str]]) -> str:
    return "\n".join(" | ".join(row).rstrip(" |") for row in rows)


def split_lines(text: str | None) -> list[list[str]]:
    return [[part.strip() for part in line.split("|")] for line in (text or "").splitlines() if line.strip()]


def _label(parts: list[str]) -> dict:
    return {"sv": parts[1] if len(parts) > 1 else parts[0], "en": parts[2] if len(parts) > 2 else ""}


def _level(parts: list[str]) -> dict:
    level = {"value": parts[0], "label": _label(parts)}
    if len(parts) > 3 and parts[3]:
        level["score"] = parts[3]  # the schema says when it is not a number
    return level


class ImportForm(FlaskForm):
    file = FileField(_l("Template file (JSON)"), validators=[FileRequired()])


class CoauthorsForm(FlaskForm):
    users = MultiCheckboxField(_l("Co-authors"), coerce=int, validate_choice=True)
