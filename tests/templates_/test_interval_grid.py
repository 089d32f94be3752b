"""A whole lesson's interval sheet (COPUS-style): code keys with "/", help per code, an engagement level
and a short comment per interval — through the format, the form engine, the answer rows and the visit
page; documents and answers from before stay as they were."""
from __future__ import annotations

import copy
import datetime as dt
import io
import json
import re

import pytest

from observe.templates_.items import answer_rows, parse_answers, unknown_names, validate
from observe.templates_.merge_fields import answer_fields
from observe.templates_.schemas import TemplateFormatError, canonical, export_json, import_json, load_document
from observe.templates_.services import default_documents

from .copus import copus_document
from .test_engine import render
from .test_views import post, school_templates  # noqa: F401  (the fixture)
from tests.dates import today as school_today

FIELDS = {"a.C1.0.teacher": ["Lec", "D/V"], "a.C1.0.students": ["L"], "a.C1.0.engagement": ["medium"],
          "a.C1.1.teacher": ["D/V"], "a.C1.1.engagement": ["high"], "a.C1.1.comment": ["  Film om celler "],
          "a.C1.3.students": ["T/Q"]}


@pytest.fixture
def document():
    return load_document(copus_document())


def test_a_copus_sheet_loads_exports_and_imports_unchanged(document):
    item = document["sections"][0]["items"][0]
    assert item["intervals"] == 25 and len(item["teacher_codes"]) + len(item["student_codes"]) == 26
    assert "D/V" in [c["key"] for c in item["teacher_codes"]]
    assert item["interval_choices"][0]["key"] == "engagement" and item["interval_comments"] is True
    assert import_json(export_json(document)) == document


def test_older_documents_keep_their_text_and_hash():
    for document in default_documents():
        assert canonical(load_document(copy.deepcopy(document))) == canonical(document)
    plain = copus_document()
    item = plain["sections"][0]["items"][0]
    for name in ("interval_choices", "interval_comments"):
        item.pop(name)
    item["interval_comments"] = False
    for code in item["teacher_codes"]:
        code["help"] = {"sv": "", "en": ""}
    loaded = load_document(plain)["sections"][0]["items"][0]
    assert "interval_choices" not in loaded and "interval_comments" not in loaded
    assert all("help" not in code for code in loaded["teacher_codes"])


@pytest.mark.parametrize("change, path, message", [
    (lambda i: i["teacher_codes"][0].update(key="D.V"), "teacher_codes[0].key", "or /"),
    (lambda i: i["interval_choices"][0].update(key="comment"), "interval_choices[0].key", "taken by the grid"),
    (lambda i: i["interval_choices"][0].update(key="Engagement"), "interval_choices[0].key", "lower-case"),
    (lambda i: i["interval_choices"][0]["options"].__delitem__(slice(1, None)), "interval_choices[0].options", "between 2 and 10"),
    (lambda i: i["interval_choices"].append(dict(i["interval_choices"][0])), "interval_choices[1].key", "twice"),
])
def test_a_bad_interval_field_is_refused_with_its_place(change, path, message):
    raw = copus_document()
    change(raw["sections"][0]["items"][0])
    with pytest.raises(TemplateFormatError) as caught:
        load_document(raw)
    found = caught.value.errors.get(f"sections[0].items[0].{path}")
    assert found and message in " ".join(found), caught.value.errors


def test_posted_codes_levels_and_comments_become_the_answer_and_its_rows(document):
    answers, errors = parse_answers(document, FIELDS, strict=True)
    assert errors == {}
    assert answers["C1"]["value"] == [
        {"teacher": ["Lec", "D/V"], "students": ["L"], "choices": {"engagement": "medium"}},
        {"teacher": ["D/V"], "students": [], "choices": {"engagement": "high"}, "comment": "Film om celler"},
        {"teacher": [], "students": []},
        {"teacher": [], "students": ["T/Q"]},
    ]
    assert validate(document, answers) == {}  # the same answer arriving as JSON (API, sync) is valid
    rows = {(r["choice"], r["number"], r["total"]) for r in answer_rows(document, answers)}
    assert {("teacher:D/V", 2.0, 4.0), ("teacher:Lec", 1.0, 4.0), ("students:T/Q", 1.0, 4.0),
            ("engagement:medium", 1.0, 4.0), ("engagement:high", 1.0, 4.0),
            ("engagement@0:medium", 1.0, 4.0), ("engagement@1:high", 1.0, 4.0)} == rows - {("students:L", 1.0, 4.0)}
    assert all(len(r["choice"]) <= 64 for r in answer_rows(document, answers))
    # The merge screen's inverse posts back the same answer.
    assert parse_answers(document, answer_fields(document["sections"][0]["items"][0], answers["C1"]))[0] == answers


def test_wrong_levels_comments_and_parts_are_refused(document):
    _, errors = parse_answers(document, {"a.C1.0.engagement": ["sky-high"], "a.C1.1.comment": ["x" * 201],
                                         "a.C1.25.teacher": ["Lec"]}, strict=True)
    assert set(errors) == {"a.C1.0.engagement", "a.C1.1.comment", "a.C1.25.teacher"}
    assert validate(document, {"C1": {"value": [{"teacher": [], "students": [], "choices": {"mood": "x"}}]}})
    assert validate(document, {"C1": {"value": [{"teacher": [], "students": [], "note": "x"}]}})
    older = next(d for d in default_documents() if any(i["type"] == "interval" for s in d["sections"] for i in s["items"]))
    key = next(i["key"] for s in older["sections"] for i in s["items"] if i["type"] == "interval")
    # A template without levels or comments draws no such inputs, so none may be posted for it.
    assert unknown_names(older, [f"a.{key}.0.engagement", f"a.{key}.0.comment"]) == [
        f"a.{key}.0.engagement", f"a.{key}.0.comment"]
    assert validate(older, {key: {"value": [{"teacher": [], "students": [], "comment": "x"}]}})


