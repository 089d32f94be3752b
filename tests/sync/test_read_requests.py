"""Requests that only read (the CSRF token fetched before each sync, the reachability ping) do not
queue for SQLite's one write lock, and the server-side session is written at most once a minute."""
from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from observe.auth.sessions import TOUCH_EVERY, WebSession
from observe.extensions import db

from .conftest import observation


def _session_row():
    return db.session.execute(select(WebSession.last_seen_at, WebSession.expires_at)).one()


def _hold_the_writers_lock(app):
    """Another connection holding what a writer holds (e.g. another tablet's sync batch): SQLite's
    one write lock, or on PostgreSQL exclusive locks on the session and observation tables (reads
    pass, writes wait). Returns the function that lets go."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        writer = sqlite3.connect(url.database, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        release = lambda: writer.execute("ROLLBACK")  # noqa: E731
    else:
        import psycopg

        writer = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
        writer.execute("LOCK TABLE web_sessions, observations IN EXCLUSIVE MODE")
        release = writer.rollback
    return lambda: (release(), writer.close())


def test_token_and_ping_answer_while_another_writer_holds_the_lock(app, api, version):
    api.token()  # the session's token is stored once
    answers = {}

    def read():
        answers["ping"] = api.client.get("/api/v1/ping").status_code
        answers["token"] = bool(api.token())

    let_go = _hold_the_writers_lock(app)
    reader = threading.Thread(target=read)
    try:
        reader.start()
        reader.join(timeout=8)  # a read that queued behind the writer would still be waiting
        waited = reader.is_alive()
    finally:
        let_go()
    reader.join()
    assert not waited and answers == {"ping": 204, "token": True}
    assert api.results(observation(version.id))[0]["status"] == "created"


def test_a_session_is_refreshed_at_most_once_a_minute(api):
    api.token()
    first = _session_row()
    api.token()
    assert _session_row() == first  # read only: nothing written within the minute
    earlier = first.last_seen_at - TOUCH_EVERY - dt.timedelta(seconds=1)
    db.session.execute(update(WebSession).values(last_seen_at=earlier))
    api.token()
    refreshed = _session_row()
    assert refreshed.last_seen_at > first.last_seen_at and refreshed.expires_at > first.expires_at


def test_an_ended_session_still_gets_401_from_the_read_only_token_route(api):
    db.session.execute(update(WebSession).values(expires_at=dt.datetime.now(dt.timezone.utc)))
    response = api.client.get("/api/v1/csrf")
    assert response.status_code == 401 and response.get_json()["error"] == "login_required"
