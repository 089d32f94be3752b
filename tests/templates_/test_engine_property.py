"""Property: for any template and any valid answers, the rendered form posts back exactly
those answers (the online form, the offline form and the API parse the same markup)."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observe.templates_.items import choice_values, parse_answers
from observe.templates_.schemas import items_of, load_document

from .test_engine import render
from .test_roundtrip import documents

clean_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
                     min_size=1, max_size=40).map(str.strip).filter(bool)


def value_for(item):
    kind = item["type"]
    if kind in ("scale", "yes_no", "choice"):
        return st.sampled_from(choice_values(item))
    if kind == "text":
        return clean_text.filter(lambda text: len(text) <= item["max_length"])
    if kind == "checklist":
        values = choice_values(item)
        return st.lists(st.sampled_from(values), min_size=1, unique=True).map(
            lambda picked: [v for v in values if v in picked])
    if kind == "counter":
        return st.integers(0, item.get("max") or 10000)
    if kind == "x_of_y":
        return st.integers(0, 10000).flatmap(lambda y: st.fixed_dictionaries({"x": st.integers(0, y), "y": st.just(y)}))
    if kind == "timed_log" and item.get("columns"):
        cell = {"time": st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda t: f"{t[0]:02d}:{t[1]:02d}"),
                "text": clean_text}
        parts = {}
        for column in item["columns"]:
            if column["type"] == "choice":
                parts[column["key"]] = st.sampled_from([o["value"] for o in column["options"]])
            elif column["type"] == "number":
                parts[column["key"]] = st.integers(0, column.get("max") or 10000)
            else:
                parts[column["key"]] = cell[column["type"]]
        return st.lists(st.fixed_dictionaries({}, optional=parts).filter(bool), min_size=1,
                        max_size=min(4, item["max_rows"]))
    if kind == "timed_log":
        times = st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda t: f"{t[0]:02d}:{t[1]:02d}")
        row = st.fixed_dictionaries({"time": times, "teacher": clean_text, "students": clean_text})
        return st.lists(row, min_size=1, max_size=min(4, item["max_rows"]))
    codes = {"teacher": [c["key"] for c in item["teacher_codes"]], "students": [c["key"] for c in item["student_codes"]]}

    def cell(who):
        return st.lists(st.sampled_from(codes[who]), unique=True).map(lambda p: [c for c in codes[who] if c in p])

    optional = {}
    groups = item.get("interval_choices") or []
    if groups:  # an engagement level per interval: some groups answered, with one of their options
        optional["choices"] = st.fixed_dictionaries(
            {}, optional={g["key"]: st.sampled_from([o["value"] for o in g["options"]]) for g in groups}
        ).filter(bool)
    if item.get("interval_comments"):
        optional["comment"] = clean_text.filter(lambda text: len(text) <= 200)
    cells = st.lists(st.fixed_dictionaries({"teacher": cell("teacher"), "students": cell("students")},
                                           optional=optional),
                     min_size=1, max_size=item["intervals"])
    return cells.filter(lambda c: c[-1]["teacher"] or c[-1]["students"] or c[-1].get("choices") or c[-1].get("comment"))


@st.composite
def document_and_answers(draw):
    document = load_document(draw(documents()))
    answers = {}
    for item in items_of(document):
        if not draw(st.booleans()):
            continue
        answer = {"value": draw(value_for(item))}
        if item["evidence"] != "none" and draw(st.booleans()):
            answer["evidence"] = draw(clean_text)
        answers[item["key"]] = answer
    return document, answers


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(document_and_answers())
def test_rendered_form_posts_back_its_answers(app, case):
    document, answers = case
    _, scan = render(app, document, answers)
    assert parse_answers(document, scan.posted) == (answers, {})
