"""Shared by the accessibility browser tests: the demo data and signing in as a demo user."""
from __future__ import annotations

import pytest

TIMEOUT = 20_000  # ms, for a loaded machine; nothing here sleeps


@pytest.fixture
def demo(ctx):
    """The demo organisation (a term of visits, feedback, peer work) so every page has content."""
    from observe.demo import load_demo

    load_demo()


def sign_in(page, base: str, email: str | None) -> str:
    """Sign in through the login form (or stay signed out for None); returns the start page."""
    from observe.demo import PASSWORD

    page.set_default_timeout(TIMEOUT)
    page.goto(f"{base}/login")
    if email is None:
        return "/login"
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")
    return "/"
