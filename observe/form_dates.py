"""Date fields of the HTML forms, held to the window of dates the API accepts (observe/timefmt.py).

A date input takes any year up to 9999: a mistyped "0225" or "2225" was stored from a form where
the API refused it, and a time near year 1 or 9999 cannot be shown in the school's time zone. Every
form that stores a date imports its date fields from here, so a person gets the API's field message,
in their language. (Analys's period fields store nothing: a far-off period shows no figures.)
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
        raise ValidationError(_l("Must be between %(first)s and %(last)s.", first=FIRST_DATE.isoformat(),
                                 last=LAST_DATE.isoformat()))


class _InWindow:
    def __init__(self, *args, validators=None, **kwargs):
        super().__init__(*args, validators=[*(validators or ()), in_window], **kwargs)


class DateField(_InWindow, fields.DateField):
    pass


class DateTimeLocalField(_InWindow, fields.DateTimeLocalField):
    pass

