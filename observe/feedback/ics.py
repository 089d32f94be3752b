"""A planned visit as an iCalendar (RFC 5545) booking: the lesson and the feedback meeting.

Written by hand (a few lines) rather than with a library: CRLF line ends, escaped
text, lines folded at 75 octets, times in UTC so every calendar reads them alike.
"""
from __future__ import annotations

import datetime as dt


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> list[str]:
    """Split a content line into chunks of at most 75 octets, continuation lines start with a space."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not out else 74
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def event(uid: str, start: dt.datetime, end: dt.datetime, summary: str, description: str = "",
          stamp: dt.datetime | None = None) -> list[str]:
    lines = ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{_stamp(stamp or dt.datetime.now(dt.timezone.utc))}",
             f"DTSTART:{_stamp(start)}", f"DTEND:{_stamp(end)}", f"SUMMARY:{_escape(summary)}"]
    if description:
        lines.append(f"DESCRIPTION:{_escape(description)}")
    lines.append("END:VEVENT")
    return lines


def calendar(events: list[list[str]]) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Observe//Planned visit//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH"]
    for ev in events:
        lines.extend(ev)
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))
