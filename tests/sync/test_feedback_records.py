"""Feedback drafts written offline: the same upsert, resend and conflict rules as observations."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from observe.auth.models import Role
from observe.extensions import db
from observe.feedback.models import Feedback

from .conftest import DUE_ON, feedback_record


def stored(record) -> Feedback:
    db.session.expire_all()
    return db.session.execute(select(Feedback).filter_by(uuid=uuid.UUID(record["uuid"]))).scalar_one()


def test_draft_is_created_then_resent_unchanged_then_updated(api, planned_visit, principal):
    record = feedback_record(planned_visit)
    assert api.results(record) == [{"uuid": record["uuid"], "status": "created", "revision": 1}]
    feedback = stored(record)
    assert (feedback.author_id, feedback.visit_id, feedback.status) == (principal.id, planned_visit.id, "draft")
    assert feedback.strengths == [{"text": "Målet på tavlan",
                                   "evidence": "Läraren läste målet högt och pekade på det"}]
    assert feedback.next_steps[0].text == "Planera tre öppna frågor"
    assert feedback.next_steps[0].due_on == DUE_ON
    assert api.results(record) == [{"uuid": record["uuid"], "status": "unchanged", "revision": 1}]
    [updated] = api.results({**record, "base_revision": 1, "development_area": "Väntetid efter frågor"})
    assert updated == {"uuid": record["uuid"], "status": "updated", "revision": 2}
    assert stored(record).development_area == "Väntetid efter frågor"
    assert db.session.scalar(select(db.func.count()).select_from(Feedback)) == 1


def test_feedback_rules_reject_with_field_messages(api, planned_visit):
    record = feedback_record(planned_visit, strengths=[{"text": "Bra", "evidence": ""}],
                             next_step={"text": "Något", "due_on": None})
    [result] = api.results(record)
    assert result["status"] == "rejected"
    assert {"strength_evidence_0", "next_step_due"} <= set(result["fields"])


def test_only_the_visits_observer_writes_its_feedback(api_as, make_user, planned_visit, teacher):
    for user in (make_user(Role.PRINCIPAL), teacher):
        [result] = api_as(user).results(feedback_record(planned_visit))
        assert result["status"] == "rejected" and "visit_uuid" in result["fields"]


def test_shared_feedback_is_not_changed_by_a_late_upload(api, planned_visit):
    record = feedback_record(planned_visit)
    api.results(record)
    feedback = stored(record)
    feedback.status = "shared"
    db.session.commit()
    [result] = api.results({**record, "base_revision": 1, "summary": "Ändrad offline"})
    assert result["status"] == "rejected"
    assert stored(record).summary.startswith("Tydlig start")


def test_stale_feedback_is_a_conflict_and_a_resend_from_the_server_copy_closes_it(api, planned_visit):
    tablet = {"uuid": str(uuid.uuid4()), "pending": 1}
    record = feedback_record(planned_visit)
    api.results(record)
    api.results({**record, "base_revision": 1, "summary": "Från datorn"})  # revision 2
    stale = {**record, "base_revision": 1, "summary": "Från surfplattan"}
    [result] = api.results(stale, device=tablet)
    assert result["status"] == "conflict" and result["server"]["summary"] == "Från datorn"
    [conflict] = api.client.get("/api/v1/conflicts").get_json()["conflicts"]
    assert conflict["record_type"] == "feedback" and conflict["device"]["summary"] == "Från surfplattan"
    assert conflict["server"]["revision"] == 2
    merged = {**record, "base_revision": 2, "summary": "Från datorn och surfplattan"}
    assert api.results(merged, device=tablet)[0] == {"uuid": record["uuid"], "status": "updated", "revision": 3}
    assert api.client.get("/api/v1/conflicts").get_json() == {"conflicts": []}


def test_second_device_with_another_uuid_meets_the_first_draft_as_a_conflict(api, planned_visit):
    first, second = feedback_record(planned_visit), feedback_record(planned_visit, summary="Annan text")
    api.results(first)
    [result] = api.results(second)
    assert result["status"] == "conflict" and result["server"]["uuid"] == first["uuid"]
