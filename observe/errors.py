"""One error module: domain exceptions and the HTML/JSON error handlers.

Pages get HTML; anything under /api/ gets JSON shaped
{"error": code, "message": text, "fields": {field: [messages]}}.
"""
from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request, session
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from .extensions import db, login_manager

# What the driver or the pool raises when the database cannot be reached or cannot answer now
# (refused or cut connection, missing SQLite file, lock or statement timeout, pool exhausted):
# the request may succeed when repeated, so it is a 503, not a 500.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = 30  # what the offline client waits before its next upload (outbox.js honours it)


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


class DatabaseUnavailable(ObserveError):
    """The session could not be read: answered 503 before anything else tries the database."""

    status = 503
    code = "unavailable"


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
        503: _("Observe is temporarily unavailable. Your saved work is safe; please try again in a minute."),
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

    @app.before_request
    def _session_was_readable():
        # First of the request hooks: a session that could not be read must not be taken for an
        # anonymous visitor (a redirect to the login page, a new cookie over the real one).
        if getattr(session, "unavailable", False) and request.endpoint != "core.healthz":
            raise DatabaseUnavailable()

    @app.errorhandler(DatabaseUnavailable)
    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def _database_unavailable(exc: Exception):
        app.logger.warning("database unavailable on %s %s: %s", request.method, request.path, exc.__cause__ or exc)
        _forget_the_database()
        response = app.make_response(error_response(503, "unavailable"))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "server_error")


def _forget_the_database() -> None:
    """Let the error page render without the database: roll back what can be, draw the page for
    an anonymous visitor (the user's row cannot be loaded or refreshed), and write no session."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.invalidate()
    g._login_user = login_manager.anonymous_user()  # Flask-Login's per-request user
    g.current_school = None
    session.unavailable = True  # DatabaseSessionInterface.save_session skips the row and the cookie
