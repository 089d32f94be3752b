"""A conditional item in the browser: hidden until the answer it depends on is given, shown live when it
is, kept in step after a reload restores the device's copy, and not required while hidden."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from observe.extensions import db
from tests.pwa.e2e_support import log_in_through_the_form, wait_saved_on_device

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("OBSERVE_SHOTS", "/tmp/shots-conditions"))
TIMEOUT = 20_000
SIZES = [(1024, 768), (768, 1024), (390, 844)]

GROUP = {"key": "G1", "type": "yes_no", "label": {"sv": "Grupparbete förekom", "en": "Group work took place"}}
SIZE = {"key": "G2", "type": "choice", "required": True, "show_if": {"item": "G1", "equals": "yes"},
        "label": {"sv": "Gruppstorlek", "en": "Group size"},
        "options": [{"value": "pairs", "label": {"sv": "Par", "en": "Pairs"}},
                    {"value": "small", "label": {"sv": "3–5 elever", "en": "3–5 students"}}]}


@pytest.fixture
def conditional_school(ctx, school, principal):
    from observe.templates_.models import Template
    from observe.templates_.services import install_defaults, publish, save_draft, working_document

    install_defaults(school)
    principal.locale = "sv"
    template = db.session.query(Template).filter_by(school_id=school.id, key="walkthrough").one()
    document = working_document(template)
    document["sections"][0]["items"][0:0] = [GROUP, SIZE]
    save_draft(template, document)
    publish(template, principal)
    db.session.commit()
    return template.id


def test_a_conditional_item_follows_its_answer(live_server, page, conditional_school, principal, teacher):
    base = live_server.url
    page.set_default_timeout(TIMEOUT)
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in_through_the_form(page, base, principal)

    page.goto(f"{base}/visits/new/spontaneous?teacher={teacher.id}")
    expect(page.locator("form[data-offline-ready]")).to_have_count(1)
    size = page.locator("#item-G2")
    expect(size).to_be_hidden()  # not asked until group work is seen
    page.locator("#item-G1 input[value=yes]").check()
    expect(size).to_be_visible()
    expect(size.locator(".engine-condition")).to_contain_text("Svara bara när ”Grupparbete förekom” är ”Ja”.")
    page.locator("#item-G1 input[value=no]").check()
    expect(size).to_be_hidden()
    page.locator("#item-G1 input[value=yes]").check()
    size.locator("input[value=small]").check()
    wait_saved_on_device(page)
    page.reload()  # the device's copy comes back, and the item with it
    expect(page.locator("form[data-offline-ready]")).to_have_count(1)
    expect(page.locator("#item-G1 input[value=yes]")).to_be_checked()
    expect(size).to_be_visible()
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.locator("#item-G1").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"measures-condition-{width}x{height}.png"))
    # Without JavaScript the item is in view, with its note, and the server decides.
    plain = page.context.browser.new_context(java_script_enabled=False)
    cookies = page.context.cookies()
    plain.add_cookies(cookies)
    nojs = plain.new_page()
    nojs.goto(f"{base}/visits/new/spontaneous?teacher={teacher.id}")
    expect(nojs.locator("#item-G2")).to_be_visible()
    expect(nojs.locator("#item-G2 .engine-condition")).to_contain_text("Grupparbete förekom")
    plain.close()
    page.locator("#item-G1 input[value=no]").check()  # hidden again: its answer is not kept, nor required
    page.click("button[value=finish]")
    page.wait_for_url(re.compile(r"/visits/[0-9a-f-]{36}$"))
    body = page.inner_text("main")
    assert "Grupparbete förekom" in body and "Gruppstorlek" not in body
