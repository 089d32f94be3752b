"""One error module: domain exceptions and the HTML/JSON error handlers.

Pages get HTML; anything under /api/ gets JSON shaped
{"error": code, "message": text, "fields": {field: [messages]}}.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db


class ObserveError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str = "", fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(ObserveError):
    status = 404
    code = "not_found"


class Forbidden(ObserveError):
    status = 403
    code = "forbidden"


class ValidationFailed(ObserveError):
    status = 422
    code = "invalid"


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Please log in."),
        403: _("You do not have access to this page."),
        404: _("We could not find that page."),
        405: _("That action is not allowed here."),
        413: _("That upload is too large."),
        415: _("Send JSON with Content-Type: application/json."),
        422: _("Some fields need attention."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Your saved work is safe; please try again."),
    }


def error_response(status: int, code: str, message: str | None = None, fields: dict | None = None):
    message = message or _messages().get(status, "")
    if wants_json():
        body = {"error": code, "message": message}
        if fields:
            body["fields"] = fields
        response = jsonify(body)
        response.status_code = status
        response.headers["Cache-Control"] = "no-store"
        return response
    return render_template("errors/error.html", status=status, message=message, fields=fields or {}), status


def register(app: Flask) -> None:
    @app.errorhandler(ObserveError)
    def _observe_error(exc: ObserveError):
        return error_response(exc.status, exc.code, exc.message or None, exc.fields)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return error_response(400, "csrf", _("Your session's security token is missing or has expired. "
                                              "Reload the page and try again; nothing you saved is lost."))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        response = error_response(exc.code or 500, code)
        if exc.code == 429 and getattr(exc, "retry_after", None):
            response = app.make_response(response)
            response.headers["Retry-After"] = str(exc.retry_after)
        if exc.code == 405 and getattr(exc, "valid_methods", None):
            response = app.make_response(response)  # RFC 9110: a 405 names the allowed methods
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "server_error")