def test_the_grid_draws_held_headers_levels_comments_and_code_help(app, document):
    answers, _ = parse_answers(document, FIELDS)
    html, scan = render(app, document, answers, lang="sv")
    assert parse_answers(document, scan.posted) == (answers, {})
    assert html.count('type="radio" name="a.C1.0.engagement"') == 3
    assert 'name="a.C1.24.comment"' in html and 'value="Film om celler"' in html
    assert 'value="D/V" checked' in html
    assert "Visar ett experiment, en simulering eller en film." in html  # help per code
    assert "data-interval-grid" in html and 'data-intervals="25"' in html
    assert scan.scripts == 0
    unlabelled = [i for i in scan.unlabelled if i not in scan.label_for]
    assert unlabelled == []


def test_interval_sheet_round_trips_import_publish_visit_page_analys(client, login_as, principal, teacher, school,
                                                                      school_templates, app):  # noqa: F811
    from observe.templates_.models import Template
    from observe.extensions import db

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    login_as(principal)
    response = post(client, "/templates/import",
                    {"file": (io.BytesIO(json.dumps(copus_document()).encode()), "copus.json")},
                    content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    tid = int(response.headers["Location"].split("/")[2])
    assert post(client, f"/templates/{tid}/publish").status_code == 302
    template = db.session.get(Template, tid)
    html = client.get(f"/visits/new/spontaneous?teacher={teacher.id}&template={tid}").get_data(as_text=True)
    assert 'name="a.C1.0.engagement"' in html
    values = {name: re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html).group(1)
              for name in ("csrf_token", "uuid", "visit_uuid", "base_revision", "template_version_id", "status",
                           "kind", "teacher_id", "started_at", "ended_at")}
    assert int(values["template_version_id"]) == template.latest.id
    response = client.post("/visits/save", data={**values, "action": "finish", **FIELDS})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Lärare – Demonstration/video: 2 av 4 intervall" in page  # the side: both have codes named alike
    assert "Elever – Lyssnar: 1 av 4 intervall" in page
    assert "Engagemang – Hög: 1 av 4 intervall" in page
    assert "2–4 min: Film om celler" in page
    for _n in range(4):  # five visits in all: enough for Analys to show the item
        html = client.get(f"/visits/new/spontaneous?teacher={teacher.id}&template={tid}").get_data(as_text=True)
        values = {name: re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html).group(1)
                  for name in ("csrf_token", "uuid", "visit_uuid", "base_revision", "template_version_id", "status",
                               "kind", "teacher_id", "started_at", "ended_at")}
        assert client.post("/visits/save", data={**values, "action": "finish", **FIELDS}).status_code == 302

    from observe.insights import services

    with app.test_request_context(headers={"Accept-Language": "en"}):
        today = school_today()
        filters = services.Filters(school_ids=(school.id,), start=today - dt.timedelta(days=1),
                                   end=today + dt.timedelta(days=1), template_key="copus")
        [c1] = services.dashboard(filters, services.Threshold(min_observations=5, min_teachers=1)).items
        shares = {bar.value: bar.share for bar in c1.bars if bar.count}
        assert shares["teacher:D/V"] == 0.5 and shares["engagement:high"] == 0.25
        [dist] = c1.per_interval
        assert [(row["label"], row["counts"]) for row in dist.rows] == [("0–2", [0, 5, 0]), ("2–4", [0, 0, 5])]


def test_editing_the_sheet_in_the_designer_keeps_its_levels_comments_and_code_help(
        login_as, principal, school, school_templates):  # noqa: F811
    from observe.extensions import db
    from observe.templates_.models import Template
    from observe.templates_.services import working_document

    client = login_as(principal)
    response = post(client, "/templates/import",
                    {"file": (io.BytesIO(json.dumps(copus_document()).encode()), "copus.json")},
                    content_type="multipart/form-data")
    tid = int(response.headers["Location"].split("/")[2])
    from .test_designer_rows import editor_fields

    data = editor_fields(client, tid, "C1")  # what the item editor posts: every field of the sheet
    assert data["teacher_code_rows-8-key"] == "D/V" and data["choice_groups-0-key"] == "engagement"
    data.update({"label_sv": "Vad händer?", "label_en": "What happens?"})
    response = post(client, f"/templates/{tid}/items/C1", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    item = working_document(db.session.get(Template, tid))["sections"][0]["items"][0]
    assert item["label"]["sv"] == "Vad händer?"
    assert item["interval_choices"][0]["key"] == "engagement" and item["interval_comments"] is True
    assert next(c for c in item["teacher_codes"] if c["key"] == "D/V")["help"]["en"].startswith("Shows")
    imported = load_document(copus_document())["sections"][0]["items"][0]
    assert item == {**imported, "label": {"sv": "Vad händer?", "en": "What happens?"}}  # nothing else changed
