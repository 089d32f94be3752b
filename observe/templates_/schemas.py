"""The template document format ("observe-template/1") as marshmallow schemas.

A template document is plain JSON so it can be exported, imported, frozen into a
TemplateVersion and shipped to the offline client unchanged. Loading normalises a
document (defaults filled in, scale presets expanded into explicit levels) so a
published version is self-contained: changing a preset in code never changes
what an old observation was filled in on. docs/template-format.md describes it.
"""
from __future__ import annotations

import json
import re

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from ..jsontext import loads as json_loads_bounded

FORMAT = "observe-template/1"
KINDS = ("walkthrough", "planned", "peer", "any")
ITEM_TYPES = ("scale", "yes_no", "text", "checklist", "choice", "counter", "x_of_y", "timed_log", "interval")
EVIDENCE = ("none", "optional", "required")
# What a text item may carry in from the visit (the teacher's pre-conference, the peer booking):
# shown read-only on the observation form and stored as the answer, so nobody types it twice.
CARRY = ("lesson_goal", "student_activity", "focus", "data_method", "feedback_meeting")
# Where an item is asked instead of on the observation form ("feedback": the feedback step asks it,
# e.g. the conversation's notes, or the observed teacher's own next step).
ASKED_IN = ("feedback",)
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
VALUE_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
# An interval code's key: as a value, plus "/" (COPUS writes "D/V", "T/Q"). Codes are posted as
# checkbox values and stored as list entries, never in an input name, so "/" is safe everywhere.
CODE_RE = re.compile(r"^[A-Za-z0-9_/-]{1,40}$")
# The key of a per-interval choice group (e.g. "engagement") is a part of input names
# (a.K.<i>.<group>): lower-case letters, digits and _, starting with a letter.
PART_RE = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
INTERVAL_PARTS = ("teacher", "students", "comment")  # taken by the interval grid itself
INTERVAL_COMMENT_MAX = 200


def _bi(sv: str, en: str) -> dict:
    return {"sv": sv, "en": en}


# Presets named in the domain notes; expanded into `levels` when a document is loaded.
SCALE_PRESETS: dict[str, dict] = {
    "F4": {
        "levels": [
            {"value": "1", "label": _bi("Inte synligt", "Not seen"), "score": 1},
            {"value": "2", "label": _bi("Synligt enstaka gånger", "Seen occasionally"), "score": 2},
            {"value": "3", "label": _bi("Synligt ofta", "Seen often"), "score": 3},
            {"value": "4", "label": _bi("Genomgående", "Consistently"), "score": 4},
        ],
        "not_applicable": True,
    },
    "YNO": {
        "levels": [
            {"value": "yes", "label": _bi("Ja", "Yes"), "score": 1},
            {"value": "no", "label": _bi("Nej", "No"), "score": 0},
            {"value": "not_observed", "label": _bi("Ej observerat", "Not observed"), "score": None},
        ],
        "not_applicable": False,
    },
}
NOT_APPLICABLE = "na"  # the value a scale's "not applicable" choice posts
NOT_APPLICABLE_LABEL = _bi("Ej aktuellt", "Not applicable")
YES_NO_LEVELS = SCALE_PRESETS["YNO"]["levels"]
# A yes_no item with "partly": true — yes / partly / no / not observed; partly scores ½, so the
# share "yes" Analys shows counts a partly as half a yes.
PARTLY_LEVEL = {"value": "partly", "label": _bi("Delvis", "Partly"), "score": 0.5}
YES_PARTLY_NO_LEVELS = [YES_NO_LEVELS[0], PARTLY_LEVEL, *YES_NO_LEVELS[1:]]


def yes_no_levels(item: dict) -> list[dict]:
    return YES_PARTLY_NO_LEVELS if item.get("partly") else YES_NO_LEVELS

class _Chars(validate.Regexp):
    """A key or value pattern whose refusal names the first character that is not allowed."""

    def __init__(self, regex, error, allowed: str):
        super().__init__(regex, error=error)
        self.allowed = allowed

    def __call__(self, value):
        try:
            return super().__call__(value)
        except ValidationError:
            text = value if isinstance(value, str) else ""
            bad = next((c for c in text if not re.match(rf"[{self.allowed}]", c)), None)
            if bad is None or not 1 <= len(text) <= 40:
                raise
            shown = {" ": str(_l("a space")), ".": str(_l("a dot"))}.get(bad, f"“{bad}”")
            raise ValidationError(str(_l("“%(text)s” contains %(char)s, which is not allowed here. %(rule)s",
                                         text=text, char=shown, rule=self.error))) from None


