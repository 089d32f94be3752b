"""The merge screen (/conflicts): the author sees both versions side by side and merges them."""
from __future__ import annotations

import datetime as dt
import re
import uuid

from sqlalchemy import select

from observe.audit.models import AuditEvent
from observe.auth.models import Role
from observe.extensions import db
from observe.sync.models import SyncConflict
from tests.conftest import CSRF_RE
from tests.dates import iso_z

from .conftest import DUE_ON, NOTE_AT, feedback_record, observation
from .test_conflicts import make_conflict
from .test_records import stored


def _conflict_id() -> int:
    return db.session.execute(select(SyncConflict.id).where(SyncConflict.resolved_at.is_(None))).scalar_one()


def _page(api, conflict_id: int) -> str:
    response = api.client.get(f"/conflicts/{conflict_id}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def _post(api, conflict_id: int, picks: dict, *, html: str | None = None):
    """Submit the merge form as a browser would: its CSRF token and the revision it was drawn from."""
    html = html or _page(api, conflict_id)
    base = re.search(r'name="base_revision"[^>]*value="(\d+)"', html).group(1)
    data = {"csrf_token": CSRF_RE.search(html).group(1), "base_revision": base, **picks}
    return api.client.post(f"/conflicts/{conflict_id}", data=data)


def test_open_conflicts_are_listed_and_linked_from_home_and_the_visit(api, version):
    record, _stale = make_conflict(api, version)
    conflict_id = _conflict_id()
    listing = api.client.get("/conflicts/")
    assert listing.status_code == 200
    assert f'href="/conflicts/{conflict_id}"' in listing.get_data(as_text=True)
    assert 'href="/conflicts/"' in api.client.get("/").get_data(as_text=True)
    visit_page = api.client.get(f"/visits/{record['visit']['uuid']}").get_data(as_text=True)
    assert f'href="/conflicts/{conflict_id}"' in visit_page


def test_without_conflicts_nothing_points_at_the_merge_screen(api, version):
    record = observation(version.id)
    api.results(record)
    assert "No conflicts" in api.client.get("/conflicts/").get_data(as_text=True)
    assert 'href="/conflicts/' not in api.client.get("/").get_data(as_text=True)
    assert 'href="/conflicts/' not in api.client.get(f"/visits/{record['visit']['uuid']}").get_data(as_text=True)


def test_the_page_shows_both_versions_readably_and_marks_what_differs(api, version):
    make_conflict(api, version)  # server: W1 "no"; device: W1 "yes" and W9 "Från surfplattan"
    html = _page(api, _conflict_id())
    assert "The purpose is visible" in html and "One concrete example" in html  # labels, not item keys
    server = re.findall(r'data-version="server">(.*?)</div>', html, re.S)
    mine = re.findall(r'data-version="mine">(.*?)</div>', html, re.S)
    assert len(server) == len(mine) == 2  # the two answers that differ (notes and status agree)
    assert "No" in server[0] and "Yes" in mine[0]  # answers as words, not stored values
    assert "Not filled in" in server[1] and "Från surfplattan" in mine[1]
    assert html.count('class="visit-badge merge-badge"') == 2
    assert 'name="pick.W9" value="edit"' in html and 'name="pick.W1" value="edit"' not in html
    assert "a.W9" not in html and '"fields"' not in html  # no raw record shown


def test_the_page_speaks_swedish(api, version):
    make_conflict(api, version)
    api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    html = _page(api, _conflict_id())
    assert "Syftet är synligt" in html and "Spara sammanfogad version" in html


def test_reading_the_page_is_audited(api, version, principal):
    record, _stale = make_conflict(api, version)
    _page(api, _conflict_id())
    events = db.session.execute(select(AuditEvent).filter_by(action="visit.view", user_id=principal.id)).scalars()
    assert [(e.object_id, e.detail) for e in events] == [(record["visit"]["uuid"], {"page": "merge"})]


def test_the_chosen_fields_become_the_next_revision_and_close_the_conflict(api, version):
    record, _stale = make_conflict(api, version)
    conflict_id = _conflict_id()
    response = _post(api, conflict_id, {"pick.W1": "mine", "pick.W9": "edit",
                                        "merged.W9": "Sammanfogat: eleverna arbetade i par."})
    assert response.status_code == 302 and response.headers["Location"].endswith("/conflicts/")
    obs = stored(record)
    assert obs.revision == 3
    assert obs.answers == {"W1": {"value": "yes"}, "W9": {"value": "Sammanfogat: eleverna arbetade i par."}}
    assert obs.notes == [{"at": NOTE_AT.isoformat(), "text": "Eleverna diskuterar i par"}]
    assert db.session.get(SyncConflict, conflict_id).resolved_at is not None
    listing = api.client.get("/conflicts/").get_data(as_text=True)
    assert "revision 3" in listing and "No conflicts" in listing
    # The device is told which of its conflicts were merged, and on which revision.
    assert f'{{"revision": 3, "uuid": "{record["uuid"]}"}}' in listing.replace("&#34;", '"')
    assert api.client.get(f"/conflicts/{conflict_id}").status_code == 404  # closed
    assert api.client.get("/api/v1/conflicts").get_json() == {"conflicts": []}


def test_keeping_the_servers_version_keeps_it_and_notes_can_be_kept_from_both(api, version):
    record = observation(version.id)
    api.results(record)
    api.results({**record, "base_revision": 1, "fields": {"a.W1": ["no"]}})
    device_note = {"at": iso_z(NOTE_AT + dt.timedelta(minutes=7)), "text": "Läraren sammanfattar"}
    stale = {**record, "base_revision": 1, "notes": [*record["notes"], device_note]}
    assert api.results(stale)[0]["status"] == "conflict"
    response = _post(api, _conflict_id(), {"pick.W1": "server", "pick.W1.evidence": "mine",
                                           "pick.W3": "server", "pick.notes": "both"})
    assert response.status_code == 302, response.get_data(as_text=True)
    obs = stored(record)
    assert obs.revision == 3
    assert obs.answers == {"W1": {"value": "no", "evidence": "Målet stod på tavlan"}}
    assert [n["text"] for n in obs.notes] == ["Eleverna diskuterar i par", "Läraren sammanfattar"]


def test_every_differing_field_needs_a_choice(api, version):
    record, _stale = make_conflict(api, version)
    response = _post(api, _conflict_id(), {"pick.W1": "mine"})
    assert response.status_code == 422
    assert "Choose which version to keep." in response.get_data(as_text=True)
    assert "Nothing was saved yet" in response.get_data(as_text=True)
    assert stored(record).revision == 2
    assert 'value="mine" required checked' in response.get_data(as_text=True)  # the choice made is kept


def test_an_invalid_merge_is_shown_with_the_message_and_nothing_is_saved(api, version):
    record, _stale = make_conflict(api, version)
    response = _post(api, _conflict_id(), {"pick.W1": "mine", "pick.W9": "edit", "merged.W9": "x" * 4001,
                                           "pick.status": "mine"})
    assert response.status_code == 422
    assert "At most 4000 characters." in response.get_data(as_text=True)
    assert stored(record).revision == 2


def test_a_merge_built_on_an_old_server_copy_is_refused_with_the_new_comparison(api, version):
    record, _stale = make_conflict(api, version)
    conflict_id = _conflict_id()
    html = _page(api, conflict_id)  # drawn from revision 2
    api.results({**record, "base_revision": 2, "fields": {"a.W1": ["not_observed"]}})  # the server moves to 3
    response = _post(api, conflict_id, {"pick.W1": "server", "pick.W9": "mine"}, html=html)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "changed while you were merging" in body
    assert re.search(r'name="base_revision"[^>]*value="3"', body)  # the new comparison
    assert 'checked' not in body  # the choices are asked again
    obs = stored(record)
    assert obs.revision == 3 and obs.answers == {"W1": {"value": "not_observed"}}
    assert db.session.get(SyncConflict, conflict_id).resolved_at is None


def test_other_users_get_404(api, api_as, make_user, version):
    make_conflict(api, version)
    conflict_id = _conflict_id()
    other = api_as(make_user(Role.PRINCIPAL))
    assert f"/conflicts/{conflict_id}" not in other.client.get("/conflicts/").get_data(as_text=True)
    assert other.client.get(f"/conflicts/{conflict_id}").status_code == 404
    token = CSRF_RE.search(other.client.get("/conflicts/").get_data(as_text=True)).group(1)
    response = other.client.post(f"/conflicts/{conflict_id}", data={"csrf_token": token, "base_revision": "2",
                                                                     "pick.W1": "mine", "pick.W9": "mine"})
    assert response.status_code == 404
    assert db.session.get(SyncConflict, conflict_id).resolved_at is None


def test_a_post_without_the_csrf_token_saves_nothing(api, version):
    record, _stale = make_conflict(api, version)
    response = api.client.post(f"/conflicts/{_conflict_id()}", data={"base_revision": "2", "pick.W1": "mine",
                                                                      "pick.W9": "mine"})
    assert response.status_code == 400
    assert stored(record).revision == 2


def test_a_feedback_conflict_shows_both_versions(api, planned_visit):
    record = feedback_record(planned_visit)
    api.results(record)
    api.results({**record, "base_revision": 1, "summary": "Från datorn"})
    assert api.results({**record, "base_revision": 1, "summary": "Från surfplattan"})[0]["status"] == "conflict"
    html = _page(api, _conflict_id())
    assert "Från datorn" in html and "Från surfplattan" in html
    assert str(uuid.UUID(record["uuid"])) not in html


def _feedback_conflict(api, planned_visit) -> dict:
    """Server at revision 2 ("Från datorn", a second strength); the device's copy built on revision 1."""
    record = feedback_record(planned_visit)
    api.results(record)
    laptop = {**record, "base_revision": 1, "summary": "Från datorn",
              "strengths": [*record["strengths"], {"text": "Lugn start", "evidence": "Alla satt ner inom en minut"}]}
    api.results(laptop)
    tablet = {**record, "base_revision": 1, "summary": "Från surfplattan",
              "next_step": {"text": "Planera tre öppna frågor", "due_on": (DUE_ON + dt.timedelta(days=7)).isoformat()}}
    assert api.results(tablet)[0]["status"] == "conflict"
    return record


def test_a_feedback_conflict_is_merged_field_by_field(api, planned_visit):
    from observe.feedback.models import Feedback

    _feedback_conflict(api, planned_visit)
    html = _page(api, _conflict_id())
    assert "Lugn start — Alla satt ner inom en minut" in html  # strengths read as text and evidence
    assert html.count(">Differs<") == 3  # summary, strengths, due date; development area and step text agree

    response = _post(api, _conflict_id(), {"pick.summary": "edit", "merged.summary": "Tydlig start, sammanfogad",
                                           "pick.strengths": "server", "pick.next_step.due": "mine"}, html=html)

    assert response.status_code == 302, response.get_data(as_text=True)
    feedback = db.session.execute(select(Feedback)).scalar_one()
    db.session.refresh(feedback)
    assert feedback.revision == 3 and feedback.summary == "Tydlig start, sammanfogad"
    assert [s["text"] for s in feedback.strengths] == ["Målet på tavlan", "Lugn start"]
    assert feedback.next_steps[0].due_on == DUE_ON + dt.timedelta(days=7)
    assert db.session.execute(select(SyncConflict.resolved_at)).scalar_one() is not None
    assert "No conflicts" in api.client.get("/conflicts/").get_data(as_text=True)


def test_a_feedback_merge_breaking_the_feedback_rules_saves_nothing(api, planned_visit):
    from observe.feedback.models import Feedback

    record = feedback_record(planned_visit)
    api.results(record)
    api.results({**record, "base_revision": 1, "summary": "Från datorn"})
    tablet = {**record, "base_revision": 1, "strengths": [{"text": "Bra frågor", "evidence": ""}]}
    assert api.results(tablet)[0]["status"] == "conflict"  # kept as sent: the rules apply to what is saved

    response = _post(api, _conflict_id(), {"pick.summary": "server", "pick.strengths": "mine"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'class="field-error"[^>]*>Tie each strength to evidence', page)  # at the field
    assert "Nothing was saved yet" in page
    feedback = db.session.execute(select(Feedback)).scalar_one()
    db.session.refresh(feedback)
    assert feedback.revision == 2 and feedback.strengths[0]["text"] == "Målet på tavlan"
    assert db.session.execute(select(SyncConflict.resolved_at)).scalar_one() is None


def test_a_second_copy_of_the_same_visit_from_another_device_is_merged_into_the_servers(api, version):
    """Two devices each started the observation of one visit (two uuids): the server's is the one kept."""
    first = observation(version.id)
    api.results(first)
    second = {**observation(version.id, visit_uuid=first["visit"]["uuid"]), "fields": {"a.W9": ["Andra enheten"]}}
    assert api.results(second)[0]["status"] == "conflict"
    html = _page(api, _conflict_id())
    assert "Andra enheten" in html
    response = _post(api, _conflict_id(), {"pick.W1": "server", "pick.W1.evidence": "server", "pick.W3": "server",
                                           "pick.W9": "mine"}, html=html)
    assert response.status_code == 302, response.get_data(as_text=True)
    obs = stored(first)
    assert obs.revision == 2 and obs.answers["W9"] == {"value": "Andra enheten"} and obs.answers["W1"]["value"] == "yes"
    listing = api.client.get("/conflicts/").get_data(as_text=True).replace("&#34;", '"')
    assert f'"uuid": "{second["uuid"]}"' in listing  # the second device settles its own copy
