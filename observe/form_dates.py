"""Date fields of the HTML forms, held to the window of dates the API accepts (observe/timefmt.py).

A date input takes any year up to 9999: a mistyped "0225" or "2225" was stored from a form where
the API refused it, and a time near year 1 or 9999 cannot be shown in the school's time zone. Every
form that stores a date imports its date fields from here, so a person gets the API's field message,
in their language, and the browser's date picker offers only the window's dates (min and max).
Analys's period fields store nothing but use the same window: a mistyped year must not ask for
a century of months.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from wtforms import fields
from wtforms.validators import ValidationError

from .timefmt import FIRST_DATE, LAST_DATE


def in_window(_form, field) -> None:
    value = field.data
    if value is None:
        return
    day = value.date() if isinstance(value, dt.datetime) else value
    if not FIRST_DATE <= day <= LAST_DATE:
        first, last = field.shown
        raise ValidationError(_l("Must be between %(first)s and %(last)s.", first=first, last=last))


class _InWindow:
    bounds = (FIRST_DATE.isoformat(), LAST_DATE.isoformat())  # the input's min and max, in its own format
    shown = bounds  # the window as its message writes it (a month field: months)

    def __init__(self, *args, validators=None, render_kw=None, **kwargs):
        render_kw = {"min": self.bounds[0], "max": self.bounds[1], **(render_kw or {})}
        super().__init__(*args, validators=[*(validators or ()), in_window], render_kw=render_kw, **kwargs)


class DateField(_InWindow, fields.DateField):
    pass


class DateTimeLocalField(_InWindow, fields.DateTimeLocalField):
    bounds = (f"{FIRST_DATE.isoformat()}T00:00", f"{LAST_DATE.isoformat()}T23:59")


class MonthField(_InWindow, fields.MonthField):
    bounds = shown = (FIRST_DATE.strftime("%Y-%m"), LAST_DATE.strftime("%Y-%m"))