_key = _Chars(KEY_RE, _l("Use 1–40 letters, digits, - or _ (no spaces or dots)."), "A-Za-z0-9_-")
_value = _Chars(VALUE_RE, _l("Use 1–40 letters, digits, - or _ (no spaces or dots)."), "A-Za-z0-9_-")
_code = _Chars(CODE_RE, _l("Use 1–40 letters, digits, -, _ or / (no spaces or dots)."), "A-Za-z0-9_/-")
_part = validate.Regexp(PART_RE, error=_l("Use 1–20 lower-case letters, digits or _, starting with a letter."))


class Bilingual(fields.Field):
    """{"sv": ..., "en": ...}; at least one language filled in when required."""

    def __init__(self, *, need_text: bool = True, max_length: int = 500, **kwargs):
        super().__init__(**kwargs)
        self.need_text = need_text
        self.max_length = max_length

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):  # a plain string is taken as Swedish
            value = {"sv": value}
        if not isinstance(value, dict):
            raise ValidationError(_l('Give the text as {"sv": "...", "en": "..."}.'))
        unknown = sorted(set(value) - {"sv", "en"})
        if unknown:
            raise ValidationError(_l("Only the languages sv and en are supported, not %(langs)s.",
                                     langs=", ".join(unknown)))
        out = {}
        for lang in ("sv", "en"):
            text = value.get(lang) or ""
            if not isinstance(text, str):
                raise ValidationError(_l("The %(lang)s text must be a string.", lang=lang))
            if len(text) > self.max_length:
                raise ValidationError(_l("The %(lang)s text is longer than %(n)d characters.",
                                         lang=lang, n=self.max_length))
            out[lang] = text.strip()
        if self.need_text and not (out["sv"] or out["en"]):
            raise ValidationError(_l("Write the text in Swedish or English."))
        return out

    def _serialize(self, value, attr, obj, **kwargs):
        return value


def _duplicate(entries: list[dict], field: str) -> tuple[int, str] | None:
    """(index, value) of the first entry whose `field` repeats an earlier one."""
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if entry[field] in seen:
            return index, entry[field]
        seen.add(entry[field])
    return None


def _twice(where, field: str, value: str) -> str:
    return str(_l("%(what)s %(field)s \"%(value)s\" is used twice.", what=where, field=field, value=value))


def _unique(entries: list[dict], field: str, where, list_name: str) -> None:
    found = _duplicate(entries, field)
    if found:
        index, value = found
        raise ValidationError({list_name: {index: {field: [_twice(where, field, value)]}}})


