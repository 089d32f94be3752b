"""A timed log with the school's own columns (#16 item 6): one row per question with its time, kind
(choice), who answered (choice) and wait time (number) — through the format, the form engine, the
answer rows, the visit page and Analys; logs without columns stay time / teacher / students."""
from __future__ import annotations

import copy
import datetime as dt
import io
import json
import re

import pytest

from observe.extensions import db
from observe.templates_.items import answer_rows, parse_answers, unknown_names, validate
from observe.templates_.merge_fields import answer_fields
from observe.templates_.schemas import TemplateFormatError, export_json, import_json, load_document

from .test_engine import render
from .test_views import post, school_templates  # noqa: F401  (the fixture)
from tests.dates import today as school_today


def _bi(sv, en):
    return {"sv": sv, "en": en}


QUESTIONS = {"key": "Q1", "type": "timed_log", "label": _bi("Lärarens frågor", "The teacher's questions"),
             "evidence": "none", "max_rows": 100, "columns": [
    {"key": "time", "type": "time", "label": _bi("Tid", "Time")},
    {"key": "kind", "type": "choice", "label": _bi("Typ", "Kind"),
     "help": _bi("Öppen: flera rimliga svar.", "Open: several reasonable answers."),
     "options": [{"value": "open", "label": _bi("Öppen", "Open")}, {"value": "closed", "label": _bi("Sluten", "Closed")}]},
    {"key": "who", "type": "choice", "label": _bi("Vem svarade", "Who answered"),
     "options": [{"value": "girl", "label": _bi("Flicka", "Girl")}, {"value": "boy", "label": _bi("Pojke", "Boy")},
                 {"value": "chorus", "label": _bi("Kör", "Chorus")}, {"value": "none", "label": _bi("Ingen", "Nobody")}]},
    {"key": "wait", "type": "number", "label": _bi("Väntetid (s)", "Wait time (s)"), "max": 120},
    {"key": "note", "type": "text", "label": _bi("Frågan", "The question")}]}
FIELDS = {"a.Q1.0.time": ["8.05"], "a.Q1.0.kind": ["open"], "a.Q1.0.who": ["boy"], "a.Q1.0.wait": ["3"],
          "a.Q1.0.note": ["Varför sjunker isen inte?"],
          "a.Q1.1.time": ["08:07"], "a.Q1.1.kind": ["closed"], "a.Q1.1.who": ["chorus"], "a.Q1.1.wait": ["0"],
          "a.Q1.2.time": [""], "a.Q1.2.kind": [""], "a.Q1.2.who": [""], "a.Q1.2.wait": [""], "a.Q1.2.note": [""]}
ROWS = [{"time": "08:05", "kind": "open", "who": "boy", "wait": 3, "note": "Varför sjunker isen inte?"},
        {"time": "08:07", "kind": "closed", "who": "chorus", "wait": 0}]


def question_document(key="questions"):
    return {"format": "observe-template/1", "key": key, "kind": "walkthrough",
            "title": _bi("Frågelogg", "Question log"),
            "sections": [{"key": "q", "title": _bi("Frågor", "Questions"), "items": [copy.deepcopy(QUESTIONS)]}]}


@pytest.fixture
def document():
    return load_document(question_document())


def test_own_columns_load_and_round_trip(document):
    item = document["sections"][0]["items"][0]
    assert [c["key"] for c in item["columns"]] == ["time", "kind", "who", "wait", "note"]
    assert import_json(export_json(document)) == document
    plain = copy.deepcopy(question_document())
    del plain["sections"][0]["items"][0]["columns"]
    assert "columns" not in load_document(plain)["sections"][0]["items"][0]


@pytest.mark.parametrize("change, path, message", [
    (lambda c: c[1].pop("options"), "columns[1].options", "needs its options"),
    (lambda c: c[3].update(options=c[1]["options"]), "columns[3].options", "Only a choice column"),
    (lambda c: c[1].update(max=3), "columns[1].max", "Only a number column"),
    (lambda c: c[2].update(key="kind"), "columns[2].key", "twice"),
    (lambda c: c[0].update(key="Time"), "columns[0].key", "lower-case"),
    (lambda c: c[0].update(type="date"), "columns[0].type", "Must be one of"),
])
def test_a_bad_column_is_refused_with_its_place(change, path, message):
    raw = question_document()
    change(raw["sections"][0]["items"][0]["columns"])
    with pytest.raises(TemplateFormatError) as caught:
        load_document(raw)
    found = caught.value.errors.get(f"sections[0].items[0].{path}")
    assert found and message in " ".join(found), caught.value.errors


