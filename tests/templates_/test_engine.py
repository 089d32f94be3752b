"""The render_form macro: real labelled controls, named per the contract, that post back what they show."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask import render_template_string

from observe.templates_.items import parse_answers
from observe.templates_.schemas import load_document
from observe.templates_.services import default_documents

from .documents import every_type
from .test_items import FILLED

RENDER = ('{% from "forms/_engine.html" import render_form %}'
          '{{ render_form(document, answers, errors, focus_keys=focus) }}')


class FormScan(HTMLParser):
    """Collects what a browser would post, every control's id, and every label's `for`."""

    def __init__(self):
        super().__init__()
        self.posted: dict[str, list[str]] = {}
        self.ids, self.label_for, self.names = set(), set(), []
        self.headings, self._textarea, self._heading = [], None, False
        self.label_depth, self.unlabelled, self.scripts = 0, [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if "style" in a or tag in ("script", "style"):
            self.scripts += 1
        if tag == "label":
            self.label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        if tag == "h2":
            self._heading = True
        if tag in ("input", "textarea") and a.get("name"):
            self.names.append(a["name"])
            if not self.label_depth:
                self.unlabelled.append(a.get("id"))
        if tag == "input" and a.get("name"):
            if a.get("type") in ("radio", "checkbox"):
                if "checked" in a:
                    self.posted.setdefault(a["name"], []).append(a["value"])
            else:
                self.posted.setdefault(a["name"], []).append(a.get("value", ""))
        if tag == "textarea":
            self._textarea = a["name"]
            self.posted.setdefault(a["name"], []).append("")
        if tag == "select" and a.get("name"):  # posts its selected option, else its first one
            self._select, self._options, self._selected = a["name"], [], None
            self.names.append(a["name"])
            if not self.label_depth:
                self.unlabelled.append(a.get("id"))
        if tag == "option" and getattr(self, "_select", None):
            self._options.append(a.get("value", ""))
            if "selected" in a:
                self._selected = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select" and getattr(self, "_select", None):
            chosen = self._selected if self._selected is not None else (self._options or [""])[0]
            self.posted.setdefault(self._select, []).append(chosen)
            self._select = None
        if tag == "textarea":
            self._textarea = None
        if tag == "label":
            self.label_depth -= 1
        if tag == "h2":
            self._heading = False

    def handle_data(self, data):
        if self._textarea:
            self.posted[self._textarea][-1] += data
        if self._heading:
            self.headings.append(data.strip())


def render(app, document, answers=None, errors=None, focus=None, lang="en"):
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        html = render_template_string(RENDER, document=document, answers=answers or {}, errors=errors or {},
                                      focus=focus or [])
    scan = FormScan()
    scan.feed(html)
    return html, scan


@pytest.fixture
def document():
    return load_document(every_type())


def test_rendered_answers_post_back_unchanged(app, document):
    answers, errors = parse_answers(document, FILLED)
    assert not errors
    _, scan = render(app, document, answers)
    assert parse_answers(document, scan.posted) == (answers, {})


def test_every_control_has_a_label(app, document):
    _, scan = render(app, document)
    unlabelled = [i for i in scan.unlabelled if i not in scan.label_for]
    assert unlabelled == []
    assert scan.scripts == 0  # no inline script or style (strict CSP)


def test_names_follow_the_contract(app, document):
    _, scan = render(app, document)
    names = set(scan.names)
    assert {"a.sc", "a.sc.evidence", "a.xy.x", "a.xy.y", "a.cn", "a.cl", "a.log.0.time", "a.log.2.students",
            "a.iv.2.teacher", "a.iv.0.students"} <= names
    assert "a.tx.evidence" not in names  # evidence "none"
    assert "a.log.3.time" not in names  # three empty rows without JavaScript


def test_timed_log_offers_three_empty_rows_after_existing_ones(app, document):
    answers = {"log": {"value": [{"time": "08:05", "teacher": "Visar", "students": "Räknar"}]}}
    _, scan = render(app, document, answers)
    assert scan.posted["a.log.0.time"] == ["08:05"]
    assert {"a.log.1.time", "a.log.3.time"} <= set(scan.names) and "a.log.4.time" not in scan.names


def test_errors_are_shown_on_their_input(app, document):
    answers, errors = parse_answers(document, {"a.cn": ["-3"], "a.xy.x": ["9"], "a.xy.y": ["4"]})
    html, _ = render(app, document, answers, errors)
    assert 'id="f-a-cn-error"' in html and "Must be at least 0." in html
    assert 'aria-describedby="f-a-cn-error"' in html
    assert "Must be at most 4." in html


def test_focus_items_come_first_under_their_heading(app, document):
    html, scan = render(app, document, focus=["xy"])
    assert scan.headings[0] == "Focus agreed with the teacher"
    assert html.index('data-item="xy"') < html.index('data-item="sc"')
    assert html.count('data-item="xy"') == 1


def test_evidence_hint_and_language(app, document):
    html, _ = render(app, load_document(default_documents()[0]), lang="en")
    assert "Record what is said and done – not judgements" in html
    assert "The lesson purpose is visible or stated to students" in html
    html, _ = render(app, load_document(default_documents()[0]), lang="sv")
    assert "Lektionens syfte/mål är synligt eller uttalat för eleverna" in html


def test_peer_template_shows_its_header_note(app):
    html, _ = render(app, default_documents()[2], lang="en")
    assert "You observe only what your colleague chose." in html


def test_not_applicable_appears_only_where_allowed(app, document):
    html, _ = render(app, document)
    assert 'name="a.sc" value="na"' in html
    assert 'name="a.custom" value="na"' not in html


def test_help_and_errors_are_announced_with_their_control(app):
    document = load_document(default_documents()[0])
    answers, errors = parse_answers(document, {"a.W3.x": ["9"], "a.W3.y": ["4"]})
    html, _ = render(app, document, answers, errors)
    assert '<fieldset class="engine-choices" aria-describedby="f-a-W1-help">' in html
    assert 'id="f-a-W1-help"' in html
    assert 'aria-invalid="true" aria-describedby="f-a-W3-x-error"' in html
