"""A record whose answers do not belong to its template version is rejected with field errors,
never stored without them (the device would then delete its only copy)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from observe.extensions import db
from observe.visits.models import Observation

from .conftest import observation

FOREIGN = {
    "unknown item": {"a.NOPE": ["x"]},
    "unknown part": {"a.W3.z": ["4"]},
    "evidence the item has not": {"a.W9.evidence": ["Sagt"]},
    "no input name": {"W1": ["yes"]},
    "row of an item without rows": {"a.W1.0.time": ["08:10"]},
}


@pytest.mark.parametrize("fields", FOREIGN.values(), ids=FOREIGN.keys())
def test_answers_outside_the_version_are_rejected_by_name(api, version, fields):
    name = next(iter(fields))
    [result] = api.results(observation(version.id, fields={"a.W1": ["yes"], **fields}))
    assert result["status"] == "rejected"
    assert list(result["fields"]) == [name]
    assert result["fields"][name] == ["This answer does not belong to this version of the form."]
    assert "retry" not in result
    assert db.session.scalar(select(func.count()).select_from(Observation)) == 0


def test_an_update_with_a_foreign_answer_keeps_the_stored_revision(api, version):
    record = observation(version.id)
    [created] = api.results(record)
    [result] = api.results({**record, "base_revision": 1, "fields": {**record["fields"], "a.NOPE": ["x"]}})
    assert (created["status"], result["status"]) == ("created", "rejected")
    stored = db.session.execute(select(Observation)).scalar_one()
    assert stored.revision == 1 and stored.answers["W1"]["value"] == "yes"


def test_every_input_the_form_draws_is_accepted(api, version):
    fields = {"a.W1": ["yes"], "a.W1.evidence": ["Målet på tavlan"], "a.W3.x": ["3"], "a.W3.y": ["20"],
              "a.W9": ["Citat"]}
    assert [r["status"] for r in api.results(observation(version.id, fields=fields))] == ["created"]
