"""Conditional items (show_if): shown, and required, only when an earlier answer has a given value;
a hidden item's answer is dropped by the one parser that the form, the offline client and the API share."""
from __future__ import annotations

import copy
import html
import io
import json
import re

import pytest
from flask import render_template_string

from observe.extensions import db
from observe.templates_.items import answer_rows, parse_answers, validate
from observe.templates_.schemas import TemplateFormatError, canonical, hidden_items, load_document
from observe.templates_.services import default_documents
from observe.visits.display import readable_answers

from .documents import bi, every_type
from .test_views import post, school_templates, template_by_id  # noqa: F401  (the fixture)

TALLY = {
    "format": "observe-template/1", "key": "fragor", "kind": "any",
    "title": {"sv": "Frågor i klassrummet", "en": "Questions in the classroom"},
    "sections": [{"key": "s1", "title": bi("Frågor"), "items": [
        {"key": "group", "type": "yes_no", "label": {"sv": "Grupparbete förekom", "en": "Group work took place"}},
        {"key": "group_size", "type": "choice", "label": {"sv": "Gruppstorlek", "en": "Group size"}, "required": True,
         "options": [{"value": "pairs", "label": {"sv": "Par", "en": "Pairs"}},
                     {"value": "small", "label": {"sv": "3–5", "en": "3–5"}}],
         "show_if": {"item": "group", "equals": "yes"}},
        {"key": "roles", "type": "text", "label": bi("Roller"), "show_if": {"item": "group_size", "equals": ["small"]}},
    ]}],
}


def tally() -> dict:
    return copy.deepcopy(TALLY)


def test_a_condition_loads_as_a_list_and_documents_without_one_are_unchanged():
    document = load_document(tally())
    items = document["sections"][0]["items"]
    assert items[1]["show_if"] == {"item": "group", "equals": ["yes"]}
    assert items[2]["show_if"] == {"item": "group_size", "equals": ["small"]}
    assert canonical(load_document(copy.deepcopy(document))) == canonical(document)
    for shipped in default_documents():  # every existing version keeps its text and hash
        assert canonical(load_document(copy.deepcopy(shipped))) == canonical(shipped)
        assert "show_if" not in json.dumps(shipped)


@pytest.mark.parametrize("condition, message", [
    ({"item": "roles", "equals": "x"}, '"roles" is not an item asked before this one'),
    ({"item": "nope", "equals": "yes"}, '"nope" is not an item asked before this one'),
    ({"item": "group", "equals": "maybe"}, '"maybe" is not an answer of "group"; use one of: yes, no, not_observed.'),
    ({"item": "group", "equals": []}, "Give the answer value"),
    ({"item": "group"}, "Missing data for required field."),
])
def test_a_condition_must_name_an_earlier_item_and_one_of_its_answers(condition, message):
    document = tally()
    document["sections"][0]["items"][1]["show_if"] = condition
    with pytest.raises(TemplateFormatError) as info:
        load_document(document)
    assert any(message in m for msgs in info.value.errors.values() for m in msgs), info.value.errors
    assert all(path.startswith("sections[0].items[1].show_if") for path in info.value.errors)


def test_a_condition_on_a_counter_is_refused():
    document = tally()
    document["sections"][0]["items"].insert(0, {"key": "n", "type": "counter", "label": bi("Antal")})
    document["sections"][0]["items"][2]["show_if"] = {"item": "n", "equals": "1"}
    with pytest.raises(TemplateFormatError) as info:
        load_document(document)
    assert "a condition needs a scale, yes/no, choice or checklist item" in str(info.value)


def test_a_hidden_item_is_not_required_and_its_answer_is_dropped(app):
    document = load_document(tally())
    with app.test_request_context(headers={"Accept-Language": "en"}):
        answers, errors = parse_answers(document, {"a.group": ["no"], "a.group_size": ["small"], "a.roles": ["x"]},
                                        complete=True, strict=True)
        assert errors == {} and answers == {"group": {"value": "no"}}  # hidden: dropped, not required
        answers, errors = parse_answers(document, {"a.group": ["yes"]}, complete=True, strict=True)
        assert errors == {"a.group_size": ["This item is required."]}  # shown: required
        answers, errors = parse_answers(document, {"a.group": ["yes"], "a.group_size": ["pairs"], "a.roles": ["x"]},
                                        complete=True)
        assert set(answers) == {"group", "group_size"}  # a chain: roles only for small groups
        answers, errors = parse_answers(document, {"a.group": ["no"], "a.group_size": ["bogus"]}, complete=True)
        assert errors == {}  # a bad value in an item not asked is no error either
        assert validate(document, {"group": {"value": "no"}}, complete=True) == {}
        stored = {"group": {"value": "no"}, "group_size": {"value": "small"}, "roles": {"value": "x"}}
        assert hidden_items(document, stored) == {"group_size", "roles"}
        assert [r["item_key"] for r in answer_rows(document, stored)] == ["group"]  # Analys counts what was asked
        assert [row["key"] for s in readable_answers(document, stored) for row in s["rows"]] == ["group"]


def test_a_checklist_condition_shows_the_item_when_any_named_option_is_ticked():
    document = every_type()
    document["sections"][0]["items"].append({"key": "why", "type": "text", "label": bi("Varför"),
                                            "show_if": {"item": "cl", "equals": ["b", "c"]}})
    document = load_document(document)
    assert "why" in hidden_items(document, {"cl": {"value": ["a"]}})
    assert "why" not in hidden_items(document, {"cl": {"value": ["a", "c"]}})


