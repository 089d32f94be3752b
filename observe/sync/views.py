"""The JSON API used by the offline client (/api/v1/...), see docs/sync-protocol.md.

Every POST passes the same guard, in an order that tells the client what to do:
401 session ended (log in again) -> 415 not JSON -> 403 foreign Origin -> 403 bad
CSRF token (fetch a new one, retry once). Every answer carries
`Cache-Control: no-store`: API responses hold personal data and must never be cached.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from marshmallow import ValidationError

from ..auth.permissions import current_school, sync_conflict_for
from ..dbtypes import defer_write_lock
from ..errors import error_response
from ..extensions import csrf
from . import schemas, services
from .conflicts import describe_conflict, open_conflicts, resolve_conflict
from .openapi import build_spec, documented
from .records import cached_schema, flatten_errors

bp = Blueprint("sync", __name__, url_prefix="/api/v1")
MAX_BODY_BYTES = 10 * 1024 * 1024  # 200 records with long notes fit; the client sends larger outboxes in batches
csrf.exempt(bp)  # checked in _guard instead, after the login check, and answered as JSON 403


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.after_request
def _after(response):
    return _no_store(response)


def _same_origin(origin: str) -> bool:
    """Same host and port. An https Origin on a plain-http request is the same site seen through
    a TLS-terminating proxy (when OBSERVE_PROXY_HOPS is not set), so it passes too."""
    parsed = urlsplit(origin)
    if parsed.netloc.lower() != request.host.lower():
        return False
    return parsed.scheme in (request.scheme, "https")


@bp.before_request
def _guard():
    if request.endpoint == "sync.set_faults":
        return None  # test-only switch, guarded by its own check
    if request.endpoint == "sync.sync":
        fault = _next_fault()
        if fault is not None:
            return fault
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if not current_user.is_authenticated:
        return _session_ended()
    if request.mimetype != "application/json":
        return error_response(415, "unsupported_media_type")
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return error_response(413, "too_large", _("Too much at once: send fewer records per request."))
    origin = request.headers.get("Origin")
    if origin is not None and not _same_origin(origin):
        return error_response(403, "origin", _("This request came from another site and was refused."))
    try:
        csrf.protect()
    except CSRFError:
        return error_response(403, "csrf", _("Your security token has expired. Fetch a new one and try again; "
                                             "nothing on this device is lost."))
    return None


# What `_guard` may answer any POST before its view runs (documented on every guarded POST).
_GUARD_RESPONSES = {400: schemas.ErrorSchema, 401: schemas.ErrorSchema, 403: schemas.ErrorSchema,
                    413: schemas.ErrorSchema, 415: schemas.ErrorSchema, 500: schemas.ErrorSchema}


def _session_ended():
    return error_response(401, "login_required", _("Your session has ended. Log in again to continue; "
                                                   "nothing on this device is lost."))


def _json_login_required(view):
    """GET views: 401 JSON (never a redirect to the login page) when the session has ended."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return _session_ended()
        return view(*args, **kwargs)

    return wrapper


def _school_or_403():
    school = current_school()
    if school is None:
        return None, error_response(403, "no_school", _("Your account is not connected to a school yet."))
    return school, None


def _json_body():
    body = request.get_json(silent=True)
    if body is None:
        return None, error_response(400, "malformed", _("The request body is not valid JSON."))
    return body, None


@bp.get("/ping")
@defer_write_lock
@documented("Reachability check: tiny, never cached.", responses={204: None})
def ping():
    return "", 204


@bp.get("/csrf")
@defer_write_lock
@documented("A fresh CSRF token for this session; fetch it before each sync.",
            responses={200: schemas.CsrfSchema, 401: schemas.ErrorSchema})
@_json_login_required
def csrf_token():
    return jsonify({"csrf_token": generate_csrf()})


@bp.post("/sync")
@defer_write_lock  # reads the session and user without SQLite's write lock; apply_records takes it
@documented("Upload records; one result per record, in request order.",
            request_schema=schemas.SyncRequestSchema,
            responses={**_GUARD_RESPONSES, 200: schemas.SyncResponseSchema, 422: schemas.ErrorSchema,
                       429: schemas.ErrorSchema})
def sync():
    body, error = _json_body()
    if error:
        return error
    version = body.get("client_schema_version") if isinstance(body, dict) else None
    if type(version) is not int or version not in schemas.SUPPORTED_CLIENT_SCHEMA_VERSIONS:  # not True, not 1.0
        return error_response(422, "client_outdated", schemas.outdated_client_message(),
                              {"client_schema_version": [schemas.outdated_client_message()]})
    try:
        request_data = cached_schema(schemas.SyncRequestSchema).load(body)
    except ValidationError as exc:
        return error_response(400, "malformed", None, flatten_errors(exc.messages))
    school, error = _school_or_403()
    if error:
        return error
    user = current_user._get_current_object()
    version = request_data["client_schema_version"]
    device_uuid = request_data["device"]["uuid"] if request_data["device"] else None
    results = services.apply_records(user, school, request_data["records"], client_schema_version=version,
                                     device_uuid=device_uuid, device=request_data["device"],
                                     user_agent=request.user_agent.string)
    if g.pop("drop_response", False):
        return error_response(500, "server_error")  # test fault: processed and committed, answer "lost"
    return jsonify(cached_schema(schemas.SyncResponseSchema).dump({"results": results}))


