"""Derived measures: shares, rates per observed minute and (weighted) averages computed from a
template's items, for one visit and from the per-item sums Analys already has."""
from __future__ import annotations

import copy

import pytest

from observe.insights.aggregates import Stats
from observe.templates_.items import answer_rows
from observe.templates_.measures import for_observation, from_stats
from observe.templates_.schemas import TemplateFormatError, canonical, export_json, import_json, load_document
from observe.templates_.services import default_documents

from .measure_documents import rubric, tally

ANSWERS = {"minutes": {"value": 20}, "open": {"value": 6}, "closed": {"value": 12}, "wait3": {"value": 9},
           "talk": {"value": "yes"}, "talk_how": {"value": "turn"}}


def values(document, answers):
    return {m["measure"]["key"]: m["value"] for m in for_observation(document, answers)}


def test_measures_load_round_trip_and_documents_without_them_are_unchanged():
    document = load_document(tally())
    assert [m["key"] for m in document["measures"]] == ["open_share", "wait_share", "per_minute", "talk_share"]
    assert document["measures"][3]["part"] == [{"item": "talk", "equals": ["yes"]}]
    assert import_json(export_json(document)) == document
    assert load_document(rubric())["measures"][1]["items"][1] == {"item": "d3b", "weight": 2}
    assert load_document(rubric())["measures"][1]["items"][0] == {"item": "d3a", "weight": 1}
    for shipped in default_documents():
        assert "measures" not in shipped
        assert canonical(load_document(copy.deepcopy(shipped))) == canonical(shipped)
    empty = tally()
    empty["measures"] = []
    assert "measures" not in load_document(empty)


@pytest.mark.parametrize("change, field, message", [
    (lambda m: m[0]["part"].__setitem__(0, {"item": "nope"}), "part", 'There is no item "nope" in this template.'),
    (lambda m: m[2].__setitem__("minutes", "talk"), "minutes", '"talk" is not a counter or interval item'),
    (lambda m: m[3]["part"].__setitem__(0, {"item": "talk", "equals": "maybe"}), "part",
     '"maybe" is not an answer of "talk"; use one of: yes, no, not_observed.'),
    (lambda m: m[0].pop("whole"), "whole", 'A share needs "whole".'),
    (lambda m: m[0].__setitem__("minutes", "minutes"), "minutes", 'A share does not use "minutes"; it uses part, whole.'),
    (lambda m: m[1].__setitem__("key", "open_share"), "key", 'Measure key "open_share" is used twice.'),
    (lambda m: m[1].__setitem__("key", "open"), "key", '"open" is already an item\'s key'),
])
def test_a_measure_names_items_it_can_compute_with(app, change, field, message):
    document = tally()
    change(document["measures"])
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(TemplateFormatError) as info:
        load_document(document)
    found = {path: " ".join(msgs) for path, msgs in info.value.errors.items()}
    assert any(path.endswith(field) and message in text for path, text in found.items()), found


def test_an_average_needs_items_or_a_section_of_scored_items(app):
    document = rubric()
    document["measures"][0]["items"] = [{"item": "d3a"}]  # both
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(TemplateFormatError) as info:
        load_document(document)
    assert 'either "items" (with optional weights) or "section"' in str(info.value)


def test_one_visit_computes_each_measure():
    document = load_document(tally())
    assert values(document, ANSWERS) == {"open_share": 6 / 18, "wait_share": 9 / 18, "per_minute": 18 / 20,
                                         "talk_share": 1.0}
    partial = {"open": {"value": 4}, "talk": {"value": "not_observed"}}
    assert values(document, partial) == {"open_share": 1.0, "wait_share": None, "per_minute": None,
                                         "talk_share": None}  # not observed: neither yes nor no
    doc = load_document(rubric())
    marks = {"d3a": {"value": "2"}, "d3b": {"value": "4"}, "d3c": {"value": "na"}}
    assert values(doc, marks) == {"d3_avg": 3.0, "d3_weighted": (2 + 2 * 4) / 3}  # "not applicable" left out


def _stats(document, observations):
    """Stats per item as aggregates.Stats sums the answer rows (one add per row, as the GROUP BY does)."""
    stats = {}
    for answers in observations:
        for row in answer_rows(document, answers):
            number = row["number"]
            stats.setdefault(row["item_key"], Stats()).add(
                row["choice"], 1, 1 if number is not None else 0, number, (number or 0) ** 2, number, number)
    return stats


def test_analys_gets_the_same_figure_from_the_item_sums():
    document = load_document(tally())
    stats = _stats(document, [ANSWERS])
    for measure in document["measures"]:  # one observation: the same as its visit page
        assert from_stats(measure, document, stats.get) == pytest.approx(values(document, ANSWERS)[measure["key"]])
    second = {"minutes": {"value": 40}, "open": {"value": 14}, "closed": {"value": 6}, "wait3": {"value": 2},
              "talk": {"value": "no"}}
    stats = _stats(document, [ANSWERS, second])
    by_key = {m["key"]: from_stats(m, document, stats.get) for m in document["measures"]}
    assert by_key["open_share"] == pytest.approx(20 / 38)  # the counts summed, then divided
    assert by_key["per_minute"] == pytest.approx(38 / 60)
    assert by_key["talk_share"] == pytest.approx(1 / 2)
    doc = load_document(rubric())
    stats = _stats(doc, [{"d3a": {"value": "2"}, "d3b": {"value": "4"}}, {"d3a": {"value": "4"}, "d3b": {"value": "3"}}])
    by_key = {m["key"]: from_stats(m, doc, stats.get) for m in doc["measures"]}
    assert by_key["d3_avg"] == pytest.approx((3 + 3.5) / 2)  # the items' means averaged
    assert by_key["d3_weighted"] == pytest.approx((3 + 2 * 3.5) / 3)


