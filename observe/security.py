"""Security headers on every response.

The content security policy allows only our own scripts, styles and connections,
so an injected <script> or style="" attribute does nothing even if escaping ever
fails somewhere. Personal records must not linger in shared tablet caches, hence
`no-store` on signed-in pages and downloads and on the whole API; static files keep
their caching.
"""
from __future__ import annotations

from flask import Flask, Response, request
from flask_babel import gettext as _
from flask_login import current_user

from .errors import error_response

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
))

# Observe needs none of these; denying them means an injected script cannot ask for them
# either (and matches the data-protection rule: no photo, audio or video by default).
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "camera", "microphone", "geolocation", "payment", "usb", "serial", "hid",
    "midi", "display-capture", "accelerometer", "gyroscope", "magnetometer",
))

HSTS = "max-age=31536000; includeSubDomains"

STATIC_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
    # No Cross-Origin-Opener-Policy: with it (same-origin or same-origin-allow-popups) WebKit (Safari,
    # every iPad browser) loses a service worker being installed when the page is navigated meanwhile:
    # it stays "installing" for the rest of the browser session, and the device never works offline
    # (issue 20 item 14, tests/webkit/test_webkit_worker.py; accepted risk in docs/security.md).
}


def https_configured(app: Flask) -> bool:
    """HTTPS is on when the app marks its cookies Secure (OBSERVE_HTTPS, default on in production)."""
    return bool(app.config.get("SESSION_COOKIE_SECURE"))


def _must_not_be_stored(response: Response) -> bool:
    """The API, and signed-in pages and downloads (CSV, calendar, exports): personal records."""
    if request.path.startswith("/api/"):
        return True
    is_download = response.headers.get("Content-Disposition", "").startswith("attachment")
    if response.mimetype != "text/html" and not is_download:
        return False
    # is_anonymous, not is_authenticated: the latter reads User.active, which a view's commit
    # has expired, so it would reload the user for every signed-in page (the loader already
    # refuses inactive users).
    return not getattr(current_user, "is_anonymous", True)


def _has_nul(fields) -> bool:
    """True when a name or any of the values of a MultiDict holds a NUL character."""
    return any("\x00" in name or any("\x00" in value for value in values) for name, values in fields.lists())


def init_app(app: Flask) -> None:
    """Add the headers to every response the app sends, errors included."""
    hsts = https_configured(app)

    @app.before_request
    def _refuse_nul():
        """A NUL character (U+0000) in a query or form value is refused with a clear 400 before any
        view runs: PostgreSQL cannot store it (SQLite can), so it ended in a 500 on one database
        only. JSON bodies are checked field by field by their schemas (the sync API)."""
        if any(_has_nul(fields) for fields in (request.args, request.form)):
            return error_response(400, "nul", _("The form contained a NUL character (U+0000), which cannot "
                                                "be saved. Remove it and send the form again."))
        return None

    @app.after_request
    def _security_headers(response: Response) -> Response:
        # Set, not setdefault: no view can loosen the policy by accident.
        response.headers.update(STATIC_HEADERS)
        if hsts:
            response.headers["Strict-Transport-Security"] = HSTS
        if _must_not_be_stored(response):
            response.headers["Cache-Control"] = "no-store"
        return response
