"""Instants as people read them, and the window of instants Observe accepts at all.

Formatting an instant in the school's time zone (Flask-Babel, pytz) overflows for times near
year 1 or year 9999 (`OverflowError`), so one value stored before the API bounded dates, or
written by hand into the database, took down every page that showed it: the observed teacher's
home page, the visit page. The filters here never raise: a time outside what the calendar can
show in the reader's zone is shown as its ISO-8601 UTC text instead.

The API refuses instants outside [FIRST_INSTANT, LAST_INSTANT) and dates outside
[FIRST_DATE, LAST_DATE] with a field message (observe/sync/schemas.py), see docs/security.md.
"""
from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import format_datetime, format_time

UTC = dt.timezone.utc
FIRST_DATE = dt.date(2000, 1, 1)  # no school kept observations in this app before
LAST_DATE = dt.date(2099, 12, 31)  # far beyond any plan; refuses device clocks off by centuries
FIRST_INSTANT = dt.datetime(2000, 1, 1, tzinfo=UTC)
LAST_INSTANT = dt.datetime(2100, 1, 1, tzinfo=UTC)


def _fallback(value) -> str:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC)  # fine for any aware datetime: UTC needs no calendar shift
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def safe_datetime(value, format: str = "medium") -> str:  # noqa: A002 - Flask-Babel's parameter name
    """format_datetime in the reader's language and the school's zone; ISO UTC text when out of range."""
    if value is None:
        return ""
    try:
        return format_datetime(value, format)
    except (OverflowError, ValueError):
        return _fallback(value)


def safe_time(value, format: str = "medium") -> str:  # noqa: A002
    """format_time, never raising (see safe_datetime)."""
    if value is None:
        return ""
    try:
        return format_time(value, format)
    except (OverflowError, ValueError):
        return _fallback(value)


def init_app(app: Flask) -> None:
    """Replace Flask-Babel's `datetimeformat` and `timeformat` filters with the ones that never raise."""
    app.jinja_env.filters["datetimeformat"] = safe_datetime
    app.jinja_env.filters["timeformat"] = safe_time