@bp.get("/conflicts")
@documented("The user's unresolved conflicts, each with the device's and the server's version.",
            responses={200: schemas.ConflictListSchema, 401: schemas.ErrorSchema})
@_json_login_required
def conflicts():
    school, error = _school_or_403()
    if error:
        return error
    listed = [describe_conflict(school, c) for c in open_conflicts(current_user, school)]
    return jsonify(schemas.ConflictListSchema().dump({"conflicts": listed}))


@bp.post("/conflicts/<int:conflict_id>/resolve")
@documented("Save the author's merge as the next revision and close the conflict. The body is the record "
            "type's merge: an observation's (Resolve: base_revision, fields, notes, status) or a feedback "
            "draft's (FeedbackResolve: base_revision, summary, strengths, development_area, next_step).",
            responses={**_GUARD_RESPONSES, 200: schemas.RecordResultSchema, 404: schemas.ErrorSchema,
                       409: schemas.RecordResultSchema, 422: schemas.RecordResultSchema})
def resolve(conflict_id: int):
    body, error = _json_body()
    if error:
        return error
    school, error = _school_or_403()
    if error:
        return error
    conflict = sync_conflict_for(current_user, conflict_id)
    result = resolve_conflict(current_user._get_current_object(), school, conflict, body)
    status = {"updated": 200, "conflict": 409}.get(result["status"], 422)
    return jsonify(schemas.RecordResultSchema().dump(result)), status


@bp.get("/openapi.json")
@documented("This document.", responses={200: None})
def openapi():
    return jsonify(build_spec(current_app))


# --- test-only fault injection ---------------------------------------------------------------

_faults_lock = threading.Lock()


def faults_enabled() -> bool:
    """Only a testing app with OBSERVE_FAULTS set may inject faults; production never."""
    return bool(current_app.config.get("TESTING") and current_app.config.get("OBSERVE_FAULTS"))


def _fault_queue() -> deque:
    return current_app.extensions.setdefault("observe_sync_faults", deque())


def _valid_fault(fault) -> bool:
    if fault == "drop_response":
        return True
    if isinstance(fault, int) and not isinstance(fault, bool):
        return 400 <= fault <= 599
    if isinstance(fault, dict) and set(fault) == {"delay"}:
        return isinstance(fault["delay"], (int, float)) and 0 <= fault["delay"] <= 30
    if isinstance(fault, dict) and set(fault) <= {"status", "retry_after"}:
        status, retry = fault.get("status"), fault.get("retry_after", 0)
        return (isinstance(status, int) and 400 <= status <= 599 and isinstance(retry, int) and retry >= 0)
    return False


def _next_fault():
    """Consume the next queued fault for POST /sync: a response now, or mark "drop_response"."""
    if request.method != "POST" or not faults_enabled():
        return None
    with _faults_lock:
        queue = _fault_queue()
        fault = queue.popleft() if queue else None
    if fault is None:
        return None
    if fault == "drop_response":
        g.drop_response = True
        return None
    if isinstance(fault, dict) and "delay" in fault:
        time.sleep(fault["delay"])  # a slow network or server: answer normally, later
        return None
    spec = fault if isinstance(fault, dict) else {"status": fault}
    response = error_response(spec["status"], "injected_fault", "Injected test fault.")
    if spec.get("retry_after"):
        response.headers["Retry-After"] = str(spec["retry_after"])
    return response


@bp.route("/_test/faults", methods=["GET", "POST"])
@documented("Test servers only (404 elsewhere): queue responses for the next POST /sync calls.",
            request_schema=schemas.FaultsSchema, responses={200: schemas.FaultsSchema, 404: schemas.ErrorSchema})
def set_faults():
    """Fault injection for the offline client's Playwright fault matrix.

    Enabled only when app.config["TESTING"] and app.config["OBSERVE_FAULTS"] are both true
    (never in production: config.load sets TESTING only for OBSERVE_ENV=testing); else 404.

    POST {"faults": [...]} replaces the queue; [] clears it. Each entry answers one
    following POST /api/v1/sync, in order, before any login or CSRF check:
      500 / 502 / 503 ...                 -> that status, nothing processed
      {"status": 429, "retry_after": 1}   -> that status with a Retry-After header
      "drop_response"                     -> processed and committed, then answered 500,
                                             as if the response was lost on the way back
    GET answers {"faults": [...]} with what is still queued. In-process tests may fill the
    same queue directly: app.extensions["observe_sync_faults"] (a collections.deque).
    """
    if not faults_enabled():
        return error_response(404, "not_found")
    if request.method == "GET":
        return jsonify({"faults": list(_fault_queue())})
    body = request.get_json(silent=True)
    try:
        data = schemas.FaultsSchema().load(body if isinstance(body, dict) else {})
    except ValidationError as exc:
        return error_response(400, "malformed", None, flatten_errors(exc.messages))
    if not all(_valid_fault(f) for f in data["faults"]):
        return error_response(400, "malformed", "Each fault is a status 400-599, "
                                                "{\"status\", \"retry_after\"} or \"drop_response\".")
    with _faults_lock:
        queue = _fault_queue()
        queue.clear()
        queue.extend(data["faults"])
        return jsonify({"faults": list(queue)})
