"""Every page that shows a personal record leaves an audit event naming the reader and the record."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from observe.audit.models import AuditEvent
from observe.extensions import db
from tests.security.test_route_matrix import MATRIX, _client_for, _methods, _url
from tests.security.world import build_world

PERSONAL = ("visit_uuid", "peer_visit_uuid", "step_uuid")
READS = sorted(e for e, row in MATRIX.items() if row.record in PERSONAL and row.kind in ("read", "export"))


def test_the_reads_are_the_expected_ones():
    assert {"visits.detail", "feedback.visit", "planning.show", "planning.booking"} <= set(READS)


@pytest.mark.parametrize("endpoint", READS)
def test_reading_a_personal_record_is_audited(app, ctx, password_hash, endpoint):
    world = build_world(password_hash)
    a1, row = world["A1"], MATRIX[endpoint]
    for role in sorted(row.allowed):
        user = a1.users[role]
        assert "GET" in _methods(app, endpoint)
        response = _client_for(app, user).get(_url(app, endpoint, a1.ids))
        assert response.status_code == 200, (endpoint, role)
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.user_id == user.id, AuditEvent.object_id == str(a1.ids[row.record]))).all()
        assert events, f"{endpoint} read by {role} left no audit event"
        assert all(e.school_id == a1.school.id and e.at is not None for e in events)


def test_exporting_one_s_own_data_is_audited(app, ctx, password_hash):
    world = build_world(password_hash)
    teacher = world["A1"].users["teacher"]
    for fmt in ("json", "csv"):
        assert _client_for(app, teacher).get(f"/me/data/export.{fmt}").status_code == 200
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export",
                                                         AuditEvent.user_id == teacher.id)).all()
    assert sorted(e.detail["format"] for e in events) == ["csv", "json"]
