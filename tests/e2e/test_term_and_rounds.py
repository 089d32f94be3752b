"""The principal plans the term and forms peer rounds in the browser; the teachers accept in theirs.

Issue 15's "done when": a principal plans a term, forms the first peer round for a teacher team and
the next round without repeats, and the follow-up page shows every figure against the plan.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

from observe.auth.models import Role
from observe.extensions import db
from observe.schools.models import GroupMembership, TeacherGroup
from tests.dates import today
from tests.e2e.test_todo_across_people import open_person

pytestmark = pytest.mark.e2e


def _groups_on_page(page) -> list[frozenset]:
    """The proposal as shown: each teacher's selected group number."""
    chosen: dict[str, set] = {}
    for select in page.locator("select[id^=group-]").all():
        chosen.setdefault(select.input_value(), set()).add(select.get_attribute("id"))
    return [frozenset(ids) for ids in chosen.values()]


def _pairs(groups) -> set[frozenset]:
    return {frozenset((a, b)) for g in groups for a in g for b in g if a < b}


def test_principal_plans_the_term_and_forms_two_rounds_without_repeats(app, live_server, browser,
                                                                        browser_context_args, school, principal,
                                                                        teacher, make_user):
    team = [teacher] + [make_user(Role.TEACHER, name=name) for name in ("Karin Kollega", "Olle Ottosson", "Pia Persson")]
    group = TeacherGroup(school_id=school.id, name="Arbetslag 4–6")
    group.members = team
    db.session.add(group)
    db.session.flush()
    db.session.add_all([GroupMembership(group_id=group.id, user_id=t.id) for t in team])
    principal.locale, teacher.locale = "en", "sv"
    db.session.commit()
    base = live_server.url
    boss_ctx, boss = open_person(browser, browser_context_args, base, principal, "en", (768, 1024))
    me_ctx, me = open_person(browser, browser_context_args, base, teacher, "sv", (390, 844))

    # The term plan: a peer round every 4 weeks, each teacher visited twice.
    boss.goto(f"{base}/feedback/follow-up")
    boss.fill("#peer_round_weeks", "4")
    boss.fill("#visits_per_teacher", "2")
    with boss.expect_navigation():
        boss.click("text=Save the plan")
    assert "is saved" in boss.inner_text("main")

    # The first round for the team, starting today.
    start, end = today(), today() + dt.timedelta(days=27)
    boss.goto(f"{base}/feedback/peer/round")
    boss.select_option("#team", str(group.id))
    boss.fill("#period_start", start.isoformat())
    boss.fill("#period_end", end.isoformat())
    boss.click("text=Propose groups")
    boss.wait_for_url(re.compile(r"/feedback/peer/round\?"))
    assert "Nobody meets a partner" in boss.inner_text("main")
    first = _groups_on_page(boss)
    assert sorted(len(g) for g in first) == [2, 2]
    with boss.expect_navigation():
        boss.click("text=Form these groups")
    assert "2 groups are formed" in boss.inner_text("main")

    # The teacher (Swedish, phone) is asked to accept her group, and does.
    me.goto(f"{base}/")
    me.click("text=Godkänn din grupp för kollegial observation")
    with me.expect_navigation():
        me.click("text=Godkänn gruppen")
    assert "Du har godkänt gruppen." in me.inner_text("main")
    me.goto(f"{base}/")
    assert "Godkänn din grupp" not in me.inner_text("#h-todo ~ *")

    # The next round, after this one: nobody meets the partner of the first round.
    start2, end2 = end + dt.timedelta(days=1), end + dt.timedelta(days=28)
    boss.goto(f"{base}/feedback/peer/round?team={group.id}&period_start={start2}&period_end={end2}")
    second = _groups_on_page(boss)
    assert not _pairs(second) & _pairs(first)

    # The follow-up page reads the figures against the plan.
    boss.goto(f"{base}/feedback/follow-up")
    rounds = boss.inner_text("tr.fl-goal-peer_round_weeks")
    assert "A peer round every 4 weeks" in rounds and "1 round started" in rounds
    visits = boss.inner_text("tr.fl-goal-visits_per_teacher")
    assert "0 of 4 teachers so far" in visits and "Behind the plan" in visits
    boss.screenshot(path="/tmp/e2e-term-plan-768.png", full_page=True)
    boss_ctx.close()
    me_ctx.close()
