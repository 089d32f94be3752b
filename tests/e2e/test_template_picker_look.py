"""The template pickers on a tablet and a phone, in Swedish and English: the peer booking form (the
observed teacher picks the template beside her focus) and the walkthrough start page. No page pans
sideways, the list is readable and starts at the school's default."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from observe.auth.models import Role
from observe.extensions import db
from observe.templates_.services import add_item, create_template, install_defaults, publish
from observe.visits.models import PeerGroup, PeerGroupStatus
from tests.dates import today
from tests.pwa.e2e_support import TIMEOUT, log_in_through_the_form

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("OBSERVE_SHOTS", "/tmp/shots-picker"))
SIZES = [(1024, 768), (768, 1024), (390, 844)]
WIDTHS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
DEFAULT_MARK = {"sv": "skolans standard", "en": "the school's default"}


@pytest.fixture
def pair(ctx, school, principal, teacher, make_user):
    """The shipped templates plus a second walkthrough and a second peer template; a confirmed pair."""
    install_defaults(school)
    for kind, title in (("peer", {"sv": "Frågor i klassrummet", "en": "Questions in the classroom"}),
                        ("walkthrough", {"sv": "Vår egen runda med ett längre namn", "en": "Our own round"})):
        template = create_template(school, principal, title, kind)
        add_item(template, "s1", "counter", {"sv": "Följdfrågor", "en": "Follow-up questions"})
        publish(template, principal)
    colleague = make_user(Role.TEACHER, name="Karin Kollega", email="kollega@example.se")
    group = PeerGroup(school_id=school.id, period_start=today() - dt.timedelta(days=30),
                      period_end=today() + dt.timedelta(days=60), status=PeerGroupStatus.CONFIRMED)
    group.members = [teacher, colleague]
    db.session.add(group)
    db.session.commit()
    return group.id


def look(page, name: str, lang: str, path: str, select: str):
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(path)
        scroll, inner = page.evaluate(WIDTHS)
        assert scroll <= inner, (name, lang, width, scroll)
        options = page.locator(f"{select} option")
        assert options.count() >= 2 and DEFAULT_MARK[lang] in options.first.inner_text()
        box = page.locator(select).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width and box["height"] >= 40, (name, width, box)
        page.locator(select).scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"picker-{name}-{lang}-{width}x{height}.png"))


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_template_pickers_on_tablet_and_phone(live_server, browser, pair, principal, teacher, lang):
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    principal.locale = teacher.locale = lang
    db.session.commit()
    for user, name, path, select in ((teacher, "peer", f"/feedback/peer/groups/{pair}/visit", "#template_version_id"),
                                     (principal, "walkthrough", "/visits/new", "#template")):
        context = browser.new_context(locale="sv-SE")
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        log_in_through_the_form(page, base, user)
        look(page, name, lang, f"{base}{path}", select)
        context.close()
