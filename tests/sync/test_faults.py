"""The test-only fault switch the offline client's Playwright fault matrix relies on."""
from __future__ import annotations

import pytest

from observe.visits.models import Observation

from .conftest import observation
from .test_records import count


@pytest.fixture
def faults(app, monkeypatch):
    monkeypatch.setitem(app.config, "OBSERVE_FAULTS", True)
    yield
    app.extensions.pop("observe_sync_faults", None)


def set_faults(client, faults_list):
    response = client.post("/api/v1/_test/faults", json={"faults": faults_list})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_switch_is_off_unless_enabled(client, app):
    assert not app.config.get("OBSERVE_FAULTS")
    assert client.post("/api/v1/_test/faults", json={"faults": [500]}).status_code == 404
    assert client.get("/api/v1/_test/faults").status_code == 404


def test_switch_needs_a_testing_app(app, client, faults, monkeypatch):
    monkeypatch.setitem(app.config, "TESTING", False)
    assert client.post("/api/v1/_test/faults", json={"faults": [500]}).status_code == 404


def test_queued_errors_answer_the_next_syncs_in_order_then_sync_works(api, version, faults):
    set_faults(api.client, [500, 502, 503, {"status": 429, "retry_after": 1}])
    record = observation(version.id)
    statuses = []
    for _ in range(4):
        response = api.sync(record)
        statuses.append(response.status_code)
        assert response.headers["Cache-Control"] == "no-store"
        if response.status_code == 429:
            assert response.headers["Retry-After"] == "1"
    assert statuses == [500, 502, 503, 429]
    assert count(Observation) == 0  # nothing processed while faulting
    assert api.results(record)[0]["status"] == "created"
    assert api.client.get("/api/v1/_test/faults").get_json() == {"faults": []}


def test_dropped_response_commits_and_the_retry_is_unchanged(api, version, faults):
    set_faults(api.client, ["drop_response"])
    record = observation(version.id)
    assert api.sync(record).status_code == 500
    assert count(Observation) == 1
    assert api.results(record) == [{"uuid": record["uuid"], "status": "unchanged", "revision": 1}]
    assert count(Observation) == 1


def test_faults_do_not_touch_other_endpoints(api, faults):
    set_faults(api.client, [503])
    assert api.client.get("/api/v1/ping").status_code == 204
    assert api.client.get("/api/v1/csrf").status_code == 200
    assert api.client.get("/api/v1/_test/faults").get_json() == {"faults": [503]}


@pytest.mark.parametrize("bad", [[200], ["explode"], [{"status": 429, "retry_after": -1}], [{"code": 500}], [True]])
def test_bad_fault_specs_are_refused(client, faults, bad):
    assert client.post("/api/v1/_test/faults", json={"faults": bad}).status_code == 400


def test_empty_list_clears_the_queue(client, faults):
    set_faults(client, [500, 500])
    assert set_faults(client, []) == {"faults": []}
