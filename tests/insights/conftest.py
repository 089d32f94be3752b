"""Insights fixtures: a small template and a helper that records a completed observation
the way the sync service does (answer rows from the form engine's answer_rows)."""
from __future__ import annotations

import datetime as dt

import pytest

from observe.extensions import db
from observe.templates_.items import answer_rows
from observe.templates_.models import Template, TemplateVersion
from observe.visits.models import Observation, ObservationAnswer, Visit


def _bi(sv, en):
    return {"sv": sv, "en": en}


F4 = [{"value": str(n), "label": _bi(f"Nivå {n}", f"Level {n}"), "score": n} for n in range(1, 5)]

DOCUMENT = {
    "format": "observe-template/1", "key": "walk", "kind": "walkthrough", "title": _bi("Rundan", "The round"),
    "sections": [{"key": "s", "title": _bi("Allt", "All"), "items": [
        {"key": "S1", "type": "scale", "label": _bi("Syfte synligt", "Purpose visible"), "levels": F4,
         "not_applicable": True},
        {"key": "Y1", "type": "yes_no", "label": _bi("Öppna frågor", "Open questions")},
        {"key": "C1", "type": "counter", "label": _bi("Elever som talade", "Students who spoke")},
        {"key": "X1", "type": "x_of_y", "label": _bi("Elever i arbete", "Students on task")},
        {"key": "K1", "type": "checklist", "label": _bi("Arbetsform", "Format"),
         "options": [{"value": "a", "label": _bi("Genomgång", "Lecture")},
                     {"value": "b", "label": _bi("Par", "Pairs")},
                     {"value": "c", "label": _bi("Enskilt", "Individual")}]},
        {"key": "I1", "type": "interval", "label": _bi("Intervaller", "Intervals"), "intervals": 10,
         "teacher_codes": [{"key": "L", "label": _bi("Föreläser", "Lecturing")},
                           {"key": "Q", "label": _bi("Ställer fråga", "Poses question")}],
         "student_codes": [{"key": "Li", "label": _bi("Lyssnar", "Listening")},
                           {"key": "G", "label": _bi("Grupparbete", "Group work")}]},
        {"key": "T1", "type": "text", "label": _bi("Exempel", "Example")},
    ]}],
}


@pytest.fixture
def template(ctx, school):
    return make_template(school)


def make_template(school, document=DOCUMENT, number=1):
    template = db.session.execute(
        db.select(Template).filter_by(school_id=school.id, key=document["key"])).scalar_one_or_none()
    if template is None:
        template = Template(school_id=school.id, key=document["key"], kind=document["kind"], title=document["title"])
        db.session.add(template)
        db.session.flush()
    version = TemplateVersion(template_id=template.id, school_id=school.id, number=number, document=document,
                              content_hash=f"hash-{school.id}-{number}")
    db.session.add(version)
    db.session.commit()
    return version


@pytest.fixture
def observe(ctx):
    return record_observation


def record_observation(version, teacher, day: dt.date, answers: dict, *, kind="spontaneous", observer=None,
                       subject=None, year_group=None, summary_to_principal=False):
    """A completed visit with one observation, and its answer rows as the sync service writes them."""
    started = dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.timezone.utc)
    visit = Visit(school_id=version.school_id, kind=kind, status="completed", teacher_id=getattr(teacher, "id", None),
                  observer_id=getattr(observer, "id", None), subject=subject, year_group=year_group,
                  template_version_id=version.id, started_at=started,
                  summary_to_principal=summary_to_principal)
    db.session.add(visit)
    db.session.flush()
    observation = Observation(school_id=version.school_id, visit_id=visit.id, author_id=getattr(observer, "id", None),
                              template_version_id=version.id, answers=answers, status="complete")
    db.session.add(observation)
    db.session.flush()
    for row in answer_rows(version.document, answers):
        db.session.add(ObservationAnswer(observation_id=observation.id, school_id=version.school_id, visit_kind=kind,
                                         observed_on=day, teacher_id=getattr(teacher, "id", None), **row))
    db.session.commit()
    return visit


def simple(scale="3", yes="yes", counter=4, x=(5, 10), checklist=("a",), evidence=None):
    answers = {"S1": {"value": scale}, "Y1": {"value": yes}, "C1": {"value": counter},
               "X1": {"value": {"x": x[0], "y": x[1]}}, "K1": {"value": list(checklist)}}
    if evidence:
        answers["S1"]["evidence"] = evidence
    return answers
