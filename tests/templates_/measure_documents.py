"""Two instruments a school brings (#16): a questioning tally with derived shares and rates and a
conditional item, and a rubric with a weighted domain average, in both languages."""
from __future__ import annotations

import copy

from observe.templates_.schemas import FORMAT


def bi(sv: str, en: str) -> dict:
    return {"sv": sv, "en": en}


TALLY = {
    "format": FORMAT, "key": "fragetally", "kind": "walkthrough",
    "title": bi("Frågor och tänketid", "Questions and wait time"),
    "sections": [{"key": "count", "title": bi("Räkna frågorna", "Count the questions"), "items": [
        {"key": "minutes", "type": "counter", "label": bi("Observerade minuter", "Minutes observed"), "max": 120,
         "evidence": "none"},
        {"key": "open", "type": "counter", "label": bi("Öppna frågor", "Open questions"), "evidence": "none"},
        {"key": "closed", "type": "counter", "label": bi("Slutna frågor", "Closed questions"), "evidence": "none"},
        {"key": "wait3", "type": "counter", "label": bi("Frågor med minst 3 s tänketid", "Questions with ≥ 3 s wait time"),
         "evidence": "none"},
        {"key": "talk", "type": "yes_no", "label": bi("Eleverna pratade i par först", "Students talked in pairs first")},
        {"key": "talk_how", "type": "choice", "label": bi("Hur startades samtalet?", "How was the talk started?"),
         "required": True, "show_if": {"item": "talk", "equals": "yes"},
         "options": [{"value": "turn", "label": bi("Vänd dig till grannen", "Turn to your neighbour")},
                     {"value": "think", "label": bi("Tänk–para–dela", "Think–pair–share")}]},
    ]}],
    "measures": [
        {"key": "open_share", "type": "share", "label": bi("Andel öppna frågor", "Share of open questions"),
         "part": [{"item": "open"}], "whole": [{"item": "open"}, {"item": "closed"}]},
        {"key": "wait_share", "type": "share", "label": bi("Andel med minst 3 s tänketid", "Share with ≥ 3 s wait time"),
         "part": [{"item": "wait3"}], "whole": [{"item": "open"}, {"item": "closed"}]},
        {"key": "per_minute", "type": "rate", "label": bi("Frågor per minut", "Questions per minute"),
         "count": [{"item": "open"}, {"item": "closed"}], "minutes": "minutes"},
        {"key": "talk_share", "type": "share", "label": bi("Andel lektioner med parsamtal", "Share of lessons with pair talk"),
         "part": [{"item": "talk", "equals": "yes"}], "whole": [{"item": "talk", "equals": ["yes", "no"]}]},
    ],
}

LEVELS = [
    {"value": "1", "label": bi("Otillräcklig", "Unsatisfactory"), "score": 1, "description": bi(
        "Lärarens frågor är nästan bara slutna. Svaren väntas genast. Bara några få elever deltar.",
        "The teacher's questions are almost all closed. Answers are expected at once. Only a few students take part.")},
    {"value": "2", "label": bi("Grundläggande", "Basic"), "score": 2, "description": bi(
        "Några frågor är öppna men de flesta prövar minne. Läraren väntar ibland. Samma elever svarar oftast.",
        "Some questions are open but most test recall. The teacher sometimes waits. The same students tend to answer.")},
    {"value": "3", "label": bi("Skicklig", "Proficient"), "score": 3, "description": bi(
        "De flesta frågor är öppna och ger tid att tänka. Läraren fördelar ordet. Eleverna bygger på varandras svar.",
        "Most questions are open and give time to think. The teacher spreads the turns. Students build on each other.")},
    {"value": "4", "label": bi("Framstående", "Distinguished"), "score": 4, "description": bi(
        "Eleverna ställer egna frågor till varandra. Samtalet drivs av eleverna. Alla deltar och motiverar sina svar.",
        "Students ask each other their own questions. The discussion is student-led. Everyone takes part and gives reasons.")},
]


def _rubric_item(key, sv, en):
    return {"key": key, "type": "scale", "label": bi(sv, en), "levels": copy.deepcopy(LEVELS),
            "not_applicable": True}


RUBRIC = {
    "format": FORMAT, "key": "rubrik", "kind": "walkthrough",
    "title": bi("Undervisningens kvalitet", "Quality of teaching"),
    "sections": [
        {"key": "d3", "title": bi("Domän 3: Undervisning", "Domain 3: Instruction"), "items": [
            _rubric_item("d3a", "Kommunicerar med eleverna", "Communicating with students"),
            _rubric_item("d3b", "Frågor och diskussion", "Questioning and discussion"),
            _rubric_item("d3c", "Engagerar eleverna", "Engaging students"),
        ]},
    ],
    "measures": [
        {"key": "d3_avg", "type": "average", "label": bi("Domän 3, medel", "Domain 3 average"), "section": "d3"},
        {"key": "d3_weighted", "type": "average", "label": bi("Domän 3, viktat", "Domain 3 weighted"),
         "items": [{"item": "d3a"}, {"item": "d3b", "weight": 2}, {"item": "d3c"}]},
    ],
}


def tally() -> dict:
    return copy.deepcopy(TALLY)


def rubric() -> dict:
    return copy.deepcopy(RUBRIC)
