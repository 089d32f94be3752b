"""The next peer-observation round: everyone in a pair or trio, no recent partner again, teams mixed on request."""
from __future__ import annotations

import datetime as dt
import re

from observe.extensions import db
from observe.feedback import rotation
from observe.schools.models import GroupMembership, TeacherGroup
from observe.visits.models import PeerGroup
from tests.dates import today

from .conftest import login_en, post, text


def _pairs(groups):
    return {frozenset((a, b)) for g in groups for i, a in enumerate(g) for b in g[i + 1:]}


def test_everyone_is_placed_once_and_meets_nobody_from_recent_rounds():
    ids = list(range(1, 7))
    recent = {1: {2}, 2: {1}, 3: {4}, 4: {3}, 5: {6}, 6: {5}}
    proposal = rotation.propose(ids, recent, seed=3)
    assert sorted(uid for g in proposal.groups for uid in g) == ids
    assert all(len(g) == 2 for g in proposal.groups)
    assert proposal.repeats == 0
    assert not _pairs(proposal.groups) & {frozenset((1, 2)), frozenset((3, 4)), frozenset((5, 6))}


def test_an_odd_number_makes_one_trio():
    proposal = rotation.propose([1, 2, 3, 4, 5], {})
    assert sorted(len(g) for g in proposal.groups) == [2, 3]


def test_a_repeat_that_cannot_be_avoided_is_counted():
    proposal = rotation.propose([1, 2], {1: {2}, 2: {1}})
    assert proposal.groups == [[1, 2]] and proposal.repeats == 1


def test_teams_are_mixed_when_asked():
    teams = {1: {10}, 2: {10}, 3: {10}, 4: {20}, 5: {20}, 6: {20}}
    mixed = rotation.propose(list(range(1, 7)), {}, teams, across=True, seed=1)
    assert mixed.same_team == 0
    assert all(len({next(iter(teams[uid])) for uid in g}) == 2 for g in mixed.groups)


def _team(school, name, members):
    team = TeacherGroup(school_id=school.id, name=name)
    team.members = list(members)
    db.session.add(team)
    db.session.flush()
    for m in members:
        db.session.add(GroupMembership(group_id=team.id, user_id=m.id))
    db.session.commit()
    return team


def _assignments(html: str) -> dict[str, str]:
    """The proposal as the principal would post it: each teacher's selected group."""
    return dict(re.findall(r'<select id="group-(\d+)" name="group-\d+"[^>]*>.*?<option value="(\d+)" selected',
                           html, flags=re.S))


def test_principal_forms_two_rounds_for_a_team_without_repeats(app, school, principal, teacher, colleague,
                                                              make_user):
    team = _team(school, "Arbetslag 4–6", [teacher, colleague, make_user(name="Tredje"), make_user(name="Fjärde")])
    make_user(name="Inte I Laget")
    c = login_en(app.test_client(), principal)
    start, end = today() + dt.timedelta(days=1), today() + dt.timedelta(days=40)
    query = f"/feedback/peer/round?team={team.id}&period_start={start}&period_end={end}"
    page = c.get(query)
    assert page.status_code == 200 and "Nobody meets a partner" in text(page)
    chosen = _assignments(page.get_data(as_text=True))
    assert len(chosen) == 4  # the team, not the whole staff
    form = {f"group-{uid}": n for uid, n in chosen.items()}
    response = post(c, "/feedback/peer/round", {**form, "period_start": str(start), "period_end": str(end)},
                    query)
    assert response.status_code == 302
    first = db.session.query(PeerGroup).all()
    assert len(first) == 2 and all(g.status == "confirmed" for g in first)
    first_pairs = _pairs([[m.id for m in g.members] for g in first])

    # The next round, after this one: nobody meets the same partner.
    start2, end2 = end + dt.timedelta(days=1), end + dt.timedelta(days=40)
    query2 = f"/feedback/peer/round?team={team.id}&period_start={start2}&period_end={end2}"
    chosen2 = _assignments(c.get(query2).get_data(as_text=True))
    second = [[int(u) for u, n in chosen2.items() if n == k] for k in sorted(set(chosen2.values()))]
    assert not _pairs(second) & first_pairs


def test_a_group_of_one_is_refused_and_nothing_is_formed(app, school, principal, teacher, colleague, make_user):
    third = make_user(name="Tredje")
    c = login_en(app.test_client(), principal)
    start, end = today() + dt.timedelta(days=1), today() + dt.timedelta(days=40)
    form = {f"group-{teacher.id}": "1", f"group-{colleague.id}": "1", f"group-{third.id}": "2",
            "period_start": str(start), "period_end": str(end)}
    response = post(c, "/feedback/peer/round", form, "/feedback/peer/round")
    assert response.status_code == 422
    assert "Group 2: Choose two or three teachers." in text(response)
    assert db.session.query(PeerGroup).count() == 0


def test_teachers_cannot_form_rounds(app, teacher):
    assert login_en(app.test_client(), teacher).get("/feedback/peer/round").status_code == 403
