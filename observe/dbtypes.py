"""Column types and helpers shared by every domain's models."""
from __future__ import annotations

import datetime as dt

from flask import has_request_context
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


def sqlite_pragmas(engine) -> None:
    """WAL, a busy timeout and foreign keys for every SQLite connection."""
    if engine.dialect.name != "sqlite":
        return

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
        # database for heavy concurrency.
        immediate = has_request_context() or conn.get_execution_options().get("sqlite_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write(session) -> None:
    """Start the session's transaction as a writer outside a request (CLI, scripts, tests).

    On SQLite this is BEGIN IMMEDIATE, so a read-then-write transaction waits for the
    write lock up front (busy timeout) instead of failing when another writer commits
    between its read and its write. On PostgreSQL it is an ordinary BEGIN. Call it
    before the first query of the unit of work.
    """
    session.connection(execution_options={"sqlite_immediate": True})
