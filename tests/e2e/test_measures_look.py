"""Tried as a school would (#16): a questioning tally with derived shares, a rate and a conditional item,
and a rubric with a (weighted) domain average, in Swedish and English, on a tablet both ways and on a
phone: the form, the visit page's derived measures and Analys's table; no page pans sideways."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from observe.extensions import db
from tests.dates import today
from tests.insights.conftest import record_observation
from tests.templates_.measure_documents import rubric, tally
from tests.pwa.e2e_support import log_in_through_the_form

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("OBSERVE_SHOTS", "/tmp/shots-measures"))
TIMEOUT = 20_000
SIZES = [(1024, 768), (768, 1024), (390, 844)]
NO_PAN = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def instruments(ctx, school, principal, make_user):
    """Both imported (as a principal would, through the import service) and published; five lessons of
    three teachers each, so Analys may show them."""
    from observe.templates_.services import import_template, install_defaults, publish

    install_defaults(school)
    made = {}
    for document in (tally(), rubric()):
        template = import_template(school, principal, json.dumps(document))
        publish(template, principal)
        made[document["key"]] = template
    db.session.commit()
    teachers = [make_user(name=f"Lärare {n}") for n in range(3)]
    counts = [(8, 12, 30, 9, "yes"), (4, 16, 40, 5, "no"), (10, 6, 25, 11, "yes"), (3, 9, 20, 2, "no"),
              (7, 7, 35, 8, "yes")]
    for n, (o, c, minutes, wait, talk) in enumerate(counts):
        answers = {"minutes": {"value": minutes}, "open": {"value": o}, "closed": {"value": c},
                   "wait3": {"value": wait}, "talk": {"value": talk}}
        if talk == "yes":
            answers["talk_how"] = {"value": "think"}
        record_observation(made["fragetally"].latest, teachers[n % 3], today(), answers)
        marks = [("2", "3", "3"), ("3", "3", "na"), ("4", "2", "3"), ("1", "4", "3"), ("3", "3", "2")][n]
        record_observation(made["rubrik"].latest, teachers[n % 3], today(),
                           {"d3a": {"value": marks[0]}, "d3b": {"value": marks[1]}, "d3c": {"value": marks[2]}})
    return {key: template.id for key, template in made.items()}, {key: t.key for key, t in made.items()}


def _speak(page, base, language):
    """Switch the language as a person does (the button in the page footer/menu), then check it took."""
    page.goto(f"{base}/")
    if page.get_attribute("html", "lang") != language:
        page.locator(f"button[name=lang][value={language}]").first.click()
        expect(page.locator("html")).to_have_attribute("lang", language)


def test_a_tally_and_a_rubric_on_tablet_and_phone(live_server, page, instruments, principal, teacher):
    ids, keys = instruments
    base = live_server.url
    page.set_default_timeout(TIMEOUT)
    SHOTS.mkdir(parents=True, exist_ok=True)
    principal.locale = "sv"
    db.session.commit()
    log_in_through_the_form(page, base, principal)

    words = {"sv": ("Beräknade mått", "Andel öppna frågor", "Frågor per minut", "per minut", "Domän 3, medel"),
             "en": ("Derived measures", "Share of open questions", "Questions per minute", "per minute",
                    "Domain 3 average")}
    for language in ("sv", "en"):
        _speak(page, base, language)
        heading, open_share, rate, per_minute, domain = words[language]
        # The tally: the conditional item appears with its answer; finished, the visit page computes.
        page.set_viewport_size({"width": 1024, "height": 768})
        page.goto(f"{base}/visits/new/spontaneous?teacher={teacher.id}&template={ids['fragetally']}")
        expect(page.locator("form[data-offline-ready]")).to_have_count(1)
        expect(page.locator("#item-talk_how")).to_be_hidden()
        page.fill('input[name="a.minutes"]', "20")
        for _ in range(3):
            page.locator('#item-open [data-step="1"]').click()
        page.fill('input[name="a.closed"]', "9")
        page.fill('input[name="a.wait3"]', "6")
        page.locator("#item-talk input[value=yes]").check()
        expect(page.locator("#item-talk_how")).to_be_visible()
        page.locator("#item-talk_how input[value=turn]").check()
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            assert page.evaluate(NO_PAN), ("tally form", language, width)
            page.locator("#item-talk").scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / f"measures-tally-form-{language}-{width}x{height}.png"))
        page.click("button[value=finish]")
        page.wait_for_url(re.compile(r"/visits/[0-9a-f-]{36}$"))
        body = page.inner_text("main")
        assert heading in body and open_share in body and f"0,6 {per_minute}" in body.replace("0.6", "0,6")
        assert re.search(r"25\s?%", body)  # 3 open of 12
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            assert page.evaluate(NO_PAN), ("tally visit page", language, width)
            page.get_by_text(heading).scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / f"measures-tally-visit-{language}-{width}x{height}.png"))

        # The rubric: a level per item, the domain averages on the visit page.
        page.set_viewport_size({"width": 768, "height": 1024})
        page.goto(f"{base}/visits/new/spontaneous?teacher={teacher.id}&template={ids['rubrik']}")
        expect(page.locator("form[data-offline-ready]")).to_have_count(1)
        page.locator("#item-d3a input[value='3']").check()
        page.locator("#item-d3b input[value='4']").check()
        page.locator("#item-d3c input[value='na']").check()
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            assert page.evaluate(NO_PAN), ("rubric form", language, width)
            page.screenshot(path=str(SHOTS / f"measures-rubric-form-{language}-{width}x{height}.png"))
        page.click("button[value=finish]")
        page.wait_for_url(re.compile(r"/visits/[0-9a-f-]{36}$"))
        body = page.inner_text("main")
        assert domain in body and re.search(r"3[,.]5\b", body)  # (3 + 4) / 2, "not applicable" left out
        assert re.search(r"3[,.]67\b", body)  # weighted: (3 + 2·4) / 3
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            assert page.evaluate(NO_PAN), ("rubric visit page", language, width)
            page.get_by_text(heading).scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / f"measures-rubric-visit-{language}-{width}x{height}.png"))

        # Analys: the measures over the period, from the items' sums.
        for key in ("fragetally", "rubrik"):
            page.goto(f"{base}/insights/?template={keys[key]}")
            table = page.locator("#measures")
            expect(table).to_contain_text(heading)
            for width, height in SIZES:
                page.set_viewport_size({"width": width, "height": height})
                assert page.evaluate(NO_PAN), ("analys", key, language, width)
                table.scroll_into_view_if_needed()
                table.screenshot(path=str(SHOTS / f"measures-analys-{key}-{language}-{width}x{height}.png"))
        expect(page.locator("#measure-d3_avg strong")).to_have_count(1)
