"""A COPUS-style interval sheet as a school would write it: 25 intervals of 2 minutes, 13 teacher and
13 student codes (some keys with "/", as COPUS writes them), help per code, an engagement level per
interval and a short comment per interval. Used by the unit, view and browser tests of the grid."""
from __future__ import annotations

import copy


def _code(key, sv, en, help_sv="", help_en=""):
    code = {"key": key, "label": {"sv": sv, "en": en}}
    if help_sv or help_en:
        code["help"] = {"sv": help_sv, "en": help_en}
    return code


TEACHER_CODES = [
    _code("Lec", "Föreläser", "Lecturing", "Läraren talar till hela klassen.", "Presenting content to the whole class."),
    _code("RtW", "Skriver i realtid", "Real-time writing", "Skriver på tavlan medan hen förklarar.",
          "Writing on the board while explaining."),
    _code("FUp", "Följer upp", "Follow-up", "Följer upp en fråga eller uppgift med hela klassen.",
          "Follows up a question or activity with the whole class."),
    _code("PQ", "Ställer fråga", "Poses question", "Ställer en fråga som eleverna ska svara på.",
          "Asks a question for students to answer."),
    _code("CQ", "Röstningsfråga", "Clicker question"),
    _code("AnQ", "Svarar på elevfråga", "Answers question"),
    _code("MG", "Går runt och vägleder", "Moves and guides"),
    _code("1o1", "En-till-en", "One-on-one"),
    _code("D/V", "Demonstration/video", "Demo/video", "Visar ett experiment, en simulering eller en film.",
          "Shows an experiment, a simulation or a video."),
    _code("Adm", "Administration", "Administration"),
    _code("W", "Väntar", "Waiting"),
    _code("T/Q", "Prov/förhör", "Test/quiz"),
    _code("O", "Annat", "Other"),
]
STUDENT_CODES = [
    _code("L", "Lyssnar", "Listening"),
    _code("Ind", "Tänker enskilt", "Individual thinking"),
    _code("CG", "Diskuterar röstningsfråga", "Clicker group discussion"),
    _code("WG", "Arbetar i grupp (blad)", "Worksheet group work"),
    _code("OG", "Annat grupparbete", "Other group work"),
    _code("AnQ", "Svarar på fråga", "Answers question"),
    _code("SQ", "Ställer fråga", "Student question"),
    _code("WC", "Helklassdiskussion", "Whole-class discussion"),
    _code("Prd", "Förutsäger", "Prediction"),
    _code("SP", "Presenterar", "Student presentation"),
    _code("T/Q", "Prov/förhör", "Test/quiz"),
    _code("W", "Väntar", "Waiting"),
    _code("O", "Annat", "Other"),
]
ENGAGEMENT = {"key": "engagement", "label": {"sv": "Engagemang", "en": "Engagement"},
              "help": {"sv": "Hur stor del av eleverna är engagerade: låg (under 20 %), medel, hög (över 80 %).",
                       "en": "How many students are engaged: low (under 20%), medium, high (over 80%)."},
              "options": [{"value": "low", "label": {"sv": "Låg", "en": "Low"}},
                          {"value": "medium", "label": {"sv": "Medel", "en": "Medium"}},
                          {"value": "high", "label": {"sv": "Hög", "en": "High"}}]}
COPUS = {"key": "C1", "type": "interval", "label": {"sv": "Vad gör läraren och eleverna?",
                                                   "en": "What are the teacher and students doing?"},
         "help": {"sv": "Bocka för allt du ser under varje tvåminutersintervall.",
                  "en": "Tick everything you see in each two-minute interval."},
         "evidence": "none", "interval_minutes": 2, "intervals": 25,
         "teacher_codes": TEACHER_CODES, "student_codes": STUDENT_CODES,
         "interval_choices": [ENGAGEMENT], "interval_comments": True}


def copus_document(kind: str = "walkthrough", key: str = "copus") -> dict:
    return {"format": "observe-template/1", "key": key, "kind": kind,
            "title": {"sv": "COPUS-kodning", "en": "COPUS coding"},
            "sections": [{"key": "coding", "title": {"sv": "Kodning", "en": "Coding"}, "items": [copy.deepcopy(COPUS)]}]}
