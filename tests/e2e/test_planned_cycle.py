"""One full planned-visit cycle in Chromium, with a principal and a teacher in two browser contexts.

plan → the teacher sees the plan and writes the pre-conference (and takes the .ics booking) →
the principal observes with the agreed focus first → drafts feedback (invisible to the teacher) →
shares → the teacher reflects, acknowledges, disagrees on a point and starts the next step →
the principal plans a follow-up visit from the next step, linked to it.

JavaScript is off: the HTML-first path every page must keep working on.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from observe.extensions import db
from observe.feedback.models import Feedback, NextStep
from observe.visits.models import Visit
from tests.conftest import PASSWORD
from tests.dates import form_value, next_weekday, stockholm, today, utc

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/shots-feedback")
TIMEOUT = 20_000  # ms, for a loaded machine; nothing here sleeps
UUID = r"[0-9a-f-]{36}"


@pytest.fixture
def defaults_installed(ctx, school):
    from observe.templates_.services import install_defaults

    install_defaults(school)
    db.session.commit()
    return school


def open_as(browser, browser_context_args, base, user):
    context = browser.new_context(**{**browser_context_args, "java_script_enabled": False, "locale": "en-GB",
                                     "accept_downloads": True})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{base}/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")
    return context, page


def shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"e2e-{name}.png"), full_page=True)


def test_planned_visit_cycle(app, live_server, browser, browser_context_args, defaults_installed, principal,
                             teacher):
    base = live_server.url
    boss_ctx, boss = open_as(browser, browser_context_args, base, principal)
    teach_ctx, me = open_as(browser, browser_context_args, base, teacher)
    day = next_weekday(1)  # next Tuesday; the feedback talk the day after
    lesson, meeting = stockholm(day, 9, 15), stockholm(day + dt.timedelta(days=1), 14)

    # 1. The principal plans the visit.
    boss.click("nav.mainnav >> text=Planned visits")
    boss.click("text=Plan a visit")
    boss.select_option("#teacher_id", str(teacher.id))
    boss.fill("#scheduled_at", form_value(lesson))
    boss.select_option("#year_group", "3")
    boss.fill("#subject", "Matematik")
    boss.select_option("#purpose", "development")
    boss.click("button:has-text('Plan the visit')")
    boss.wait_for_url(re.compile(rf"/planning/{UUID}$"))
    plan_url = boss.url
    assert "Pre-conference" in boss.inner_text("main")

    # 2. The teacher sees the plan in their own view and writes the pre-conference.
    me.click("nav.mainnav >> text=Planned visits")
    me.click("text=Matematik")
    me.wait_for_url(plan_url)
    assert f"Tuesday {day.day} {day:%B} {day.year}, 09:15" in me.inner_text("main")
    me.fill("#lesson_goal", "Eleverna kan jämföra bråk med samma täljare.")
    me.fill("#student_activity", "Parvis med bråkstavar, sedan helklass.")
    me.check("input[name=focus_item_keys][value=D2]")
    me.fill("#focus_text", "Kommer alla elever till tals?")
    me.fill("#data_method", "Tidslogg över vem som svarar.")
    me.fill("#feedback_meeting_at", form_value(meeting))
    me.click("button:has-text('Save the pre-conference')")
    me.wait_for_url(plan_url)
    assert "The pre-conference is saved." in me.inner_text("main")
    with me.expect_download() as download_info:
        me.click("text=Add to calendar (.ics)")
    booking = Path(download_info.value.path()).read_text()
    assert booking.startswith("BEGIN:VCALENDAR") and booking.count("BEGIN:VEVENT") == 2
    assert f"DTSTART:{lesson.astimezone(dt.timezone.utc):%Y%m%dT%H%M%SZ}" in booking
    assert f"DTSTART:{meeting.astimezone(dt.timezone.utc):%Y%m%dT%H%M%SZ}" in booking
    shot(me, "plan-teacher-1024")

    # 3. The principal observes: the agreed focus comes first in the form.
    boss.goto(plan_url)
    assert boss.locator("#focus_text").input_value() == "Kommer alla elever till tals?"
    boss.click("text=Start observing")
    boss.wait_for_url(re.compile(rf"/visits/{UUID}/observe$"))
    focus = boss.locator("#engine-focus-title")
    assert focus.count() == 1
    # What the teacher wrote in the pre-conference is on the form, read-only: nothing to type again.
    assert boss.locator("#item-A1 .engine-carried").inner_text() == "Eleverna kan jämföra bråk med samma täljare."
    assert boss.locator("textarea[name='a.A1']").count() == 0 and boss.locator("#item-H1").count() == 0
    boss.check("input[name='a.D2'][value='3']")
    boss.check("input[name='a.C1'][value='4']")
    boss.fill("textarea[name=note]", "09:20 Målet står på tavlan; läraren återkommer till det.")
    boss.click("button[value=finish]")
    boss.wait_for_url(re.compile(rf"/visits/{UUID}$"))
    visit_url = boss.url
    visit_uuid = visit_url.rsplit("/", 1)[1]

    # 4. Feedback as a private draft: the teacher cannot see it.
    boss.fill("#summary", "En lugn lektion där målet hölls levande.")
    boss.fill("#strength_text_0", "Målet var synligt och återkom")
    boss.fill("#strength_evidence_0", "Läraren pekade på målet vid start och vid avslut.")
    boss.fill("#development_area", "Fler elever i samtalet")
    boss.fill("#next_step_text", "Pröva EPA (enskilt–par–alla) vid två frågor per lektion.")
    boss.fill("#next_step_due", str(today() + dt.timedelta(days=14)))
    assert "allmän handling" in boss.inner_text("#feedback")
    boss.click("#feedback button[value=save]")
    boss.wait_for_url(visit_url)
    assert "Only you can see it." in boss.inner_text("main")

    me.goto(f"{base}/feedback/visit/{visit_uuid}")
    teacher_view = me.inner_text("main")
    assert "En lugn lektion" not in teacher_view and "No feedback has been shared yet." in teacher_view

    # 5. The principal shares.
    boss.click("#feedback button[value=share]")
    boss.wait_for_url(visit_url)
    assert "The feedback is shared with the teacher." in boss.inner_text("main")
    shot(boss, "feedback-shared-principal-1024")

    # 6. The teacher reads, reflects, acknowledges, disagrees on a point and starts the next step.
    me.click("nav.mainnav >> text=Home")
    me.goto(f"{base}/feedback/visit/{visit_uuid}")
    teacher_view = me.inner_text("main")
    assert "En lugn lektion där målet hölls levande." in teacher_view
    assert "Läraren pekade på målet" in teacher_view and "Pröva EPA" in teacher_view
    me.fill("#reflection", "Jag såg själv att samma elever svarade hela tiden.")
    me.click("button:has-text('Save and acknowledge')")
    me.wait_for_url(f"{base}/feedback/visit/{visit_uuid}")
    me.fill("#body", "Avslutet hann vi inte med, så det blev kortare än planerat.")
    me.select_option("#kind", "disagreement")
    me.click("button:has-text('Send comment')")
    me.wait_for_url(f"{base}/feedback/visit/{visit_uuid}")
    me.select_option("select[name=status]", "in_progress")
    me.click("li.fl-step button:has-text('Update')")
    me.wait_for_url(f"{base}/feedback/visit/{visit_uuid}")
    assert "Acknowledged" in me.inner_text("main")
    shot(me, "feedback-teacher-1024")
    me.set_viewport_size({"width": 390, "height": 844})
    shot(me, "feedback-teacher-390")

    # 7. The principal sees the response and plans a follow-up visit from the next step.
    boss.goto(visit_url)
    principal_view = boss.inner_text("#feedback")
    assert "Jag såg själv" in principal_view and "Avslutet hann vi inte med" in principal_view
    assert "In progress" in principal_view
    boss.click("text=Plan a follow-up visit")
    boss.wait_for_url(re.compile(r"/planning/new\?follow_up="))
    assert "Pröva EPA" in boss.inner_text("main")
    assert boss.locator("#teacher_id").input_value() == str(teacher.id)
    boss.fill("#scheduled_at", form_value(stockholm(next_weekday(weeks=2), 10)))
    boss.click("button:has-text('Plan the visit')")
    boss.wait_for_url(re.compile(rf"/planning/{UUID}$"))
    assert "Open next step from an earlier visit" in boss.inner_text("main")
    shot(boss, "follow-up-plan-1024")

    with app.app_context():
        visits = db.session.scalars(select(Visit).order_by(Visit.id)).all()
        first, follow = visits
        assert first.focus_item_keys == ["D2"] and first.observation.status == "complete"
        feedback = db.session.scalar(select(Feedback))
        assert feedback.status == "shared" and feedback.acknowledged_at is not None
        step = db.session.scalar(select(NextStep))
        assert step.status == "in_progress" and step.follow_up_visit_id == follow.id
    boss_ctx.close()
    teach_ctx.close()
