"""Smaller item details (#16 item 7): help per option, the "not applicable" label renamed, and a
yes / partly / no item; documents without them are unchanged."""
from __future__ import annotations

import copy
import re

from flask import render_template_string

from observe.templates_.schemas import canonical, load_document
from observe.templates_.services import default_documents

from .documents import bi, every_type

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
