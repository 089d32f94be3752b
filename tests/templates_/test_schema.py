"""The template document format: good documents load, bad ones say which field is wrong."""
from __future__ import annotations

import json

import pytest

from observe.templates_.schemas import (SCALE_PRESETS, TemplateFormatError, export_json, import_json,
                                        load_document)
from observe.templates_.services import default_documents

from .documents import every_type


def errors_of(document) -> dict:
    with pytest.raises(TemplateFormatError) as info:
        load_document(document)
    return info.value.errors


def test_every_item_type_loads_with_defaults_filled_in():
    document = load_document(every_type())
    items = {item["key"]: item for section in document["sections"] for item in section["items"]}
    assert items["sc"]["levels"] == SCALE_PRESETS["F4"]["levels"]  # preset expanded: versions self-contained
    assert items["sc"]["not_applicable"] is True
    assert "scale" not in items["sc"]
    assert items["tx"]["evidence"] == "none" and items["cn"]["evidence"] == "optional"
    assert items["iv"]["intervals"] == 3 and items["log"]["max_rows"] == 200
    assert document["description"] == {"sv": "", "en": ""}


def test_the_five_defaults_are_valid_and_bilingual():
    documents = default_documents()
    assert [d["key"] for d in documents] == ["walkthrough", "planned", "peer", "interval", "math-f3"]
    assert [d["kind"] for d in documents] == ["walkthrough", "planned", "peer", "any", "any"]
    for document in documents:
        for section in document["sections"]:
            for item in section["items"]:
                assert item["label"]["sv"] and item["label"]["en"], item["key"]
    walkthrough = {i["key"]: i for s in documents[0]["sections"] for i in s["items"]}
    assert {f"W{n}" for n in range(1, 10)} <= set(walkthrough)
    assert walkthrough["W3"]["type"] == "x_of_y"
    peer = documents[2]
    assert peer["header_note"]["sv"].startswith("Du observerar bara")
    assert not any(i["type"] == "scale" for s in peer["sections"] for i in s["items"])  # no ratings


@pytest.mark.parametrize("change, path, words", [
    (lambda d: d.update(format="observe-template/9"), "format", "observe-template/1"),
    (lambda d: d.update(kind="lesson"), "kind", "one of"),
    (lambda d: d.pop("title"), "title", "required"),
    (lambda d: d["sections"][0]["items"][0].update(key="has space"), "sections[0].items[0].key", "letters"),
    (lambda d: d["sections"][0]["items"][1].update(key="sc"), "sections[0].items[1].key", "Item key \"sc\" is used twice"),
    (lambda d: d["sections"][0]["items"][2].update(type="slider"), "sections[0].items[2].type", "one of"),
    (lambda d: d["sections"][0]["items"][3].update(colour="red"), "sections[0].items[3].colour", "Unknown"),
    (lambda d: d["sections"][0]["items"][1].update(levels=[]), "sections[0].items[1].levels", "at least two"),
    (lambda d: d["sections"][0]["items"][4].update(options=[]), "sections[0].items[4].options", "1 and 30"),
    (lambda d: d["sections"][1]["items"][3].update(intervals=0), "sections[1].items[3].intervals", "greater"),
    (lambda d: d["sections"][0]["items"][0].update(label={"de": "Skala"}), "sections[0].items[0].label", "sv and en"),
    (lambda d: d["sections"][0]["items"][0].update(label={"sv": "", "en": ""}), "sections[0].items[0].label",
     "Swedish or English"),
    (lambda d: d["sections"][0]["items"][0].update(evidence="always"), "sections[0].items[0].evidence", "one of"),
])
def test_bad_documents_name_the_field_and_the_problem(change, path, words):
    document = every_type()
    change(document)
    errors = errors_of(document)
    assert path in errors, errors
    assert words.lower() in " ".join(errors[path]).lower()


def test_a_document_must_be_an_object_and_json():
    assert "document" in errors_of(["not", "an", "object"])
    with pytest.raises(TemplateFormatError) as info:
        import_json("{not json")
    assert "not valid JSON" in info.value.errors["document"][0]


def test_export_is_readable_json_that_imports_to_the_same_document():
    document = load_document(every_type())
    text = export_json(document)
    assert "Alla typer" in text and text.endswith("\n")
    assert import_json(text) == document
    assert json.loads(text)["format"] == "observe-template/1"


def test_duplicate_level_values_point_at_the_second_one():
    document = every_type()
    document["sections"][0]["items"][1]["levels"][1]["value"] = "lo"
    errors = errors_of(document)
    assert "used twice" in errors["sections[0].items[1].levels[1].value"][0]


def test_an_error_names_the_section_and_item_and_what_is_allowed(app):
    """A principal cannot map sections[0].items[1].show_if to her form: the message names them."""
    from observe.templates_.schemas import TemplateFormatError, load_document

    cases = [
        (lambda d: d["sections"][0]["items"][3].update(colour="red"),
         "Section “Ett”, item “Text” (tx), field colour: “colour” is not a field here; allowed: key, type, label, "
         "help, required, evidence, asked_in, show_if, max_length, carry."),
        (lambda d: d["sections"][0]["items"][0].update(key="D/V"),
         "Section “Ett”, item “Skala” (D/V), field key: “D/V” contains “/”, which is not allowed here. "
         "Use 1–40 letters, digits, - or _ (no spaces or dots)."),
        (lambda d: d["sections"][0]["items"][4]["options"][1].update(colour="x"),
         "Section “Ett”, item “Lista” (cl), option 2 “B”, field colour: “colour” is not a field here; "
         "allowed: value, label, help."),
        (lambda d: d.update(bogus=1), "The template, field bogus: “bogus” is not a field here; allowed: format, key, "
         "kind, title, description, header_note, sections, measures."),
    ]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        for change, readable in cases:
            document = every_type()
            change(document)
            with pytest.raises(TemplateFormatError) as info:
                load_document(document)
            assert info.value.readable == [readable]
