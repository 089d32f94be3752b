"""A principal builds a template with every item type in the designer (keyboard reordering
included), publishes it, and fills it in on the preview page."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from observe.extensions import db
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e

TYPES = [("yes_no", "a.Q1"), ("scale", "a.Q2"), ("text", "a.Q3"), ("checklist", "a.Q4"), ("choice", "a.Q5"), ("counter", "a.Q6"),
         ("x_of_y", "a.Q7.x"), ("timed_log", "a.Q8.0.time"), ("interval", "a.Q9.0.teacher")]


def log_in(page, base, email):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")


def test_build_publish_and_fill_in_a_template(live_server, page, principal):
    base = live_server.url
    principal.locale = "en"
    db.session.commit()
    log_in(page, base, principal.email)
    page.click("nav.mainnav >> text=Templates")
    page.click("text=New template")
    page.fill("input[name=title_sv]", "Vår prövning")
    page.fill("input[name=title_en]", "Our trial")
    page.click("text=Create and open the designer")
    assert page.locator('.tpl-preview [name^="a."]').count() == 0  # no placeholder question to delete first

    add = page.locator("#section-s1 form.tpl-add-item")
    for kind, name in TYPES:
        add = page.locator("#section-s1 form.tpl-add-item")
        add.locator("select[name=type]").select_option(kind)
        add.locator("input[name=label_sv]").fill(f"Punkt {kind}")
        add.locator("button[type=submit]").click()
        page.locator(f'.tpl-preview [name="{name}"]').first.wait_for()  # the preview follows every edit

    # Keyboard reordering: focus stays on the button pressed, so it can be pressed again.
    page.focus('[data-focus-id="i-Q1-down"]')
    page.keyboard.press("Enter")
    expect(page.locator(".tpl-item").nth(1)).to_have_id("edit-Q1")
    expect(page.locator('[data-focus-id="i-Q1-down"]')).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".tpl-item").nth(2)).to_have_id("edit-Q1")

    # The item editor previews while typing (drawn by the server, nothing saved until "Save item").
    page.click("#edit-Q5 >> text=Edit")
    page.fill("input[name=label_sv]", "Välj ett alternativ")
    expect(page.locator("#item-preview legend")).to_contain_text("Välj ett alternativ")
    page.click("text=Save item")
    expect(page.locator("#edit-Q5")).to_contain_text("Välj ett alternativ")

    page.click("text=Publish version 1")
    page.wait_for_selector("text=Published as version 1")

    page.click("text=Preview page")
    page.check('input[name="a.Q1"][value="yes"]')
    page.check('input[name="a.Q2"][value="3"]')
    page.fill('textarea[name="a.Q3"]', "Läraren frågar: hur vet du det?")
    page.check('input[name="a.Q4"][value="a"]')
    page.check('input[name="a.Q4"][value="b"]')
    page.check('input[name="a.Q5"][value="b"]')
    plus, minus = page.locator('#item-Q6 [data-step="1"]'), page.locator('#item-Q6 [data-step="-1"]')
    minus.click()  # never below 0
    plus.click()
    plus.click()
    plus.click()
    minus.click()
    assert page.input_value('input[name="a.Q6"]') == "2"
    page.fill('input[name="a.Q7.x"]', "18")
    page.fill('input[name="a.Q7.y"]', "24")
    page.click('textarea[name="a.Q8.0.teacher"]')
    assert re.fullmatch(r"\d\d:\d\d", page.input_value('input[name="a.Q8.0.time"]'))  # time stamped on start
    page.fill('textarea[name="a.Q8.0.teacher"]', "Visar tallinjen")
    page.click("#item-Q8 >> text=Add row")
    page.fill('textarea[name="a.Q8.3.teacher"]', "Frågar varför")
    page.fill('input[name="a.Q8.3.time"]', "9:14")
    page.check('input[name="a.Q9.1.teacher"][value="pq"]')
    page.check('input[name="a.Q9.1.students"][value="g"]')
    page.click("text=Check the answers")

    assert "All answers are valid" in page.inner_text("#result")

    def stored(key):
        return json.loads(page.inner_text(f'[data-answer="{key}"]'))

    assert stored("Q6") == 2
    assert stored("Q7") == {"x": 18, "y": 24}
    assert stored("Q4") == ["a", "b"]
    assert [row["teacher"] for row in stored("Q8")] == ["Visar tallinjen", "Frågar varför"]
    assert stored("Q8")[1]["time"] == "09:14"
    assert stored("Q9") == [{"teacher": [], "students": []}, {"teacher": ["pq"], "students": ["g"]}]
    assert page.input_value('input[name="a.Q6"]') == "2"  # the form shows what was entered
