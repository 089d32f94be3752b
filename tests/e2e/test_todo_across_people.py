"""A planned cycle walked by two people in two browsers, each seeing their to-dos at the right moment.

The principal works in Swedish on a tablet (1024×768), the teacher in English on a phone (390×844);
JavaScript is on, as on their devices. Nothing the teacher wrote is typed again by the principal,
and the teacher's to-do list (home page and menu badge) holds exactly what is hers to do.
"""
from __future__ import annotations

import re

import pytest

from observe.extensions import db
from tests.conftest import PASSWORD
from tests.dates import form_value, next_weekday, stockholm
from tests.e2e.test_planned_cycle import defaults_installed  # noqa: F401  (the default templates)

pytestmark = pytest.mark.e2e
TIMEOUT = 20_000
UUID = r"[0-9a-f-]{36}"


def open_person(browser, browser_context_args, base, user, lang, size):
    """A signed-in browser of one person, in her language and at her device's size."""
    context = browser.new_context(**{**browser_context_args, "viewport": {"width": size[0], "height": size[1]},
                                     "extra_http_headers": {"Accept-Language": lang}})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{base}/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"{base}/")
    return context, page


def _todo(page, base) -> list[str]:
    page.goto(f"{base}/")
    return [t.strip() for t in page.locator("#h-todo ~ ul .fl-reminder").all_inner_texts()]


def _badge(page) -> str:
    return page.locator("nav.mainnav a[href='/feedback/']").text_content().strip()


def test_planned_cycle_hands_over_between_principal_and_teacher(app, live_server, browser, browser_context_args,
                                                                  defaults_installed, principal, teacher):
    base = live_server.url
    principal.locale, teacher.locale = "sv", "en"  # each person's own language
    db.session.commit()
    boss_ctx, boss = open_person(browser, browser_context_args, base, principal, "sv", (1024, 768))
    me_ctx, me = open_person(browser, browser_context_args, base, teacher, "en", (390, 844))
    assert _todo(me, base) == [] and "Nothing needs your attention right now." in me.inner_text("#h-todo ~ p")

    # The principal (Swedish) plans a visit to the teacher's lesson next Tuesday.
    boss.goto(f"{base}/planning/new")
    boss.select_option("#teacher_id", str(teacher.id))
    boss.fill("#scheduled_at", form_value(stockholm(next_weekday(1), 9, 15)))
    boss.locator("main form button[type=submit]").last.click()
    boss.wait_for_url(re.compile(rf"/planning/{UUID}$"))
    plan_url = boss.url

    # The teacher (English, phone) is asked for her pre-conference and told who is coming.
    todo = _todo(me, base)
    assert len(todo) == 1 and todo[0].startswith("Write your pre-conference") and principal.name in todo[0]
    assert _badge(me) == "Feedback (1)"
    assert principal.name in me.inner_text("section[aria-labelledby=h-coming]")
    me.click("text=Write your pre-conference")
    me.wait_for_url(plan_url)
    me.fill("#lesson_goal", "Students compare fractions with the same numerator.")
    me.fill("#focus_text", "Do all students get to talk?")
    me.locator("form[action$='/preconference'] button[type=submit]").click()
    me.wait_for_url(plan_url)
    assert _todo(me, base) == [] and _badge(me) == "Feedback"

    # The principal observes: the teacher's goal and focus are on the form, not asked again.
    boss.goto(plan_url)
    boss.locator("a[href$='/observe']").first.click()
    boss.wait_for_url(re.compile(rf"/visits/{UUID}/observe$"))
    assert boss.locator("#item-A1 .engine-carried").inner_text() == "Students compare fractions with the same numerator."
    assert boss.locator("#item-A3 .engine-carried").inner_text() == "Do all students get to talk?"
    assert boss.locator("textarea[name='a.A1']").count() == 0
    boss.click("button[value=finish]")
    boss.wait_for_url(re.compile(rf"/visits/{UUID}$"))
    visit_url = boss.url

    # Feedback drafted and shared; now reading and acknowledging it is the teacher's to-do.
    boss.fill("#summary", "En lugn lektion där målet hölls levande.")
    with boss.expect_navigation():
        boss.click("button[value=share]")
    assert boss.locator(".fl-panel .fl-text").first.inner_text() == "En lugn lektion där målet hölls levande."
    todo = _todo(me, base)
    assert len(todo) == 1 and "waiting for you to read and acknowledge it" in todo[0]
    assert _badge(me) == "Feedback (1)"
    me.click("text=waiting for you to read and acknowledge it")
    with me.expect_navigation():
        me.click("button[name=acknowledge]")
    assert _todo(me, base) == [] and _badge(me) == "Feedback"

    # The principal records the conversation; the teacher reads what was agreed.
    boss.goto(visit_url)
    boss.fill("#conversation_agreed", "Vi provar tänk–par–dela i tre veckor.")
    with boss.expect_navigation():
        boss.locator("form[action$='/conversation'] button[type=submit]").click()
    me.goto(visit_url)
    assert "We agreed:" in me.inner_text("main") and "Vi provar tänk–par–dela i tre veckor." in me.inner_text("main")
    me.screenshot(path="/tmp/e2e-todo-teacher-390.png", full_page=True)
    boss.screenshot(path="/tmp/e2e-todo-principal-1024.png", full_page=True)
    boss_ctx.close()
    me_ctx.close()