def test_a_hidden_item_does_not_count():
    document = tally()
    document["measures"].append({"key": "how_share", "type": "share", "label": "Tänk–para–dela",
                                 "part": [{"item": "talk_how", "equals": "think"}], "whole": [{"item": "talk_how"}]})
    document = load_document(document)
    assert values(document, {**ANSWERS, "talk_how": {"value": "think"}})["how_share"] == 1.0
    assert values(document, {**ANSWERS, "talk": {"value": "no"}, "talk_how": {"value": "think"}})["how_share"] is None


def test_the_designer_adds_and_deletes_measures(login_as, principal, school):
    import html
    import io
    import json as json_

    from observe.extensions import db
    from observe.templates_.services import working_document

    from .test_views import post, template_by_id

    client = login_as(principal)
    document = tally()
    del document["measures"]
    response = post(client, "/templates/import", {"file": (io.BytesIO(json_.dumps(document).encode()), "t.json")},
                    content_type="multipart/form-data")
    tid = int(response.headers["Location"].split("/")[2])
    page = client.get(f"/templates/{tid}/").get_data(as_text=True)
    assert 'name="part" value="open"' in page and 'name="part" value="talk=yes"' in page
    assert '<option value="minutes">' in page
    assert post(client, f"/templates/{tid}/measures", {
        "type": "share", "label_sv": "Andel öppna", "label_en": "Open share",
        "part": ["open"], "whole": ["open", "closed"]}).status_code == 302
    assert post(client, f"/templates/{tid}/measures", {
        "type": "rate", "label_sv": "Per minut", "count": ["open", "closed"], "minutes": "minutes"}).status_code == 302
    assert post(client, f"/templates/{tid}/measures", {
        "type": "share", "label_sv": "Parsamtal", "part": ["talk=yes"], "whole": ["talk=yes", "talk=no"]}).status_code == 302
    measures = working_document(template_by_id(tid))["measures"]
    assert measures == [
        {"key": "m1", "type": "share", "label": {"sv": "Andel öppna", "en": "Open share"},
         "part": [{"item": "open"}], "whole": [{"item": "open"}, {"item": "closed"}]},
        {"key": "m2", "type": "rate", "label": {"sv": "Per minut", "en": ""},
         "count": [{"item": "open"}, {"item": "closed"}], "minutes": "minutes"},
        {"key": "m3", "type": "share", "label": {"sv": "Parsamtal", "en": ""},
         "part": [{"item": "talk", "equals": ["yes"]}], "whole": [{"item": "talk", "equals": ["yes", "no"]}]}]
    refused = post(client, f"/templates/{tid}/measures", {"type": "share", "label_sv": "Tom", "part": ["open"]},
                   follow_redirects=True)
    assert "tick what it counts" in html.unescape(refused.get_data(as_text=True))
    assert post(client, f"/templates/{tid}/measures/m2/delete").status_code == 302
    assert [m["key"] for m in working_document(template_by_id(tid))["measures"]] == ["m1", "m3"]
    assert post(client, f"/templates/{tid}/publish").status_code == 302
    db.session.expire_all()
    assert [m["key"] for m in template_by_id(tid).latest.document["measures"]] == ["m1", "m3"]


def test_the_designer_adds_a_weighted_rubric_average(login_as, principal, school):
    import io
    import json as json_

    from observe.templates_.services import working_document

    from .test_views import post, template_by_id

    client = login_as(principal)
    document = rubric()
    del document["measures"]
    response = post(client, "/templates/import", {"file": (io.BytesIO(json_.dumps(document).encode()), "r.json")},
                    content_type="multipart/form-data")
    tid = int(response.headers["Location"].split("/")[2])
    assert post(client, f"/templates/{tid}/measures", {"type": "average", "label_sv": "Domän 3", "section": "d3"}
                ).status_code == 302
    assert post(client, f"/templates/{tid}/measures", {
        "type": "average", "label_sv": "Viktat", "items": ["d3a", "d3b"], "weight-d3b": "2,5"}).status_code == 302
    measures = working_document(template_by_id(tid))["measures"]
    assert measures[0]["section"] == "d3"
    assert measures[1]["items"] == [{"item": "d3a", "weight": 1}, {"item": "d3b", "weight": 2.5}]


def test_the_preview_computes_the_measures_of_the_answers_tried(login_as, principal, school):
    import io
    import json as json_
    import re

    from .test_views import post

    client = login_as(principal)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = post(client, "/templates/import", {"file": (io.BytesIO(json_.dumps(tally()).encode()), "t.json")},
                    content_type="multipart/form-data")
    tid = int(response.headers["Location"].split("/")[2])
    page = post(client, f"/templates/{tid}/preview", {"a.minutes": "10", "a.open": "3", "a.closed": "1",
                                                      "a.talk": "no"}).get_data(as_text=True)
    assert re.search(r'data-measure="open_share">75\s%</dd>', page)
    assert 'data-measure="per_minute">0.4 per minute</dd>' in page and 'data-measure="wait_share"' not in page
