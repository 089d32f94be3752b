"""The browser and the server read the same clock, also when OBSERVE_TEST_TODAY moves the run
(`make test-dates`): a device stamps notes and visits with its own time, the server files them
by its today, and a suite at another date is only worth running if both moved."""
from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.e2e


def test_the_page_and_the_server_agree_on_the_time(live_server, browser, page):
    page.goto(f"{live_server.url}/login")
    before = dt.datetime.now(dt.timezone.utc).timestamp() * 1000
    in_page = page.evaluate("Date.now()")
    after = dt.datetime.now(dt.timezone.utc).timestamp() * 1000
    assert before - 60_000 < in_page < after + 60_000, (dt.datetime.fromtimestamp(in_page / 1000, dt.timezone.utc),
                                                        dt.datetime.now(dt.timezone.utc))
    # A context a test opens itself (a second device) agrees too.
    other = browser.new_context()
    try:
        second = other.new_page()
        second.goto(f"{live_server.url}/login")
        assert abs(second.evaluate("Date.now()") - dt.datetime.now(dt.timezone.utc).timestamp() * 1000) < 60_000
    finally:
        other.close()
