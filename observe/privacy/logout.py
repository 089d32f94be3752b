"""What the server itself clears at logout: only the browser's HTTP cache (Clear-Site-Data
"cache"), which holds no user's records. Never "storage": it deletes every IndexedDB database
and cache of the origin, so on a shared tablet one user's logout wiped another user's notes not
yet on the server. The leaving user's own data is removed by the logout page's script
(static/js/purge.js), in Chromium and in Safari's engine alike (docs/security.md)."""
from __future__ import annotations

from flask import g, request
from flask_login import current_user

CLEAR_CACHE = '"cache"'


def _remember_who_logs_out():
    if request.endpoint == "auth.logout" and request.method == "POST" and current_user.is_authenticated:
        g.logging_out = True


def _clear_site_data(response):
    if g.pop("logging_out", False) and response.status_code < 300:
        response.headers["Clear-Site-Data"] = CLEAR_CACHE
    return response


def init(bp) -> None:
    bp.before_app_request(_remember_who_logs_out)
    bp.after_app_request(_clear_site_data)
