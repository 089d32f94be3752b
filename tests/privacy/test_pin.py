"""The personal identity number warning: real-looking numbers warn, look-alikes do not."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from observe.privacy.pin import fields_with_pin, looks_like_pin


@pytest.mark.parametrize("text", [
    "Eleven 20120315-1236 behövde stöd",  # YYYYMMDD-XXXX
    "120315-1236",  # YYMMDD-XXXX
    "121212+1212",  # over 100 years old
    "201203151236",  # no separator
    "Samordningsnr 120375-1233",  # day + 60
])
def test_personal_identity_numbers_warn(text):
    assert looks_like_pin(text)


@pytest.mark.parametrize("text", [
    "20120315-1234",  # wrong check digit
    "121345-1234",  # month 13
    "Ring 070-123 45 67",  # a phone number
    "12 av 28 elever räckte upp handen",
    "Lektion 2026-11-23 kl 09.40",
    "",
    None,
])
def test_look_alikes_do_not(text):
    assert not looks_like_pin(text)


def test_the_fields_holding_one_are_named():
    fields = MultiDict([("a.P5", "Bra start"), ("a.C1.evidence", "Lisa 120315-1236 svarade"), ("note_text", "ok"),
                        ("uuid", "550e8400-e29b-41d4-a716-201203151236")])
    assert fields_with_pin(fields) == ["a.C1.evidence"]
    assert fields_with_pin({"a.P5": ["inget"], "a.X": ["20120315-1236"]}) == ["a.X"]


from tests.visits.conftest import walkthrough  # noqa: E402,F401  (fixture)
from tests.visits.test_views import observer, start  # noqa: E402,F401  (fixture, helper)


def test_saving_a_visit_with_a_personal_identity_number_warns_but_saves(observer, teacher):
    values = start(observer, teacher)
    response = observer.post("/visits/save", data={
        **values, "action": "save", "a.W1": "yes", "a.W1.evidence": "Eleven 120315-1236 svarade"},
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="flash flash-warning"' in html  # the wording is translated (the observer reads Swedish)
    assert "120315-1236" in html  # saved all the same: a warning, not a block


def test_an_ordinary_save_does_not_warn(observer, teacher):
    values = start(observer, teacher)
    html = observer.post("/visits/save", data={**values, "action": "save", "a.W1": "yes",
                                               "a.W1.evidence": "12 av 28 räckte upp"},
                         follow_redirects=True).get_data(as_text=True)
    assert "flash-warning" not in html and "flash-success" in html
