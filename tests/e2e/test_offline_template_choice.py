"""Picking a template at the start of a walkthrough: online the picked form, offline the kept
(default) form with a note saying so, never another template silently."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from observe.extensions import db
from observe.templates_.models import Template
from tests.pwa.e2e_support import (Network, login, observer, start_walkthrough, wait_form,  # noqa: F401
                                   walkthrough_school)

pytestmark = pytest.mark.e2e


def test_another_template_online_and_the_default_offline(live_server, context, page, observer, walkthrough_school):
    base = live_server.url
    other = db.session.scalar(select(Template.id).where(Template.school_id == walkthrough_school.id,
                                                       Template.key == "math-f3"))
    login(page, base, observer)
    start_walkthrough(page, base)  # the default form, kept on the device
    page.goto(f"{base}/visits/new")
    page.select_option("#template", str(other))
    page.click("button[value=anonymous]")
    wait_form(page)
    assert page.locator("[name='a.M1']").count() > 0  # the picked template's items
    assert page.locator("[data-template-other]").is_hidden()

    Network(context).off()
    page.goto(f"{base}/visits/new/spontaneous?teacher=anonymous&template={other}")
    wait_form(page)
    assert page.locator("[name='a.W1']").count() > 0  # the kept default form ...
    assert page.locator("[data-template-other]").is_visible()  # ... saying so
    page.goto(f"{base}/visits/new/spontaneous?teacher=anonymous")
    wait_form(page)
    assert page.locator("[data-template-other]").is_hidden()
