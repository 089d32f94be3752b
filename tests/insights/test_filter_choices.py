"""The dashboard's filter choices (subjects, year groups, templates) come from small kept lists, not
from every visit and answer row ever written (observe.visits.lesson_values, observe.visits.rollups)."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import delete, select

from observe.extensions import db
from observe.visits import lesson_values, rollups
from observe.visits.lesson_values import LessonValue
from observe.visits.models import Visit
from tests.insights.conftest import make_template, record_observation, simple
from tests.dates import today as school_today

DAY = school_today()


def options(text: str, name: str) -> list[str]:
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', text, re.S).group(1)
    return [value for value in re.findall(r'<option[^>]*value="([^"]*)"', select_html) if value]


def page(client) -> str:
    response = client.get("/insights/?template=walk")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_subjects_and_year_groups_offered_are_those_the_schools_visits_used(
        client, login_as, principal, template, make_user, make_school):
    teacher = make_user()
    record_observation(template, teacher, DAY, simple(), subject="Fysik", year_group="7")
    record_observation(template, teacher, DAY, simple(), subject="Matematik", year_group="3")
    elsewhere = make_template(make_school("Ekskolan"))
    record_observation(elsewhere, None, DAY, simple(), subject="Kemi", year_group="9")
    login_as(principal)
    text = page(client)
    assert options(text, "subject") == ["Fysik", "Matematik"]
    assert options(text, "year_group") == ["3", "7"]

    # A visit's subject changed later (the teacher corrects it on the visit page) is offered at once.
    visit = db.session.execute(select(Visit).where(Visit.subject == "Fysik")).scalar_one()
    visit.subject = "Teknik"
    db.session.commit()
    assert options(page(client), "subject") == ["Fysik", "Matematik", "Teknik"]


def test_verify_reports_a_missing_value_and_rebuild_makes_the_list_exact(ctx, template, make_user):
    record_observation(template, make_user(), DAY, simple(), subject="Bild", year_group="5")
    db.session.execute(delete(LessonValue).where(LessonValue.value == "Bild"))
    db.session.add(LessonValue(school_id=template.school_id, field="subject", value="Slöjd"))  # no visit uses it
    db.session.commit()
    assert any("Bild" in problem for problem in rollups.verify())

    rollups.rebuild()
    db.session.commit()
    assert rollups.verify() == []
    assert lesson_values.choices((template.school_id,)) == (["Bild"], ["5"])


def test_a_subject_used_again_saves_the_visit_and_is_kept_once(ctx, template, make_user):
    """The value is already kept: the insert leaves it alone (as when two workers add it at once)."""
    teacher = make_user()
    for _ in range(2):
        db.session.add(Visit(school_id=template.school_id, kind="spontaneous", status="completed",
                             teacher_id=teacher.id, subject="Musik", template_version_id=template.id,
                             started_at=dt.datetime.combine(DAY, dt.time(9), tzinfo=dt.timezone.utc)))
        db.session.commit()
    assert len(db.session.execute(select(Visit.id).where(Visit.subject == "Musik")).scalars().all()) == 2
    assert db.session.execute(select(LessonValue.value).where(LessonValue.value == "Musik")).scalars().all() == ["Musik"]
