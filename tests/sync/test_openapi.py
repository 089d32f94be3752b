"""The OpenAPI document: valid OpenAPI 3, every /api/v1 route in it, shapes from the schemas."""
from __future__ import annotations

import re

from openapi_spec_validator import validate


def api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_openapi_document_is_valid_and_lists_every_api_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    document = response.get_json()
    validate(document)  # raises on any structural error
    assert document["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert documented == api_routes(app)
    assert {("/api/v1/sync", "post"), ("/api/v1/ping", "get"), ("/api/v1/csrf", "get"),
            ("/api/v1/conflicts", "get"), ("/api/v1/conflicts/{conflict_id}/resolve", "post")} <= documented


def test_openapi_shapes_follow_the_marshmallow_schemas(client):
    from observe.visits.sync_schemas import ObservationRecordSchema

    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    record = schemas["ObservationRecord"]
    assert set(record["properties"]) == {f.data_key or name for name, f in ObservationRecordSchema().fields.items()}
    assert record["additionalProperties"] is False  # unknown keys are refused, and the document says so
    assert "school_id" not in record["properties"]
    sync = document["paths"]["/api/v1/sync"]["post"]
    assert sync["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/SyncRequest"}
    records = schemas["SyncRequest"]["properties"]["records"]["items"]["anyOf"]
    assert records[:2] == [{"$ref": "#/components/schemas/ObservationRecord"},
                           {"$ref": "#/components/schemas/FeedbackRecord"}]
    assert set(records[2]) == {"description"}  # anything else is answered alone (rejected), not refused
    assert schemas["SyncRequest"]["properties"]["client_schema_version"]["enum"] == [1]
    device = schemas["SyncRequest"]["properties"]["device"]  # a Device or null, not any object
    assert (device["allOf"], device["nullable"]) == ([{"$ref": "#/components/schemas/Device"}], True)
    assert {"200", "401", "403", "415", "422"} <= set(sync["responses"])
    resolve = document["paths"]["/api/v1/conflicts/{conflict_id}/resolve"]["post"]
    assert {"200", "400", "401", "403", "404", "409", "413", "415", "422"} <= set(resolve["responses"])


def test_every_api_route_documents_the_503_it_answers_while_the_database_is_down(client):
    """observe/errors.py answers 503 with Retry-After on any route while the database cannot be reached;
    a client generated from the document must expect it everywhere."""
    document = client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            unavailable = operation["responses"].get("503")
            assert unavailable, (method, path)
            assert "Retry-After" in unavailable["headers"]
            assert unavailable["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
