"""The designer on a tablet and a phone: "Add item" is a full tap target not covered by the preview,
no page pans sideways (designer, item editor, the form), and options are typed in fields."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from observe.extensions import db
from tests.pwa.e2e_support import log_in_through_the_form

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("OBSERVE_SHOTS", "/tmp/shots-designer"))
TIMEOUT = 20_000
SIZES = [(1024, 768), (768, 1024), (390, 844)]
NO_PAN = "document.documentElement.scrollWidth <= window.innerWidth"
# The element a tap at the centre of `el` lands on is `el` or inside it.
TAP_LANDS = """el => { const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
  return {ok: !!hit && (hit === el || el.contains(hit)), width: r.width, height: r.height}; }"""


@pytest.fixture
def designer_school(ctx, school, principal):
    from observe.templates_.models import Template
    from observe.templates_.services import install_defaults

    install_defaults(school)
    principal.locale = "sv"
    db.session.commit()
    return db.session.query(Template).filter_by(school_id=school.id, key="walkthrough").one().id


def test_the_designer_on_tablet_and_phone(live_server, page, designer_school, principal, teacher):
    base = live_server.url
    page.set_default_timeout(TIMEOUT)
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in_through_the_form(page, base, principal)

    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}/templates/{designer_school}/")
        assert page.evaluate(NO_PAN), (width, page.evaluate("document.documentElement.scrollWidth"))
        button = page.locator("form.tpl-add-item button[type=submit]").first
        button.scroll_into_view_if_needed()
        tap = button.evaluate(TAP_LANDS)
        assert tap["ok"] and tap["width"] >= 88 and tap["height"] >= 40, (width, tap)
        page.screenshot(path=str(SHOTS / f"measures-designer-{width}x{height}.png"))
        page.locator("#measures summary").click()  # "Add a measure": its fields fit too
        page.locator("#nm-type").select_option("average")
        expect(page.locator("[data-for-measure=share]")).to_be_hidden()
        assert page.evaluate(NO_PAN), (width, "measures")
        page.locator("#measures").screenshot(path=str(SHOTS / f"measures-designer-measure-{width}x{height}.png"))
        page.goto(f"{base}/templates/{designer_school}/items/W1")
        assert page.evaluate(NO_PAN), (width, "item editor")
        page.screenshot(path=str(SHOTS / f"measures-designer-item-{width}x{height}.png"), full_page=True)
        page.goto(f"{base}/visits/new/spontaneous?teacher={teacher.id}")
        assert page.evaluate(NO_PAN), (width, "form")

    # A tap on "Lägg till fråga" at 1024x768 adds the item (it is not the preview that gets it).
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{base}/templates/{designer_school}/")
    add = page.locator("form.tpl-add-item").first
    add.locator("input[name=label_sv]").fill("Eleverna förklarar sitt tänkande")
    add.locator("button[type=submit]").click()
    expect(page.locator(".tpl-item-label", has_text="Eleverna förklarar sitt tänkande")).to_have_count(1)
