"""Server-side sessions kept in the database.

The browser holds only a random session id; the data lives in `web_sessions`, so
logging out or disabling an account really ends a session, every gunicorn worker
and host sees the same sessions, and idle and absolute timeouts are enforced on
the server. Only a SHA-256 of the id is stored, so a database leak yields no
usable cookies.

Anonymous visitors get no row: what they carry before logging in (the login form's CSRF
token, a chosen language, a flashed message) travels in a signed cookie, as in Flask's
default sessions, so a stream of GET /login costs no write. The first session data of a
signed-in user moves to the database under a fresh id (login clears the session), and a
signed cookie is never trusted to name a user.

Written here rather than taken from Flask-Session because its SQLAlchemy backend
defines its model once per app instance and creates its table outside Alembic.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets

from flask import Flask
from flask.sessions import SecureCookieSessionInterface, SessionInterface, SessionMixin, session_json_serializer
from itsdangerous import BadSignature
from sqlalchemy import ForeignKey, Index, String, Text, bindparam, delete, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.datastructures import CallbackDict

from ..dbtypes import UTCDateTime, start_write, utcnow, write_lock_deferred
from ..errors import DATABASE_UNAVAILABLE
from ..extensions import db

# Write last_seen at most this often for an unchanged session (one UPDATE a minute, not per request),
# so most requests only read their session. The idle deadline is refreshed with it: a session may
# end up to this much earlier than OBSERVE_SESSION_IDLE_MINUTES after the last request, never later.
TOUCH_EVERY = dt.timedelta(seconds=60)


class WebSession(db.Model):
    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_expires_at", "expires_at"),)

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie value
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Flask's tagged JSON (keeps tuples, bytes, Markup and lazy strings of flashed messages).
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # min(idle deadline, absolute deadline)


# Read on every request: built once (building and keying a statement costs as much as running it).
_READ = select(WebSession.data, WebSession.created_at, WebSession.last_seen_at, WebSession.expires_at).where(
    WebSession.id_hash == bindparam("id_hash"))


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def _user_id(data: dict) -> int | None:
    key = str(data.get("_user_id") or "")
    head = key.partition(":")[0]
    return int(head) if head.isdigit() else None


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, sid: str | None = None, created_at: dt.datetime | None = None,
                 last_seen_at: dt.datetime | None = None, in_cookie: bool = False):
        def on_update(self):
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.sid = sid
        self.created_at = created_at
        self.last_seen_at = last_seen_at
        self.modified = False
        self.rotate = False
        self.in_cookie = in_cookie  # an anonymous session read from the signed cookie
        self.unavailable = False  # the database could not be reached: never saved (errors.py answers 503)

    def clear(self) -> None:
        """Clearing (at login and logout) also replaces the session id: no session fixation."""
        super().clear()
        self.rotate = True


def _signed(sid: str) -> bool:
    """Session ids are token_urlsafe (no dots); a signed cookie is payload.timestamp.signature."""
    return "." in sid


def _signed_in(data) -> bool:
    return "_user_id" in data


class DatabaseSessionInterface(SessionInterface):
    # Flask's own signing (itsdangerous, the app's SECRET_KEY) for the anonymous cookie.
    _cookie_sessions = SecureCookieSessionInterface()

    def _limits(self, app: Flask) -> tuple[dt.timedelta, dt.timedelta]:
        return (dt.timedelta(minutes=app.config["OBSERVE_SESSION_IDLE_MINUTES"]),
                dt.timedelta(hours=app.config["OBSERVE_SESSION_MAX_HOURS"]))

    def open_session(self, app: Flask, request) -> ServerSession:
        if request.path.startswith(app.static_url_path + "/"):
            return ServerSession()  # static files never need the session: spare the query
        sid = request.cookies.get(self.get_cookie_name(app))
        if sid and _signed(sid):
            return self._open_signed(app, sid)
        if not sid or len(sid) > 128:
            return ServerSession()
        try:
            row = db.session.connection().execute(_READ, {"id_hash": _hash(sid)}).first()
        except DATABASE_UNAVAILABLE:
            # Raising here would leave Flask without a session for its error page; the first
            # request hook answers 503 instead (observe/errors.py) and the cookie stays as it is.
            db.session.rollback()
            unreadable = ServerSession()
            unreadable.unavailable = True
            return unreadable
        if row is None or row.expires_at <= utcnow():
            return ServerSession()  # unknown or expired: start afresh (the old row is cleaned up later)
        return ServerSession(session_json_serializer.loads(row.data), sid=sid, created_at=row.created_at,
                             last_seen_at=row.last_seen_at)

    def _open_signed(self, app: Flask, value: str) -> ServerSession:
        try:
            data = self._cookie_sessions.get_signing_serializer(app).loads(
                value, max_age=int(self._limits(app)[0].total_seconds()))
        except BadSignature:  # tampered, from another secret key, or older than the idle limit
            return ServerSession(in_cookie=True)
        if not isinstance(data, dict) or _signed_in(data):
            return ServerSession(in_cookie=True)  # never written by us: a login lives only in the database
        return ServerSession(data, in_cookie=True)

    def _save_signed(self, app: Flask, session: ServerSession, response) -> None:
        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        response.vary.add("Cookie")
        if not session:
            response.delete_cookie(name, domain=domain, path=path)
            return
        response.set_cookie(
            name, self._cookie_sessions.get_signing_serializer(app).dumps(dict(session)),
            max_age=int(self._limits(app)[0].total_seconds()), httponly=True,
            secure=self.get_cookie_secure(app), samesite=self.get_cookie_samesite(app), domain=domain, path=path,
        )

    def save_session(self, app: Flask, session: ServerSession, response) -> None:
        # Written through the view's own database session: a second connection would wait on
        # the SQLite write lock the request's transaction holds. Views commit their own work
        # and error handlers roll back, so this commit carries only the session row.
        if session.unavailable:
            return
        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        if session.sid and (session.rotate or not session):
            _begin_session_write()
            db.session.execute(delete(WebSession).where(WebSession.id_hash == _hash(session.sid)))
            db.session.commit()
            session.sid = None
            if not session:
                response.delete_cookie(name, domain=domain, path=path)
                return
        if session.sid is None and not _signed_in(session):
            # Anonymous: no row. The cookie is rewritten only when its content changed.
            if session.modified or session.rotate:
                if session or session.in_cookie:
                    self._save_signed(app, session, response)
            return
        if not self._store(app, session):
            return
        response.set_cookie(
            name, session.sid, max_age=int(self._limits(app)[1].total_seconds()), httponly=True,
            secure=self.get_cookie_secure(app), samesite=self.get_cookie_samesite(app),
            domain=domain, path=path,
        )

    def _store(self, app: Flask, session: ServerSession) -> bool:
        """Insert or refresh the row; False when nothing needed writing."""
        now = utcnow()
        idle, absolute = self._limits(app)
        if session.sid is not None and not session.modified and now - session.last_seen_at < TOUCH_EVERY:
            return False
        _begin_session_write()
        if session.sid is None:
            session.sid, session.created_at = secrets.token_urlsafe(32), now
            db.session.execute(insert(WebSession).values(
                id_hash=_hash(session.sid), user_id=_user_id(session),
                data=session_json_serializer.dumps(dict(session)),
                created_at=now, last_seen_at=now, expires_at=min(now + idle, now + absolute)))
        else:
            values = {"last_seen_at": now, "expires_at": min(now + idle, session.created_at + absolute)}
            if session.modified:
                values.update(data=session_json_serializer.dumps(dict(session)), user_id=_user_id(session))
            db.session.execute(update(WebSession).where(WebSession.id_hash == _hash(session.sid)).values(**values))
        if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
            db.session.execute(delete(WebSession).where(WebSession.expires_at <= now))
        db.session.commit()
        return True


def _begin_session_write() -> None:
    """Requests that only read (`dbtypes.defer_write_lock`) read their session in a transaction
    without SQLite's write lock; writing the session row then starts a writer unit of its own
    rather than turning that read into a write (which fails at once under concurrency)."""
    if write_lock_deferred():
        start_write(db.session)


def end_sessions_of(user_id: int) -> None:
    """Delete every server-side session of a user (logout everywhere, disabled account)."""
    db.session.execute(delete(WebSession).where(WebSession.user_id == user_id))
