"""Which template a peer visit uses: the observed teacher books it on the school's default for peer
visits, or picks another of the school's published peer templates; the focus stays hers."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from observe.extensions import db
from observe.templates_.choice import set_default
from observe.templates_.models import TemplateStatus
from observe.visits.models import Visit

from tests.dates import form_value, next_weekday, stockholm

from .conftest import PEER_DOC, login_en, post, publish, text

QUESTIONS_DOC = {**PEER_DOC, "key": "questions", "kind": "peer",
                 "title": {"sv": "Frågor i klassrummet", "en": "Questions in the classroom"},
                 "sections": [{"key": "q", "title": {"sv": "Frågor", "en": "Questions"}, "items": [
                     {"key": "Q7", "type": "counter", "label": {"sv": "Följdfrågor", "en": "Follow-up questions"}},
                 ]}]}


@pytest.fixture
def questions_version(school, peer_version):
    """A second peer template, published after the school's first one."""
    return publish(school, QUESTIONS_DOC)


def booking(observer, **extra) -> dict:
    return {"observer_id": observer.id, "scheduled_at": form_value(stockholm(next_weekday(), 10)),
            "focus_text": "Vilka elever får följdfrågor?", **extra}


def booking_page(client, group) -> str:
    return client.get(f"/feedback/peer/groups/{group.id}/visit").get_data(as_text=True)


def template_options(page: str) -> list[tuple[str, str]]:
    """(value, label) of the booking form's template list."""
    start = page.index('name="template_version_id"')
    return [(value, html.unescape(label)) for value, label in re.findall(
        r'<option[^>]*value="(\d+)"[^>]*>([^<]*)</option>', page[start:page.index("</select>", start)])]


def test_the_teacher_picks_another_published_peer_template(app, teacher, colleague, make_pair, peer_version,
                                                            questions_version):
    group = make_pair()
    c = login_en(app.test_client(), teacher)
    page = booking_page(c, group)
    assert template_options(page) == [(str(peer_version.id), "Peer observation (v1, the school's default)"),
                       (str(questions_version.id), "Questions in the classroom (v1)")]
    response = post(c, f"/feedback/peer/groups/{group.id}/visit",
                    booking(colleague, template_version_id=questions_version.id))
    assert response.status_code == 302
    visit = db.session.scalar(select(Visit))
    assert visit.template_version_id == questions_version.id and visit.focus_text == "Vilka elever får följdfrågor?"
    # The colleague observes on the picked template, with the teacher's focus above it.
    colleague_client = login_en(app.test_client(), colleague)
    form = colleague_client.get(f"/visits/{visit.uuid}/observe").get_data(as_text=True)
    assert 'name="a.Q7"' in form and 'name="a.P4a"' not in form
    assert "Vilka elever får följdfrågor?" in text(colleague_client.get(f"/feedback/visit/{visit.uuid}"))


def test_without_a_pick_the_booking_takes_the_schools_peer_default(app, school, principal, teacher, colleague,
                                                                   make_pair, peer_version, questions_version):
    set_default(school, "peer", questions_version.template_id, principal)
    db.session.commit()
    group = make_pair()
    c = login_en(app.test_client(), teacher)
    page = booking_page(c, group)
    assert template_options(page)[0][0] == str(questions_version.id)  # the school's default comes first
    assert post(c, f"/feedback/peer/groups/{group.id}/visit", booking(colleague)).status_code == 302
    assert db.session.scalar(select(Visit)).template_version_id == questions_version.id


def test_only_the_schools_published_peer_templates_may_be_picked(app, school, teacher, colleague, make_pair,
                                                                  make_school, peer_version, questions_version,
                                                                  planned_version):
    elsewhere = publish(make_school("Ekskolan"), {**QUESTIONS_DOC, "key": "elsewhere"})
    archived = publish(school, {**QUESTIONS_DOC, "key": "old-peer"})
    archived.template.status = TemplateStatus.ARCHIVED
    db.session.commit()
    group = make_pair()
    c = login_en(app.test_client(), teacher)
    offered = [value for value, _ in template_options(booking_page(c, group))]
    assert offered == [str(peer_version.id), str(questions_version.id)]
    for refused in (elsewhere, archived, planned_version):  # another school's, archived, not for peer visits
        response = post(c, f"/feedback/peer/groups/{group.id}/visit", booking(colleague, template_version_id=refused.id))
        assert response.status_code == 422
    assert db.session.scalar(select(Visit)) is None


def test_one_peer_template_needs_no_picker(app, teacher, colleague, make_pair, peer_version):
    group = make_pair()
    c = login_en(app.test_client(), teacher)
    assert 'name="template_version_id"' not in booking_page(c, group)
    assert post(c, f"/feedback/peer/groups/{group.id}/visit", booking(colleague)).status_code == 302
    assert db.session.scalar(select(Visit)).template_version_id == peer_version.id