def test_rows_parse_validate_and_become_answer_rows(document):
    answers, errors = parse_answers(document, FIELDS, strict=True)
    assert errors == {}
    assert answers["Q1"]["value"] == ROWS
    assert validate(document, answers) == {}
    rows = [(r["item_key"], r["item_type"], r["choice"], r["number"]) for r in answer_rows(document, answers)]
    assert rows == [("Q1", "timed_log", None, 2.0), ("Q1.kind", "choice", "open", None),
                    ("Q1.kind", "choice", "closed", None), ("Q1.who", "choice", "boy", None),
                    ("Q1.who", "choice", "chorus", None), ("Q1.wait", "counter", None, 3.0),
                    ("Q1.wait", "counter", None, 0.0)]
    item = document["sections"][0]["items"][0]
    assert parse_answers(document, answer_fields(item, answers["Q1"]))[0] == answers


def test_bad_cells_are_refused_at_their_input(document):
    _, errors = parse_answers(document, {"a.Q1.0.kind": ["maybe"], "a.Q1.0.wait": ["-1"], "a.Q1.1.time": ["25:00"],
                                         "a.Q1.1.teacher": ["x"]}, strict=True)
    assert set(errors) == {"a.Q1.0.kind", "a.Q1.0.wait", "a.Q1.1.time", "a.Q1.1.teacher"}
    assert validate(document, {"Q1": {"value": [{"kind": "maybe"}]}}) == {"a.Q1.0.kind": ["Choose one of the listed answers."]}
    assert validate(document, {"Q1": {"value": [{"wait": "3"}]}}) == {"a.Q1.0.wait": ["Enter a whole number."]}
    assert validate(document, {"Q1": {"value": [{"teacher": "x"}]}})
    assert unknown_names(document, ["a.Q1.0.students"]) == ["a.Q1.0.students"]


def test_the_form_draws_each_column_and_posts_back_its_rows(app, document):
    answers, _ = parse_answers(document, FIELDS)
    html, scan = render(app, document, answers, lang="sv")
    assert '<select id="f-a-Q1-0-kind" name="a.Q1.0.kind"' in html and 'name="a.Q1.4.wait"' in html
    assert "Väntetid (s)" in html and 'title="Öppen: flera rimliga svar."' in html
    assert parse_answers(document, scan.posted) == (answers, {})
    unlabelled = [i for i in scan.unlabelled if i not in scan.label_for]
    assert unlabelled == []


def test_a_question_log_round_trips_import_publish_visit_page_and_analys(client, login_as, principal, teacher,
                                                                         school, school_templates, app):  # noqa: F811
    from observe.insights import services
    from observe.templates_.models import Template

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    login_as(principal)
    response = post(client, "/templates/import",
                    {"file": (io.BytesIO(json.dumps(question_document()).encode()), "q.json")},
                    content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    tid = int(response.headers["Location"].split("/")[2])
    assert post(client, f"/templates/{tid}/publish").status_code == 302
    for n in range(5):
        html = client.get(f"/visits/new/spontaneous?teacher={teacher.id}&template={tid}").get_data(as_text=True)
        values = {name: re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html).group(1)
                  for name in ("csrf_token", "uuid", "visit_uuid", "base_revision", "template_version_id", "status",
                               "kind", "teacher_id", "started_at", "ended_at")}
        assert int(values["template_version_id"]) == db.session.get(Template, tid).latest.id
        response = client.post("/visits/save", data={**values, "action": "finish", **FIELDS})
        assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "08:05 · Öppen · Pojke · 3 · Varför sjunker isen inte?" in page
    assert "08:07 · Sluten · Kör · 0" in page

    with app.test_request_context(headers={"Accept-Language": "en"}):
        today = school_today()
        filters = services.Filters(school_ids=(school.id,), start=today - dt.timedelta(days=1),
                                   end=today + dt.timedelta(days=1), template_key="questions")
        board = services.dashboard(filters, services.Threshold(min_observations=5, min_teachers=1))
        by_key = {item.key: item for item in board.items}
        assert list(by_key) == ["Q1", "Q1.kind", "Q1.who", "Q1.wait"]
        kind = by_key["Q1.kind"]
        assert kind.shown and kind.label == "The teacher's questions: Kind"
        assert {bar.value: bar.share for bar in kind.bars} == {"open": 0.5, "closed": 0.5}
        assert by_key["Q1.wait"].cell.stats.mean == 1.5
        assert by_key["Q1"].cell.stats.mean == 2.0  # rows per observation, as before
