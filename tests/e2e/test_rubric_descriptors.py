"""A rubric with level descriptors on a tablet and a phone: each level is one tap target with its
descriptor under it, nothing pans sideways, the visit page shows the chosen level's descriptor."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from observe.extensions import db
from tests.pwa.e2e_support import log_in_through_the_form

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("OBSERVE_SHOTS", "/tmp/shots-rubric"))
TIMEOUT = 20_000  # ms, for a loaded machine; nothing here sleeps
SIZES = [(1024, 768), (768, 1024), (390, 844)]

RUBRIC = {"key": "R1", "type": "scale", "required": False, "evidence": "optional",
          "label": {"sv": "Frågor och diskussion", "en": "Questioning and discussion"},
          "help": {"sv": "Välj den nivå som bäst beskriver lektionen.", "en": "Choose the level that best describes the lesson."},
          "levels": [
    {"value": "1", "label": {"sv": "Otillräcklig", "en": "Unsatisfactory"}, "score": 1, "description": {
        "sv": "Lärarens frågor är nästan bara slutna och har ett enda rätt svar. Frågorna ställs i snabb följd utan tid "
              "att tänka. Bara ett fåtal elever svarar, och läraren tar emot svaren utan att följa upp dem.",
        "en": "The teacher's questions are almost all closed, with a single right answer. They come in quick "
              "succession with no time to think. Only a few students answer, and answers are accepted without follow-up."}},
    {"value": "2", "label": {"sv": "Grundläggande", "en": "Basic"}, "score": 2, "description": {
        "sv": "Några frågor är öppna, men de flesta prövar minne. Läraren väntar ibland på svar. Samma elever svarar "
              "oftast. Försök att få igång ett samtal mellan eleverna lyckas bara delvis.",
        "en": "Some questions are open, but most test recall. The teacher sometimes waits for answers. The same students "
              "tend to answer. Attempts to start a discussion among students only partly succeed."}},
    {"value": "3", "label": {"sv": "Skicklig", "en": "Proficient"}, "score": 3, "description": {
        "sv": "De flesta frågor är öppna och ger eleverna tid att tänka. Läraren fördelar ordet så att många deltar. "
              "Eleverna bygger vidare på varandras svar. Läraren följer upp med frågor som fördjupar.",
        "en": "Most questions are open and give students time to think. The teacher spreads the turns so many take part. "
              "Students build on each other's answers. The teacher follows up with probing questions."}},
    {"value": "4", "label": {"sv": "Framstående", "en": "Distinguished"}, "score": 4, "description": {
        "sv": "Eleverna ställer egna frågor till varandra och till läraren. Samtalet drivs av eleverna, och läraren "
              "kliver in bara för att fördjupa. Alla elever deltar. Tänketid är en självklar del av lektionen. Eleverna "
              "motiverar sina svar med belägg.",
        "en": "Students ask their own questions of each other and of the teacher. The discussion is driven by students, "
              "the teacher stepping in only to deepen it. Every student takes part. Wait time is a given. Students "
              "justify their answers with evidence."}}]}


@pytest.fixture
def rubric_school(ctx, school, principal):
    from observe.templates_.models import Template
    from observe.templates_.services import install_defaults, publish, save_draft, working_document

    install_defaults(school)
    principal.locale = "sv"  # the Swedish labels and descriptors are asserted below
    template = db.session.query(Template).filter_by(school_id=school.id, key="walkthrough").one()
    document = working_document(template)
    document["sections"][0]["items"].insert(0, RUBRIC)
    save_draft(template, document)
    publish(template, principal)
    db.session.commit()
    return template.id


def test_a_rubric_on_tablet_and_phone(live_server, page, rubric_school, principal, teacher):
    base = live_server.url
    page.set_default_timeout(TIMEOUT)
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in_through_the_form(page, base, principal)

    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}/visits/new/spontaneous?teacher={teacher.id}")
        item = page.locator("#item-R1")
        expect(item.locator(".engine-descriptor")).to_have_count(4)
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways panning
        boxes = item.locator(".engine-option").evaluate_all(  # measured at one moment
            "els => els.map(e => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; })")
        assert all(b["x"] >= 0 and b["x"] + b["w"] <= width for b in boxes)
        assert all(boxes[i + 1]["y"] >= boxes[i]["y"] + boxes[i]["h"] for i in range(3)), boxes  # one under another
        item.locator(".engine-descriptor").nth(2).click()  # a tap on the descriptor chooses its level
        expect(item.locator("input[value='3']")).to_be_checked()
        item.scroll_into_view_if_needed()
        item.screenshot(path=str(SHOTS / f"form-rubric-{width}x{height}.png"))

    page.click("button[value=finish]")
    page.wait_for_url(re.compile(r"/visits/[0-9a-f-]{36}$"))
    body = page.inner_text("main")
    assert "Skicklig" in body and "Eleverna bygger vidare på varandras svar." in body
    assert "Tänketid är en självklar del" not in body  # only the chosen level's descriptor
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SHOTS / f"visit-{width}x{height}.png"), full_page=True)

    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}/templates/{rubric_school}/items/R1")
        expect(page.locator("#item-preview .engine-descriptor")).to_have_count(4)
        expect(page.locator("textarea[name='descriptors-3-en']")).to_have_value(RUBRIC["levels"][3]["description"]["en"])
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SHOTS / f"designer-item-{width}x{height}.png"), full_page=True)
