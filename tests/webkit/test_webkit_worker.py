"""Issue 20 item 14: in WebKit, loading /login twice about a second apart on a fresh profile left the
service worker "installing" for the rest of the browser session. The cause: WebKit loses a worker
being installed when a page that sends Cross-Origin-Opener-Policy is navigated meanwhile (a minimal
page with COOP showed it in 4 of 4 runs, without COOP in 0 of 4; docs/offline.md). Observe no longer
sends COOP, which makes the stall much rarer but, as far as 15 runs show, not impossible."""
from __future__ import annotations

import os
import time

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

from .support import TIMEOUT, login, wait_for

pytestmark = pytest.mark.webkit

REGISTRATION_JS = """const done = arguments[arguments.length - 1];
navigator.serviceWorker.getRegistration('/').then((r) => done({
  installing: Boolean(r && r.installing), active: r && r.active ? r.active.state : null,
  controlled: Boolean(navigator.serviceWorker.controller)}), (error) => done({error: String(error)}));"""


def registration(driver) -> dict:
    return driver.execute_async_script(REGISTRATION_JS)


@pytest.mark.skipif(not os.environ.get("OBSERVE_WEBKIT_REPRO"), reason=(
    "a timing-dependent reproduction, run by hand (OBSERVE_WEBKIT_REPRO=1): without COOP it still failed "
    "2 of 15 runs here, with COOP most runs; a test that fails by chance does not belong in make test"))
def test_two_quick_loads_of_the_login_page_still_activate_the_worker(app, network, webkit, observer):
    base = network.url
    browser = webkit.open()
    browser.get(f"{base}/login")
    time.sleep(0.7)  # the second load must come while the worker installs: that is the case itself
    browser.get(f"{base}/login")
    seen = []
    try:
        WebDriverWait(browser, TIMEOUT).until(lambda d: seen.append(registration(d)) or seen[-1]["active"] == "activated")
    except TimeoutException:
        pytest.fail(f"the worker never activated: {seen[-1:]}")
    assert registration(browser)["controlled"]

    login(browser, base, observer)  # "Ready to work offline" only with a worker that serves this page
    wait_for(browser, "html[data-offline-ready]")
    assert registration(browser) == {"installing": False, "active": "activated", "controlled": True}
