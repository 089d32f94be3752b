"""Property: export -> import -> export of any valid template gives identical text."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from observe.templates_.schemas import ITEM_TYPES, export_json, import_json, load_document

keys = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
label = st.fixed_dictionaries({"sv": text.filter(lambda t: t.strip()), "en": text})
optional_label = st.fixed_dictionaries({}, optional={"sv": text, "en": text})


def unique_by(strategy, field):
    return st.lists(strategy, min_size=1, max_size=4, unique_by=lambda e: e[field])


option = st.fixed_dictionaries({"value": keys, "label": label})
code_keys = st.from_regex(r"[A-Za-z0-9_/-]{1,12}", fullmatch=True)  # COPUS writes "D/V"
code = st.fixed_dictionaries({"key": code_keys, "label": label}, optional={"help": optional_label})
group = st.fixed_dictionaries({
    "key": st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(lambda k: k not in ("teacher", "students", "comment")),
    "label": label, "options": st.lists(option, min_size=2, max_size=4, unique_by=lambda e: e["value"])},
    optional={"help": optional_label})
level = st.fixed_dictionaries({"value": keys.filter(lambda k: k != "na"), "label": label},
                              optional={"score": st.one_of(st.integers(-5, 10), st.floats(-5, 10, allow_nan=False))})
base_optional = {"help": optional_label, "required": st.booleans(),
                 "evidence": st.sampled_from(["none", "optional", "required"])}


def item_of(kind: str):
    extra = {}
    optional = dict(base_optional)
    if kind == "scale":
        scale = st.one_of(
            st.fixed_dictionaries({"scale": st.sampled_from(["F4", "YNO"])}),
            st.fixed_dictionaries({"levels": st.lists(level, min_size=2, max_size=5, unique_by=lambda e: e["value"])}),
        )
        return st.tuples(st.fixed_dictionaries({"type": st.just(kind), "label": label}, optional=optional),
                         scale, st.fixed_dictionaries({}, optional={"not_applicable": st.booleans()})).map(
            lambda parts: {**parts[0], **parts[1], **parts[2]})
    if kind in ("checklist", "choice"):
        extra["options"] = unique_by(option, "value")
    if kind == "interval":
        extra["teacher_codes"] = unique_by(code, "key")
        extra["student_codes"] = unique_by(code, "key")
        optional.update(interval_minutes=st.integers(1, 60), intervals=st.integers(1, 60),
                        interval_choices=st.lists(group, min_size=1, max_size=3, unique_by=lambda g: g["key"]),
                        interval_comments=st.booleans())
    if kind == "timed_log":  # the school's own columns, or the classic three
        column = st.one_of(
            st.fixed_dictionaries({"type": st.sampled_from(["time", "text"])}),
            st.fixed_dictionaries({"type": st.just("number")}, optional={"max": st.integers(1, 1000)}),
            st.fixed_dictionaries({"type": st.just("choice"),
                                   "options": st.lists(option, min_size=2, max_size=4, unique_by=lambda e: e["value"])}))
        columns = st.lists(st.tuples(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), label, column),
                           min_size=1, max_size=4, unique_by=lambda t: t[0]).map(
            lambda cols: [{"key": k, "label": lab, **rest} for k, lab, rest in cols])
        optional.update(columns=columns, max_rows=st.integers(4, 1000))
    if kind == "counter":
        optional["max"] = st.integers(1, 1000)
    if kind == "text":
        optional["max_length"] = st.integers(1, 20000)
    return st.fixed_dictionaries({"type": st.just(kind), "label": label, **extra}, optional=optional)


any_item = st.one_of([item_of(kind) for kind in ITEM_TYPES])


@st.composite
def documents(draw):
    sections = []
    used: set[str] = set()
    for s in range(draw(st.integers(1, 3))):
        items = []
        for item in draw(st.lists(any_item, min_size=1, max_size=4)):
            key = draw(keys.filter(lambda k: k not in used))
            used.add(key)
            items.append({"key": key, **item})
        sections.append({"key": f"s{s}", "title": draw(label), "items": items})
    doc = {"format": "observe-template/1", "key": draw(keys), "title": draw(label),
           "kind": draw(st.sampled_from(["walkthrough", "planned", "peer", "any"])), "sections": sections}
    if draw(st.booleans()):
        doc["header_note"] = draw(optional_label)
    return doc


@settings(max_examples=150, deadline=None)
@given(documents())
def test_export_import_export_is_identical(raw):
    exported = export_json(load_document(raw))
    again = export_json(import_json(exported))
    assert again == exported
    assert import_json(again) == import_json(exported)
