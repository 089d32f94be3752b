"""Two devices send a change to the same record at the same moment, over HTTP to a live server.

The protocol promises one `updated` and one `conflict` (both versions kept, nothing
overwritten), and that a record that fails is answered alone: the rest of each batch is still
confirmed. On PostgreSQL both requests really run at once (each its own connection; the
second waits for the first one's row lock); on SQLite the write lock serialises them, and
the answers must be the same.
"""
from __future__ import annotations

import json
import threading
import urllib.request
import uuid

import pytest
from sqlalchemy import func, select

from observe.extensions import db
from observe.sync.models import RecordRevision, SyncConflict
from observe.visits.models import Observation
from tests.conftest import login

from .conftest import observation

ROUNDS = 8  # each round is a fresh race; a broken lock order fails within a few


class Device:
    """A browser of its own (own session) talking to the live server with urllib."""

    def __init__(self, app, live_server, user):
        browser = app.test_client()
        assert login(browser, user).status_code == 302
        name = app.config["SESSION_COOKIE_NAME"]
        self.cookie = f"{name}={browser.get_cookie(name).value}"
        self.base = live_server.url
        self.uuid = str(uuid.uuid4())
        self.token = self.get("/api/v1/csrf")["csrf_token"]

    def get(self, path: str) -> dict:
        request = urllib.request.Request(self.base + path, headers={"Cookie": self.cookie})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def sync(self, *records) -> tuple[int, dict]:
        body = json.dumps({"client_schema_version": 1, "records": list(records),
                           "device": {"uuid": self.uuid, "pending": len(records)}}).encode()
        request = urllib.request.Request(self.base + "/api/v1/sync", data=body, method="POST", headers={
            "Cookie": self.cookie, "Content-Type": "application/json", "X-CSRFToken": self.token,
            "Origin": self.base})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as exc:
            return exc.code, {"body": exc.read().decode(errors="replace")}


def at_once(devices, batches) -> list[tuple[int, dict]]:
    """Each device posts its batch; all start at the same moment."""
    barrier = threading.Barrier(len(devices))
    answers: list = [None] * len(devices)

    def post(index: int) -> None:
        barrier.wait()
        answers[index] = devices[index].sync(*batches[index])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(devices))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def count(model, **where) -> int:
    db.session.rollback()  # a fresh snapshot: the server wrote from its own connections
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


@pytest.fixture
def two_devices(app, live_server, principal, version):
    return Device(app, live_server, principal), Device(app, live_server, principal)


def test_same_record_changed_on_two_devices_at_once(two_devices, version):
    first, second = two_devices
    for _round in range(ROUNDS):
        record = observation(version.id, status="draft")
        status, body = first.sync(record)
        assert status == 200 and body["results"][0]["status"] == "created", body
        edits = [{**record, "base_revision": 1, "fields": {**record["fields"], "a.W9": [f"Enhet {n}"]}}
                 for n in (1, 2)]
        others = [observation(version.id), observation(version.id)]  # one more record in each batch
        answers = at_once([first, second], [[edits[0], others[0]], [edits[1], others[1]]])
        assert [status for status, _body in answers] == [200, 200], answers
        contested = sorted(body["results"][0]["status"] for _status, body in answers)
        assert contested == ["conflict", "updated"], answers
        assert [body["results"][1]["status"] for _status, body in answers] == ["created", "created"]
        winner = next(body["results"][0] for _status, body in answers if body["results"][0]["status"] == "updated")
        loser = next(body["results"][0] for _status, body in answers if body["results"][0]["status"] == "conflict")
        assert winner["revision"] == loser["revision"] == 2
        assert loser["server"]["answers"]["W9"]["value"] in ("Enhet 1", "Enhet 2")
        db.session.rollback()  # a fresh snapshot (SQLite's WAL keeps the old one for an open read)
        stored = db.session.execute(select(Observation).filter_by(uuid=uuid.UUID(record["uuid"]))).scalar_one()
        assert stored.revision == 2 and stored.answers["W9"]["value"] == loser["server"]["answers"]["W9"]["value"]
        assert count(RecordRevision, record_uuid=stored.uuid) == 2
        assert count(SyncConflict, record_uuid=stored.uuid) == 1


def test_same_feedback_draft_changed_on_two_devices_at_once(two_devices, planned_visit, version):
    from .conftest import feedback_record

    first, second = two_devices
    record = feedback_record(planned_visit)
    status, body = first.sync(record)
    assert status == 200 and body["results"][0]["status"] == "created", body
    for revision in range(1, 1 + ROUNDS // 2):
        edits = [{**record, "base_revision": revision, "summary": f"Enhet {n}, varv {revision}"} for n in (1, 2)]
        answers = at_once([first, second], [[edits[0], observation(version.id)], [edits[1], observation(version.id)]])
        assert [status for status, _body in answers] == [200, 200], answers
        assert sorted(body["results"][0]["status"] for _status, body in answers) == ["conflict", "updated"], answers
        assert [body["results"][1]["status"] for _status, body in answers] == ["created", "created"]
        assert {body["results"][0]["revision"] for _status, body in answers} == {revision + 1}
