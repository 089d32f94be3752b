"""A conditional item through the sync API (the offline client's path): a hidden item's answer is
dropped and not required; a shown one is required when marked so."""
from __future__ import annotations

import copy
import uuid

from sqlalchemy import select

from observe.extensions import db
from observe.templates_.models import Template, TemplateVersion
from observe.visits.models import Observation, ObservationAnswer

from .conftest import DOCUMENT, observation


def conditional_version(school) -> TemplateVersion:
    template = db.session.execute(select(Template).filter_by(school_id=school.id, key="walkthrough")).scalar_one()
    document = copy.deepcopy(DOCUMENT)
    document["sections"][0]["items"].insert(1, {
        "key": "W2", "type": "text", "label": {"sv": "Vad saknades?", "en": "What was missing?"},
        "help": {"sv": "", "en": ""}, "required": True, "evidence": "none", "max_length": 4000,
        "show_if": {"item": "W1", "equals": ["no"]}})
    version = TemplateVersion(template_id=template.id, school_id=school.id, number=2, document=document,
                              content_hash="2" * 64)
    db.session.add(version)
    db.session.commit()
    return version


def test_a_hidden_items_answer_is_dropped_and_a_shown_one_is_required(api, version, school, teacher):
    v2 = conditional_version(school)
    hidden = observation(v2.id, teacher_id=teacher.id, status="complete",
                         fields={"a.W1": ["yes"], "a.W2": ["Inget mål"], "a.W3.x": ["3"], "a.W3.y": ["4"]})
    [result] = api.results(hidden)
    assert result["status"] == "created", result
    db.session.expire_all()
    obs = db.session.execute(select(Observation).filter_by(uuid=uuid.UUID(hidden["uuid"]))).scalar_one()
    assert "W2" not in obs.answers and obs.answers["W1"] == {"value": "yes"}
    keys = db.session.scalars(select(ObservationAnswer.item_key).filter_by(observation_id=obs.id)).all()
    assert "W2" not in keys

    shown = observation(v2.id, teacher_id=teacher.id, status="complete", fields={"a.W1": ["no"]})
    [result] = api.results(shown)
    assert result["status"] == "rejected" and "a.W2" in str(result), result
