"""A principal opens the insights dashboard on a tablet (1024x768) and sees real SVG charts,
each with its data table, and a hidden figure where too few observations exist."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.insights.conftest import make_template, record_observation, simple
from tests.dates import today as school_today

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/shots-insights")
TIMEOUT = 20_000  # ms, for a loaded machine; nothing here sleeps


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "service_workers": "block"}  # the live page, not a cached copy


def test_principal_sees_charts_at_tablet_size(live_server, page, ctx, school, principal, make_user):
    version = make_template(school)
    teachers = [make_user() for _ in range(3)]
    today = school_today()
    for n in range(6):
        record_observation(version, teachers[n % 3], today, simple(scale=str(n % 4 + 1), counter=n))
    base = live_server.url
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{base}/login")
    page.fill("#email", principal.email)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")

    page.locator("nav.mainnav a[href='/insights/']").click()
    page.wait_for_url(f"{base}/insights/")
    scale = page.locator("#item-S1 svg.chart-bars")
    assert scale.is_visible()
    box = scale.bounding_box()
    assert box["width"] > 300 and box["height"] > 100  # a real picture, not a collapsed element
    assert page.locator("#item-S1 svg.chart-bars rect.chart-bar").count() == 5  # four levels + not applicable
    assert page.locator("#item-S1 table").is_visible()  # the numbers behind the chart
    assert page.locator("#item-C1 svg.chart-spread").is_visible()
    assert page.locator("svg.chart-heat").is_visible()
    assert page.get_by_role("img", name="Syfte synligt").first.is_visible()  # charts are named for screen readers
    assert page.locator("[data-print]").is_visible()  # the print button appears with JavaScript
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard-1024.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.locator("#item-S1 svg.chart-bars").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    # The term's heatmap fits the phone's card whole: its last month is not cut off at the edge.
    heat, figure = page.locator("svg.chart-heat-narrow"), page.locator("figure.chart-wide")
    assert heat.is_visible() and not page.locator("svg.chart-heat").is_visible()
    assert heat.bounding_box()["x"] + heat.bounding_box()["width"] <= figure.bounding_box()["x"] + figure.bounding_box()["width"]
    assert figure.evaluate("e => e.scrollWidth <= e.clientWidth")
    page.screenshot(path=str(SHOTS / "dashboard-390.png"), full_page=True)
