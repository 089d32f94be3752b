"""The OpenAPI 3 document for /api/v1, generated from the routes and the marshmallow schemas.

Each API view declares its summary, request schema and responses with `@documented`;
`build_spec` walks the app's URL map, so a new route appears in the document by
being registered, and its shapes can only come from the schemas the view really uses.
"""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from ..errors import RETRY_AFTER_SECONDS
from .records import RECORD_TYPES
from .schemas import ErrorSchema

API_PREFIX = "/api/v1"
_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def documented(summary: str, *, request_schema=None, responses: dict | None = None):
    """Attach what the OpenAPI document says about a view."""

    def decorator(view):
        view.openapi = {"summary": summary, "request": request_schema, "responses": responses or {200: None}}
        return view

    return decorator


def _schema_name(schema) -> str:
    name = schema.__name__ if isinstance(schema, type) else type(schema).__name__
    return name.removesuffix("Schema")


def _ref(spec: APISpec, schema) -> dict:
    name = _schema_name(schema)
    if name not in spec.components.schemas:
        spec.components.schema(name, schema=schema)
    return {"$ref": f"#/components/schemas/{name}"}


def _operation(spec: APISpec, doc: dict, path_params: list[str]) -> dict:
    operation: dict = {"summary": doc["summary"], "responses": {}}
    if path_params:
        operation["parameters"] = [{"name": p, "in": "path", "required": True, "schema": {"type": "integer"}}
                                   for p in path_params]
    if doc["request"] is not None:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": _ref(spec, doc["request"])}}}
    for status, schema in doc["responses"].items():
        response: dict = {"description": _DESCRIPTIONS.get(status, "Answer.")}
        if schema is not None:
            response["content"] = {"application/json": {"schema": _ref(spec, schema)}}
        operation["responses"][str(status)] = response
    # Any route, whatever it declares: the app answers 503 while the database cannot be reached
    # (observe/errors.py), before the view runs.
    operation["responses"].setdefault("503", {
        "description": _DESCRIPTIONS[503], "content": {"application/json": {"schema": _ref(spec, ErrorSchema)}},
        "headers": {"Retry-After": {"description": "Seconds to wait before repeating the request.",
                                    "schema": {"type": "integer", "example": RETRY_AFTER_SECONDS}}}})
    return operation


_DESCRIPTIONS = {
    200: "OK.", 204: "Reachable.", 400: "Malformed JSON or request shape.", 401: "Session ended: log in again.",
    403: "CSRF token or Origin refused: fetch a new token and retry once.", 404: "Not found.",
    409: "The server copy changed since the merge was built.", 413: "Too large: send fewer records at once.",
    415: "Send Content-Type: application/json.", 422: "Unknown client_schema_version: update the app; "
    "or, for a single record, its field messages.", 429: "Too many requests: honour Retry-After.",
    500: "Server error: retry with backoff.",
    503: "The database cannot be reached (\"error\": \"unavailable\"): nothing was processed; repeat after "
    "Retry-After.",
}


def _nullable_refs(node) -> None:
    """apispec writes a nullable Nested field as anyOf [$ref, {nullable object}], whose second branch
    allows any object at all; say what the API does instead: that schema, or null (OpenAPI 3.0)."""
    if isinstance(node, list):
        for child in node:
            _nullable_refs(child)
        return
    if not isinstance(node, dict):
        return
    branches = node.get("anyOf")
    if (isinstance(branches, list) and len(branches) == 2 and "$ref" in branches[0]
            and branches[1] == {"nullable": True, "type": "object"}):
        del node["anyOf"]
        node.update({"allOf": [branches[0]], "nullable": True})
    for child in node.values():
        _nullable_refs(child)


def build_spec(app) -> dict:
    """The document as a dict (OpenAPI 3.0.3)."""
    spec = APISpec(title="Observe sync API", version="1", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "The API the offline client uses; see docs/sync-protocol.md."})
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        view = app.view_functions[rule.endpoint]
        doc = getattr(view, "openapi", None) or {"summary": (view.__doc__ or rule.endpoint).strip().splitlines()[0],
                                                 "request": None, "responses": {200: None}}
        path_params = _CONVERTER.findall(rule.rule)
        path = _CONVERTER.sub(r"{\1}", rule.rule)
        methods = sorted(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
        spec.path(path=path, operations={m: _operation(spec, doc, path_params) for m in methods})
    # Every registered record type's shapes are listed, so clients see each record and each merge.
    record_refs = [_ref(spec, record_type.schema) for record_type in RECORD_TYPES.values()]
    merge_refs = [_ref(spec, record_type.resolve_schema) for record_type in RECORD_TYPES.values()
                  if record_type.resolve_schema is not None]
    document = spec.to_dict()
    _nullable_refs(document["components"]["schemas"])
    request = document["components"]["schemas"].get("SyncRequest")
    if request is not None:  # any element is answered, a bad one alone ("rejected"), so the batch is never refused
        request["properties"]["records"]["items"] = {"anyOf": [*record_refs, {
            "description": "Anything else is answered in its own result: rejected, with field messages."}]}
    resolve = document["paths"].get(API_PREFIX + "/conflicts/{conflict_id}/resolve", {}).get("post")
    if resolve is not None:  # each record type's merge (an observation's, a feedback draft's)
        resolve["requestBody"] = {"required": True, "content": {"application/json": {"schema": {"oneOf": merge_refs}}}}
    return document
