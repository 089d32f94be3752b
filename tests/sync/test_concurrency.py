"""Twenty identical uploads at once (two tabs, retries, double submits) store exactly one record."""
from __future__ import annotations

import threading
import uuid

from sqlalchemy import func, select

from observe.extensions import db
from observe.feedback.models import Feedback
from observe.sync.models import Device
from observe.visits.models import Observation, Visit

from .conftest import feedback_record, observation

UPLOADS = 20


def upload_at_once(app, api, record, device) -> list[tuple[int, dict]]:
    """UPLOADS browsers sharing one session post the same record at the same moment."""
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    cookie = api.client.get_cookie(cookie_name)
    token = api.token()
    barrier = threading.Barrier(UPLOADS)
    answers: list = [None] * UPLOADS

    def upload(i: int) -> None:
        browser = app.test_client()
        browser.set_cookie(cookie_name, cookie.value, domain=cookie.domain)
        barrier.wait()
        response = browser.post("/api/v1/sync", json={"client_schema_version": 1, "records": [record],
                                                      "device": device},
                                headers={"X-CSRFToken": token, "Origin": "http://localhost"})
        answers[i] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(UPLOADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(status == 200 for status, _body in answers), answers
    return answers


def statuses(answers) -> list[str]:
    return sorted(body["results"][0]["status"] for _status, body in answers)


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_twenty_concurrent_identical_uploads_create_exactly_one_row(app, api, version):
    record = observation(version.id, status="complete")
    answers = upload_at_once(app, api, record, {"uuid": str(uuid.uuid4()), "pending": 1})
    assert statuses(answers) == ["created"] + ["unchanged"] * (UPLOADS - 1)
    assert {body["results"][0]["revision"] for _status, body in answers} == {1}
    assert (count(Observation), count(Visit), count(Device)) == (1, 1, 1)
    assert db.session.execute(select(Observation)).scalar_one().revision == 1


def test_twenty_concurrent_identical_feedback_uploads_create_one_draft(app, api, planned_visit):
    answers = upload_at_once(app, api, feedback_record(planned_visit), None)
    assert statuses(answers) == ["created"] + ["unchanged"] * (UPLOADS - 1)
    assert count(Feedback) == 1
