"""The printed (PDF) report carries a tally's derived measures in its charts (#16): the heatmap's rows
and the comparison with the month before, in the reader's language. Chromium prints the page to PDF
(what "Save as PDF" gives a principal) and pypdf reads its text back, as tests/e2e/test_insights_report.py."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.dates import today
from tests.e2e.test_a11y_axe import violations_on
from tests.e2e.test_insights_report import _pdf_text, open_insights
from tests.insights.test_measures_charts import lessons  # noqa: F401 (the fixture: a tally over three months)

pytestmark = pytest.mark.e2e

WORDS = {
    "en": {"heat": "Items by month", "compare": "Comparison", "heading": "Derived measures",
           "open": "Share of open questions", "rate": "Questions per minute", "per_minute": "0.55 per minute",
           "before": "0.5 per minute", "table": "Computed from the items' totals",
           "change": "-21 percentage points"},
    "sv": {"heat": "Frågor per månad", "compare": "Jämförelse", "heading": "Beräknade mått",
           "open": "Andel öppna frågor", "rate": "Frågor per minut", "per_minute": "0,55 per minut",
           "before": "0,5 per minut", "table": "Beräknade från punkternas summor",
           "change": "\u221221 procentenheter"},
}


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_printed_report_draws_the_measures_in_the_heatmap_and_the_comparison(live_server, page, principal,
                                                                             lessons, lang):  # noqa: F811
    months, _first = lessons
    words = WORDS[lang]
    open_insights(page, live_server.url, principal, lang,
                  f"template=fragetally&period=month&month={months['this']}&compare=previous")
    page.wait_for_selector("#heat-measure-open_share")
    page.wait_for_selector("svg.chart-compare")

    text = _pdf_text(page.pdf(format="A4", print_background=True))
    heat_at = text.index(words["heat"])
    compare_at = text.index(words["compare"], heat_at)
    table_at = text.index(words["table"], compare_at)  # the measures' own table comes after both charts
    heat, compared = text[heat_at:compare_at], text[compare_at:table_at]
    # The heatmap of this month: the measures under their heading, after the items.
    assert words["heading"] in heat and words["open"] in heat and words["rate"] in heat, heat
    assert "39 %" in heat and words["per_minute"] in heat, heat
    # The comparison: this month beside the month before, for the measures too.
    assert words["heading"] in compared and words["open"] in compared, compared
    assert "39 %" in compared and "60 %" in compared, compared
    assert words["per_minute"] in compared and words["before"] in compared, compared
    assert words["change"] in compared, compared  # the share of open questions fell from 60 % to 39 %


SHOTS = Path(os.environ.get("OBSERVE_SHOTS", "/tmp/shots-insights"))
SIZES = [(1024, 768), (768, 1024), (390, 844)]
NO_PAN = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_the_measures_charts_fit_a_tablet_and_a_phone(live_server, page, principal, lessons, lang):  # noqa: F811
    """The heatmap over three months (the first below the minimum) and the comparison with the month
    before, on a tablet both ways and on a phone: no page pans sideways; screenshots to look at."""
    months, first = lessons
    SHOTS.mkdir(parents=True, exist_ok=True)
    open_insights(page, live_server.url, principal, lang,
                  f"template=fragetally&period=custom&start={first}&end={today()}")
    views = [("heat", "section[aria-labelledby=heat-h]", ""),
             ("compare", "section[aria-labelledby=cmp-h]",
              f"template=fragetally&period=month&month={months['this']}&compare=previous")]
    axe, problems = Axe(), []
    for name, selector, query in views:
        if query:
            page.goto(f"{live_server.url}/insights/?{query}")
        problems += violations_on(page, axe)  # the measures' rows and headings too (axe-core, WCAG)
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            section = page.locator(selector)
            expect(section.locator("svg.chart:visible")).to_have_count(1)
            expect(section.locator("svg.chart:visible .chart-heading")).to_have_count(1)  # "Derived measures"
            assert page.evaluate(NO_PAN), (name, lang, width)
            if width < 600:  # a phone gets the chart drawn for its width, not the tablet's at half-size text
                scale = section.locator("svg.chart:visible").evaluate(
                    "e => e.getBoundingClientRect().width / e.viewBox.baseVal.width")
                assert scale > 0.9, (name, lang, scale)
            section.screenshot(path=str(SHOTS / f"charts-{name}-{lang}-{width}x{height}.png"))
    assert not problems, "\n".join(problems)
