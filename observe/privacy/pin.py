"""Warn when free text looks like a Swedish personal identity number (personnummer).

Minimisation (domain.md): observations never need one, so a match is most likely a
pupil's number typed by mistake. It is a warning, never a block: false positives
(dates, phone numbers) must not stop an observer from saving.
"""
from __future__ import annotations

import re

# YYYYMMDD-XXXX, YYMMDD-XXXX, also with "+" (over 100) or no separator.
PATTERN = re.compile(r"(?<!\d)(?:(?:19|20)?(\d{6}))[-+ ]?(\d{4})(?!\d)")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _date_ok(yymmdd: str) -> bool:
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    if day > 60:  # samordningsnummer: day + 60
        day -= 60
    return 1 <= month <= 12 and 1 <= day <= 31


def looks_like_pin(text: str | None) -> bool:
    """True when `text` holds a valid-looking personnummer (date part and Luhn check digit)."""
    if not text:
        return False
    for match in PATTERN.finditer(text):
        yymmdd, last4 = match.groups()
        if _date_ok(yymmdd) and _luhn_ok(yymmdd + last4):
            return True
    return False


def _texts(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)


FREE_TEXT = ("a.", "note", "reflective_question", "focus_text", "subject", "summary", "development_area",
             "strength", "body", "text", "reflection")


def fields_with_pin(fields) -> list[str]:
    """Names of free-text form fields (werkzeug MultiDict or dict) whose text looks like a
    personnummer; ids, uuids and timestamps are not looked at."""
    items = fields.items(multi=True) if hasattr(fields, "getlist") else fields.items()
    return sorted({name for name, value in items if name.startswith(FREE_TEXT)
                   and any(looks_like_pin(t) for t in _texts(value))})
