"""The term plan (leader action 9): goals the principal sets, and the follow-up page reading each figure against them."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from observe.extensions import db
from observe.feedback import term_plan
from observe.feedback.followup import Term
from observe.feedback.models import TermPlan

from .conftest import login_en, post, text
from .test_followup import NOW, term_data  # noqa: F401  (the known autumn term: Lars 2 visits, Karin 1, Åsa 0)

pytestmark = pytest.mark.time_machine(NOW)
PAGE = "/feedback/follow-up?term=ht-2026"


def _row(page: str, key: str) -> str:
    match = re.search(rf'<tr class="fl-goal-{key}">(.*?)</tr>', page)
    assert match, f"no row for {key}"
    return re.sub(r"<[^>]+>", " ", match.group(1))


def test_principal_sets_goals_and_reads_each_figure_against_them(app, principal, term_data):  # noqa: F811
    c = login_en(app.test_client(), principal)
    assert "No goals are set for this term yet." in text(c.get(PAGE))
    response = post(c, PAGE, {"visits_per_teacher": "1", "peer_round_weeks": "6", "feedback_days": "3",
                              "acknowledged_percent": "50", "steps_on_time_percent": "60"}, PAGE)
    assert response.status_code == 302
    page = text(c.get(PAGE))
    visits = _row(page, "visits_per_teacher")
    assert "2 of 3 teachers so far" in visits and "Behind the plan" in visits  # Åsa has had no visit
    feedback = _row(page, "feedback_days")
    assert "50 % of shared feedback (1 of 2)" in feedback and "Behind the plan" in feedback  # 1 and 5 days
    acknowledged = _row(page, "acknowledged_percent")
    assert "50 %" in acknowledged and "On plan" in acknowledged
    steps = _row(page, "steps_on_time_percent")
    assert "50 %" in steps and "Behind the plan" in steps
    rounds = _row(page, "peer_round_weeks")
    assert "1 round started, 3 planned by now" in rounds  # Aug 1 to Nov 23 at one every six weeks
    # Figures for the school, not a ranking: the goal rows name nobody.
    assert "Åsa" not in visits and "Lars" not in visits


def test_goals_are_per_term_and_can_be_cleared(app, school, principal, term_data):  # noqa: F811
    c = login_en(app.test_client(), principal)
    post(c, PAGE, {"visits_per_teacher": "2"}, PAGE)
    assert "No goals are set" in text(c.get("/feedback/follow-up?term=vt-2027"))
    post(c, PAGE, {"visits_per_teacher": ""}, PAGE)
    assert db.session.query(TermPlan).one().visits_per_teacher is None
    assert "No goals are set" in text(c.get(PAGE))


def test_a_goal_out_of_range_is_refused_and_the_saved_plan_kept(app, principal, term_data):  # noqa: F811
    c = login_en(app.test_client(), principal)
    post(c, PAGE, {"acknowledged_percent": "80"}, PAGE)
    response = post(c, PAGE, {"acknowledged_percent": "150"}, PAGE)
    assert response.status_code == 422 and "Number must be between 0 and 100" in text(response)
    db.session.expire_all()
    assert db.session.query(TermPlan).one().acknowledged_percent == 80


def test_the_calendar_shows_planned_visits_and_rounds(app, school, principal, teacher, make_planned, make_pair,
                                                      term_data):  # noqa: F811
    make_planned(at=NOW + dt.timedelta(days=3))
    page = text(login_en(app.test_client(), principal).get(PAGE))
    calendar = page.split("This term's calendar")[1].split("</ul>")[0]
    assert f"{principal.name} visits {teacher.name}" in calendar
    assert "Peer round starts: 1 group" in calendar


def test_rounds_due_counts_the_first_at_the_terms_start():
    autumn = Term(2026, True)
    assert term_plan.rounds_due(autumn, dt.date(2026, 8, 1), 6) == 1
    assert term_plan.rounds_due(autumn, dt.date(2026, 9, 12), 6) == 2  # day 42
    assert term_plan.rounds_due(autumn, dt.date(2026, 7, 1), 6) == 0


def test_teachers_cannot_set_the_plan(app, teacher, term_data):  # noqa: F811
    c = login_en(app.test_client(), teacher)
    assert post(c, PAGE, {"visits_per_teacher": "5"}, "/feedback/").status_code == 403
    assert db.session.query(TermPlan).count() == 0
