"""Analys for a COPUS-style sheet on a tablet and a phone: codes (keys with "/") as the share of
intervals, and the engagement level per interval as stacked bars with their table; no panning."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from observe.templates_.schemas import load_document
from tests.insights.conftest import make_template, record_observation
from tests.templates_.copus import copus_document
from tests.pwa.e2e_support import log_in_through_the_form
from tests.dates import today as school_today

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("OBSERVE_SHOTS", "/tmp/shots-grid"))
SIZES = [(1024, 768), (768, 1024), (390, 844)]
NO_PAN = "document.scrollingElement.scrollWidth <= window.innerWidth"
LEVELS = ["low", "medium", "high"]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "service_workers": "block"}  # the live page, not a cached copy


def test_engagement_per_interval_in_analys(live_server, page, ctx, school, principal, make_user):
    version = make_template(school, load_document(copus_document()))
    teachers = [make_user(name=f"T{i}") for i in range(5)]
    today = school_today()
    for n, teacher in enumerate(teachers):
        cells = [{"teacher": ["Lec", "D/V"] if i % 3 == 0 else ["PQ"], "students": ["L"] if i % 2 else ["WG", "T/Q"],
                  "choices": {"engagement": LEVELS[(i + n) % 3 if i > 5 else 2]}} for i in range(25)]
        record_observation(version, teacher, today, {"C1": {"value": cells}})
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in_through_the_form(page, base, principal)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}/insights/?template=copus")
        card = page.locator("#item-C1")
        expect(card.locator("svg.chart-stacked")).to_be_visible()
        expect(card.locator("svg.chart-stacked rect.chart-seg")).not_to_have_count(0)
        expect(card.get_by_text("Demonstration/video").first).to_be_attached()
        assert card.locator("table caption", has_text="per interval").count() == 1
        assert page.evaluate(NO_PAN), page.evaluate("document.scrollingElement.scrollWidth")
        card.scroll_into_view_if_needed()
        card.screenshot(path=str(SHOTS / f"grid-analys-{width}x{height}.png"))
        card.locator("figure", has=page.locator("svg.chart-stacked")).screenshot(
            path=str(SHOTS / f"grid-analys-per-interval-{width}x{height}.png"))
