"""Conflicts: the author sees both versions and the merge becomes the next revision."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from observe.auth.models import Role
from observe.extensions import db
from observe.sync.models import SyncConflict

from .conftest import observation
from .test_records import stored


def make_conflict(api, version) -> tuple[dict, dict]:
    record = observation(version.id)
    api.results(record)
    api.results({**record, "base_revision": 1, "fields": {"a.W1": ["no"]}})
    stale = {**record, "base_revision": 1, "fields": {"a.W1": ["yes"], "a.W9": ["Från surfplattan"]}}
    assert api.results(stale)[0]["status"] == "conflict"
    return record, stale


def test_conflict_list_shows_both_versions(api, version):
    record, stale = make_conflict(api, version)
    response = api.client.get("/api/v1/conflicts")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    [conflict] = response.get_json()["conflicts"]
    assert conflict["record_uuid"] == record["uuid"]
    assert (conflict["base_revision"], conflict["server_revision"]) == (1, 2)
    assert conflict["device"]["fields"] == stale["fields"]
    assert conflict["device_answers"] == {"W1": {"value": "yes"}, "W9": {"value": "Från surfplattan"}}
    assert conflict["server"]["answers"] == {"W1": {"value": "no"}} and conflict["server"]["revision"] == 2


def test_conflicts_are_only_their_authors(api, api_as, make_user, version):
    make_conflict(api, version)
    other = api_as(make_user(Role.PRINCIPAL))
    assert other.client.get("/api/v1/conflicts").get_json() == {"conflicts": []}
    conflict_id = db.session.execute(select(SyncConflict.id)).scalar_one()
    response = other.post(f"/api/v1/conflicts/{conflict_id}/resolve",
                          {"base_revision": 2, "fields": {"a.W1": ["yes"]}})
    assert response.status_code == 404


def test_merge_becomes_the_next_revision_and_closes_the_conflict(api, version):
    record, _stale = make_conflict(api, version)
    conflict_id = api.client.get("/api/v1/conflicts").get_json()["conflicts"][0]["id"]
    merged = {"base_revision": 2, "fields": {"a.W1": ["no"], "a.W9": ["Från surfplattan"]},
              "notes": record["notes"], "status": "complete"}
    response = api.post(f"/api/v1/conflicts/{conflict_id}/resolve", merged)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"uuid": record["uuid"], "status": "updated", "revision": 3}
    obs = stored(record)
    assert obs.revision == 3 and obs.status == "complete"
    assert obs.answers == {"W1": {"value": "no"}, "W9": {"value": "Från surfplattan"}}
    assert api.client.get("/api/v1/conflicts").get_json() == {"conflicts": []}
    # The device, told revision 3, now syncs its merged copy as unchanged.
    [result] = api.results({**record, "base_revision": 3, "fields": merged["fields"], "status": "complete"})
    assert result == {"uuid": record["uuid"], "status": "unchanged", "revision": 3}


def test_merge_built_on_an_old_server_copy_is_refused(api, version):
    record, _stale = make_conflict(api, version)
    conflict_id = api.client.get("/api/v1/conflicts").get_json()["conflicts"][0]["id"]
    api.results({**record, "base_revision": 2, "fields": {"a.W1": ["not_observed"]}})  # server moves to 3
    response = api.post(f"/api/v1/conflicts/{conflict_id}/resolve",
                        {"base_revision": 2, "fields": {"a.W1": ["no"]}})
    assert response.status_code == 409
    body = response.get_json()
    assert body["status"] == "conflict" and body["server"]["revision"] == 3
    assert stored(record).answers == {"W1": {"value": "not_observed"}}
    assert len(api.client.get("/api/v1/conflicts").get_json()["conflicts"]) == 1


def test_invalid_merge_is_422_with_field_messages(api, version):
    make_conflict(api, version)
    conflict_id = api.client.get("/api/v1/conflicts").get_json()["conflicts"][0]["id"]
    response = api.post(f"/api/v1/conflicts/{conflict_id}/resolve",
                        {"base_revision": 2, "fields": {"a.W3.x": ["9"], "a.W3.y": ["3"]}})
    assert response.status_code == 422
    assert response.get_json()["status"] == "rejected" and "a.W3.x" in response.get_json()["fields"]


def test_resolve_needs_csrf(api, version):
    make_conflict(api, version)
    conflict_id = api.client.get("/api/v1/conflicts").get_json()["conflicts"][0]["id"]
    response = api.client.post(f"/api/v1/conflicts/{conflict_id}/resolve",
                               json={"base_revision": 2, "fields": {}})
    assert response.status_code == 403


def test_the_conflicting_device_closes_it_by_syncing_its_merge_from_the_server_revision(api, version):
    tablet, desktop = ({"uuid": str(uuid.uuid4()), "pending": 1} for _ in range(2))
    record = observation(version.id)
    api.results(record, device=desktop)
    api.results({**record, "base_revision": 1, "fields": {"a.W1": ["no"]}}, device=desktop)
    assert api.results({**record, "base_revision": 1, "fields": {"a.W9": ["Surfplattan"]}},
                       device=tablet)[0]["status"] == "conflict"
    # The desktop goes on editing from revision 2: the tablet's copy is still waiting to be merged.
    api.results({**record, "base_revision": 2, "fields": {"a.W1": ["yes"]}}, device=desktop)
    assert len(api.client.get("/api/v1/conflicts").get_json()["conflicts"]) == 1
    # The tablet merges on top of what it was shown and syncs.
    [result] = api.results({**record, "base_revision": 3, "fields": {"a.W1": ["yes"], "a.W9": ["Surfplattan"]}},
                           device=tablet)
    assert result["status"] == "updated" and result["revision"] == 4
    assert api.client.get("/api/v1/conflicts").get_json() == {"conflicts": []}
