"""The permission rules of the feedback loop, over every page and action that touches a record."""
from __future__ import annotations

import datetime as dt

import pytest

from observe.auth import permissions as perm
from observe.extensions import db
from observe.feedback.models import NextStep

from tests.dates import today

from .conftest import login_en, post

# (method, path template) for every record-bound endpoint; {v} visit uuid, {s} step uuid, {g} peer group id.
PLANNED_ENDPOINTS = [
    ("GET", "/planning/{v}"), ("GET", "/planning/{v}/booking.ics"), ("POST", "/planning/{v}/preconference"),
    ("POST", "/planning/{v}/cancel"), ("GET", "/feedback/visit/{v}"), ("POST", "/feedback/visit/{v}/draft"),
    ("POST", "/feedback/visit/{v}/reflect"), ("POST", "/feedback/visit/{v}/acknowledge"),
    ("POST", "/feedback/visit/{v}/comment"), ("POST", "/feedback/visit/{v}/next-steps"),
    ("POST", "/feedback/next-steps/{s}/status"),
]
PEER_ENDPOINTS = [
    ("GET", "/feedback/visit/{v}"), ("POST", "/feedback/visit/{v}/summary"),
    ("POST", "/feedback/visit/{v}/delete-notes"), ("POST", "/feedback/visit/{v}/comment"),
    ("GET", "/feedback/peer/groups/{g}/visit"),
]


def call(client, method, path):
    return client.get(path) if method == "GET" else post(client, path, {"status": "done", "body": "x"})


@pytest.fixture
def planned(make_planned, make_feedback):
    visit = make_planned(status="completed")
    make_feedback(visit, shared=True, step_due=today() + dt.timedelta(days=14))
    return visit, db.session.scalar(db.select(NextStep))


@pytest.mark.parametrize("method,path", PLANNED_ENDPOINTS)
def test_other_schools_and_other_teachers_get_404_on_a_planned_visit(app, planned, outsider, colleague, method,
                                                                     path):
    visit, step = planned
    url = path.format(v=visit.uuid, s=step.uuid)
    for user in (outsider, colleague):
        assert call(login_en(app.test_client(), user), method, url).status_code == 404, (user.name, url)


@pytest.mark.parametrize("method,path", PLANNED_ENDPOINTS + PEER_ENDPOINTS)
def test_logged_out_users_are_sent_to_login(app, planned, make_pair, make_peer_visit, method, path):
    visit, step = planned
    group = make_pair()
    url = path.format(v=visit.uuid, s=step.uuid, g=group.id)
    response = app.test_client().get(url) if method == "GET" else app.test_client().post(url)
    assert response.status_code in (302, 400, 401)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("method,path", PEER_ENDPOINTS)
def test_peer_records_are_closed_to_principals_and_outsiders(app, make_pair, make_peer_visit, principal, outsider,
                                                             method, path):
    group = make_pair()
    visit = make_peer_visit(group, done=True, share=True)
    url = path.format(v=visit.uuid, g=group.id)
    for user in (outsider, principal):
        status = call(login_en(app.test_client(), user), method, url).status_code
        # Principals may open the booking page of a group they manage only as its members could: 403.
        expected = {403} if (user is principal and "/groups/" in url) else {404}
        assert status in expected, (user.name, url, status)


def test_permission_functions(ctx, make_planned, make_feedback, make_pair, make_peer_visit, principal, teacher,
                              colleague, other_principal, outsider):
    visit = make_planned(status="completed")
    draft = make_feedback(visit, shared=False)
    assert perm.can_view_feedback(principal, draft)
    assert not any(perm.can_view_feedback(u, draft) for u in (teacher, other_principal, colleague, outsider))
    draft.status = "shared"
    assert all(perm.can_view_feedback(u, draft) for u in (principal, teacher, other_principal))
    assert not any(perm.can_view_feedback(u, draft) for u in (colleague, outsider))
    assert perm.can_respond_to_feedback(teacher, draft)
    assert not perm.can_respond_to_feedback(principal, draft)
    assert perm.can_write_feedback(principal, visit) and not perm.can_write_feedback(other_principal, visit)

    peer_visit = make_peer_visit(make_pair(), done=True)
    assert perm.can_view_peer_notes(teacher, peer_visit) and perm.can_view_peer_notes(colleague, peer_visit)
    assert not perm.can_view_peer_notes(principal, peer_visit)
    assert perm.can_own_peer_notes(teacher, peer_visit) and not perm.can_own_peer_notes(colleague, peer_visit)
    assert not perm.can_view_peer_summary(principal, peer_visit)
    peer_visit.summary_to_principal = True
    assert perm.can_view_peer_summary(principal, peer_visit)
    assert not perm.can_view_peer_summary(outsider, peer_visit)
    assert not perm.can_write_feedback(colleague, peer_visit)
