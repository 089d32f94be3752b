"""Values no database should hold are refused per record with a field message, the same on
SQLite and PostgreSQL, and never with `retry: true` (the device would resend them for ever):
NUL characters (PostgreSQL cannot store them) and times outside 2000-01-01 .. 2099-12-31."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from observe.extensions import db
from observe.feedback.models import Feedback
from observe.sync.models import Device
from observe.visits.models import Observation

from tests.dates import iso_z

from .conftest import NOTE_AT, STARTED_AT, feedback_record, observation

NUL = "Eleverna\x00 diskuterar"
NUL_MESSAGE = "This text contains a NUL character (U+0000), which cannot be saved. Remove it and try again."
WINDOW_MESSAGE = "Must be between 2000-01-01 and 2099-12-31."


def stored(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def refused(result: dict, message: str) -> list[str]:
    """The names of the fields `result` refuses with `message` (and it must be a plain refusal)."""
    assert result["status"] == "rejected" and "retry" not in result, result
    return [name for name, messages in result["fields"].items() if message in messages]


NUL_RECORDS = {
    "note": lambda v: observation(v, notes=[{"at": iso_z(NOTE_AT), "text": NUL}]),
    "answer": lambda v: observation(v, fields={"a.W1": ["yes"], "a.W9": [NUL]}),
    "input name": lambda v: observation(v, fields={"a.W1": ["yes"], "a.W9\x00": ["x"]}),
    "subject": lambda v: observation(v, visit={"subject": NUL}),
}


@pytest.mark.parametrize("make", NUL_RECORDS.values(), ids=NUL_RECORDS.keys())
def test_nul_is_refused_with_a_field_message_and_the_batch_goes_on(api, version, make):
    good = observation(version.id)
    bad, ok = api.results(make(version.id), good)
    assert refused(bad, NUL_MESSAGE)
    assert ok["status"] == "created"
    assert stored(Observation) == 1


def test_nul_in_feedback_is_refused(api, planned_visit):
    [result] = api.results(feedback_record(planned_visit, summary=NUL))
    assert refused(result, NUL_MESSAGE) == ["summary"]
    assert stored(Feedback) == 0


OUT_OF_WINDOW = {
    "far future": ({"started_at": "9999-12-31T23:00:00Z"}, "visit.started_at"),
    "year one": ({"started_at": "0001-01-01T00:00:00Z"}, "visit.started_at"),
    "ended far future": ({"ended_at": "2150-01-01T00:00:00Z"}, "visit.ended_at"),
    "just before 2000": ({"started_at": "1999-12-31T23:59:59Z"}, "visit.started_at"),
}


@pytest.mark.parametrize("visit, field", OUT_OF_WINDOW.values(), ids=OUT_OF_WINDOW.keys())
def test_visit_times_outside_the_window_are_refused(api, version, visit, field):
    [result] = api.results(observation(version.id, visit=visit))
    assert refused(result, WINDOW_MESSAGE) == [field]
    assert stored(Observation) == 0


def test_an_end_before_the_start_is_refused(api, version):
    record = observation(version.id, visit={"started_at": iso_z(STARTED_AT),
                                            "ended_at": iso_z(STARTED_AT - dt.timedelta(hours=1))})
    [result] = api.results(record)
    assert refused(result, "The end cannot be before the start.") == ["visit.ended_at"]


def test_times_inside_the_window_are_kept(api, version):
    record = observation(version.id, visit={"started_at": "2000-01-01T00:00:00Z", "ended_at": "2099-12-31T23:59:59Z"})
    assert [r["status"] for r in api.results(record)] == ["created"]


def test_a_note_time_outside_the_window_is_refused(api, version):
    [result] = api.results(observation(version.id, notes=[{"at": "9999-12-31T23:00:00Z", "text": "x"}]))
    assert refused(result, WINDOW_MESSAGE) == ["notes.0.at"]


def test_a_next_step_date_outside_the_window_is_refused(api, planned_visit):
    record = feedback_record(planned_visit, next_step={"text": "Planera", "due_on": "9999-12-31"})
    [result] = api.results(record)
    assert refused(result, WINDOW_MESSAGE) == ["next_step.due_on"]


def test_a_device_clock_off_by_centuries_costs_no_sync(api, version):
    """The device's report is diagnostics: its impossible time is stored as unknown, the records pass."""
    device = {"uuid": "0b8f7a4e-4c1e-4d8a-9a51-1f1f0c1d2e3f", "pending": 1, "oldest_pending_at": "9999-12-31T23:00:00Z"}
    assert [r["status"] for r in api.results(observation(version.id), device=device)] == ["created"]
    db.session.expire_all()
    assert db.session.execute(select(Device)).scalar_one().oldest_pending_at is None

