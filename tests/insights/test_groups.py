"""A visit counts for the teacher groups its observed teacher was in on the day of the visit."""
from __future__ import annotations

import datetime as dt
import re

import time_machine
from sqlalchemy import select

from observe.auth.models import Membership, Role
from observe.extensions import db
from observe.insights import services
from observe.schools.models import TeacherGroup
from observe.schools.services import save_group
from observe.visits.models import Observation, Visit
from tests.conftest import login
from tests.insights.conftest import record_observation, simple

# The demo is built around this day (a Friday in the autumn term); the clock is frozen to it.
DEMO_DAY = dt.date(2026, 11, 20)
FROZEN = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone.utc)


def _walkthroughs_of(teacher_ids: set[int], start: dt.date, end: dt.date) -> int:
    """Completed walkthrough observations of these teachers, counted from the visits themselves."""
    rows = db.session.execute(select(Observation.id, Visit.teacher_id, Visit.started_at)
                              .join(Visit, Visit.id == Observation.visit_id)
                              .where(Visit.kind == "spontaneous", Observation.status == "complete")).all()
    return sum(1 for _id, teacher, started in rows
               if teacher in teacher_ids and start <= started.date() <= end)


@time_machine.travel(FROZEN, tick=True)
def test_demo_groups_count_their_members_walkthroughs_in_filter_and_comparison(app, client, ctx):
    from observe.demo import load_demo

    assert load_demo(DEMO_DAY) is True
    groups = db.session.scalars(select(TeacherGroup).order_by(TeacherGroup.name)).all()
    assert [g.name for g in groups] == ["Arbetslag 4–6", "Arbetslag F–3"]
    school = groups[0].school
    start, end = services.term_range(services.term_of(DEMO_DAY))
    walk = db.session.scalar(select(Visit).where(Visit.kind == "spontaneous")).template_version.template.key
    counts = {}
    for group in groups:
        filters = services.Filters(school_ids=(school.id,), start=start, end=end, template_key=walk, group_id=group.id)
        board = services.dashboard(filters, services.Threshold.for_organisation(school.organisation))
        expected = _walkthroughs_of({m.id for m in group.members}, start, end)
        assert expected > 0
        assert board.observations == expected, group.name
        assert any(item.shown for item in board.items)  # three teachers, enough visits: figures show
        counts[group.id] = expected

    # The page: the filter and the group comparison say the same.
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    assert login(client, "rektor@demo.observe", "demo1234").status_code == 302
    first, second = groups
    text = client.get(f"/insights/?template={walk}&group={first.id}").get_data(as_text=True)
    assert f"{counts[first.id]} genomförda observationer" in text
    text = client.get(f"/insights/?template={walk}&group={first.id}&compare=group&compare_group={second.id}"
                      ).get_data(as_text=True)
    comparison = text[text.index('id="cmp-h"'):text.index("</section>", text.index('id="cmp-h"'))]
    assert first.name in comparison and second.name in comparison
    cells = re.findall(r"<td>([^<]*)</td>", comparison)
    assert cells and all(cell.strip() and "för få" not in cell for cell in cells[:2]), cells


