"""Fixtures for the feedback loop: small published templates, planned and peer visits."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from observe.auth.models import Role
from observe.extensions import db
from observe.feedback.models import Feedback, NextStep
from observe.templates_.models import Template, TemplateVersion
from observe.visits.models import (Observation, PeerGroup, PeerGroupStatus, Visit)
from tests.conftest import csrf_token, login
from tests.dates import next_weekday, today, utc


UTC = dt.timezone.utc

PLANNED_DOC = {
    "format": "observe-template/1", "key": "planned", "kind": "planned",
    "title": {"sv": "Planerat lektionsbesök", "en": "Planned visit"},
    "sections": [{"key": "C", "title": {"sv": "Tydlighet", "en": "Clarity"}, "items": [
        {"key": "C1", "type": "scale", "scale": "F4", "label": {"sv": "Syftet görs tydligt", "en": "Purpose made clear"}},
        {"key": "D1", "type": "yes_no", "label": {"sv": "Öppna frågor", "en": "Open questions"}},
    ]}],
}
PEER_DOC = {
    "format": "observe-template/1", "key": "peer", "kind": "peer",
    "title": {"sv": "Kollegial observation", "en": "Peer observation"},
    "sections": [{"key": "log", "title": {"sv": "Logg", "en": "Log"}, "items": [
        {"key": "P4a", "type": "counter", "label": {"sv": "Öppna frågor", "en": "Open questions"}},
        {"key": "P5", "type": "text", "label": {"sv": "Det jag såg", "en": "What I saw"}},
    ]}],
}


def publish(school, document) -> TemplateVersion:
    template = Template(school_id=school.id, key=document["key"], kind=document["kind"], title=document["title"])
    db.session.add(template)
    db.session.flush()
    version = TemplateVersion(template_id=template.id, school_id=school.id, number=1, document=document,
                              content_hash="0" * 64)
    db.session.add(version)
    db.session.commit()
    return version


@pytest.fixture
def planned_version(school):
    return publish(school, PLANNED_DOC)


@pytest.fixture
def peer_version(school):
    return publish(school, PEER_DOC)


@pytest.fixture
def colleague(make_user):
    return make_user(Role.TEACHER, name="Karin Kollega", email="kollega@example.se")


@pytest.fixture
def other_principal(make_user):
    return make_user(Role.PRINCIPAL, name="Bo Biträdande", email="bitr@example.se")


@pytest.fixture
def outsider(make_school, make_user):
    """A principal at another school of another organisation."""
    other = make_school("Ekskolan")
    return make_user(Role.PRINCIPAL, school=other, name="Eva Annanskola", email="eva@example.se")


@pytest.fixture
def make_planned(school, principal, teacher, planned_version):
    def _make(*, observer=principal, of=teacher, at: dt.datetime | None = None, **kw) -> Visit:
        """A visit planned by default for next Wednesday at 10:00 in Stockholm (still ahead)."""
        visit = Visit(school_id=school.id, kind="planned", status=kw.pop("status", "planned"),
                      observer_id=observer.id, teacher_id=of.id, template_version_id=planned_version.id,
                      scheduled_at=at or utc(next_weekday(), 10), planned_minutes=40,
                      **{"focus_item_keys": [], "preconference": {}, **kw})
        db.session.add(visit)
        db.session.commit()
        return visit

    return _make


@pytest.fixture
def make_feedback(school):
    def _make(visit, *, shared: bool, shared_at: dt.datetime | None = None, step_due: dt.date | None = None,
              **kw) -> Feedback:
        feedback = Feedback(school_id=school.id, visit_id=visit.id, author_id=visit.observer_id,
                            summary=kw.pop("summary", "Tydlig start på lektionen."), strengths=[],
                            status="shared" if shared else "draft",
                            shared_at=(shared_at or dt.datetime.now(UTC)) if shared else None, **kw)
        db.session.add(feedback)
        db.session.flush()
        if step_due is not None:
            db.session.add(NextStep(school_id=school.id, feedback_id=feedback.id, visit_id=visit.id,
                                    teacher_id=visit.teacher_id, created_by_id=visit.observer_id,
                                    text="Pröva exit tickets", due_on=step_due))
        db.session.commit()
        return feedback

    return _make


@pytest.fixture
def make_pair(school, teacher, colleague):
    def _make(*members, status=PeerGroupStatus.CONFIRMED, start: dt.date | None = None, end: dt.date | None = None):
        """A pair for a period around today (a group is current until its period ends)."""
        start, end = start or today() - dt.timedelta(days=100), end or today() + dt.timedelta(days=30)
        group = PeerGroup(school_id=school.id, period_start=start, period_end=end, status=status)
        group.members = list(members) or [teacher, colleague]
        db.session.add(group)
        db.session.commit()
        return group

    return _make


@pytest.fixture
def make_peer_visit(school, teacher, colleague, peer_version):
    def _make(group, *, observer=colleague, of=teacher, done=False, counts=None, share=False,
              at: dt.datetime | None = None) -> Visit:
        """A peer visit, by default on the Tuesday two weeks back at 10:00 (held already)."""
        at = at or utc(next_weekday(1, after=today() - dt.timedelta(days=21)), 10)
        visit = Visit(school_id=school.id, kind="peer", status="completed" if done else "planned",
                      purpose="peer_learning", observer_id=observer.id, teacher_id=of.id,
                      template_version_id=peer_version.id, scheduled_at=at, peer_group_id=group.id,
                      focus_text="Vilka elever svarar på mina frågor?", focus_item_keys=[], preconference={},
                      summary_to_principal=share)
        db.session.add(visit)
        db.session.flush()
        if done:
            db.session.add(Observation(school_id=school.id, visit_id=visit.id, author_id=observer.id,
                                       template_version_id=peer_version.id, status="complete",
                                       answers={"P4a": {"value": counts if counts is not None else 7},
                                                "P5": {"value": "Elev vid fönstret sa: jag vet inte"}}))
        db.session.commit()
        return visit

    return _make


def post(client, path: str, data: dict, form_page: str | None = None):
    """Post a form like a browser would: with the CSRF token of a page the user may open."""
    data = {**data, "csrf_token": csrf_token(client, form_page or "/feedback/")}
    return client.post(path, data=data)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def login_en(client, user):
    """Log in with English as the user's language, so assertions on UI text survive translation."""
    user.locale = "en"
    db.session.commit()
    response = login(client, user)
    assert response.status_code == 302
    return client
