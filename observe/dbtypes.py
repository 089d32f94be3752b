"""Column types and helpers shared by every domain's models."""
from __future__ import annotations

import datetime as dt

from flask import current_app, has_request_context, request
from flask.globals import request_ctx
from sqlalchemy import JSON, DateTime, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

class JSONDoc(TypeDecorator):
    """JSON documents: JSONB on PostgreSQL (indexable), plain JSON text on SQLite."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both databases (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def connection_settings(engine) -> None:
    """Per-connection settings: SQLite's pragmas; PostgreSQL without JIT compilation."""
    if engine.dialect.name == "postgresql":
        @event.listens_for(engine, "connect")
        def _no_jit(dbapi_connection, _record):
            # The dashboard's statements are short index reads that the planner, costing them on a
            # large table, JIT-compiled: ~40 ms of compiling per statement, more than the reads.
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET jit = off")
            dbapi_connection.commit()
    if engine.dialect.name == "sqlite":
        sqlite_pragmas(engine)


def sqlite_pragmas(engine) -> None:
    """WAL, a busy timeout and foreign keys for every SQLite connection."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every SQLite test
        # Let SQLAlchemy issue BEGIN itself so writers take the lock up front (BEGIN IMMEDIATE
        # where a service asks for it) instead of failing later with "database is locked".
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover
        # Inside a request every transaction takes the write lock up front (BEGIN IMMEDIATE):
        # requests read then write (audit rows, session touch, sync upserts), and in WAL mode a
        # deferred transaction whose snapshot went stale fails at once with "database is locked"
        # instead of waiting. Requests queue on the busy timeout instead; PostgreSQL is the
        # database for heavy concurrency. Views marked `defer_write_lock` only read in the
        # request's own transaction and write in `start_write` units, so theirs is a plain BEGIN.
        immediate = conn.get_execution_options().get("sqlite_immediate") or (
            has_request_context() and not write_lock_deferred())
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def defer_write_lock(view):
    """Mark a view whose request transaction only reads: on SQLite it starts with a plain
    (deferred) BEGIN instead of taking the write lock, so it never queues behind writers.

    The view, and everything it calls, must write only inside `start_write` units (the
    server-side session does so for these requests). A read-only transaction that later
    writes would fail at once under concurrency instead of waiting (see `_on_begin`).
    """
    view.defers_write_lock = True
    return view


def write_lock_deferred() -> bool:
    """True inside a request for a `defer_write_lock` view (known before routing: the
    session is loaded before Flask matches the URL)."""
    cached = request.environ.get("observe.defer_write_lock")
    if cached is None:
        rule = request.url_rule
        if rule is None and request_ctx.url_adapter is not None:
            try:
                rule, _args = request_ctx.url_adapter.match(return_rule=True)
            except Exception:  # noqa: BLE001 - 404/405/redirect: an ordinary request
                rule = None
        view = current_app.view_functions.get(rule.endpoint) if rule is not None else None
        cached = bool(getattr(view, "defers_write_lock", False))
        request.environ["observe.defer_write_lock"] = cached
    return cached


def begin_write(session) -> None:
    """Start the session's transaction as a writer outside a request (CLI, scripts, tests).

    On SQLite this is BEGIN IMMEDIATE, so a read-then-write transaction waits for the
    write lock up front (busy timeout) instead of failing when another writer commits
    between its read and its write. On PostgreSQL it is an ordinary BEGIN. Call it
    before the first query of the unit of work.
    """
    session.connection(execution_options={"sqlite_immediate": True})


def start_write(session) -> None:
    """End whatever the session has open (e.g. the request's reads of the session and user
    rows), then begin a unit of work as a writer (`begin_write`).

    When the open transaction wrote nothing through the ORM, the rows it loaded (the user,
    the school) stay loaded instead of being expired and read again in the new transaction.
    """
    current = session()
    if current.in_transaction():
        if current.new or current.dirty or current.deleted:
            current.commit()
        else:
            expire, current.expire_on_commit = current.expire_on_commit, False
            try:
                current.commit()
            finally:
                current.expire_on_commit = expire
    begin_write(session)
