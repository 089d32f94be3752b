"""The walkthrough's polish: two taps to start, timer markup, timestamped notes, one-tap finish,
the teacher's shared summary and reply, the interval timeline on the visit page, the favicon."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from observe.extensions import db
from observe.templates_.models import Template, TemplateVersion
from observe.visits.models import Observation, Visit
from tests.conftest import csrf_token, login
from tests.dates import iso_z
from tests.visits.test_views import form_values, start


@pytest.fixture
def observer(login_as, principal, walkthrough, client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login_as(principal)
    return client


def english_client(app, user):
    """Another browser: the observed teacher, reading English."""
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert login(other, user).status_code == 302
    return other


def squash(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_home_to_the_walkthrough_form_takes_two_taps(observer, teacher):
    home = observer.get("/").get_data(as_text=True)
    assert re.search(r'<a class="[^"]*home-start[^"]*" href="/visits/new">', home)  # tap 1
    picker = observer.get("/visits/new").get_data(as_text=True)
    # Tap 2 is a teacher's own button in a GET form whose target is the visit form itself.
    assert re.search(r'<form method="get" action="/visits/new/spontaneous"[^>]*id="teacher-picker"', picker)
    assert f'name="teacher" value="{teacher.id}"' in picker and 'name="teacher" value="anonymous"' in picker
    form = observer.get(f"/visits/new/spontaneous?teacher={teacher.id}&subject=&year_group=")
    assert form.status_code == 200 and "data-offline-form" in form.get_data(as_text=True)


def test_the_form_shows_when_the_visit_started_and_a_quiet_timer(observer, teacher):
    html = observer.get(f"/visits/new/spontaneous?teacher={teacher.id}").get_data(as_text=True)
    started = form_values(html)["started_at"]
    timer = html.split("data-visit-timer")[1].split("</p>")[0]
    assert f'datetime="{started}"' in timer
    assert re.search(r'role="timer" aria-live="off"', timer)  # never announced every second
    assert "data-timer-running hidden" in timer  # the running clock needs JavaScript; the start time does not


def test_notes_stamped_on_the_device_and_finishing_in_one_post(observer, principal, teacher):
    values = start(observer, teacher)
    assert values["ended_at"] == ""
    first = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(minutes=8)
    second = first + dt.timedelta(minutes=6, seconds=30)
    response = observer.post("/visits/save", data={
        **values, "action": "finish",
        "note_at": [iso_z(first), iso_z(second)],
        "note_text": ["Målet på tavlan.", "Eleverna förklarar för varandra."]})
    assert response.status_code == 302
    visit = db.session.scalar(select(Visit))
    assert visit.status == "completed" and visit.ended_at is not None  # one tap: finished and timed
    observation = db.session.scalar(select(Observation))
    assert [(n["at"][:19], n["text"]) for n in observation.notes] == [  # the device's times, kept
        (iso_z(first)[:19], "Målet på tavlan."), (iso_z(second)[:19], "Eleverna förklarar för varandra.")]
    page = observer.get(f"/visits/{values['visit_uuid']}").get_data(as_text=True)
    assert f'datetime="{iso_z(second)[:19]}' in page and "Eleverna förklarar för varandra." in page


def test_teacher_gets_the_shared_summary_not_the_jottings_and_replies(app, observer, principal, teacher):
    values = start(observer, teacher)
    observer.post("/visits/save", data={
        **values, "action": "finish", "a.W9": "Elev: ”Jag delade upp talet.”", "note": "Privat jottning om tempot",
        "reflective_question": "Hur visste du att alla förstod?"})
    visit_path = f"/visits/{values['visit_uuid']}"
    reader = english_client(app, teacher)

    before = squash(reader.get(visit_path))
    assert "Hur visste du att alla förstod?" in before  # the optional question is for the teacher
    assert "Privat jottning" not in before and "Jag delade upp talet" not in before
    assert "No feedback has been shared yet." in before and "Send comment" not in before

    shared = observer.post(f"/feedback/visit/{values['visit_uuid']}/draft", data={
        "summary": "Tydlig start, eleverna resonerade i par.", "action": "share", "next": visit_path,
        "csrf_token": csrf_token(observer, visit_path)})
    assert shared.status_code == 302

    after = squash(reader.get(visit_path))
    assert "Tydlig start, eleverna resonerade i par." in after
    assert "Jag delade upp talet" in after  # the recorded answers once feedback is shared
    assert "Privat jottning" not in after  # never the observer's quick notes
    reply = reader.post(f"/feedback/visit/{values['visit_uuid']}/comment", data={
        "body": "Jag frågade tre elever i slutet.", "kind": "comment", "next": visit_path,
        "csrf_token": csrf_token(reader, visit_path)})
    assert reply.status_code == 302
    assert "Jag frågade tre elever i slutet." in squash(observer.get(visit_path))
    assert "Feedback" in reader.get("/").get_data(as_text=True)


def test_interval_visit_page_shows_the_stacked_timeline(observer, principal, teacher, make_visit, school):
    version = db.session.scalar(select(TemplateVersion).join(Template).where(
        Template.school_id == school.id, Template.key == "interval"))
    cells = [{"teacher": ["lec"], "students": []}, {"teacher": ["pq"], "students": []},
             {"teacher": ["lec"], "students": []}]
    visit = make_visit(principal, teacher)
    visit.template_version_id = version.id
    observation = visit.observations[0]
    observation.template_version_id = version.id
    observation.answers = {"I1": {"value": cells}}
    db.session.commit()
    html = squash(observer.get(f"/visits/{visit.uuid}"))
    timeline = html.split('class="visit-timeline"')[1]
    assert "chart-timeline" in timeline
    assert len(re.findall(r'class="timeline-cell timeline-teacher"', timeline)) == 3  # lec twice, pq once
    assert "Lecturing" in timeline and "Poses question" in timeline


def test_walkthrough_page_without_interval_items_has_no_timeline(observer, principal, teacher, make_visit):
    visit = make_visit(principal, teacher, answers={"W1": {"value": "yes"}})
    assert "visit-timeline" not in observer.get(f"/visits/{visit.uuid}").get_data(as_text=True)


def test_favicon_ico_points_at_the_svg_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    icon = client.get(response.headers["Location"])
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
