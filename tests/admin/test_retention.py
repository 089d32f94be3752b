"""Retention periods per school: prefilled with the suggested defaults, validated, audited."""
from __future__ import annotations

import re

from sqlalchemy import select

from observe.audit.models import AuditEvent
from observe.extensions import db
from observe.schools.models import DEFAULT_RETENTION

NEW = {"walkthrough_deidentify_days": "14", "planned_delete_months_after_follow_up": "6", "peer_delete_months": "3"}


def test_page_shows_the_suggested_defaults(client, as_admin):
    html = client.get("/admin/retention").get_data(as_text=True)
    assert re.search(r'<input [^>]*name="walkthrough_deidentify_days"[^>]*value="30"', html)
    assert re.search(r'<input [^>]*name="peer_delete_months"[^>]*value="12"', html)


def test_saving_changes_the_school_and_is_audited(as_admin, post, school):
    assert post("/admin/retention", NEW).status_code == 302
    db.session.refresh(school)
    assert school.retention == {key: int(value) for key, value in NEW.items()}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "school.retention"))
    assert event.school_id == school.id and event.detail["before"] == DEFAULT_RETENTION


def test_out_of_range_values_are_refused(as_admin, post, school):
    for key, bad in (("walkthrough_deidentify_days", "0"), ("peer_delete_months", "61"),
                     ("planned_delete_months_after_follow_up", "twelve")):
        response = post("/admin/retention", {**NEW, key: bad})
        assert response.status_code == 400, key
    db.session.refresh(school)
    assert school.retention == DEFAULT_RETENTION
