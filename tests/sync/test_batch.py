"""A sync batch is one transaction (area K, performance): new walkthroughs are inserted together,
everything else record by record in a savepoint each. Either way a record that fails halfway is
undone alone, the others in the batch are kept, and each record is answered as if sent alone."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from observe.extensions import db
from observe.visits.models import Observation, Visit

from .conftest import observation


def test_a_record_failing_halfway_is_undone_alone_and_the_batch_is_kept(api, version, monkeypatch):
    from observe.visits import answer_rows

    first, broken, last = (observation(version.id, status="complete") for _ in range(3))
    real = answer_rows.answer_row_values

    def fail_for_one(observation_id, *args, **kwargs):
        written = db.session.scalar(select(Observation.uuid).where(Observation.id == observation_id))
        if str(written) == broken["uuid"]:  # after its visit and observation rows were written
            raise RuntimeError("disk full")
        return real(observation_id, *args, **kwargs)

    monkeypatch.setattr(answer_rows, "answer_row_values", fail_for_one)
    results = api.results(first, broken, last)
    assert [r["status"] for r in results] == ["created", "rejected", "created"]
    assert results[1]["uuid"] == broken["uuid"] and "record" in results[1]["fields"]
    db.session.expire_all()
    stored = set(map(str, db.session.scalars(select(Observation.uuid))))
    assert stored == {first["uuid"], last["uuid"]}
    assert db.session.scalar(select(func.count()).select_from(Visit).where(
        Visit.uuid == uuid.UUID(broken["visit"]["uuid"]))) == 0  # its visit went with it

    monkeypatch.setattr(answer_rows, "answer_row_values", real)
    assert [r["status"] for r in api.results(first, broken, last)] == ["unchanged", "created", "unchanged"]


def _stored(record: dict) -> dict:
    """Everything a synced observation left in the database, without ids, uuids and timestamps."""
    from observe.audit.models import AuditEvent
    from observe.sync.models import RecordRevision
    from observe.visits.models import ObservationAnswer

    db.session.expire_all()
    obs = db.session.execute(select(Observation).where(Observation.uuid == uuid.UUID(record["uuid"]))).scalar_one()
    visit = obs.visit
    return {
        "visit": {c: getattr(visit, c) for c in (
            "kind", "status", "purpose", "observer_id", "teacher_id", "subject", "year_group", "template_version_id",
            "started_at", "ended_at", "reflective_question", "focus_item_keys", "preconference",
            "summary_to_principal", "revision", "created_by_id")},
        "observation": {c: getattr(obs, c) for c in (
            "author_id", "template_version_id", "answers", "notes", "status", "revision", "client_schema_version")}
        | {"completed": obs.completed_at is not None},
        "answers": sorted((a.visit_kind, a.observed_on, a.teacher_id, a.template_key, a.item_key, a.item_type,
                           a.choice or "", a.number or 0, a.total or 0) for a in db.session.scalars(
            select(ObservationAnswer).where(ObservationAnswer.observation_id == obs.id))),
        "revisions": [(r.record_type, r.revision, r.base_revision, r.device_uuid, r.user_id) for r in db.session.scalars(
            select(RecordRevision).where(RecordRevision.record_uuid == obs.uuid))],
        "audit": [(e.action, e.user_id, e.school_id, e.object_type, e.ip, e.detail) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_id == str(obs.uuid)))],
    }


def _walkthroughs(version, teacher) -> list[dict]:
    return [observation(version.id, status="complete", teacher_id=teacher.id,
                        visit={"reflective_question": "Varför?"}),
            observation(version.id),
            observation(version.id, status="complete", fields={"a.W1": ["no"], "a.W9": ["Exempel"]})]


def test_new_walkthroughs_sent_together_are_stored_exactly_as_one_by_one(api, version, teacher, monkeypatch):
    from observe.sync.records import RecordType
    from observe.visits.sync_record import ObservationRecord

    device = {"uuid": str(uuid.uuid4()), "pending": 3}
    together = _walkthroughs(version, teacher)
    assert [r["status"] for r in api.results(*together, device=device)] == ["created"] * 3
    # The same records again, with new ids, each applied alone in its own savepoint.
    monkeypatch.setattr(ObservationRecord, "apply_many", RecordType.apply_many)
    alone = _walkthroughs(version, teacher)
    assert [r["status"] for r in api.results(*alone, device=device)] == ["created"] * 3
    for batched, single in zip(together, alone):
        assert _stored(batched) == _stored(single)
    assert _stored(together[0])["answers"] and _stored(together[0])["audit"][0][0] == "observation.create"


def test_a_mixed_batch_answers_each_record_as_if_it_came_alone(api, version):
    resent, edited, stale = (observation(version.id) for _ in range(3))
    assert [r["status"] for r in api.results(resent, edited, stale)] == ["created"] * 3
    new, twice = observation(version.id), observation(version.id)
    unknown_form = observation(version.id + 1000)
    batch = [resent, {**edited, "base_revision": 1, "fields": {"a.W1": ["no"]}},
             {**stale, "fields": {"a.W1": ["no"]}}, new, unknown_form, twice, twice]
    statuses = [r["status"] for r in api.results(*batch)]
    assert statuses == ["unchanged", "updated", "conflict", "created", "rejected", "created", "unchanged"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Observation)) == 5
    assert db.session.scalar(select(func.count(func.distinct(Observation.uuid)))) == 5


def test_a_replaced_template_version_row_is_not_served_from_the_process_cache(api, version):
    import copy
    import datetime as dt

    from sqlalchemy import update

    from observe.templates_.models import TemplateVersion

    from .conftest import DOCUMENT

    without_w1 = observation(version.id, status="complete", fields={"a.W3.x": ["3"], "a.W3.y": ["4"]})
    [result] = api.results(without_w1)
    assert result["status"] == "rejected" and "a.W1" in result["fields"]  # W1 is required: parsed and cached
    # The same id now names another published row (a database restored under a running server).
    document = copy.deepcopy(DOCUMENT)
    document["sections"][0]["items"] = [i for i in document["sections"][0]["items"] if i["key"] != "W1"]
    db.session.execute(update(TemplateVersion).where(TemplateVersion.id == version.id).values(
        document=document, published_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1)))
    assert [r["status"] for r in api.results(without_w1)] == ["created"]


def test_a_record_the_server_fails_on_is_answered_retry_and_the_others_are_stored(api, version, monkeypatch):
    """A fault of the server (not of the record) must not put the record in "needs attention"."""
    from observe.visits.sync_record import ObservationRecord

    good, unlucky = observation(version.id), observation(version.id)
    real_apply = ObservationRecord.apply

    def apply(self, user, school, data, raw):
        if str(data["uuid"]) == unlucky["uuid"]:
            raise RuntimeError("disk full")
        return real_apply(self, user, school, data, raw)

    monkeypatch.setattr(ObservationRecord, "apply", apply)
    monkeypatch.setattr(ObservationRecord, "apply_many", lambda self, user, school, batch: [None] * len(batch))
    by_uuid = {r["uuid"]: r for r in api.results(good, unlucky)}

    assert by_uuid[good["uuid"]]["status"] == "created"
    assert by_uuid[unlucky["uuid"]]["status"] == "rejected" and by_uuid[unlucky["uuid"]]["retry"] is True
    monkeypatch.undo()
    assert api.results(unlucky)[0]["status"] == "created"  # sent again later, it is stored
