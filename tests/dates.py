"""Dates for tests, computed from today so the suite passes on any day.

A test never writes a calendar date that must lie ahead of or behind the day it runs
(a plan "next week", a step due "in a few days"): it asks this module for one. A test
that needs one particular date (a term boundary, a summer-time change) freezes the
clock with `time_machine.travel(...)` instead, and says why.

"Today" is the clock's today: the real one, or the day OBSERVE_TEST_TODAY moved the
whole run to (tests/conftest.py, `make test-dates`), or the day a test travelled to.
Everything here is in the school's time zone (Europe/Stockholm), as the app shows it.
"""
from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = dt.timezone.utc
WEDNESDAY = 2


def today() -> dt.date:
    """The school's today (time-machine moves it with the clock)."""
    return dt.datetime.now(STOCKHOLM).date()


def next_weekday(weekday: int = WEDNESDAY, *, weeks: int = 0, after: dt.date | None = None) -> dt.date:
    """The first `weekday` (Monday 0) strictly after `after` (today), `weeks` weeks further on."""
    start = after or today()
    return start + dt.timedelta(days=(weekday - start.weekday() - 1) % 7 + 1 + 7 * weeks)


def stockholm(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A moment on `day` as a Stockholm wall clock reads it (CET in winter, CEST in summer)."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=STOCKHOLM)


def utc(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """The same moment in UTC, as the database stores it."""
    return stockholm(day, hour, minute).astimezone(UTC)


def form_value(moment: dt.datetime) -> str:
    """What a person types into an <input type=datetime-local>: Stockholm wall time."""
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%dT%H:%M")


def iso_z(moment: dt.datetime) -> str:
    """A UTC timestamp as a device sends it in the sync API ("2026-11-23T08:02:00Z")."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def term_key(day: dt.date) -> str:
    """The follow-up page's term parameter for `day` ("ht-2026" autumn from August, "vt-2027" spring)."""
    return f"{'ht' if day.month >= 8 else 'vt'}-{day.year}"


def term_start(day: dt.date) -> dt.date:
    """The first day of the term `day` lies in (1 August or 1 January)."""
    return dt.date(day.year, 8, 1) if day.month >= 8 else dt.date(day.year, 1, 1)


# --- the whole run at another date (OBSERVE_TEST_TODAY) ---------------------------------------

# How far (in ms) OBSERVE_TEST_TODAY moved the clock, set for child processes such as the WebKit
# test browser (tests/webkit/browser.py), which has no clock API to move.
CLOCK_OFFSET_VARIABLE = "OBSERVE_TEST_CLOCK_OFFSET_MS"

def shifted_start() -> dt.datetime | None:
    """Where OBSERVE_TEST_TODAY moves the clock at the start of the run, or None.

    A date ("2027-06-20") keeps the current Stockholm time of day on that date, so runs at
    different hours still meet different times; a full ISO time ("2027-06-20T23:58+02:00")
    replays one moment exactly.
    """
    value = os.environ.get("OBSERVE_TEST_TODAY", "").strip()
    if not value:
        return None
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return dt.datetime.combine(day, dt.datetime.now(STOCKHOLM).time(), tzinfo=STOCKHOLM)
        moment = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"OBSERVE_TEST_TODAY={value!r}: give a date (2027-06-20) or an ISO time "
                         f"with its offset (2027-06-20T08:00+02:00)") from error
    if moment.tzinfo is None:
        raise ValueError(f"OBSERVE_TEST_TODAY={value!r}: a time needs its UTC offset")
    return moment
