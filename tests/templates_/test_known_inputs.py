"""Every input the form engine draws is a name `unknown_names` knows, for every shipped template;
anything else is reported (a record must not carry answers its version does not have)."""
from __future__ import annotations

import re

import pytest
from flask import render_template_string

from observe.templates_.items import unknown_names
from observe.templates_.schemas import items_of
from observe.templates_.services import default_documents

FORM = '{% from "forms/_engine.html" import render_form %}{{ render_form(document, {}, {}) }}'


@pytest.mark.parametrize("document", default_documents(), ids=lambda d: d["key"])
def test_every_drawn_input_is_known(app, document):
    with app.test_request_context("/"):
        html = render_template_string(FORM, document=document)
    names = set(re.findall(r'name="(a\.[^"]+)"', html))
    assert names and unknown_names(document, names) == []
    for kind in {item["type"] for item in items_of(document)}:
        assert any(name.split(".")[1] in {i["key"] for i in items_of(document) if i["type"] == kind}
                   for name in names), kind


def test_names_outside_the_version_are_reported(app):
    document = next(d for d in default_documents() if any(i["type"] == "timed_log" for i in items_of(d)))
    log = next(i for i in items_of(document) if i["type"] == "timed_log")
    good = [f"a.{log['key']}.0.time", f"a.{log['key']}.12.students"]
    bad = ["a.NOPE", f"a.{log['key']}", f"a.{log['key']}.0.colour", f"a.{log['key']}.x.time", "csrf_token", "a"]
    assert unknown_names(document, good + bad) == bad
