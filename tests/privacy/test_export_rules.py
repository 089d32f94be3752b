"""The own-data export follows the visit page's rules (observe/auth/permissions.py): what the
page does not show the observed teacher yet, the export does not hold either, and says why
(lag (2018:218) 5 kap. 1 §: unfinished running text and memory notes are exempt)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

from sqlalchemy import select

from observe.extensions import db
from observe.visits.models import Observation, Visit
from tests.security.test_route_matrix import _client_for
from tests.security.world import build_world

DRAFT_ANSWER = "Bra start"  # the planned visit's observation in the shared world is a draft
QUICK_NOTE = "Minnesanteckning: fråga om gruppen vid fönstret"
QUESTION = "Vad tänkte du om lektionens slut?"
WALK_ANSWER = "Citat: varför blir det så?"


def _setup(password_hash):
    world = build_world(password_hash)
    a1 = world["A1"]
    teacher, principal = a1.users["teacher"], a1.users["principal"]
    planned = db.session.scalar(select(Visit).where(Visit.uuid == a1.ids["visit_uuid"]))
    when = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(hours=1)  # a walkthrough an hour ago
    planned.observations[0].notes = [{"at": (when - dt.timedelta(days=1)).isoformat(), "text": QUICK_NOTE}]
    walk = Visit(school_id=planned.school_id, kind="spontaneous", status="in_progress", observer_id=principal.id,
                 teacher_id=teacher.id, template_version_id=planned.template_version_id, started_at=when,
                 created_by_id=principal.id, reflective_question=QUESTION)
    db.session.add(walk)
    db.session.flush()
    db.session.add(Observation(school_id=walk.school_id, visit_id=walk.id, author_id=principal.id,
                               template_version_id=walk.template_version_id, status="complete",
                               answers={"W9": {"value": WALK_ANSWER}}))
    db.session.commit()
    return teacher, principal, planned, walk


def _exports(app, user) -> tuple[str, str]:
    client = _client_for(app, user)
    return (client.get("/me/data/export.json").get_data(as_text=True),
            client.get("/me/data/export.csv").get_data(as_text=True))


def test_the_teacher_s_export_hides_what_the_visit_pages_hide(app, ctx, password_hash):
    teacher, principal, planned, walk = _setup(password_hash)
    hidden = (DRAFT_ANSWER, QUICK_NOTE, QUESTION, WALK_ANSWER)

    client = _client_for(app, teacher)
    pages = client.get(f"/visits/{planned.uuid}").get_data(as_text=True) + \
        client.get(f"/visits/{walk.uuid}").get_data(as_text=True)
    as_json, as_csv = _exports(app, teacher)
    for text in hidden:
        assert text not in pages  # the rule the pages already follow ...
        assert text not in as_json and text not in as_csv  # ... and now the export too

    data = json.loads(as_json)
    assert "2018:218" in data["not_included"]  # and it says what it leaves out, and why
    rows = list(csv.DictReader(io.StringIO(as_csv.lstrip("\ufeff"))))
    assert rows[0]["section"] == "about" and "2018:218" in rows[0]["value"]
    assert {v["uuid"] for v in data["visits"]} >= {str(planned.uuid), str(walk.uuid)}  # the visits themselves are listed

    # The observer's own export holds all of it: their drafts and notes are theirs.
    mine_json, mine_csv = _exports(app, principal)
    for text in hidden:
        assert text in mine_json and text in mine_csv


def test_what_is_shared_later_appears_in_the_export_then(app, ctx, password_hash):
    teacher, _principal, planned, walk = _setup(password_hash)
    planned.observations[0].status = "complete"  # its feedback is already shared
    walk.status = "completed"
    db.session.commit()

    as_json, _as_csv = _exports(app, teacher)
    assert DRAFT_ANSWER in as_json and QUESTION in as_json
    assert QUICK_NOTE not in as_json  # quick notes stay the observer's memory notes
    assert WALK_ANSWER not in as_json  # no feedback was ever shared on the walkthrough
