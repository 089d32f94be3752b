"""Fixtures for the sync API: a small published template, record builders and an API client."""
from __future__ import annotations

import copy
import datetime as dt
import uuid

import pytest

from observe.auth.models import Role
from observe.extensions import db
from observe.templates_.models import Template, TemplateVersion
from observe.visits.models import Visit
from tests.auth.conftest import client  # noqa: F401  (each request in its own app context, as in production)
from tests.conftest import login
from tests.dates import iso_z, today, utc

# A lesson observed on the device yesterday at 09:00 Stockholm time, with a note two minutes in,
# and a next step due in two weeks: dates as a device sends them, relative to the day the tests run.
STARTED_AT = utc(today() - dt.timedelta(days=1), 9)
NOTE_AT = STARTED_AT + dt.timedelta(minutes=2)
DUE_ON = today() + dt.timedelta(days=14)

DOCUMENT = {
    "format": "observe-template/1", "key": "walkthrough", "kind": "walkthrough",
    "title": {"sv": "Kort lektionsbesök", "en": "Short walkthrough"},
    "description": {"sv": "", "en": ""}, "header_note": {"sv": "", "en": ""},
    "sections": [{
        "key": "main", "title": {"sv": "Under besöket", "en": "During the visit"}, "help": {"sv": "", "en": ""},
        "items": [
            {"key": "W1", "type": "yes_no", "label": {"sv": "Syftet är synligt", "en": "The purpose is visible"},
             "help": {"sv": "", "en": ""}, "required": True, "evidence": "optional"},
            {"key": "W3", "type": "x_of_y", "label": {"sv": "Elever som arbetar", "en": "Students on task"},
             "help": {"sv": "", "en": ""}, "required": False, "evidence": "none"},
            {"key": "W9", "type": "text", "label": {"sv": "Ett konkret exempel", "en": "One concrete example"},
             "help": {"sv": "", "en": ""}, "required": False, "evidence": "none", "max_length": 4000},
        ],
    }],
}


def publish_version(school, number: int = 1, *, drop_item: str | None = None) -> TemplateVersion:
    """Version `number` of the school's walkthrough template (optionally without one item)."""
    template = db.session.execute(
        db.select(Template).filter_by(school_id=school.id, key="walkthrough")).scalar_one_or_none()
    if template is None:
        template = Template(school_id=school.id, key="walkthrough", kind="walkthrough", title=DOCUMENT["title"])
        db.session.add(template)
        db.session.flush()
    document = copy.deepcopy(DOCUMENT)
    if drop_item:
        section = document["sections"][0]
        section["items"] = [i for i in section["items"] if i["key"] != drop_item]
    version = TemplateVersion(template_id=template.id, school_id=school.id, number=number, document=document,
                              content_hash=f"{number:064d}")
    db.session.add(version)
    db.session.commit()
    return version


@pytest.fixture
def version(ctx, school):
    return publish_version(school)


@pytest.fixture
def planned_visit(ctx, school, principal, teacher, version):
    """A planned visit the principal observed, ready for feedback."""
    visit = Visit(school_id=school.id, kind="planned", status="completed", observer_id=principal.id,
                  teacher_id=teacher.id, template_version_id=version.id)
    db.session.add(visit)
    db.session.commit()
    return visit


def feedback_record(visit, *, base: int = 0, **changes) -> dict:
    record = {
        "type": "feedback", "uuid": str(changes.pop("uuid", uuid.uuid4())), "base_revision": base,
        "visit_uuid": str(visit.uuid), "summary": "Tydlig start, eleverna visste vad de skulle göra.",
        "strengths": [{"text": "Målet på tavlan", "evidence": "Läraren läste målet högt och pekade på det"}],
        "development_area": "Fler öppna frågor",
        "next_step": {"text": "Planera tre öppna frågor", "due_on": DUE_ON.isoformat()},
    }
    record.update(changes)
    return record


def observation(version_id: int, *, visit_uuid=None, kind: str = "spontaneous", base: int = 0,
                fields: dict | None = None, status: str = "draft", teacher_id=None, **extra) -> dict:
    """A record as the offline client sends it."""
    record = {
        "type": "observation", "uuid": str(extra.pop("uuid", uuid.uuid4())), "base_revision": base,
        "visit": {"uuid": str(visit_uuid or uuid.uuid4()), "kind": kind, "teacher_id": teacher_id,
                  "subject": "Matematik", "year_group": "3", "started_at": iso_z(STARTED_AT),
                  **extra.pop("visit", {})},
        "template_version_id": version_id,
        "fields": {"a.W1": ["yes"], "a.W1.evidence": ["Målet stod på tavlan"], "a.W3.x": ["18"],
                   "a.W3.y": ["24"]} if fields is None else fields,
        "notes": [{"at": iso_z(NOTE_AT), "text": "Eleverna diskuterar i par"}],
        "status": status,
    }
    record.update(extra)
    return record


class Api:
    """A logged-in browser talking to /api/v1 the way the offline client does."""

    def __init__(self, client, base_url: str = "http://localhost"):
        self.client = client
        self.origin = base_url

    def token(self) -> str:
        response = self.client.get("/api/v1/csrf")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["csrf_token"]

    def sync(self, *records, device=None, version: int = 1, headers: dict | None = None):
        body = {"client_schema_version": version, "records": list(records)}
        if device is not None:
            body["device"] = device
        return self.post("/api/v1/sync", body, headers=headers)

    def post(self, path: str, body, headers: dict | None = None):
        sent = {"X-CSRFToken": self.token(), "Origin": self.origin, **(headers or {})}
        return self.client.post(path, json=body, headers=sent)

    def results(self, *records, **kwargs) -> list[dict]:
        response = self.sync(*records, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["results"]


@pytest.fixture
def api_as(app, client):
    """A separate browser (its own cookies) per user; `client` makes requests production-like."""
    def _as(user) -> Api:
        browser = app.test_client()
        browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # assertions read the English source strings
        response = login(browser, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        return Api(browser)

    return _as


@pytest.fixture
def api(api_as, principal, version) -> Api:
    """The principal, logged in, with a published walkthrough at the school."""
    return api_as(principal)


__all__ = ["Role", "feedback_record", "observation", "publish_version", "STARTED_AT", "NOTE_AT", "DUE_ON"]
