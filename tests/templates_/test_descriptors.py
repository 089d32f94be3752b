"""Rubric level descriptors: a paragraph per scale level, typed in the designer, shown with each
level on the form, in the preview and on the visit page; documents without them are unchanged."""
from __future__ import annotations

import copy
import re

import pytest
from flask import render_template_string

from observe.extensions import db
from observe.templates_.schemas import TemplateFormatError, canonical, load_document
from observe.templates_.services import default_documents

from ..conftest import csrf_token
from .documents import every_type
from .test_views import post, school_templates, template_by_id  # noqa: F401  (the fixture)

LEVELS = "1 | Otillräcklig | Unsatisfactory\n2 | Grundläggande | Basic\n3 | Skicklig | Proficient\n4 | Framstående | Distinguished"
DESCRIPTORS = {
    0: ("Frågorna är slutna och ställs till några få elever. Svaren väntas snabbt. Få elever deltar.",
        "Questions are closed and put to a few students. Answers are expected at once. Few take part."),
    1: ("Några frågor är öppna. Läraren väntar ibland på svar. Samma elever svarar oftast.",
        "Some questions are open. The teacher sometimes waits. The same students tend to answer."),
    2: ("De flesta frågor är öppna och ger tid att tänka. Läraren fördelar ordet. Eleverna bygger på varandras svar.",
        "Most questions are open and give time to think. The teacher spreads the turns. Students build on each other."),
    3: ("Eleverna ställer egna frågor till varandra. Läraren följer upp med fördjupande frågor. Alla deltar. Tänketiden är självklar.",
        "Students ask each other their own questions. The teacher probes further. Everyone takes part. Wait time is a given."),
}


def scale_with(levels):
    document = every_type()
    document["sections"][0]["items"] = [{"key": "R1", "type": "scale", "label": {"sv": "Frågor", "en": "Questions"},
                                         "levels": levels}]
    return document


def test_a_level_descriptor_loads_and_a_missing_or_empty_one_leaves_the_document_as_it_was():
    levels = [{"value": "1", "label": {"sv": "Låg", "en": "Low"}, "description": {"sv": "Tre meningar. Två. En."}},
              {"value": "2", "label": {"sv": "Hög", "en": "High"}, "description": {"sv": "", "en": " "}}]
    document = load_document(scale_with(levels))
    loaded = document["sections"][0]["items"][0]["levels"]
    assert loaded[0]["description"] == {"sv": "Tre meningar. Två. En.", "en": ""}
    assert "description" not in loaded[1]  # empty: absent, not stored
    for shipped in default_documents():  # versions made before descriptors keep their text (and hash)
        assert canonical(load_document(copy.deepcopy(shipped))) == canonical(shipped)


def test_a_too_long_descriptor_is_refused_with_its_level_and_language():
    levels = [{"value": "1", "label": "Låg", "description": {"sv": "kort", "en": "x" * 1501}},
              {"value": "2", "label": "Hög"}]
    with pytest.raises(TemplateFormatError) as info:
        load_document(scale_with(levels))
    assert info.value.errors == {"sections[0].items[0].levels[0].description":
                                 ["The en text is longer than 1500 characters."]}
    levels[0]["description"]["en"] = "x" * 1500
    load_document(scale_with(levels))  # at the limit: fine


def test_the_engine_draws_each_descriptor_under_its_level_and_nothing_new_without_them(app):
    document = load_document(scale_with([
        {"value": "1", "label": {"sv": "Låg", "en": "Low"}, "description": {"sv": "Låg beskrivning.", "en": "Low descriptor."}},
        {"value": "2", "label": {"sv": "Hög", "en": "High"}}]))
    page = '{% from "forms/_engine.html" import render_form %}{{ render_form(document, {}, {}) }}'
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = render_template_string(page, document=document)
        plain = render_template_string(page, document=load_document(every_type()))
    assert "engine-rubric" in html
    option = re.search(r'<label class="engine-option engine-described">(.*?)</label>', html, re.S).group(1)
    assert 'value="1"' in option and "Low" in option and "Low descriptor." in option  # one tap target
    assert 'aria-labelledby="f-a-R1-1-l" aria-describedby="f-a-R1-1-d"' in option
    assert re.search(r'<label class="engine-option">\s*<input type="radio" name="a.R1" value="2">\s*<span>High</span>', html)
    assert "engine-rubric" not in plain and "engine-described" not in plain and "engine-option-label" not in plain


