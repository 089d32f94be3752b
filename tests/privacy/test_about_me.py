"""What is stored about me, the full export, who looked at my records, and the admin's audit log."""
from __future__ import annotations

import re

import csv
import io
import json

from sqlalchemy import select

from observe.audit.models import AuditEvent
from observe.extensions import db
from observe.feedback.models import Feedback
from observe.visits.models import Visit
from tests.security.test_route_matrix import _client_for
from tests.security.world import build_world


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_the_teacher_exports_everything_about_them_as_json(app, ctx, password_hash):
    world = build_world(password_hash)
    teacher = world["A1"].users["teacher"]
    visit = db.session.scalar(select(Visit).where(Visit.uuid == world["A1"].ids["visit_uuid"]))
    visit.observations[0].status = "complete"  # its feedback is shared: the teacher sees it (tests/privacy/test_export_rules.py)
    db.session.commit()
    client = _client_for(app, teacher)

    response = client.get("/me/data/export.json")

    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    data = json.loads(response.get_data(as_text=True))
    assert data["person"]["email"] == teacher.email
    assert data["salary_use"] is None  # the default: not for salary-setting
    assert [v["salary_setting"] for v in data["visits"]] == [False] * len(data["visits"])
    by_kind = {v["kind"]: v for v in data["visits"]}
    assert set(by_kind) == {"planned", "peer"}
    assert by_kind["planned"]["feedback"]["summary"] == "Tydlig struktur"
    assert by_kind["planned"]["observations"][0]["answers"]["P5"]["value"] == "Bra start"
    assert by_kind["peer"]["observations"][0]["answers"]["P5"]["value"] == "Många frågor"
    assert [s["text"] for s in data["next_steps"]] == ["Pröva exit tickets"]
    assert [c["body"] for c in data["comments"]] == ["Tack"]
    # nothing of the mirror school B1 (another organisation)
    text = json.dumps(data)
    assert "Skola B1" not in text and str(world["B1"].ids["visit_uuid"]) not in text and ".B1" not in text
    assert [e.detail["format"] for e in _events("export")] == ["json"]


def test_the_csv_export_holds_the_same_and_defuses_formulas(app, ctx, password_hash):
    world = build_world(password_hash)
    teacher = world["A1"].users["teacher"]
    visit = db.session.scalar(select(Visit).where(Visit.uuid == world["A1"].ids["visit_uuid"]))
    visit.feedback.development_area = "=HYPERLINK(\"http://evil\")"
    db.session.commit()

    response = _client_for(app, teacher).get("/me/data/export.csv")

    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    values = {(r["section"], r["field"]): r["value"] for r in rows}
    assert values[("feedback", "summary")] == "Tydlig struktur"
    assert values[("feedback", "development_area")].startswith("'=")
    assert values[("next_step", "open")] == "Pröva exit tickets"


def test_someone_else_s_draft_feedback_is_not_in_the_teacher_s_export(app, ctx, password_hash):
    world = build_world(password_hash)
    feedback = db.session.scalar(select(Feedback).where(Feedback.school_id == world["A1"].school.id))
    feedback.status, feedback.summary = "draft", "Utkast som inte är delat"
    db.session.commit()
    text = _client_for(app, world["A1"].users["teacher"]).get("/me/data/export.json").get_data(as_text=True)
    assert "Utkast" not in text
    author = _client_for(app, world["A1"].users["principal"]).get("/me/data/export.json").get_data(as_text=True)
    assert "Utkast som inte är delat" in author


def test_a_colleague_has_nothing_stored(app, ctx, password_hash):
    world = build_world(password_hash)
    data = _client_for(app, world["A1"].users["colleague"]).get("/me/data/export.json").get_json()
    assert data["visits"] == [] and data["next_steps"] == [] and data["comments"] == []


def test_the_teacher_sees_who_opened_their_visit(app, ctx, password_hash):
    world = build_world(password_hash)
    a1 = world["A1"]
    principal = _client_for(app, a1.users["principal"])
    assert principal.get(f"/visits/{a1.ids['visit_uuid']}").status_code == 200

    page = _client_for(app, a1.users["teacher"]).get("/me/data")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Who looked at my records" in html
    assert "Principal.A1" in html and "visit.view" in html
    assert "Download everything (JSON)" in html


def test_the_admin_reads_and_filters_the_school_s_audit_log(app, ctx, password_hash):
    world = build_world(password_hash)
    a1 = world["A1"]
    _client_for(app, a1.users["principal"]).get(f"/visits/{a1.ids['visit_uuid']}")
    _client_for(app, world["B1"].users["principal"]).get(f"/visits/{world['B1'].ids['visit_uuid']}")
    admin = _client_for(app, a1.users["admin"])

    html = admin.get("/admin/audit?action=visit.").get_data(as_text=True)

    assert str(a1.ids["visit_uuid"]) in html
    assert str(world["B1"].ids["visit_uuid"]) not in html  # another school's log stays there
    only_teacher = admin.get(f"/admin/audit?user={a1.users['teacher'].id}").get_data(as_text=True)
    assert str(a1.ids["visit_uuid"]) not in only_teacher
    assert _events("audit.view")


def test_the_audit_log_shows_local_time(app, ctx, password_hash):
    """Stored in UTC, read in the school's time zone (Europe/Stockholm: UTC+1 in November)."""
    import datetime as dt

    from observe.audit.models import AuditEvent
    from observe.extensions import db

    world = build_world(password_hash)
    a1 = world["A1"]
    db.session.add(AuditEvent(action="visit.view", school_id=a1.school.id, user_id=a1.users["principal"].id,
                              object_type="visit", object_id="marker", detail={},
                              at=dt.datetime(2026, 11, 20, 9, 5, tzinfo=dt.timezone.utc)))
    db.session.commit()

    html = _client_for(app, a1.users["admin"]).get("/admin/audit?action=visit.").get_data(as_text=True)

    shown = re.search(r'<time datetime="2026-11-20T09:05:00\+00:00">([^<]*)</time>', html).group(1)
    assert "10:05" in shown and "2026-11-20" not in shown