class _Strict(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class Score(fields.Float):
    """A number kept as an int when it is whole, so exported JSON reads 3 rather than 3.0."""

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        return int(number) if number is not None and float(number).is_integer() else number


DESCRIPTOR_MAX = 1500  # a rubric level's descriptor: a paragraph of several sentences per language


class LevelSchema(_Strict):
    value = fields.String(required=True, validate=_value)
    label = Bilingual(required=True, max_length=200)
    score = Score(load_default=None, allow_nan=False)
    # What the level looks like in the classroom (a rubric's descriptor), shown with the level.
    description = Bilingual(need_text=False, max_length=DESCRIPTOR_MAX)

    @post_load
    def _drop_empty_description(self, level, **kwargs):
        # Absent rather than empty, so documents without descriptors keep their text and hash.
        if "description" in level and not (level["description"]["sv"] or level["description"]["en"]):
            del level["description"]
        return level


class OptionSchema(_Strict):
    value = fields.String(required=True, validate=_value)
    label = Bilingual(required=True, max_length=200)
    help = Bilingual(need_text=False, max_length=500)  # what counts as this option, shown with it

    @post_load
    def _tidy(self, option, **kwargs):
        return _drop_empty(option, "help")


def _drop_empty(entry: dict, name: str) -> dict:
    """Leave an optional bilingual text out when both languages are empty (documents without it keep their hash)."""
    if name in entry and not (entry[name]["sv"] or entry[name]["en"]):
        del entry[name]
    return entry


class CodeSchema(_Strict):
    key = fields.String(required=True, validate=_code)
    label = Bilingual(required=True, max_length=200)
    help = Bilingual(need_text=False, max_length=500)  # what counts as this code, shown with it

    @post_load
    def _tidy(self, code, **kwargs):
        return _drop_empty(code, "help")


class IntervalOptionSchema(_Strict):
    value = fields.String(required=True, validate=_value)
    label = Bilingual(required=True, max_length=200)
    help = Bilingual(need_text=False, max_length=500)

    @post_load
    def _tidy(self, option, **kwargs):
        return _drop_empty(option, "help")


class IntervalChoiceSchema(_Strict):
    """A single-choice group answered once per interval (COPUS's engagement level low/medium/high)."""
    key = fields.String(required=True, validate=_part)
    label = Bilingual(required=True, max_length=200)
    help = Bilingual(need_text=False, max_length=500)
    options = fields.List(fields.Nested(IntervalOptionSchema), required=True,
                          validate=validate.Length(2, 10, error=_l("Give between 2 and 10 options.")))

    @validates_schema
    def _check(self, data, **kwargs):
        if data.get("key") in INTERVAL_PARTS:
            raise ValidationError(_l("\"%(key)s\" is taken by the grid itself; choose another key.",
                                     key=data["key"]), "key")
        _unique(data.get("options") or [], "value", _l("Option"), "options")

    @post_load
    def _tidy(self, group, **kwargs):
        return _drop_empty(group, "help")


class ShowIfSchema(_Strict):
    """{"item": "K", "equals": "v"} or {"item": "K", "equals": ["v", "w"]}; stored with a list."""
    item = fields.String(required=True, validate=_key)
    equals = fields.Raw(required=True)

    @post_load
    def _as_list(self, data, **kwargs):
        values = data["equals"]
        if isinstance(values, str):
            values = [values]
        if (not isinstance(values, list) or not values or len(values) > 30
                or not all(isinstance(v, str) and VALUE_RE.match(v) for v in values)):
            raise ValidationError(_l("Give the answer value (or a list of values) that shows this item, "
                                     "e.g. \"yes\" or [\"3\", \"4\"]."), "equals")
        data["equals"] = list(dict.fromkeys(values))
        return data


# The item types whose answer a condition can test: one or several of their listed values.
CONDITION_TYPES = ("scale", "yes_no", "choice", "checklist")


def condition_values(item: dict) -> list[str]:
    """The values `show_if.equals` may name for an item (its choices; a scale's "na" when offered)."""
    if item["type"] == "yes_no":
        return [lv["value"] for lv in yes_no_levels(item)]
    if item["type"] == "scale":
        values = [lv["value"] for lv in item.get("levels") or []]
        return values + [NOT_APPLICABLE] if item.get("not_applicable") else values
    return [option["value"] for option in item.get("options") or []]


class BaseItemSchema(_Strict):
    key = fields.String(required=True, validate=_key)
    type = fields.String(required=True, validate=validate.OneOf(ITEM_TYPES))
    label = Bilingual(required=True)
    help = Bilingual(load_default=lambda: {"sv": "", "en": ""}, need_text=False, max_length=2000)
    required = fields.Boolean(load_default=False)
    evidence = fields.String(load_default="optional", validate=validate.OneOf(EVIDENCE))
    asked_in = fields.String(validate=validate.OneOf(ASKED_IN))  # absent: asked on the observation form
    # Conditional item: shown, and required, only when an earlier item's answer is one of `equals`.
    show_if = fields.Nested(lambda: ShowIfSchema())  # absent: always shown


class ScaleItemSchema(BaseItemSchema):
    scale = fields.String(load_default=None, validate=validate.OneOf(tuple(SCALE_PRESETS)), load_only=True)
    levels = fields.List(fields.Nested(LevelSchema), load_default=None)
    not_applicable = fields.Boolean(load_default=None)
    # The "not applicable" choice's own wording (e.g. "Inte aktuellt i denna lektion"); absent: Ej aktuellt.
    not_applicable_label = Bilingual(need_text=False, max_length=200)

    @validates_schema
    def _levels(self, data, **kwargs):
        if data.get("scale") and data.get("levels"):
            raise ValidationError(_l("Give either a preset scale or levels, not both."), "levels")
        if not data.get("scale"):
            levels = data.get("levels") or []
            if len(levels) < 2:
                raise ValidationError(_l("A scale needs at least two levels (or \"scale\": \"F4\")."), "levels")
            if len(levels) > 10:
                raise ValidationError(_l("A scale has at most 10 levels."), "levels")
            _unique(levels, "value", _l("Level"), "levels")
            if data.get("not_applicable") and any(lv["value"] == NOT_APPLICABLE for lv in levels):
                raise ValidationError(_l("The level value \"na\" is reserved for \"not applicable\"."), "levels")

    def load(self, data, **kwargs):  # expand the preset so the stored document is self-contained
        item = super().load(data, **kwargs)
        preset = item.pop("scale", None)
        if preset:
            item["levels"] = json.loads(json.dumps(SCALE_PRESETS[preset]["levels"]))
            if item["not_applicable"] is None:
                item["not_applicable"] = SCALE_PRESETS[preset]["not_applicable"]
        if item["not_applicable"] is None:
            item["not_applicable"] = False
        label = item.get("not_applicable_label")
        if label is not None and (not item["not_applicable"] or not (label["sv"] or label["en"])):
            del item["not_applicable_label"]  # only with the choice it names; empty: the usual wording
        return item


class YesNoItemSchema(BaseItemSchema):
    partly = fields.Boolean()  # also offer "partly" (yes / partly / no); absent: yes / no / not observed

    @post_load
    def _tidy(self, item, **kwargs):
        if not item.get("partly"):
            item.pop("partly", None)  # absent, so older documents keep their text and hash
        return item


class TextItemSchema(BaseItemSchema):
    max_length = fields.Integer(load_default=4000, validate=validate.Range(1, 20000))
    carry = fields.String(validate=validate.OneOf(CARRY))  # absent: typed on the form


class _OptionsItemSchema(BaseItemSchema):
    options = fields.List(fields.Nested(OptionSchema), required=True,
                          validate=validate.Length(1, 30, error=_l("Give between 1 and 30 options.")))

    @validates_schema
    def _options(self, data, **kwargs):
        _unique(data.get("options") or [], "value", _l("Option"), "options")


class ChecklistItemSchema(_OptionsItemSchema):
    pass


class ChoiceItemSchema(_OptionsItemSchema):
    pass


class CounterItemSchema(BaseItemSchema):
    max = fields.Integer(load_default=None, validate=validate.Range(1, 100000))


class XOfYItemSchema(BaseItemSchema):
    pass


LOG_COLUMN_TYPES = ("time", "text", "choice", "number")


class LogColumnSchema(_Strict):
    """A column of a timed log of the school's own making (one row per question: time, kind, who answered, wait)."""
    key = fields.String(required=True, validate=_part)
    type = fields.String(required=True, validate=validate.OneOf(LOG_COLUMN_TYPES))
    label = Bilingual(required=True, max_length=200)
    help = Bilingual(need_text=False, max_length=500)
    options = fields.List(fields.Nested(IntervalOptionSchema),
                          validate=validate.Length(2, 20, error=_l("Give between 2 and 20 options.")))
    max = fields.Integer(validate=validate.Range(1, 100000))

    @validates_schema
    def _check(self, data, **kwargs):
        if data.get("type") == "choice" and not data.get("options"):
            raise ValidationError(_l("A choice column needs its options."), "options")
        if data.get("type") != "choice" and "options" in data:
            raise ValidationError(_l("Only a choice column has options."), "options")
        if data.get("type") != "number" and "max" in data:
            raise ValidationError(_l("Only a number column has a maximum."), "max")
        _unique(data.get("options") or [], "value", _l("Option"), "options")

    @post_load
    def _tidy(self, column, **kwargs):
        return _drop_empty(column, "help")


class TimedLogItemSchema(BaseItemSchema):
    max_rows = fields.Integer(load_default=200, validate=validate.Range(1, 1000))
    # Absent: the classic three columns, time / teacher says-does / students say-do.
    columns = fields.List(fields.Nested(LogColumnSchema),
                          validate=validate.Length(1, 8, error=_l("Give between 1 and 8 columns.")))

    @validates_schema
    def _columns(self, data, **kwargs):
        _unique(data.get("columns") or [], "key", _l("Column"), "columns")


class IntervalItemSchema(BaseItemSchema):
    interval_minutes = fields.Integer(load_default=2, validate=validate.Range(1, 60))
    intervals = fields.Integer(load_default=10, validate=validate.Range(1, 60))
    teacher_codes = fields.List(fields.Nested(CodeSchema), required=True,
                                validate=validate.Length(1, 30, error=_l("Give between 1 and 30 codes.")))
    student_codes = fields.List(fields.Nested(CodeSchema), required=True,
                                validate=validate.Length(1, 30, error=_l("Give between 1 and 30 codes.")))
    # Both absent unless a template asks for them, so older documents keep their text and hash.
    interval_choices = fields.List(fields.Nested(IntervalChoiceSchema),
                                   validate=validate.Length(1, 3, error=_l("Give between 1 and 3 choice groups.")))
    interval_comments = fields.Boolean()  # a short comment per interval

    @validates_schema
    def _codes(self, data, **kwargs):
        _unique(data.get("teacher_codes") or [], "key", _l("Teacher code"), "teacher_codes")
        _unique(data.get("student_codes") or [], "key", _l("Student code"), "student_codes")
        _unique(data.get("interval_choices") or [], "key", _l("Choice group"), "interval_choices")

    @post_load
    def _tidy(self, item, **kwargs):
        if not item.get("interval_choices"):
            item.pop("interval_choices", None)
        if not item.get("interval_comments"):
            item.pop("interval_comments", None)
        return item


ITEM_SCHEMAS: dict[str, type[BaseItemSchema]] = {
    "scale": ScaleItemSchema, "yes_no": YesNoItemSchema, "text": TextItemSchema,
    "checklist": ChecklistItemSchema, "choice": ChoiceItemSchema, "counter": CounterItemSchema,
    "x_of_y": XOfYItemSchema, "timed_log": TimedLogItemSchema, "interval": IntervalItemSchema,
}


class ItemField(fields.Field):
    """An item, validated by the schema of its `type`."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError(_l("An item must be an object."))
        kind = value.get("type")
        if kind not in ITEM_SCHEMAS:
            raise ValidationError({"type": [str(_l("Must be one of: %(types)s.", types=", ".join(ITEM_TYPES)))]})
        return ITEM_SCHEMAS[kind]().load(value)

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class SectionSchema(_Strict):
    key = fields.String(required=True, validate=_key)
    title = Bilingual(required=True)
    help = Bilingual(load_default=lambda: {"sv": "", "en": ""}, need_text=False, max_length=2000)
    # A draft's section may be empty (a new template starts so); publishing needs an item in each.
    items = fields.List(ItemField(), required=True,
                        validate=validate.Length(0, 100, error=_l("A section has at most 100 items.")))


MEASURE_TYPES = ("share", "rate", "average")
# What a share's or rate's term may count: a number item's number, or a choice item's answers.
COUNTED_TYPES = ("counter", "timed_log")
MINUTES_TYPES = ("counter", "interval")  # observed minutes: typed in a counter, or the intervals coded
AVERAGED_TYPES = ("scale", "yes_no")  # items with a score


class TermSchema(_Strict):
    """One thing a share or rate counts: {"item": "K"} (a counter's number, a timed log's rows, or one
    for each observation answering a choice item), or {"item": "K", "equals": [...]} (one for each
    observation answering one of those values)."""
    item = fields.String(required=True, validate=_key)
    equals = fields.Raw()

    @post_load
    def _as_list(self, data, **kwargs):
        if "equals" in data:
            values = [data["equals"]] if isinstance(data["equals"], str) else data["equals"]
            if (not isinstance(values, list) or not values or len(values) > 30
                    or not all(isinstance(v, str) and VALUE_RE.match(v) for v in values)):
                raise ValidationError(_l("Give the answer value (or a list of values) to count, e.g. \"yes\"."),
                                      "equals")
            data["equals"] = list(dict.fromkeys(values))
        return data


class WeightedSchema(_Strict):
    item = fields.String(required=True, validate=_key)
    weight = Score(load_default=1, allow_nan=False, validate=validate.Range(0, 100, min_inclusive=False))


_TERMS = validate.Length(1, 20, error=_l("Give between 1 and 20 items to count."))


class MeasureSchema(_Strict):
    """A computed figure (docs/template-format.md, "Derived measures")."""
    key = fields.String(required=True, validate=_key)
    type = fields.String(required=True, validate=validate.OneOf(MEASURE_TYPES))
    label = Bilingual(required=True, max_length=200)
    help = Bilingual(need_text=False, max_length=2000)
    part = fields.List(fields.Nested(TermSchema), validate=_TERMS)  # share: counted ...
    whole = fields.List(fields.Nested(TermSchema), validate=_TERMS)  # ... out of these
    count = fields.List(fields.Nested(TermSchema), validate=_TERMS)  # rate: counted ...
    minutes = fields.String(validate=_key)  # ... per minute of this item
    items = fields.List(fields.Nested(WeightedSchema),  # average: these ...
                        validate=validate.Length(1, 50, error=_l("Give between 1 and 50 items.")))
    section = fields.String(validate=_key)  # ... or every scored item of this section

    @validates_schema
    def _fields_of_type(self, data, **kwargs):
        kind = data.get("type")
        wanted = {"share": ("part", "whole"), "rate": ("count", "minutes"), "average": ()}.get(kind, ())
        for name in wanted:
            if name not in data:
                raise ValidationError(_l("A %(type)s needs \"%(field)s\".", type=kind, field=name), name)
        if kind == "average" and ("items" in data) == ("section" in data):
            raise ValidationError(_l("An average needs either \"items\" (with optional weights) or \"section\"."),
                                  "items")
        allowed = {"share": {"part", "whole"}, "rate": {"count", "minutes"}, "average": {"items", "section"}}.get(kind, set())
        for name in ("part", "whole", "count", "minutes", "items", "section"):
            if name in data and name not in allowed:
                raise ValidationError(_l("A %(type)s does not use \"%(field)s\"; it uses %(allowed)s.", type=kind,
                                         field=name, allowed=", ".join(sorted(allowed))), name)

    @post_load
    def _drop_empty_help(self, measure, **kwargs):
        if "help" in measure and not (measure["help"]["sv"] or measure["help"]["en"]):
            del measure["help"]
        return measure


def measure_items(measure: dict, document: dict) -> list[tuple[dict, dict]]:
    """(term, item) for each item a measure uses; an average over a section names its scored items."""
    by_key = {item["key"]: item for item in items_of(document)}
    if measure["type"] == "average" and "section" in measure:
        section = next((s for s in document.get("sections", []) if s["key"] == measure["section"]), None)
        terms = [{"item": i["key"], "weight": 1} for i in (section or {}).get("items", [])
                 if i["type"] in AVERAGED_TYPES]
    else:
        terms = [*measure.get("part", []), *measure.get("whole", []), *measure.get("count", []),
                 *measure.get("items", [])]
        if "minutes" in measure:
            terms.append({"item": measure["minutes"]})
    return [(term, by_key[term["item"]]) for term in terms if term["item"] in by_key]


def _check_measures(data: dict) -> None:
    """Each measure names items of the document of a kind it can compute with."""
    measures = data.get("measures") or []
    _unique(measures, "key", _l("Measure"), "measures")
    by_key = {item["key"]: item for item in items_of(data)}
    sections = {s["key"]: s for s in data.get("sections") or []}
    for mi, measure in enumerate(measures):
        def fail(field, message, mi=mi):
            raise ValidationError({"measures": {mi: {field: [str(message)]}}})

        if measure["key"] in by_key:
            fail("key", _l("\"%(key)s\" is already an item's key; give the measure its own.", key=measure["key"]))
        for field in ("part", "whole", "count"):
            for term in measure.get(field, []):
                item = by_key.get(term["item"])
                if item is None:
                    fail(field, _l("There is no item \"%(key)s\" in this template.", key=term["item"]))
                if "equals" in term:
                    if item["type"] not in CONDITION_TYPES:
                        fail(field, _l("\"%(key)s\" is a %(type)s item; \"equals\" counts the answers of a scale, "
                                       "yes/no, choice or checklist item.", key=term["item"], type=item["type"]))
                    wrong = [v for v in term["equals"] if v not in condition_values(item)]
                    if wrong:
                        fail(field, _l("\"%(value)s\" is not an answer of \"%(key)s\"; use one of: %(allowed)s.",
                                       value=wrong[0], key=term["item"],
                                       allowed=", ".join(condition_values(item))))
                elif item["type"] not in COUNTED_TYPES + CONDITION_TYPES:
                    fail(field, _l("\"%(key)s\" is a %(type)s item; a share or rate counts a counter, a timed log's "
                                   "rows, or the answers of a choice item.", key=term["item"], type=item["type"]))
        if "minutes" in measure:
            item = by_key.get(measure["minutes"])
            if item is None or item["type"] not in MINUTES_TYPES:
                fail("minutes", _l("\"%(key)s\" is not a counter or interval item of this template; the minutes "
                                   "observed come from one.", key=measure["minutes"]))
        for term in measure.get("items", []):
            item = by_key.get(term["item"])
            if item is None or item["type"] not in AVERAGED_TYPES:
                fail("items", _l("\"%(key)s\" is not a scale or yes/no item of this template; an average takes "
                                 "their scores.", key=term["item"]))
        if "section" in measure:
            section = sections.get(measure["section"])
            if section is None:
                fail("section", _l("There is no section \"%(key)s\" in this template.", key=measure["section"]))
            if not any(i["type"] in AVERAGED_TYPES for i in section["items"]):
                fail("section", _l("Section \"%(key)s\" has no scale or yes/no item to average.",
                                   key=measure["section"]))


class DocumentSchema(_Strict):
    format = fields.String(required=True, validate=validate.Equal(FORMAT, error=_l(
        "Must be \"%(format)s\".", format=FORMAT)))
    key = fields.String(required=True, validate=_key)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = Bilingual(required=True, max_length=200)
    description = Bilingual(load_default=lambda: {"sv": "", "en": ""}, need_text=False, max_length=4000)
    header_note = Bilingual(load_default=lambda: {"sv": "", "en": ""}, need_text=False, max_length=2000)
    sections = fields.List(fields.Nested(SectionSchema), required=True,
                           validate=validate.Length(1, 50, error=_l("A template needs 1 to 50 sections.")))
    # Computed figures (shares, rates per minute, averages); absent when there are none.
    measures = fields.List(fields.Nested(MeasureSchema),
                           validate=validate.Length(0, 30, error=_l("A template has at most 30 measures.")))

    @validates_schema
    def _unique_keys(self, data, **kwargs):
        sections = data.get("sections") or []
        _unique(sections, "key", _l("Section"), "sections")
        seen: dict[str, tuple[int, int]] = {}
        for si, section in enumerate(sections):
            for ii, item in enumerate(section["items"]):
                if item["key"] in seen:
                    raise ValidationError({"sections": {si: {"items": {ii: {"key": [
                        _twice(_l("Item"), "key", item["key"])]}}}}})
                seen[item["key"]] = (si, ii)
        _check_conditions(sections)
        _check_measures(data)

    @post_load
    def _drop_empty_measures(self, document, **kwargs):
        if "measures" in document and not document["measures"]:
            del document["measures"]  # absent, so a document without measures keeps its text and hash
        return document


def _check_conditions(sections: list[dict]) -> None:
    """Each show_if names an item asked earlier on the same form, and values it offers."""
    earlier: dict[str, dict] = {}
    for si, section in enumerate(sections):
        for ii, item in enumerate(section["items"]):
            condition = item.get("show_if")
            if condition:
                where = {"sections": {si: {"items": {ii: {"show_if": None}}}}}

                def fail(message, where=where):
                    where["sections"][si]["items"][ii]["show_if"] = [str(message)]
                    raise ValidationError(where)

                if item.get("asked_in"):
                    fail(_l("A condition is for items on the observation form; this item is asked in the "
                            "feedback step."))
                source = earlier.get(condition["item"])
                if source is None:
                    fail(_l("\"%(key)s\" is not an item asked before this one. A condition names the key of an "
                            "earlier item.", key=condition["item"]))
                if source["type"] not in CONDITION_TYPES:
                    fail(_l("\"%(key)s\" is a %(type)s item; a condition needs a scale, yes/no, choice or "
                            "checklist item.", key=condition["item"], type=source["type"]))
                if source.get("asked_in"):
                    fail(_l("\"%(key)s\" is asked in the feedback step, after the observation; a condition "
                            "names an item of the observation form.", key=condition["item"]))
                allowed = condition_values(source)
                wrong = [v for v in condition["equals"] if v not in allowed]
                if wrong:
                    fail(_l("\"%(value)s\" is not an answer of \"%(key)s\"; use one of: %(allowed)s.",
                            value=wrong[0], key=condition["item"], allowed=", ".join(allowed)))
            earlier[item["key"]] = item


class TemplateFormatError(ValueError):
    """An invalid document; `errors` maps a path (sections[0].items[2].type) to messages, and
    `readable` says the same for a person: the section and item by their titles (when the document
    is given), the field, and for an unknown field the fields allowed there."""

    def __init__(self, errors: dict[str, list[str]], document=None):
        self.errors = errors
        self.readable = [readable_error(path, messages, document) for path, messages in errors.items()]
        super().__init__("; ".join(self.readable))


_STEP = re.compile(r"(?P<name>[A-Za-z_]+)(?:\[(?P<index>\d+)\])?")
# The schema of each list entry, by the list's name (items and measures are looked up by their type).
_ENTRY_SCHEMAS = {"levels": "LevelSchema", "options": "OptionSchema", "teacher_codes": "CodeSchema",
                  "student_codes": "CodeSchema", "interval_choices": "IntervalChoiceSchema", "columns": "LogColumnSchema",
                  "part": "TermSchema", "whole": "TermSchema", "count": "TermSchema", "items": None,
                  "sections": "SectionSchema", "measures": "MeasureSchema"}


def _text_of(value) -> str:
    if isinstance(value, dict):
        return str(value.get("sv") or value.get("en") or "")
    return str(value) if isinstance(value, str) else ""


def readable_error(path: str, messages: list[str], document=None) -> str:
    """'Section “Lektionen”, item “Gruppstorlek” (G2), field show_if: …' for sections[0].items[1].show_if."""
    where, node, schema = [], document if isinstance(document, dict) else None, DocumentSchema
    steps = [m for m in (_STEP.fullmatch(part) for part in path.split(".")) if m] if path != "document" else []
    field_name = None
    for number, step in enumerate(steps):
        name, index = step["name"], step["index"]
        last = number == len(steps) - 1
        if index is None:
            if last:
                field_name = name
                break
            node = node.get(name) if isinstance(node, dict) else None
            schema = {"show_if": ShowIfSchema}.get(name, schema)
            where.append(str(_l("field %(name)s", name=name)))
            continue
        entries = node.get(name) if isinstance(node, dict) else None
        entry = entries[int(index)] if isinstance(entries, list) and int(index) < len(entries) else None
        node = entry if isinstance(entry, dict) else None
        n = int(index) + 1
        if name == "sections":
            title = _text_of((node or {}).get("title"))
            where.append(str(_l("Section “%(title)s”", title=title)) if title else str(_l("Section %(n)d", n=n)))
            schema = SectionSchema
        elif name == "items" and schema is SectionSchema:
            label, key = _text_of((node or {}).get("label")), (node or {}).get("key")
            where.append(str(_l("item “%(label)s”", label=label)) + (f" ({key})" if isinstance(key, str) else "")
                         if label else str(_l("item %(n)d", n=n)))
            schema = ITEM_SCHEMAS.get((node or {}).get("type"), BaseItemSchema)
        elif name == "measures":
            label = _text_of((node or {}).get("label"))
            where.append(str(_l("measure “%(label)s”", label=label)) if label else str(_l("measure %(n)d", n=n)))
            schema = MeasureSchema
        else:
            label = _text_of((node or {}).get("label")) or _text_of((node or {}).get("value") or (node or {}).get("key")
                                                                    or (node or {}).get("item"))
            named = {"levels": _l("level %(n)d", n=n), "options": _l("option %(n)d", n=n),
                     "teacher_codes": _l("teacher code %(n)d", n=n), "student_codes": _l("student code %(n)d", n=n),
                     "interval_choices": _l("choice group %(n)d", n=n), "columns": _l("column %(n)d", n=n)}.get(name)
            where.append(str(named or f"{name} {n}") + (f" “{label}”" if label else ""))
            schema = globals().get(_ENTRY_SCHEMAS.get(name) or "", None) or (
                WeightedSchema if name == "items" else schema)
        if last:
            field_name = None
    texts = []
    for message in messages:
        if message == "Unknown field.":  # marshmallow's own (English) message
            allowed = ", ".join(name for name, f in schema._declared_fields.items()) if schema else ""
            message = str(_l("“%(name)s” is not a field here; allowed: %(allowed)s.", name=field_name or "?",
                             allowed=allowed))
        texts.append(message)
    place = ", ".join(where) or str(_l("The template"))
    if field_name:
        place += ", " + str(_l("field %(name)s", name=field_name))
    return f"{place}: {' '.join(texts)}"


def _flatten(messages, path: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for name, inner in messages.items():
            if name == "_schema":
                step = path
            elif isinstance(name, int):
                step = f"{path}[{name}]"
            else:
                step = f"{path}.{name}" if path else str(name)
            for k, v in _flatten(inner, step).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(messages, list):
        if all(isinstance(m, (str,)) or not isinstance(m, (dict, list)) for m in messages):
            out[path or "document"] = [str(m) for m in messages]
        else:
            for m in messages:
                for k, v in _flatten(m, path).items():
                    out.setdefault(k, []).extend(v)
    else:
        out[path or "document"] = [str(messages)]
    return out


def load_document(data) -> dict:
    """Validate and normalise a document; raise TemplateFormatError naming each bad field."""
    if not isinstance(data, dict):
        raise TemplateFormatError({"document": [str(_l("A template must be a JSON object."))]})
    try:
        return DocumentSchema().load(data)
    except ValidationError as exc:
        raise TemplateFormatError(_flatten(exc.messages), data) from None


def export_json(document: dict) -> str:
    """The canonical, human-readable JSON text of a (normalised) document."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def import_json(text: str | bytes) -> dict:
    """Parse and validate an uploaded file; never returns a half-valid document."""
    try:
        data = json_loads_bounded(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TemplateFormatError({"document": [str(_l("This is not valid JSON (%(problem)s).",
                                                        problem=str(exc)))]}) from None
    return load_document(data)


def canonical(document: dict) -> str:
    """Stable text for hashing: sorted keys, no whitespace."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def items_of(document: dict) -> list[dict]:
    return [item for section in document.get("sections", []) for item in section.get("items", [])]


def hidden_items(document: dict, answers: dict) -> set[str]:
    """The keys of conditional items not shown for these answers ({key: {"value": ...}}).

    An item is shown when the item its condition names is shown and answered with one of the
    condition's values (for a checklist: one of them ticked). Conditions name earlier items
    only, so one pass in document order settles chains.
    """
    hidden: set[str] = set()
    for item in items_of(document):
        condition = item.get("show_if")
        if not condition:
            continue
        source = condition["item"]
        value = None if source in hidden else (answers.get(source) or {}).get("value")
        picked = value if isinstance(value, list) else [value]
        if not any(v in condition["equals"] for v in picked if isinstance(v, str)):
            hidden.add(item["key"])
    return hidden


__all__ = ["FORMAT", "KINDS", "ITEM_TYPES", "SCALE_PRESETS", "NOT_APPLICABLE", "YES_NO_LEVELS", "EXCLUDE",
           "yes_no_levels",
           "TemplateFormatError", "load_document", "import_json", "export_json", "canonical", "items_of",
           "hidden_items", "condition_values", "CONDITION_TYPES"]