def _descriptor_fields(n):
    data = {}
    for i in range(n):
        data[f"descriptors-{i}-sv"], data[f"descriptors-{i}-en"] = DESCRIPTORS[i]
    return data


def test_descriptors_round_trip_designer_publish_form_visit_page(client, login_as, principal, teacher, school,
                                                                 school_templates):
    from observe.templates_.services import latest_version_for

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    login_as(principal)
    tid = school_templates["walkthrough"]
    form = client.get(f"/templates/{tid}/items/W2").get_data(as_text=True)
    assert "Nivåbeskrivningar" in form or "Level descriptors" in form
    assert form.count('name="descriptors-') == 6  # a Swedish and an English field for each of the 3 levels
    data = {"key": "W2", "type": "scale", "label_sv": "Frågor och tänketid", "label_en": "Questions and wait time",
            "evidence": "optional", "preset": "custom", "levels": LEVELS, **_descriptor_fields(3)}
    response = post(client, f"/templates/{tid}/items/W2", data)  # a 4th level typed: its fields appear
    assert response.status_code == 302
    form = client.get(f"/templates/{tid}/items/W2").get_data(as_text=True)
    assert form.count('name="descriptors-') == 8 and DESCRIPTORS[2][0] in form
    data.update(_descriptor_fields(4))
    preview = post(client, f"/templates/{tid}/items/W2", {**data, "action": "preview"}).get_data(as_text=True)
    assert DESCRIPTORS[3][0] in preview[preview.index('id="item-preview"'):]
    assert post(client, f"/templates/{tid}/items/W2", data).status_code == 302
    assert post(client, f"/templates/{tid}/publish").status_code == 302
    version = latest_version_for(school, "spontaneous")
    assert version.number == 2

    html = client.get(f"/visits/new/spontaneous?teacher={teacher.id}").get_data(as_text=True)
    for sv, _en in DESCRIPTORS.values():
        assert sv in html
    values = {name: re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html).group(1)
              for name in ("csrf_token", "uuid", "visit_uuid", "base_revision", "template_version_id", "status",
                           "kind", "teacher_id", "started_at", "ended_at")}
    response = client.post("/visits/save", data={**values, "action": "finish", "a.W2": "3"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Skicklig" in page and DESCRIPTORS[2][0] in page  # the chosen level's descriptor
    assert DESCRIPTORS[1][0] not in page and DESCRIPTORS[3][0] not in page
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert DESCRIPTORS[2][1] in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_designer_puts_a_too_long_descriptor_error_on_its_field(login_as, principal, school_templates):
    client = login_as(principal)
    tid = school_templates["walkthrough"]
    data = {"key": "W2", "type": "scale", "label_sv": "Frågor", "evidence": "optional", "preset": "custom",
            "levels": LEVELS, **_descriptor_fields(4), "descriptors-1-sv": "ord " * 400}
    response = post(client, f"/templates/{tid}/items/W2", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="descriptors-1-sv"[^>]*>|aria-describedby="descriptors-1-sv-error"', html)
    assert 'id="descriptors-1-sv-error">The sv text is longer than 1500 characters.' in html
    assert template_by_id(tid).draft is None
    db.session.rollback()


def test_a_preset_scale_given_descriptors_keeps_its_levels(login_as, principal, school_templates):
    from observe.templates_.services import working_document

    client = login_as(principal)
    tid = school_templates["planned"]
    data = {"key": "B1", "type": "scale", "label_sv": "Mål", "evidence": "optional", "preset": "F4",
            "not_applicable": "y", "descriptors-0-sv": "Inget av detta syns."}
    assert post(client, f"/templates/{tid}/items/B1", data).status_code == 302
    item = next(i for s in working_document(template_by_id(tid))["sections"] for i in s["items"] if i["key"] == "B1")
    assert [lv["value"] for lv in item["levels"]] == ["1", "2", "3", "4"] and item["not_applicable"] is True
    assert item["levels"][0]["description"] == {"sv": "Inget av detta syns.", "en": ""}
    assert "description" not in item["levels"][1]