def test_group_membership_is_dated_and_a_teacher_may_be_in_two(ctx, school, make_user, template):
    a, b, c, d = (make_user(Role.TEACHER) for _ in range(4))
    day_one, day_two = dt.date(2026, 9, 7), dt.date(2026, 10, 12)
    with time_machine.travel(dt.datetime(2026, 9, 1, 9, tzinfo=dt.timezone.utc), tick=False):
        lower = save_group(school, None, "Lågstadiet", [a.id, b.id])
        maths = save_group(school, None, "Matematik", [b.id, c.id])
        db.session.commit()
    for teacher in (a, b, c, d):
        record_observation(template, teacher, day_one, simple())
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, tzinfo=dt.timezone.utc), tick=False):
        save_group(school, lower, "Lågstadiet", [b.id, d.id])  # a leaves, d joins on 1 October
        db.session.commit()
    for teacher in (a, b, c, d):
        record_observation(template, teacher, day_two, simple())

    def observed(group, start=dt.date(2026, 8, 1), end=dt.date(2026, 12, 31)):
        filters = services.Filters(school_ids=(school.id,), start=start, end=end, template_key="walk",
                                   group_id=group.id)
        return services.dashboard(filters, services.Threshold.for_organisation(school.organisation)).observations

    # September: a and b were in Lågstadiet; October: b and d. a's September visit stays with the group,
    # d's September visit (before d joined) does not.
    assert observed(lower, end=dt.date(2026, 9, 30)) == 2
    assert observed(lower, start=dt.date(2026, 10, 1)) == 2
    assert observed(lower) == 4
    # b is in both groups: b's visits count for each.
    assert observed(maths) == 4


def test_a_teacher_group_counts_its_own_schools_visits_for_principal_and_organisation_alike(
        ctx, school, make_school, make_user, template):
    """A teacher who works at two schools is in a team at one: a visit at the other school is that school's,
    so the team's figures are the same whether its principal or the organisation's leader looks."""
    from tests.insights.conftest import make_template

    other = make_school("Lindskolan", organisation=school.organisation)
    other_template = make_template(other)
    shared, colleague = make_user(Role.TEACHER), make_user(Role.TEACHER)
    shared.memberships.append(Membership(school_id=other.id, role=str(Role.TEACHER)))
    db.session.commit()
    team = save_group(school, None, "Arbetslag 4–6", [shared.id, colleague.id])
    db.session.commit()
    day = dt.date(2026, 10, 12)
    for teacher in (shared, colleague):
        record_observation(template, teacher, day, simple())
    record_observation(other_template, shared, day, simple())  # the other school's visit of the same teacher

    def observed(school_ids):
        filters = services.Filters(school_ids=school_ids, start=dt.date(2026, 8, 1), end=dt.date(2026, 12, 31),
                                   template_key="walk", group_id=team.id)
        return services.dashboard(filters, services.Threshold.for_organisation(school.organisation)).observations

    assert observed((school.id,)) == 2  # its principal
    assert observed((school.id, other.id)) == 2  # the organisation's leader, every school
    assert observed((other.id,)) == 0  # a school the team is not part of


def test_an_organisation_leader_tells_the_schools_teams_apart(client, ctx, school, make_school, make_user, template):
    """Every school has its "Arbetslag F–3": with all schools shown, the filter, the report's facts and the
    comparison name the school; one school shown, the group's name alone."""
    from tests.conftest import login
    from tests.insights.conftest import make_template

    other = make_school("Lindskolan", organisation=school.organisation)
    make_template(other)
    ours = save_group(school, None, "Arbetslag F–3", [make_user(Role.TEACHER).id])
    theirs = save_group(other, None, "Arbetslag F–3", [make_user(Role.TEACHER, school=other).id])
    db.session.commit()
    leader = make_user(Role.TEACHER)
    leader.is_org_leader = True
    db.session.commit()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert login(client, leader).status_code == 302

    text = client.get(f"/insights/?template=walk&group={theirs.id}").get_data(as_text=True)
    options = re.findall(r'<option (?:selected )?value="(\d+)">([^<]*)</option>',
                         text[text.index('id="group"'):text.index("</select>", text.index('id="group"'))])
    assert sorted(label for _v, label in options) == [f"{school.name} · Arbetslag F–3", "Lindskolan · Arbetslag F–3"]
    scope = text[text.index('class="insights-scope"'):text.index("</dl>", text.index('class="insights-scope"'))]
    assert "Lindskolan · Arbetslag F–3" in scope
    text = client.get(f"/insights/?template=walk&school={school.id}&group={ours.id}").get_data(as_text=True)
    assert '<option selected value="%d">Arbetslag F–3</option>' % ours.id in text
