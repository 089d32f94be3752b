"""WebKit's pages and the server read the same clock, also when OBSERVE_TEST_TODAY moves the run
(`make test-dates`): WebKitGTK has no clock API, tests/webkit/browser.py moves Date itself."""
from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.webkit


def test_the_page_and_the_server_agree_on_the_time(network, webkit):
    browser = webkit.open()
    browser.get(f"{network.url}/login")
    in_page = browser.execute_script("return [Date.now(), new Date().getTime()]")
    now = dt.datetime.now(dt.timezone.utc).timestamp() * 1000
    assert all(abs(value - now) < 60_000 for value in in_page), (
        [dt.datetime.fromtimestamp(value / 1000, dt.timezone.utc) for value in in_page], dt.datetime.now(dt.timezone.utc))
