"""The form engine's server half: posted fields -> answers, errors and insight rows."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from observe.templates_.items import answer_rows, parse_answers, validate
from observe.templates_.schemas import load_document

from .documents import every_type


@pytest.fixture
def document():
    return load_document(every_type())


FILLED = {
    "a.sc": ["3"], "a.sc.evidence": ["Läraren frågar: varför?"],
    "a.custom": ["hi"],
    "a.yn": ["yes"], "a.yn.evidence": ["Målet står på tavlan"],
    "a.tx": ["Eleverna jämför strategier"],
    "a.cl": ["c", "a"],
    "a.ch": ["y"],
    "a.cn": ["4"],
    "a.xy.x": ["18"], "a.xy.y": ["24"],
    "a.log.0.time": ["8:05"], "a.log.0.teacher": ["Visar tallinjen"], "a.log.0.students": ["Räknar högt"],
    "a.log.1.time": [""], "a.log.1.teacher": [""], "a.log.1.students": [""],
    "a.iv.0.teacher": ["lec"], "a.iv.0.students": ["l"],
    "a.iv.1.teacher": ["pq", "lec"], "a.iv.1.students": ["g"],
    "a.unknown": ["ignored"],
}


def test_every_type_parses_into_its_answer_shape(document):
    answers, errors = parse_answers(document, FILLED, complete=True)
    assert errors == {}
    assert answers == {
        "sc": {"value": "3", "evidence": "Läraren frågar: varför?"},
        "custom": {"value": "hi"},
        "yn": {"value": "yes", "evidence": "Målet står på tavlan"},
        "tx": {"value": "Eleverna jämför strategier"},
        "cl": {"value": ["a", "c"]},
        "ch": {"value": "y"},
        "cn": {"value": 4},
        "xy": {"value": {"x": 18, "y": 24}},
        "log": {"value": [{"time": "08:05", "teacher": "Visar tallinjen", "students": "Räknar högt"}]},
        "iv": {"value": [{"teacher": ["lec"], "students": ["l"]}, {"teacher": ["lec", "pq"], "students": ["g"]}]},
    }
    assert validate(document, answers, complete=True) == {}


def test_multidict_and_plain_dict_give_the_same_answers(document):
    multi = MultiDict([(name, value) for name, values in FILLED.items() for value in values])
    assert parse_answers(document, multi) == parse_answers(document, FILLED)


def test_empty_form_is_a_valid_draft_but_not_complete(document):
    answers, errors = parse_answers(document, {"a.cn": [""], "a.xy.x": [""], "a.xy.y": [""]})
    assert answers == {} and errors == {}  # untouched counters are "not answered", never 0
    _, errors = parse_answers(document, {}, complete=True)
    assert errors == {"a.custom": ["This item is required."]}


def test_required_evidence_only_when_complete(document):
    fields = {"a.custom": ["lo"], "a.yn": ["no"]}
    assert parse_answers(document, fields)[1] == {}
    assert parse_answers(document, fields, complete=True)[1] == {"a.yn.evidence": ["Write down what you saw or heard."]}


@pytest.mark.parametrize("fields, name, words", [
    ({"a.sc": ["5"]}, "a.sc", "listed answers"),
    ({"a.custom": ["na"]}, "a.custom", "listed answers"),  # no "not applicable" on this scale
    ({"a.yn": ["maybe"]}, "a.yn", "listed answers"),
    ({"a.ch": ["z"]}, "a.ch", "listed answers"),
    ({"a.cl": ["a", "zz"]}, "a.cl", "listed options"),
    ({"a.cn": ["-1"]}, "a.cn", "at least 0"),
    ({"a.cn": ["two"]}, "a.cn", "whole number"),
    ({"a.xy.x": ["25"], "a.xy.y": ["24"]}, "a.xy.x", "at most 24"),
    ({"a.xy.x": ["3"]}, "a.xy.y", "both numbers"),
    ({"a.log.0.time": ["25:99"], "a.log.0.teacher": ["Säger"]}, "a.log.0.time", "hh:mm"),
    ({"a.iv.0.teacher": ["nope"]}, "a.iv.0.teacher", "listed codes"),
    ({"a.iv.7.teacher": ["lec"]}, "a.iv.7.teacher", "only 3 intervals"),
    ({"a.tx": ["x" * 4001]}, "a.tx", "At most 4000 characters"),
])
def test_bad_values_give_errors_on_the_exact_input(document, fields, name, words):
    answers, errors = parse_answers(document, fields)
    assert name in errors, errors
    assert words in " ".join(errors[name])


def test_not_applicable_is_accepted_on_f4(document):
    answers, errors = parse_answers(document, {"a.sc": ["na"]})
    assert answers == {"sc": {"value": "na"}} and errors == {}


def test_evidence_alone_is_kept_and_none_evidence_items_ignore_it(document):
    answers, _ = parse_answers(document, {"a.sc.evidence": ["Citat"], "a.tx.evidence": ["ignored"]})
    assert answers == {"sc": {"evidence": "Citat"}}


def test_validate_checks_json_answers_from_the_api(document):
    bad = {"cn": {"value": -2}, "xy": {"value": {"x": 5, "y": 2}}, "sc": {"value": 3}, "cl": {"value": "a"},
           "iv": {"value": [{"teacher": ["zz"], "students": []}]}}
    assert set(validate(document, bad)) == {"a.cn", "a.xy.x", "a.sc", "a.cl", "a.iv"}


def test_answer_rows_carry_counts_and_choices_never_free_text(document):
    answers, _ = parse_answers(document, FILLED)
    rows = answer_rows(document, answers)
    by_item = {}
    for row in rows:
        assert row["template_key"] == "every"
        by_item.setdefault(row["item_key"], []).append((row["choice"], row["number"], row["total"]))
    assert by_item["sc"] == [("3", 3.0, None)]
    assert by_item["custom"] == [("hi", 1.0, None)]
    assert by_item["yn"] == [("yes", 1.0, None)]
    assert by_item["cl"] == [("a", 1.0, None), ("c", 1.0, None)]
    assert by_item["ch"] == [("y", None, None)]
    assert by_item["cn"] == [(None, 4.0, None)]
    assert by_item["xy"] == [(None, 0.75, 24.0)]
    assert by_item["log"] == [(None, 1.0, None)]
    assert sorted(by_item["iv"]) == [("students:g", 1.0, 2.0), ("students:l", 1.0, 2.0),
                                     ("teacher:lec", 2.0, 2.0), ("teacher:pq", 1.0, 2.0)]
    assert "tx" not in by_item  # free text stays in the observation only
    assert all(len(row["choice"] or "") <= 64 for row in rows)


def test_not_applicable_and_not_observed_have_no_score(document):
    answers, _ = parse_answers(document, {"a.sc": ["na"], "a.yn": ["not_observed"]})
    assert [(r["choice"], r["number"]) for r in answer_rows(document, answers)] == [("na", None),
                                                                                  ("not_observed", None)]
