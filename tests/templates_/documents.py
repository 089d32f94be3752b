"""Small template documents for the tests: one item of every type."""
from __future__ import annotations

import copy

from observe.templates_.schemas import FORMAT


def bi(text: str) -> dict:
    return {"sv": text, "en": text}


EVERY_TYPE = {
    "format": FORMAT,
    "key": "every",
    "kind": "any",
    "title": {"sv": "Alla typer", "en": "Every type"},
    "sections": [
        {"key": "one", "title": bi("Ett"), "items": [
            {"key": "sc", "type": "scale", "label": bi("Skala"), "scale": "F4"},
            {"key": "custom", "type": "scale", "label": bi("Egen skala"), "required": True,
             "levels": [{"value": "lo", "label": bi("Låg"), "score": 0},
                        {"value": "hi", "label": bi("Hög"), "score": 1}]},
            {"key": "yn", "type": "yes_no", "label": bi("Ja/nej"), "evidence": "required"},
            {"key": "tx", "type": "text", "label": bi("Text"), "evidence": "none"},
            {"key": "cl", "type": "checklist", "label": bi("Lista"),
             "options": [{"value": "a", "label": bi("A")}, {"value": "b", "label": bi("B")},
                         {"value": "c", "label": bi("C")}]},
            {"key": "ch", "type": "choice", "label": bi("Val"),
             "options": [{"value": "x", "label": bi("X")}, {"value": "y", "label": bi("Y")}]},
        ]},
        {"key": "two", "title": bi("Två"), "items": [
            {"key": "cn", "type": "counter", "label": bi("Räknare")},
            {"key": "xy", "type": "x_of_y", "label": bi("x av y")},
            {"key": "log", "type": "timed_log", "label": bi("Logg")},
            {"key": "iv", "type": "interval", "label": bi("Intervall"), "interval_minutes": 2, "intervals": 3,
             "teacher_codes": [{"key": "lec", "label": bi("Föreläser")}, {"key": "pq", "label": bi("Frågar")}],
             "student_codes": [{"key": "l", "label": bi("Lyssnar")}, {"key": "g", "label": bi("Grupp")}]},
        ]},
    ],
}


def every_type() -> dict:
    return copy.deepcopy(EVERY_TYPE)
