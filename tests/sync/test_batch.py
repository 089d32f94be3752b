"""A sync batch is one transaction with a savepoint per record (area K, performance):
a record that fails halfway is undone alone, and the others in the batch are kept."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from observe.extensions import db
from observe.visits.models import Observation, Visit

from .conftest import observation


def test_a_record_failing_halfway_is_undone_alone_and_the_batch_is_kept(api, version, monkeypatch):
    from observe.sync import services

    first, broken, last = (observation(version.id, status="complete") for _ in range(3))
    real = services.write_answer_rows

    def fail_for_one(obs, *args, **kwargs):
        if str(obs.uuid) == broken["uuid"]:  # after its visit and observation rows were written
            raise RuntimeError("disk full")
        return real(obs, *args, **kwargs)

    monkeypatch.setattr(services, "write_answer_rows", fail_for_one)
    results = api.results(first, broken, last)
    assert [r["status"] for r in results] == ["created", "rejected", "created"]
    assert results[1]["uuid"] == broken["uuid"] and "record" in results[1]["fields"]
    db.session.expire_all()
    stored = set(map(str, db.session.scalars(select(Observation.uuid))))
    assert stored == {first["uuid"], last["uuid"]}
    assert db.session.scalar(select(func.count()).select_from(Visit).where(
        Visit.uuid == uuid.UUID(broken["visit"]["uuid"]))) == 0  # its visit went with it

    monkeypatch.setattr(services, "write_answer_rows", real)
    assert [r["status"] for r in api.results(first, broken, last)] == ["unchanged", "created", "unchanged"]
