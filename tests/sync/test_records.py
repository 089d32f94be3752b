"""What happens to each record a device uploads: created, unchanged, updated, conflict, rejected."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select

from observe.auth.models import Role
from observe.extensions import db
from observe.sync.models import SyncConflict
from observe.visits.models import Observation, ObservationAnswer, Visit

from tests.dates import STOCKHOLM, iso_z

from .conftest import NOTE_AT, STARTED_AT, observation, publish_version


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def stored(record) -> Observation:
    db.session.expire_all()
    return db.session.execute(select(Observation).filter_by(uuid=uuid.UUID(record["uuid"]))).scalar_one()


def test_new_walkthrough_is_created_with_its_visit(api, version, principal, teacher, school):
    record = observation(version.id, teacher_id=teacher.id)
    [result] = api.results(record)
    assert result == {"uuid": record["uuid"], "status": "created", "revision": 1}
    obs = stored(record)
    assert obs.school_id == school.id and obs.author_id == principal.id and obs.revision == 1
    assert obs.answers["W1"] == {"value": "yes", "evidence": "Målet stod på tavlan"}
    assert obs.answers["W3"] == {"value": {"x": 18, "y": 24}}
    assert obs.notes == [{"at": NOTE_AT.isoformat(), "text": "Eleverna diskuterar i par"}]
    visit = obs.visit
    assert str(visit.uuid) == record["visit"]["uuid"]
    assert (visit.kind, visit.observer_id, visit.teacher_id, visit.subject) == (
        "spontaneous", principal.id, teacher.id, "Matematik")
    assert visit.status == "in_progress"


def test_identical_resend_is_unchanged_and_stores_nothing_twice(api, version):
    record = observation(version.id)
    api.results(record)
    for _ in range(3):
        [result] = api.results(record)
        assert result == {"uuid": record["uuid"], "status": "unchanged", "revision": 1}
    assert count(Observation) == 1 and count(Visit) == 1
    assert stored(record).revision == 1


def test_edit_from_current_revision_is_updated(api, version):
    record = observation(version.id)
    api.results(record)
    record.update(base_revision=1, status="complete", fields={"a.W1": ["no"], "a.W9": ["Läraren frågade varför"]})
    [result] = api.results(record)
    assert result == {"uuid": record["uuid"], "status": "updated", "revision": 2}
    obs = stored(record)
    assert obs.answers == {"W1": {"value": "no"}, "W9": {"value": "Läraren frågade varför"}}
    assert obs.status == "complete" and obs.completed_at is not None
    assert obs.visit.status == "completed"


def test_complete_observations_feed_answer_rows_and_edits_replace_them(api, version):
    record = observation(version.id, status="complete")
    api.results(record)
    rows = db.session.execute(select(ObservationAnswer).order_by(ObservationAnswer.item_key)).scalars().all()
    assert [(r.item_key, r.choice, r.number, r.total) for r in rows] == [
        ("W1", "yes", 1.0, None), ("W3", None, 0.75, 24.0)]
    assert rows[0].visit_kind == "spontaneous" and rows[0].observed_on == STARTED_AT.astimezone(STOCKHOLM).date()
    record.update(base_revision=1, fields={"a.W1": ["no"]})
    api.results(record)
    db.session.expire_all()
    rows = db.session.execute(select(ObservationAnswer)).scalars().all()
    assert [(r.item_key, r.choice) for r in rows] == [("W1", "no")]


def test_draft_observations_do_not_feed_answer_rows(api, version):
    api.results(observation(version.id, status="draft"))
    assert count(ObservationAnswer) == 0


def test_stale_base_is_a_conflict_and_both_versions_are_kept(api, version, principal):
    record = observation(version.id)
    api.results(record)
    api.results({**record, "base_revision": 1, "fields": {"a.W1": ["no"]}})  # another device: now revision 2
    stale = {**record, "base_revision": 1, "fields": {"a.W1": ["yes"], "a.W9": ["Från surfplattan"]}}
    [result] = api.results(stale)
    assert result["status"] == "conflict" and result["revision"] == 2
    assert result["server"]["answers"] == {"W1": {"value": "no"}}
    assert result["server"]["revision"] == 2 and result["server"]["uuid"] == record["uuid"]
    obs = stored(record)
    assert obs.revision == 2 and obs.answers == {"W1": {"value": "no"}}  # nothing overwritten
    conflict = db.session.execute(select(SyncConflict)).scalar_one()
    assert conflict.payload["fields"] == stale["fields"]
    assert (conflict.user_id, conflict.base_revision, conflict.server_revision) == (principal.id, 1, 2)
    # The same stale copy sent again is the same conflict, not a second one.
    [again] = api.results(stale)
    assert again["status"] == "conflict" and count(SyncConflict) == 1


def test_invalid_record_is_rejected_with_field_messages_and_the_others_go_through(api, version):
    good1, good2 = observation(version.id), observation(version.id)
    bad = observation(version.id, fields={"a.W3.x": ["30"], "a.W3.y": ["24"]})
    results = api.results(good1, bad, good2)
    assert [r["status"] for r in results] == ["created", "rejected", "created"]
    assert [r["uuid"] for r in results] == [good1["uuid"], bad["uuid"], good2["uuid"]]
    assert list(results[1]["fields"]) == ["a.W3.x"] and results[1]["fields"]["a.W3.x"]
    assert count(Observation) == 2
    # Fixed on the device, the same record goes through.
    [fixed] = api.results({**bad, "fields": {"a.W3.x": ["20"], "a.W3.y": ["24"]}})
    assert fixed["status"] == "created"


def test_complete_requires_required_items(api, version):
    [result] = api.results(observation(version.id, status="complete", fields={"a.W9": ["Bara text"]}))
    assert result["status"] == "rejected" and "a.W1" in result["fields"]
    [draft] = api.results(observation(version.id, status="draft", fields={"a.W9": ["Bara text"]}))
    assert draft["status"] == "created"


def test_server_owned_fields_cannot_be_sent(api, version, make_school):
    record = observation(version.id)
    record["school_id"] = make_school().id
    record["author_id"] = 1
    record["visit"]["status"] = "completed"
    [result] = api.results(record)
    assert result["status"] == "rejected"
    assert {"school_id", "author_id", "visit.status"} <= set(result["fields"])
    assert count(Observation) == 0


def test_malformed_records_are_rejected_one_by_one(api, version):
    good = observation(version.id)
    results = api.results("not an object", {"type": "mystery", "uuid": "x"}, {"type": "observation"},
                          {"type": ["observation"], "uuid": good["uuid"]}, good)
    assert [r["status"] for r in results] == ["rejected", "rejected", "rejected", "rejected", "created"]
    assert results[3]["fields"] == {"type": ["Unknown record type."]}
    assert results[1]["fields"] == {"type": ["Unknown record type."]}
    assert "uuid" in results[2]["fields"] and "visit" in results[2]["fields"]


def test_old_template_version_is_accepted_after_a_new_one_is_published(api, version, school):
    newer = publish_version(school, 2, drop_item="W3")
    old = observation(version.id, status="complete")
    new = observation(newer.id, status="complete", fields={"a.W1": ["no"]})
    assert [r["status"] for r in api.results(old, new)] == ["created", "created"]
    assert stored(old).template_version_id == version.id
    assert stored(old).answers["W3"] == {"value": {"x": 18, "y": 24}}
    # ... and an edit of the old-version record stays on the old version.
    [result] = api.results({**old, "base_revision": 1, "fields": {"a.W1": ["yes"], "a.W3.x": ["2"],
                                                                   "a.W3.y": ["3"]}})
    assert result["status"] == "updated" and stored(old).template_version_id == version.id


def test_template_version_of_another_school_is_rejected(api, make_school):
    other = publish_version(make_school())
    [result] = api.results(observation(other.id))
    assert result["status"] == "rejected" and "template_version_id" in result["fields"]
    assert count(Visit) == 0


def test_teacher_may_not_start_a_walkthrough(api_as, make_user, version):
    api = api_as(make_user(Role.TEACHER))
    [result] = api.results(observation(version.id))
    assert result["status"] == "rejected" and "visit" in result["fields"]
    assert count(Visit) == 0


def test_observed_teacher_must_be_a_teacher_of_the_school(api, version, make_school, make_user):
    outsider = make_user(Role.TEACHER, school=make_school())
    [result] = api.results(observation(version.id, teacher_id=outsider.id))
    assert result["status"] == "rejected" and "visit.teacher_id" in result["fields"]


def test_planned_visit_must_exist_and_be_the_users(api_as, make_user, version, school, teacher, principal):
    record = observation(version.id, kind="planned")
    [unknown] = api_as(principal).results(record)
    assert unknown["status"] == "rejected" and "visit" in unknown["fields"]

    visit = Visit(school_id=school.id, kind="planned", status="planned", observer_id=principal.id,
                  teacher_id=teacher.id, template_version_id=version.id)
    db.session.add(visit)
    db.session.commit()
    record = observation(version.id, kind="planned", visit_uuid=visit.uuid, teacher_id=None,
                         visit={"subject": "Ignored"})
    other_principal = api_as(make_user(Role.PRINCIPAL))
    [not_theirs] = other_principal.results(record)
    assert not_theirs["status"] == "rejected"

    [mine] = api_as(principal).results(record)
    assert mine["status"] == "created"
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.teacher_id == teacher.id and visit.subject is None  # the plan is not the device's to change
    assert visit.status == "in_progress" and visit.started_at is not None


def test_same_planned_visit_filled_on_two_devices_is_a_conflict(api, version, school, principal, teacher):
    visit = Visit(school_id=school.id, kind="planned", status="planned", observer_id=principal.id,
                  teacher_id=teacher.id, template_version_id=version.id)
    db.session.add(visit)
    db.session.commit()
    tablet = observation(version.id, kind="planned", visit_uuid=visit.uuid, fields={"a.W1": ["yes"]})
    phone = observation(version.id, kind="planned", visit_uuid=visit.uuid, fields={"a.W1": ["no"]})
    assert api.results(tablet)[0]["status"] == "created"
    [result] = api.results(phone)
    assert result["status"] == "conflict" and result["uuid"] == phone["uuid"]
    assert result["server"]["uuid"] == tablet["uuid"] and result["server"]["answers"]["W1"] == {"value": "yes"}
    assert count(Observation) == 1 and count(SyncConflict) == 1


def test_someone_elses_record_uuid_cannot_be_overwritten(api_as, make_user, version):
    record = observation(version.id)
    api_as(make_user(Role.PRINCIPAL)).results(record)
    intruder = api_as(make_user(Role.PRINCIPAL))
    [result] = intruder.results({**record, "base_revision": 1, "fields": {"a.W1": ["no"]}})
    assert result["status"] == "rejected"
    assert stored(record).answers["W1"]["value"] == "yes"


def test_device_report_is_stored_for_admins(api, version, principal):
    from observe.sync.models import Device

    device = {"uuid": str(uuid.uuid4()), "pending": 3, "oldest_pending_at": iso_z(STARTED_AT + dt.timedelta(minutes=10))}
    api.results(observation(version.id), device=device)
    api.results(device={**device, "pending": 0, "oldest_pending_at": None})
    db.session.expire_all()
    row = db.session.execute(select(Device)).scalar_one()
    assert row.user_id == principal.id and str(row.device_uuid) == device["uuid"]
    assert row.pending_count == 0 and row.oldest_pending_at is None


def test_device_continues_from_its_own_revisions_whose_answers_were_lost(api, version):
    tablet = {"uuid": str(uuid.uuid4()), "pending": 1}
    record = observation(version.id)
    api.results(record, device=tablet)  # committed; suppose the answer never reached the tablet
    typed_on = {**record, "fields": {"a.W1": ["yes"], "a.W9": ["Mer text"]}}
    [second] = api.results(typed_on, device=tablet)  # still from base 0: nothing else wrote since
    assert second == {"uuid": record["uuid"], "status": "updated", "revision": 2}
    [third] = api.results({**typed_on, "fields": {"a.W1": ["no"]}}, device=tablet)
    assert third["status"] == "updated" and third["revision"] == 3
    assert stored(record).answers == {"W1": {"value": "no"}}


def test_another_writer_in_between_still_makes_a_conflict(api, version):
    tablet, phone = ({"uuid": str(uuid.uuid4()), "pending": 1} for _ in range(2))
    record = observation(version.id)
    api.results(record, device=tablet)
    api.results({**record, "base_revision": 1, "fields": {"a.W1": ["no"]}}, device=phone)
    [result] = api.results({**record, "fields": {"a.W1": ["not_observed"]}}, device=tablet)
    assert result["status"] == "conflict" and stored(record).answers == {"W1": {"value": "no"}}
    # Without a device (the online form) an old base is always a conflict.
    [online] = api.results({**record, "base_revision": 2, "fields": {"a.W9": ["x"]}})
    assert online["status"] == "updated"
    [stale] = api.results({**record, "base_revision": 2, "fields": {"a.W9": ["y"]}})
    assert stale["status"] == "conflict"


def test_empty_notes_are_dropped_and_extra_device_keys_ignored(api, version):
    record = observation(version.id)
    record["notes"].append({"at": iso_z(NOTE_AT + dt.timedelta(minutes=3)), "text": "  "})
    device = {"uuid": str(uuid.uuid4()), "pending": 1, "battery": "low"}
    [result] = api.results(record, device=device)
    assert result["status"] == "created"
    assert stored(record).notes == [{"at": NOTE_AT.isoformat(), "text": "Eleverna diskuterar i par"}]


def test_walkthrough_of_a_teacher_who_left_can_still_be_finished(api, version, teacher):
    from observe.auth.models import Membership

    record = observation(version.id, teacher_id=teacher.id)
    api.results(record)
    db.session.execute(db.delete(Membership).where(Membership.user_id == teacher.id))
    db.session.commit()
    [result] = api.results({**record, "base_revision": 1, "status": "complete"})
    assert result["status"] == "updated" and stored(record).visit.teacher_id == teacher.id


def test_numbers_too_large_for_the_database_are_rejected_with_field_messages(api, version):
    record = observation(version.id, teacher_id=2**40, template_version_id=2**40, base_revision=2**40)
    [result] = api.results(record)
    assert result["status"] == "rejected"
    assert set(result["fields"]) == {"template_version_id", "visit.teacher_id", "base_revision"}
    assert result["fields"]["template_version_id"] == ["Must be at most 2147483647."]
