"""Mass assignment: the JSON API loads only what a device may say. Unknown keys are refused,
and the school, owner, author and server-owned status of a record are never loadable."""
from __future__ import annotations

import pytest
from marshmallow import Schema, ValidationError
from sqlalchemy import func, select

from observe.extensions import db
from observe.feedback.models import Feedback
from observe.feedback import sync_schemas as feedback_schemas
from observe.sync import schemas
from observe.visits import sync_schemas as observation_schemas
from observe.visits.models import Observation, Visit
from tests.dates import iso_z
from tests.sync.conftest import STARTED_AT, api, api_as, feedback_record, observation, planned_visit, version  # noqa: F401

SERVER_OWNED = {"school_id", "school", "owner", "owner_id", "author", "author_id", "observer_id", "created_by_id",
                "user_id", "id", "revision", "shared_at", "acknowledged_at", "resolved_at"}
REQUEST_SCHEMAS = [schemas.SyncRequestSchema, observation_schemas.ObservationRecordSchema,
                   observation_schemas.VisitRefSchema, observation_schemas.NoteSchema,
                   feedback_schemas.FeedbackRecordSchema, feedback_schemas.StrengthSchema,
                   feedback_schemas.NextStepSchema, observation_schemas.ResolveSchema]


@pytest.mark.parametrize("schema", REQUEST_SCHEMAS, ids=lambda s: s.__name__)
def test_request_schemas_load_nothing_the_server_owns(schema: type[Schema]):
    loadable = {field.data_key or name for name, field in schema().fields.items() if not field.dump_only}
    assert not loadable & SERVER_OWNED, loadable & SERVER_OWNED
    assert schema().unknown == "raise" or schema is schemas.SyncRequestSchema


def test_a_status_field_accepts_only_the_authors_own_states():
    status = observation_schemas.ObservationRecordSchema().fields["status"]
    for value in ("shared", "cancelled", "completed", "acknowledged"):
        with pytest.raises(ValidationError):
            status.deserialize(value)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("key", ["school_id", "author_id", "owner_id", "observer_id", "revision", "id"])
def test_the_sync_api_refuses_an_observation_naming_a_server_owned_field(api, version, make_school, key):
    other = make_school("Annan skola")
    record = observation(version.id, **{key: other.id})
    results = api.results(record)
    assert results[0]["status"] == "rejected", results
    assert count(Observation) == 0 and count(Visit) == 0


@pytest.mark.parametrize("key", ["school_id", "observer_id", "created_by_id", "status"])
def test_the_sync_api_refuses_a_visit_naming_a_server_owned_field(api, version, make_school, key):
    record = observation(version.id, visit={key: "completed" if key == "status" else 99})
    assert api.results(record)[0]["status"] == "rejected"
    assert count(Visit) == 0


@pytest.mark.parametrize("key,value", [("status", "shared"), ("author_id", 1), ("school_id", 1),
                                       ("shared_at", iso_z(STARTED_AT))])
def test_the_sync_api_refuses_feedback_naming_a_server_owned_field(api, planned_visit, key, value):
    assert api.results(feedback_record(planned_visit, **{key: value}))[0]["status"] == "rejected"
    assert count(Feedback) == 0


def test_a_clean_record_is_accepted(api, version):
    """The same request without the extra key is saved: the refusals above are about the key."""
    assert api.results(observation(version.id))[0]["status"] == "created"
