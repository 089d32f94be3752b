"""The API's guards and headers: what a client sees when something about the request is wrong."""
from __future__ import annotations

import pytest

from .conftest import Api, observation


def test_ping_is_tiny_and_never_cached(client):
    response = client.get("/api/v1/ping")
    assert response.status_code == 204 and response.data == b""
    assert response.headers["Cache-Control"] == "no-store"


def test_csrf_token_needs_a_session(client):
    response = client.get("/api/v1/csrf")
    assert response.status_code == 401
    assert response.get_json()["error"] == "login_required"
    assert response.headers["Cache-Control"] == "no-store"


def test_csrf_token_for_a_session(api):
    response = api.client.get("/api/v1/csrf")
    assert response.status_code == 200 and len(response.get_json()["csrf_token"]) > 20
    assert response.headers["Cache-Control"] == "no-store"


def test_sync_answers_are_never_cached(api, version):
    response = api.sync(observation(version.id))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_sync_without_session_is_401_json_not_a_login_redirect(client, version):
    response = client.post("/api/v1/sync", json={"client_schema_version": 1, "records": []},
                           headers={"Origin": "http://localhost"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "login_required"
    assert response.headers["Cache-Control"] == "no-store"


def test_sync_needs_json_content_type(api):
    response = api.client.post("/api/v1/sync", data="{}", content_type="text/plain",
                               headers={"X-CSRFToken": api.token()})
    assert response.status_code == 415 and response.get_json()["error"] == "unsupported_media_type"
    form = api.client.post("/api/v1/sync", data={"records": "[]"}, headers={"X-CSRFToken": api.token()})
    assert form.status_code == 415


@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost:8080", "null",
                                    "http://localhost.evil.example", "https://evil.example/http://localhost"])
def test_foreign_origin_is_403(api, version, origin):
    response = api.sync(observation(version.id), headers={"Origin": origin})
    assert response.status_code == 403 and response.get_json()["error"] == "origin"


def test_https_origin_through_a_tls_proxy_is_the_same_site(api, version):
    response = api.sync(observation(version.id), headers={"Origin": "https://localhost"})
    assert response.status_code == 200


def test_request_without_origin_header_is_allowed(api, version):
    response = api.client.post("/api/v1/sync", json={"client_schema_version": 1, "records": []},
                               headers={"X-CSRFToken": api.token()})
    assert response.status_code == 200 and response.get_json() == {"results": []}


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_missing_or_bad_csrf_token_is_403_json(api, version, token):
    headers = {"Origin": "http://localhost"}
    if token:
        headers["X-CSRFToken"] = token
    response = api.client.post("/api/v1/sync", json={"client_schema_version": 1,
                                                     "records": [observation(version.id)]}, headers=headers)
    assert response.status_code == 403
    body = response.get_json()
    assert body["error"] == "csrf" and body["message"]
    assert response.headers["Cache-Control"] == "no-store"


def test_token_of_another_session_is_refused(api, api_as, make_user, version):
    from observe.auth.models import Role

    other = api_as(make_user(Role.PRINCIPAL))
    response = api.client.post("/api/v1/sync", json={"client_schema_version": 1, "records": []},
                               headers={"X-CSRFToken": other.token()})
    assert response.status_code == 403


def test_malformed_json_is_400(api):
    response = api.client.post("/api/v1/sync", data="{not json", content_type="application/json",
                               headers={"X-CSRFToken": api.token()})
    assert response.status_code == 400 and response.get_json()["error"] == "malformed"


def test_request_shape_errors_are_400_with_fields(api):
    response = api.post("/api/v1/sync", {"client_schema_version": 1, "records": "nope", "extra": 1})
    assert response.status_code == 400
    assert {"records", "extra"} <= set(response.get_json()["fields"])


@pytest.mark.parametrize("version_sent", [0, 2, 99, "1", None, True, 1.0])
def test_unknown_client_schema_version_is_422_asking_to_update(api, version, version_sent):
    body = {"client_schema_version": version_sent, "records": [observation(version.id)]}
    response = api.post("/api/v1/sync", body)
    assert response.status_code == 422
    payload = response.get_json()
    assert payload["error"] == "client_outdated" and "update" in payload["message"]
    assert "client_schema_version" in payload["fields"]


def test_nothing_is_saved_when_the_request_is_refused(api, version):
    from .test_records import count
    from observe.visits.models import Observation

    api.sync(observation(version.id), headers={"Origin": "https://evil.example"})
    api.post("/api/v1/sync", {"client_schema_version": 7, "records": [observation(version.id)]})
    assert count(Observation) == 0


def test_user_without_school_gets_403(app, client, ctx, password_hash, school):
    from observe.auth.models import User
    from observe.extensions import db
    from tests.conftest import login

    user = User(organisation_id=school.organisation_id, email="ingen@example.se", name="Ingen Skola",
                password_hash=password_hash)
    db.session.add(user)
    db.session.commit()
    login(client, user)
    response = Api(client).sync()
    assert response.status_code == 403 and response.get_json()["error"] == "no_school"



def test_oversized_request_is_413_and_nothing_is_saved(api, version, monkeypatch):
    from observe.sync import views
    from observe.visits.models import Observation

    from .test_records import count

    monkeypatch.setattr(views, "MAX_BODY_BYTES", 2000)
    record = observation(version.id, fields={"a.W9": ["x" * 3000]})
    response = api.sync(record)
    assert response.status_code == 413 and response.get_json()["error"] == "too_large"
    assert count(Observation) == 0


def test_schema_errors_read_as_plain_messages(api, version):
    record = observation(version.id)
    del record["base_revision"]
    record["visit"]["teacher_id"] = "Lars"
    [result] = api.results(record)
    assert result["fields"]["base_revision"] == ["This is required."]
    assert result["fields"]["visit.teacher_id"] == ["Enter a whole number."]


def test_a_failing_device_report_does_not_cost_the_confirmations(api, version, monkeypatch):
    from observe.sync import services

    def broken(*_args, **_kwargs):
        raise RuntimeError("device table unavailable")

    monkeypatch.setattr(services, "store_device", broken)
    record = observation(version.id)
    response = api.sync(record, device={"uuid": "6f1c2a7e-1b2c-4d5e-8f90-123456789abc", "pending": 1})
    assert response.status_code == 200
    assert response.get_json()["results"][0]["status"] == "created"