def test_the_engine_marks_a_conditional_item_and_says_when_it_is_asked(app):
    page = '{% from "forms/_engine.html" import render_form %}{{ render_form(document, answers or {}, {}) }}'
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = render_template_string(page, document=load_document(tally()))
        plain = render_template_string(page, document=load_document(every_type()))
    assert 'data-show-if-item="group" data-show-if-values="yes"' in html
    assert "Answer only when “Group work took place” is “Yes”." in html  # in view without JavaScript
    assert "Answer only when “Group size” is “3–5”." in html
    assert "data-show-if" not in plain and "engine-condition" not in plain
    assert 'data-show-if-values="yes" hidden>' in html  # not asked yet: drawn hidden (noscript.css shows it)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        answered = render_template_string(page, document=load_document(tally()),
                                          answers={"group": {"value": "yes"}})
    assert 'data-show-if-values="yes">' in answered and 'data-show-if-values="small" hidden>' in answered
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        html = render_template_string(page, document=load_document(tally()))
    assert "Svara bara när ”Grupparbete förekom” är ”Ja”." in html


def _hidden_inputs(html):
    return {name: re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html).group(1)
            for name in ("csrf_token", "uuid", "visit_uuid", "base_revision", "template_version_id", "status",
                         "kind", "teacher_id", "started_at", "ended_at")}


def test_conditions_round_trip_import_designer_publish_visit_page(client, login_as, principal, teacher, school,
                                                                  school_templates):
    from observe.templates_.models import Template
    from observe.templates_.services import working_document
    from observe.visits.models import ObservationAnswer

    login_as(principal)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    document = tally()
    document["kind"] = "walkthrough"
    response = post(client, "/templates/import",
                    {"file": (io.BytesIO(json.dumps(document).encode()), "fragor.json")},
                    content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    tid = int(response.headers["Location"].split("/")[2])
    # The designer: the list says when an item is asked, the editor offers the earlier answers.
    assert "only when group is yes" in client.get(f"/templates/{tid}/").get_data(as_text=True)
    editor = client.get(f"/templates/{tid}/items/roles").get_data(as_text=True)
    assert 'name="show_if" value="group=yes"' in editor and 'value="group_size=small" checked' in editor
    form = {"key": "roles", "type": "text", "label_sv": "Roller", "label_en": "Roles", "evidence": "optional",
            "show_if": ["group_size=pairs", "group_size=small"]}
    assert post(client, f"/templates/{tid}/items/roles", form).status_code == 302
    item = working_document(template_by_id(tid))["sections"][0]["items"][2]
    assert item["show_if"] == {"item": "group_size", "equals": ["pairs", "small"]}
    mixed = post(client, f"/templates/{tid}/items/roles", {**form, "show_if": ["group=yes", "group_size=small"]})
    assert mixed.status_code == 422 and "Tick answers of one question only" in mixed.get_data(as_text=True)
    db.session.rollback()
    assert post(client, f"/templates/{tid}/items/roles", {**form, "show_if": []}).status_code == 302
    assert "show_if" not in working_document(template_by_id(tid))["sections"][0]["items"][2]
    assert post(client, f"/templates/{tid}/items/roles", form).status_code == 302
    # Moving the item above the one it depends on is refused with the reason.
    moved = post(client, f"/templates/{tid}/items/roles/op", {"op": "up"}, follow_redirects=True)
    assert '"group_size" is not an item asked before this one' in html.unescape(moved.get_data(as_text=True))
    db.session.rollback()
    assert post(client, f"/templates/{tid}/publish").status_code == 302
    # Make it the school's walkthrough default, then observe with it.
    template = template_by_id(tid)
    assert template.latest is not None
    db.session.rollback()
    assert post(client, "/templates/defaults", {"default_walkthrough": str(tid)}).status_code in (302, 303)
    form_page = client.get(f"/visits/new/spontaneous?teacher={teacher.id}").get_data(as_text=True)
    assert 'data-show-if-item="group"' in form_page
    values = _hidden_inputs(form_page)
    response = client.post("/visits/save", data={**values, "action": "finish", "a.group": "yes"})
    assert response.status_code == 422  # shown and required
    response = client.post("/visits/save", data={**values, "action": "finish", "a.group": "no",
                                                  "a.group_size": "small", "a.roles": "Sekreterare"})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Group work took place" in page and "Sekreterare" not in page and "Group size" not in page
    rows = db.session.scalars(db.select(ObservationAnswer).where(ObservationAnswer.template_key == "fragor")).all()
    assert [r.item_key for r in rows] == ["group"]
    assert db.session.get(Template, tid) is not None


def test_a_condition_stays_on_the_observation_form():
    document = tally()
    document["sections"][0]["items"][1]["asked_in"] = "feedback"  # the conditional item in the feedback step
    with pytest.raises(TemplateFormatError) as info:
        load_document(document)
    assert "this item is asked in the feedback step" in str(info.value)
    document = tally()
    document["sections"][0]["items"][0]["asked_in"] = "feedback"  # its source there
    with pytest.raises(TemplateFormatError) as info:
        load_document(document)
    assert '"group" is asked in the feedback step' in str(info.value)
