"""The dashboard opened online is there offline: a principal takes the figures into a
leadership meeting without network and still sees the charts, their tables, and how old
the figures are."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.insights.conftest import make_template, record_observation, simple
from tests.pwa.e2e_support import TIMEOUT, Network, login
from tests.dates import today as school_today

pytestmark = pytest.mark.e2e


def test_dashboard_opened_online_shows_its_charts_offline(live_server, context, page, ctx, school, principal,
                                                           make_user):
    version = make_template(school)
    teachers = [make_user() for _ in range(3)]
    for n in range(6):
        record_observation(version, teachers[n % 3], school_today(), simple(scale=str(n % 4 + 1), counter=n))
    base = live_server.url
    page.set_default_timeout(TIMEOUT)
    page.set_viewport_size({"width": 1024, "height": 768})
    login(page, base, principal)  # waits until the service worker controls the page
    page.goto(f"{base}/insights/")
    as_of = page.locator(".insights-scope").inner_text()
    assert "Figures computed" in as_of or "Siffrorna beräknade" in as_of

    network = Network(context)
    network.off()
    page.reload()
    page.wait_for_selector("#sync-status[data-state=offline]", state="attached", timeout=TIMEOUT)
    assert page.locator("#item-S1 svg.chart-bars").is_visible()
    assert page.locator("#item-S1 table").is_visible()
    assert page.locator("svg.chart-heat").is_visible()
    assert page.locator(".insights-scope").inner_text() == as_of  # the same figures, and it says when from

    page.goto(f"{base}/insights/?period=month")  # other filters offline: the saved figures, not an error
    assert page.locator("svg.chart-heat").is_visible()
    page.goto(f"{base}/insights/?template={version.template.key}")  # a template filter too
    assert page.locator("svg.chart-heat").is_visible()
    network.on()
