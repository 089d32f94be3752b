"""One full peer-observation cycle in Chromium, with two teachers in two browser contexts.

Lars proposes a pair with Karin (the principal confirms) → Lars books Karin to observe him and sets
the focus → Karin records evidence with the peer template → both see the notes; Lars chooses his
own next step and sends a summary (focus theme and counts only) to the principal → roles swap:
Karin books Lars → the page shows who has observed whom and what is still to do. The principal
never sees the notes, only the summary.

JavaScript is off: the HTML-first path every page must keep working on.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from observe.extensions import db
from observe.visits.models import PeerGroup, Visit
from tests.dates import form_value, next_weekday, stockholm, term_key, today

from .test_planned_cycle import UUID, defaults_installed, open_as, shot  # noqa: F401  (fixture reused)

pytestmark = pytest.mark.e2e


def test_peer_observation_cycle(app, live_server, browser, browser_context_args, defaults_installed, principal,
                                teacher, make_user):
    colleague = make_user(name="Karin Kollega", email="kollega@example.se")
    base = live_server.url
    lars_ctx, lars = open_as(browser, browser_context_args, base, teacher)
    karin_ctx, karin = open_as(browser, browser_context_args, base, colleague)
    boss_ctx, boss = open_as(browser, browser_context_args, base, principal)

    # 1. Lars proposes the pair; the principal confirms it.
    lars.click("nav.mainnav >> text=Peer observation")
    lars.check(f"input[name=members][value='{teacher.id}']")
    lars.check(f"input[name=members][value='{colleague.id}']")
    lars.fill("#period_start", str(today() - dt.timedelta(days=30)))
    lars.fill("#period_end", str(today() + dt.timedelta(days=60)))
    lars.click("button:has-text('Propose')")
    lars.wait_for_url(f"{base}/feedback/peer/")
    assert "Proposed, waiting for confirmation" in lars.inner_text("main")
    boss.goto(f"{base}/feedback/peer/")
    boss.click("button:has-text('Confirm')")
    boss.wait_for_url(f"{base}/feedback/peer/")
    assert "Confirmed" in boss.inner_text("main")
    # Karin accepts the group Lars proposed (her home page asks her to).
    karin.reload()
    karin.click("text=Accept your peer-observation group with Lars Lärare")
    karin.click("button:has-text('Accept the group')")
    karin.wait_for_url(re.compile(r"/feedback/peer/"))
    assert "You have accepted the group." in karin.inner_text("main")

    # 2. Lars (observed) books Karin and sets the focus; nothing goes to the principal yet.
    lars.reload()
    lars.click("text=Book an observation of my lesson")
    lars.select_option("#observer_id", str(colleague.id))
    lars.fill("#scheduled_at", form_value(stockholm(next_weekday(1), 10)))
    lars.fill("#focus_text", "Vilka elever svarar på mina frågor?")
    lars.fill("#data_method", "Räkna öppna och slutna frågor.")
    lars.click("button:has-text('Book the peer observation')")
    lars.wait_for_url(re.compile(rf"/feedback/visit/{UUID}$"))
    peer_url = lars.url
    visit_uuid = peer_url.rsplit("/", 1)[1]

    # 3. Karin observes: only evidence on Lars's focus, with the peer template.
    karin.click("nav.mainnav >> text=Peer observation")
    karin.click("text=I observe Lars Lärare")
    karin.wait_for_url(peer_url)
    assert "You observe only what your colleague chose." in karin.inner_text("main")
    assert "Vilka elever svarar på mina frågor?" in karin.inner_text("main")
    karin.click("a.button.primary:has-text('Observe')")
    karin.wait_for_url(re.compile(rf"/visits/{visit_uuid}/observe$"))
    assert karin.locator("input[type=radio][name^='a.']").count() == 0  # no ratings
    # Lars's focus is on her form already (not an empty required field to retype), and his own next step is not.
    assert karin.locator("#item-P1 .engine-carried").inner_text() == "Vilka elever svarar på mina frågor?"
    assert karin.locator("textarea[name='a.P1']").count() == 0 and karin.locator("#item-P8").count() == 0
    karin.fill("input[name='a.P4_open']", "6")
    karin.fill("input[name='a.P4_closed']", "11")
    karin.fill("textarea[name='a.P5']", "Eleverna närmast tavlan svarade på 9 av 11 frågor.")
    karin.click("button[value=finish]")
    karin.wait_for_url(re.compile(rf"/visits/{visit_uuid}$"))
    assert "Eleverna närmast tavlan" in karin.inner_text("main")

    # 4. Both see the notes; Lars owns them: his next step and the summary to the principal.
    lars.goto(f"{base}/visits/{visit_uuid}")
    assert "Eleverna närmast tavlan" in lars.inner_text("main")
    add_next_step(lars, peer_url, "Använda namnlappar för att fördela ordet.")
    assert boss.goto(peer_url).status == 404
    assert boss.goto(f"{base}/visits/{visit_uuid}").status == 404
    term = term_key(today())  # Karin observed just now: this term
    boss.goto(f"{base}/feedback/follow-up?term={term}")
    assert "Vilka elever svarar" not in boss.inner_text("main")
    lars.check("#summary_to_principal")
    lars.click("button:has-text('Save my choice')")
    lars.wait_for_url(peer_url)
    shot(lars, "peer-owner-1024")
    boss.goto(f"{base}/feedback/follow-up?term={term}")
    summaries = boss.inner_text("section[aria-labelledby=h-summaries]")
    assert "Vilka elever svarar på mina frågor?" in summaries and "6" in summaries and "11" in summaries
    assert "Eleverna närmast tavlan" not in boss.inner_text("main")
    shot(boss, "follow-up-principal-1024")

    # 5. Roles swap: Karin books Lars. The page shows who has observed whom and what is left.
    karin.goto(f"{base}/feedback/peer/")
    karin.click("text=Book an observation of my lesson")
    karin.select_option("#observer_id", str(teacher.id))
    karin.fill("#scheduled_at", form_value(stockholm(next_weekday(1, weeks=1), 13)))
    karin.fill("#focus_text", "Hur tydliga är mina instruktioner?")
    karin.click("button:has-text('Book the peer observation')")
    karin.wait_for_url(re.compile(rf"/feedback/visit/{UUID}$"))
    lars.goto(f"{base}/feedback/peer/")
    rows = [r.inner_text().split("\t") for r in lars.locator("table.fl-matrix tbody tr").all()]
    states = {(r[0].strip(), r[1].strip()): r[2] for r in rows}
    assert states[("Karin Kollega", "Lars Lärare")].startswith("Done")
    assert states[("Lars Lärare", "Karin Kollega")].startswith("Booked")
    shot(lars, "peer-matrix-1024")
    lars.set_viewport_size({"width": 390, "height": 844})
    shot(lars, "peer-matrix-390")

    with app.app_context():
        group = db.session.scalar(select(PeerGroup))
        assert group.status == "confirmed"
        first = db.session.scalar(select(Visit).where(Visit.uuid == visit_uuid_of(peer_url)))
        assert first.summary_to_principal and first.observation.answers["P4_open"]["value"] == 6
    for context in (lars_ctx, karin_ctx, boss_ctx):
        context.close()


def add_next_step(page, peer_url: str, text: str):
    """The observed teacher chooses their own next step on the peer visit's page."""
    page.goto(peer_url)
    page.click("summary:has-text('Add a next step')")
    page.fill("#text", text)
    page.fill("#due_on", str(today() + dt.timedelta(days=14)))
    page.click("button:has-text('Add next step')")
    page.wait_for_url(peer_url)


def visit_uuid_of(url: str):
    import uuid

    return uuid.UUID(url.rsplit("/", 1)[1])
