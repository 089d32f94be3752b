"""Smaller item details (#16 item 7): help per option, the "not applicable" label renamed, and a
yes / partly / no item; documents without them are unchanged."""
from __future__ import annotations

import copy
import re

from flask import render_template_string

from observe.templates_.schemas import canonical, load_document
from observe.templates_.services import default_documents

from .documents import bi, every_type
from .test_views import post, school_templates, template_by_id  # noqa: F401  (the fixture)

PAGE = '{% from "forms/_engine.html" import render_form %}{{ render_form(document, {}, {}) }}'


def test_an_option_carries_help_shown_with_it(app):
    document = every_type()
    options = document["sections"][0]["items"][5]["options"]
    options[0]["help"] = {"sv": "Läraren väljer.", "en": "The teacher chooses."}
    options[1]["help"] = {"sv": "", "en": ""}
    loaded = load_document(document)
    assert loaded["sections"][0]["items"][5]["options"][0]["help"] == {"sv": "Läraren väljer.", "en": "The teacher chooses."}
    assert "help" not in loaded["sections"][0]["items"][5]["options"][1]  # empty: absent
    for shipped in default_documents():
        assert canonical(load_document(copy.deepcopy(shipped))) == canonical(shipped)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = render_template_string(PAGE, document=loaded)
    option = re.search(r'<label class="engine-option engine-described">(.*?)</label>', html, re.S).group(1)
    assert 'name="a.ch" value="x"' in option and "The teacher chooses." in option


def test_the_not_applicable_choice_may_be_worded_by_the_template(app):
    from observe.templates_.items import answer_rows, parse_answers
    from observe.visits.display import readable_answers

    document = every_type()
    scale = document["sections"][0]["items"][0]  # F4, with "not applicable"
    scale["not_applicable_label"] = {"sv": "Inte aktuellt i denna lektion", "en": "Not part of this lesson"}
    custom = document["sections"][0]["items"][1]
    custom["not_applicable_label"] = {"sv": "Utan val", "en": ""}  # without the choice: dropped
    loaded = load_document(document)
    assert loaded["sections"][0]["items"][0]["not_applicable_label"]["sv"] == "Inte aktuellt i denna lektion"
    assert "not_applicable_label" not in loaded["sections"][0]["items"][1]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = render_template_string(PAGE, document=loaded)
        answers, errors = parse_answers(loaded, {"a.sc": ["na"]})
        shown = readable_answers(loaded, answers)
    assert re.search(r'value="na">\s*<span>Not part of this lesson</span>', html) and "Not applicable" not in html
    assert errors == {} and answers == {"sc": {"value": "na"}}  # stored as before: "na"
    assert shown[0]["rows"][0]["parts"] == [{"sv": "Inte aktuellt i denna lektion", "en": "Not part of this lesson"}]
    assert answer_rows(loaded, answers)[0]["choice"] == "na"


def test_a_yes_partly_no_item(app):
    from observe.templates_.items import answer_rows, parse_answers

    document = every_type()
    document["sections"][0]["items"].append({"key": "yp", "type": "yes_no", "label": {"sv": "Målet", "en": "The goal"},
                                            "partly": True})
    document["sections"][0]["items"].append({"key": "yn2", "type": "yes_no", "label": bi("Två"),
                                            "partly": False})
    loaded = load_document(document)
    assert loaded["sections"][0]["items"][-2]["partly"] is True and "partly" not in loaded["sections"][0]["items"][-1]
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        html = render_template_string(PAGE, document=loaded)
        answers, errors = parse_answers(loaded, {"a.yp": ["partly"], "a.yn2": ["partly"]})
    assert re.search(r'name="a.yp" value="partly">\s*<span>Delvis</span>', html)
    assert 'name="a.yn2" value="partly"' not in html
    assert answers["yp"] == {"value": "partly"} and "a.yn2" in errors  # only where the template offers it
    rows = answer_rows(loaded, {"yp": {"value": "partly"}, "yn": {"value": "yes"}})
    assert [(r["item_key"], r["choice"], r["number"]) for r in rows] == [("yn", "yes", 1.0), ("yp", "partly", 0.5)]


def test_the_designer_sets_partly_and_the_not_applicable_wording(login_as, principal, school_templates):
    from observe.templates_.services import working_document

    client = login_as(principal)
    tid = school_templates["walkthrough"]
    assert post(client, f"/templates/{tid}/items/W1", {"key": "W1", "type": "yes_no", "label_sv": "Målet syns",
                                                       "evidence": "optional", "partly": "y"}).status_code == 302
    assert post(client, f"/templates/{tid}/items/W2", {
        "key": "W2", "type": "scale", "label_sv": "Förklarar", "evidence": "optional", "preset": "F4",
        "not_applicable": "y", "na_label_sv": "Inte aktuellt i dag", "na_label_en": "Not today"}).status_code == 302
    items = {i["key"]: i for s in working_document(template_by_id(tid))["sections"] for i in s["items"]}
    assert items["W1"]["partly"] is True
    assert items["W2"]["not_applicable_label"] == {"sv": "Inte aktuellt i dag", "en": "Not today"}
    editor = client.get(f"/templates/{tid}/items/W2").get_data(as_text=True)
    assert 'value="Inte aktuellt i dag"' in editor
    assert re.search(r'<input checked id="partly" name="partly" type="checkbox"',
                     client.get(f"/templates/{tid}/items/W1").get_data(as_text=True))


def test_own_levels_are_typed_in_fields(login_as, principal, school_templates):
    from observe.templates_.services import working_document

    client = login_as(principal)
    tid = school_templates["walkthrough"]
    editor = client.get(f"/templates/{tid}/items/W2").get_data(as_text=True)
    assert 'name="level_rows-0-sv"' in editor and 'name="levels"' not in editor
    data = {"key": "W2", "type": "scale", "label_sv": "Förklarar", "evidence": "optional", "preset": "custom",
            "level_rows-0-sv": "Sällan", "level_rows-0-en": "Rarely", "level_rows-0-score": "1",
            "level_rows-1-sv": "Ofta", "level_rows-1-en": "Often", "level_rows-1-score": "2,5",
            "level_rows-2-sv": "Alltid", "level_rows-2-value": "always",
            "level_rows-3-sv": ""}
    assert post(client, f"/templates/{tid}/items/W2", data).status_code == 302
    item = next(i for s in working_document(template_by_id(tid))["sections"] for i in s["items"] if i["key"] == "W2")
    assert item["levels"] == [{"value": "1", "label": {"sv": "Sällan", "en": "Rarely"}, "score": 1},
                              {"value": "2", "label": {"sv": "Ofta", "en": "Often"}, "score": 2.5},
                              {"value": "always", "label": {"sv": "Alltid", "en": ""}, "score": None}]
    data["level_rows-1-score"] = "mycket"
    response = post(client, f"/templates/{tid}/items/W2", data)
    assert response.status_code == 422 and 'id="levels-error"' in response.get_data(as_text=True)
