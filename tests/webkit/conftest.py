"""Fixtures for the WebKitGTK tests: one virtual screen per run, a switchable network per test,
and browsers that are always closed (never left running)."""
from __future__ import annotations

import pytest

from tests.pwa.e2e_support import observer, walkthrough_school  # noqa: F401

from .support import Relay, open_browser, start_xvfb


@pytest.fixture(scope="session")
def display():
    process, name = start_xvfb()
    yield name
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def network(live_server):
    """A fresh origin per test (its own port), so no test sees another's storage."""
    relay = Relay(live_server.server_port)
    yield relay
    relay.close()


@pytest.fixture
def webkit(display, tmp_path):
    """open(profile=None) starts a browser on `profile` (kept between opens); close(driver) ends it."""
    drivers = []

    class Browsers:
        profile = tmp_path / "webkit-profile"

        def open(self, profile=None):
            driver = open_browser(profile or self.profile, display)
            drivers.append(driver)
            return driver

        def close(self, driver):
            drivers.remove(driver)
            driver.quit()

    yield Browsers()
    for driver in drivers:
        driver.quit()
