"""Device cookies: a browser in which a user signed in before keeps its own login allowance.

OWASP's "Slow Down Online Guessing Attacks with Device Cookies": a successful login leaves a
signed cookie naming the user and a random nonce. An attempt for that user from a browser
holding it is counted against that device only (observe/auth/throttle.py), so someone
guessing a principal's password elsewhere is slowed down while she still signs in at once
from her own tablet. The cookie grants nothing by itself (a password is still needed); the
nonce is stored in the audit log only as a hash. One browser may be shared, so the cookie
holds the most recent few users.
"""
from __future__ import annotations

import hashlib
import secrets
import time

from flask import Flask, Request, Response, current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "observe.device-cookie"
MAX_USERS = 8  # one shared tablet: a few principals and teachers


def cookie_name(app: Flask) -> str:
    # The __Host- prefix pins the cookie to this host and path / over HTTPS (like the session's).
    return "__Host-observe-device" if app.config["SESSION_COOKIE_SECURE"] else "observe_device"


def _serializer(app: Flask) -> URLSafeSerializer:
    return URLSafeSerializer(app.secret_key, salt=SALT)


def _lifetime(app: Flask) -> int:
    return app.config["OBSERVE_DEVICE_COOKIE_DAYS"] * 86400


def entries(request: Request) -> list[list]:
    """[user_id, nonce, issued (unix seconds)] of this browser, newest first; [] when absent or forged."""
    app = current_app
    raw = request.cookies.get(cookie_name(app))
    if not raw or len(raw) > 4096:
        return []
    try:
        data = _serializer(app).loads(raw)
    except BadSignature:
        return []
    oldest = time.time() - _lifetime(app)
    return [e for e in data if isinstance(e, list) and len(e) == 3 and isinstance(e[0], int)
            and isinstance(e[1], str) and isinstance(e[2], (int, float)) and e[2] > oldest][:MAX_USERS] \
        if isinstance(data, list) else []


def trusted_keys(request: Request) -> dict[int, str]:
    """user id -> the hashed nonce under which this browser's failures for that user are counted."""
    return {e[0]: hashlib.sha256(e[1].encode()).hexdigest() for e in entries(request)}


def remember(request: Request, response: Response, user_id: int) -> None:
    """After a successful login: a fresh nonce for this user on this browser (OWASP: issue anew)."""
    app = current_app
    kept = [e for e in entries(request) if e[0] != user_id]
    value = _serializer(app).dumps([[user_id, secrets.token_urlsafe(16), int(time.time())], *kept][:MAX_USERS])
    response.set_cookie(cookie_name(app), value, max_age=_lifetime(app), httponly=True,
                        secure=app.config["SESSION_COOKIE_SECURE"], samesite="Lax", path="/")
