"""A COPUS-style interval sheet and a question log with the school's own columns through the sync API
(the offline client's path): codes with "/", levels, comments and typed cells are parsed by the same
engine, stored and become answer rows; a wrong level or cell is refused at its input."""
from __future__ import annotations

import copy
import uuid

from sqlalchemy import select

from observe.extensions import db
from observe.templates_.models import Template, TemplateVersion
from observe.templates_.schemas import load_document
from observe.visits.models import Observation, ObservationAnswer
from tests.templates_.copus import COPUS
from tests.templates_.test_timed_log_columns import QUESTIONS

from .conftest import DOCUMENT, observation


def sheet_version(school) -> TemplateVersion:
    template = db.session.execute(select(Template).filter_by(school_id=school.id, key="walkthrough")).scalar_one()
    document = copy.deepcopy(DOCUMENT)
    document["sections"][0]["items"] += [copy.deepcopy(COPUS), copy.deepcopy(QUESTIONS)]
    version = TemplateVersion(template_id=template.id, school_id=school.id, number=2,
                              document=load_document(document), content_hash="3" * 64)
    db.session.add(version)
    db.session.commit()
    return version


FIELDS = {"a.W1": ["yes"], "a.C1.0.teacher": ["Lec", "D/V"], "a.C1.0.students": ["T/Q"],
          "a.C1.0.engagement": ["high"], "a.C1.0.comment": ["Film"],
          "a.Q1.0.time": ["08:05"], "a.Q1.0.kind": ["open"], "a.Q1.0.who": ["girl"], "a.Q1.0.wait": ["4"]}


def test_the_sheet_and_the_log_arrive_through_sync(api, version, school, teacher):
    v2 = sheet_version(school)
    record = observation(v2.id, teacher_id=teacher.id, status="complete", fields=FIELDS)
    [result] = api.results(record)
    assert result["status"] == "created", result
    db.session.expire_all()
    obs = db.session.execute(select(Observation).filter_by(uuid=uuid.UUID(record["uuid"]))).scalar_one()
    assert obs.answers["C1"]["value"] == [{"teacher": ["Lec", "D/V"], "students": ["T/Q"],
                                          "choices": {"engagement": "high"}, "comment": "Film"}]
    assert obs.answers["Q1"]["value"] == [{"time": "08:05", "kind": "open", "who": "girl", "wait": 4}]
    rows = set(db.session.execute(select(ObservationAnswer.item_key, ObservationAnswer.choice, ObservationAnswer.number)
                                  .filter_by(observation_id=obs.id)).all())
    assert {("C1", "teacher:D/V", 1.0), ("C1", "students:T/Q", 1.0), ("C1", "engagement:high", 1.0),
            ("C1", "engagement@0:high", 1.0), ("Q1", None, 1.0), ("Q1.kind", "open", None),
            ("Q1.wait", None, 4.0)} <= rows


def test_a_wrong_level_or_cell_is_refused_at_its_input(api, version, school, teacher):
    v2 = sheet_version(school)
    bad = observation(v2.id, teacher_id=teacher.id, status="complete",
                      fields={**FIELDS, "a.C1.1.engagement": ["sky-high"], "a.Q1.1.wait": ["many"]})
    [result] = api.results(bad)
    assert result["status"] == "rejected", result
    assert {"a.C1.1.engagement", "a.Q1.1.wait"} <= set(result["fields"]), result
