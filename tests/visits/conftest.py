"""Fixtures for the visit pages: the shipped walkthrough template and a visit factory."""
from __future__ import annotations

import datetime as dt

import pytest

from observe.extensions import db
from observe.visits.models import Observation, Visit
from tests.auth.conftest import client  # noqa: F401  (each request in its own app context, as in production)


@pytest.fixture
def walkthrough(ctx, school):
    """The school's walkthrough version, from the shipped default templates (A1)."""
    from observe.templates_.services import install_defaults, latest_version_for

    install_defaults(school)
    db.session.commit()
    return latest_version_for(school, "spontaneous")


@pytest.fixture
def make_visit(ctx, school, walkthrough):
    """A saved visit (with an observation unless observation=False)."""
    def _make(observer, teacher=None, *, kind="spontaneous", status="completed", answers=None,
              observation=True, visit_school=None, **fields):
        visit_school = visit_school or school
        version = walkthrough
        if visit_school.id != school.id:
            from observe.templates_.services import install_defaults, latest_version_for

            install_defaults(visit_school)
            version = latest_version_for(visit_school, "spontaneous")
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
