"""Spontaneous visits online without JavaScript, the visit page, and who may see what."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from observe.auth.models import Role
from observe.extensions import db
from observe.visits.models import Observation, ObservationAnswer, Visit

HIDDEN = ("csrf_token", "uuid", "visit_uuid", "base_revision", "template_version_id", "status", "kind",
          "teacher_id", "started_at", "ended_at")


def form_values(html: str) -> dict:
    """The hidden inputs of the visit form, as the browser would post them."""
    values = {}
    for name in HIDDEN:
        match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
        assert match, f"hidden input {name} missing"
        values[name] = match.group(1)
    return values


def start(client, teacher, subject="Matematik") -> dict:
    response = client.get(f"/visits/new/spontaneous?teacher={teacher.id}&subject={subject}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "data-offline-form" in html
    return form_values(html)


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def observer(login_as, principal, walkthrough, client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"  # the labels asserted below are the Swedish ones
    login_as(principal)
    return client


def test_picker_lists_teachers_recently_visited_first_and_searches(observer, principal, teacher, make_user,
                                                                  make_visit):
    make_user(Role.TEACHER, name="Berit Bok")
    make_user(Role.TEACHER, name="Adam Alm")
    make_visit(principal, teacher)
    html = observer.get("/visits/new").get_data(as_text=True)
    recent = html.split('id="h-recent"')[1].split("</ul>")[0]
    assert "Lars Lärare" in recent and "Adam Alm" not in recent
    everyone = html.split('id="h-all"')[1].split("</ul>")[0]
    assert everyone.index("Adam Alm") < everyone.index("Berit Bok")
    assert 'value="anonymous"' in html
    found = observer.get("/visits/new?q=bok").get_data(as_text=True)
    assert "Berit Bok" in found and "Adam Alm" not in found


def test_spontaneous_visit_round_trip_without_javascript(observer, teacher):
    values = start(observer, teacher)
    assert values["base_revision"] == "0" and values["teacher_id"] == str(teacher.id)
    response = observer.post("/visits/save", data={
        **values, "subject": "Matematik", "year_group": "3", "action": "finish",
        "a.W1": "yes", "a.W1.evidence": "Målet stod på tavlan.", "a.W3.x": "18", "a.W3.y": "24",
        "a.W4": ["pair_group", "individual"], "a.W9": "”Hur vet du att det stämmer?”",
        "note": "Eleverna jobbar i par.", "reflective_question": "Hur visste du att alla förstod?"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/visits/{values['visit_uuid']}"
    html = observer.get(response.headers["Location"]).get_data(as_text=True)
    for text in ("Lars Lärare", "Matematik", "Målet stod på tavlan.", "Eleverna jobbar i par.",
                 "Hur visste du att alla förstod?", "Par-/grupparbete", "Enskilt arbete", "”Hur vet du att det stämmer?”"):
        assert text in html, text
    assert re.search(r"18 \w+ 24", html)
    visit = db.session.scalar(select(Visit))
    assert visit.status == "completed" and visit.observation.status == "complete"
    assert visit.ended_at is not None and visit.year_group == "3"
    assert count(ObservationAnswer) > 0  # feeds insights


def test_double_submit_saves_one_visit(observer, teacher):
    values = start(observer, teacher)
    data = {**values, "action": "save", "a.W1": "no"}
    first, second = observer.post("/visits/save", data=data), observer.post("/visits/save", data=data)
    assert first.status_code == second.status_code == 302
    assert count(Visit) == 1 and count(Observation) == 1


def test_invalid_answers_come_back_with_messages_and_the_input_kept(observer, teacher):
    values = start(observer, teacher)
    response = observer.post("/visits/save", data={
        **values, "action": "save", "a.W3.x": "30", "a.W3.y": "24", "a.W9": "Mitt citat", "note": "Min anteckning"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html
    assert 'value="30"' in html and "Mitt citat" in html and "Min anteckning" in html
    assert re.search(r'name="a\.W3\.x"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*name="a\.W3\.x"', html)
    assert count(Visit) == 0
    # The summary at the top links to the item with the problem (its message is there too).
    summary = html[html.index('id="form-errors"'):html.index('class="visit-form"')]
    assert re.search(r'<a href="#item-W3">[^<]+</a>: [^<]*24', summary)
    assert 'id="item-W3"' in html


def test_notes_are_added_and_the_visit_continues(observer, teacher):
    values = start(observer, teacher)
    response = observer.post("/visits/save", data={**values, "action": "note", "note": "Första anteckningen"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/visits/{values['visit_uuid']}/observe#notes")
    html = observer.get(f"/visits/{values['visit_uuid']}/observe").get_data(as_text=True)
    again = form_values(html)
    assert again["base_revision"] == "1" and again["uuid"] == values["uuid"]
    assert "Första anteckningen" in html
    notes = re.findall(r'name="note_(?:at|text)" value="([^"]*)"', html)
    response = observer.post("/visits/save", data={
        **again, "action": "note", "note": "Andra anteckningen",
        "note_at": notes[0::2], "note_text": notes[1::2]})
    assert response.status_code == 302
    observation = db.session.scalar(select(Observation))
    db.session.refresh(observation)
    assert [n["text"] for n in observation.notes] == ["Första anteckningen", "Andra anteckningen"]
    assert observation.status == "draft" and observation.revision == 2


def test_anonymous_visit_has_no_teacher(observer):
    html = observer.get("/visits/new/spontaneous?teacher=anonymous").get_data(as_text=True)
    values = form_values(html)
    assert values["teacher_id"] == "anonymous"
    assert observer.post("/visits/save", data={**values, "action": "finish", "a.W8": "yes"}).status_code == 302
    assert db.session.scalar(select(Visit)).teacher_id is None


def test_teacher_cannot_start_a_spontaneous_visit(client, login_as, teacher, walkthrough):
    login_as(teacher)
    assert client.get("/visits/new").status_code == 403
    assert client.get(f"/visits/new/spontaneous?teacher={teacher.id}").status_code == 403
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
    response = client.post("/visits/save", data={
        "csrf_token": token, "uuid": "0b7f8a52-3c1e-4f8e-9a57-8e1d2c3b4a50",
        "visit_uuid": "1c8f9b63-4d2f-4a9f-8b68-9f2e3d4c5b61", "base_revision": "0",
        "template_version_id": str(walkthrough.id), "teacher_id": str(teacher.id), "action": "finish"})
    assert response.status_code == 403
    assert count(Visit) == 0


def test_teacher_of_another_school_is_not_offered(observer, make_school, make_user):
    elsewhere = make_user(Role.TEACHER, school=make_school("Annanskolan"), name="Eva Annan")
    assert "Eva Annan" not in observer.get("/visits/new").get_data(as_text=True)
    assert observer.get(f"/visits/new/spontaneous?teacher={elsewhere.id}").status_code == 404


def test_visit_pages_need_login(client, walkthrough):
    for path in ("/visits/", "/visits/new", "/visits/new/spontaneous",
                 "/visits/0b7f8a52-3c1e-4f8e-9a57-8e1d2c3b4a50"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_visit_of_another_school_answers_404(client, login_as, principal, make_school, make_user, make_visit):
    other = make_school("Annanskolan")
    stranger = make_user(Role.PRINCIPAL, school=other)
    visit = make_visit(stranger, make_user(Role.TEACHER, school=other), visit_school=other)
    login_as(principal)
    assert client.get(f"/visits/{visit.uuid}").status_code == 404
    assert client.get(f"/visits/{visit.uuid}/observe").status_code == 404


@pytest.mark.parametrize("who,kind,expected", [
    ("observed", "spontaneous", 200),
    ("colleague", "spontaneous", 404),
    ("other_principal", "spontaneous", 200),
    ("other_principal", "peer", 404),  # peer notes belong to the pair
])
def test_who_sees_a_visit(client, login_as, principal, teacher, make_user, make_visit, who, kind, expected):
    visit = make_visit(principal, teacher, kind=kind, answers={"W1": {"value": "yes"}})
    viewer = {"observed": teacher, "colleague": make_user(Role.TEACHER),
              "other_principal": make_user(Role.PRINCIPAL)}[who]
    login_as(viewer)
    assert client.get(f"/visits/{visit.uuid}").status_code == expected
    assert client.get(f"/visits/{visit.uuid}/observe").status_code == 404  # only the observer edits


def test_observed_teacher_does_not_see_a_draft_observation(client, login_as, principal, teacher, make_visit):
    visit = make_visit(principal, teacher, status="in_progress", answers={"W9": {"value": "Hemligt utkast"}})
    assert "Hemligt utkast" in login_as(principal).get(f"/visits/{visit.uuid}").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)})
    html = login_as(teacher).get(f"/visits/{visit.uuid}").get_data(as_text=True)
    assert "Hemligt utkast" not in html


def test_my_visits_lists_only_my_own_with_planned_ones_first(observer, principal, teacher, make_user, make_visit):
    import datetime as dt

    make_visit(principal, teacher, subject="Bild")
    make_visit(principal, teacher, kind="planned", status="planned", observation=False, subject="Teknik",
               started_at=None, scheduled_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2))
    make_visit(make_user(Role.PRINCIPAL), teacher, subject="Musik")
    html = observer.get("/visits/").get_data(as_text=True)
    assert "Musik" not in html
    coming = html.split('id="h-coming"')[1].split("</section>")[0]
    made = html.split('id="h-made"')[1].split("</section>")[0]
    assert "Teknik" in coming and "Bild" not in coming
    assert "Bild" in made and "Teknik" not in made


def test_a_visit_keeps_the_form_version_it_was_filled_in_on(observer, principal, teacher, make_visit, walkthrough):
    from observe.templates_.services import publish, save_draft, working_document

    visit = make_visit(principal, teacher, answers={"W1": {"value": "yes"}})
    template = walkthrough.template
    document = working_document(template)
    document["sections"][1]["items"][0]["label"] = {"sv": "Nytt syfte-påstående", "en": "New purpose item"}
    save_draft(template, document)
    publish(template, principal)
    db.session.commit()
    html = observer.get(f"/visits/{visit.uuid}").get_data(as_text=True)
    assert "Lektionens syfte/mål är synligt eller uttalat för eleverna" in html
    assert "Nytt syfte-påstående" not in html and "version 1" in html
