"""Fixtures for the visit pages: a small published walkthrough template and visit factories."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from observe.extensions import db
from observe.templates_.models import Template, TemplateVersion
from observe.visits.models import Observation, Visit
from tests.auth.conftest import client  # noqa: F401  (each request in its own app context, as in production)

WALKTHROUGH = {
    "format": "observe-template/1", "key": "walkthrough", "kind": "walkthrough",
    "title": {"sv": "Kort lektionsbesök", "en": "Short walkthrough"},
    "description": {"sv": "", "en": ""}, "header_note": {"sv": "", "en": ""},
    "sections": [{
        "key": "main", "title": {"sv": "Under besöket", "en": "During the visit"}, "help": {"sv": "", "en": ""},
        "items": [
            {"key": "W1", "type": "yes_no", "label": {"sv": "Lektionens syfte är synligt", "en": "The purpose is visible"},
             "help": {"sv": "", "en": ""}, "required": False, "evidence": "optional"},
            {"key": "W3", "type": "x_of_y", "label": {"sv": "Elever som arbetar med uppgiften", "en": "Students on task"},
             "help": {"sv": "", "en": ""}, "required": False, "evidence": "none"},
            {"key": "W4", "type": "checklist", "label": {"sv": "Dominerande arbetsform", "en": "Predominant format"},
             "help": {"sv": "", "en": ""}, "required": False, "evidence": "none",
             "options": [{"value": "teacher_led", "label": {"sv": "Lärarledd genomgång", "en": "Teacher-led presentation"}},
                         {"value": "pair_group", "label": {"sv": "Par/grupp", "en": "Pair/group"}},
                         {"value": "individual", "label": {"sv": "Enskilt", "en": "Individual"}}]},
            {"key": "W9", "type": "text", "label": {"sv": "Ett konkret exempel", "en": "One concrete example"},
             "help": {"sv": "", "en": ""}, "required": False, "evidence": "none", "max_length": 4000},
        ],
    }],
}


@pytest.fixture
def walkthrough(ctx, school):
    """A published walkthrough template version at `school` (independent of the shipped defaults)."""
    template = Template(school_id=school.id, key="walkthrough", kind="walkthrough", title=WALKTHROUGH["title"])
    db.session.add(template)
    db.session.flush()
    version = TemplateVersion(template_id=template.id, school_id=school.id, number=1, document=WALKTHROUGH,
                              content_hash="0" * 64)
    db.session.add(version)
    db.session.commit()
    return version


@pytest.fixture
def make_visit(ctx, school, walkthrough):
    """A saved visit (with an observation unless observation=False)."""
    def _make(observer, teacher=None, *, kind="spontaneous", status="completed", answers=None,
              observation=True, visit_school=None, **fields):
        visit_school = visit_school or school
        version = walkthrough
        if visit_school.id != school.id:
            template = Template(school_id=visit_school.id, key=f"w{uuid.uuid4().hex[:6]}", kind="walkthrough",
                                title=WALKTHROUGH["title"])
            db.session.add(template)
            db.session.flush()
            version = TemplateVersion(template_id=template.id, school_id=visit_school.id, number=1,
                                      document=WALKTHROUGH, content_hash="1" * 64)
            db.session.add(version)
            db.session.flush()
        started = fields.pop("started_at", dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1))
        visit = Visit(school_id=visit_school.id, kind=kind, status=status, observer_id=observer.id,
                      teacher_id=teacher.id if teacher else None, template_version_id=version.id,
                      started_at=started, **fields)
        db.session.add(visit)
        db.session.flush()
        if observation:
            db.session.add(Observation(school_id=visit_school.id, visit_id=visit.id, author_id=observer.id,
                                       template_version_id=version.id, answers=answers or {},
                                       status="complete" if status == "completed" else "draft"))
        db.session.commit()
        return visit

    return _make
