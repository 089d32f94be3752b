"""Term and month arithmetic for the dashboard's periods (pure rules: no database, no request)."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l


def term_of(day: dt.date) -> str:
    """Swedish school terms: spring (VT) January-July, autumn (HT) August-December."""
    return f"{day.year}-{'HT' if day.month >= 8 else 'VT'}"


def term_range(term: str) -> tuple[dt.date, dt.date]:
    year, half = int(term[:4]), term[5:]
    if half == "HT":
        return dt.date(year, 8, 1), dt.date(year, 12, 31)
    return dt.date(year, 1, 1), dt.date(year, 7, 31)


def term_label(term: str) -> str:
    year = term[:4]
    return str(_l("Autumn term %(year)s", year=year) if term.endswith("HT") else _l("Spring term %(year)s", year=year))


def recent_terms(today: dt.date, count: int = 6) -> list[str]:
    terms, day = [], today
    for _ in range(count):
        term = term_of(day)
        terms.append(term)
        day = term_range(term)[0] - dt.timedelta(days=1)
    return terms


def month_range(month: str) -> tuple[dt.date, dt.date]:
    year, mon = int(month[:4]), int(month[5:7])
    first = dt.date(year, mon, 1)
    nxt = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def months_between(start: dt.date, end: dt.date) -> list[str]:
    months, year, mon = [], start.year, start.month
    while (year, mon) <= (end.year, end.month):
        months.append(f"{year:04d}-{mon:02d}")
        year, mon = year + (mon == 12), mon % 12 + 1
    return months


def previous_period(start: dt.date, end: dt.date, kind: str) -> tuple[dt.date, dt.date]:
    """The period just before: the previous term, month, or a custom range of equal length."""
    if kind == "term":
        return term_range(term_of(start - dt.timedelta(days=1)))
    if kind == "month":
        return month_range((start - dt.timedelta(days=1)).strftime("%Y-%m"))
    length = end - start
    return start - length - dt.timedelta(days=1), start - dt.timedelta(days=1)
