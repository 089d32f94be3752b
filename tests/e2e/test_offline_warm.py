"""Saving the offline pages runs once per device, even when the user moves on before it ends.

On a slow school network the worker may still be fetching the user's offline pages when the
principal opens the next page. That page used to start the whole download again (and the
next, and the next); now it waits for the running one and still says when the device is ready.
"""
from __future__ import annotations

import threading

import pytest

from observe.templates_.choice import usable_versions
from tests.pwa.e2e_support import (TIMEOUT, log_in_through_the_form, observer, wait_offline_ready,  # noqa: F401
                                   walkthrough_school)

pytestmark = pytest.mark.e2e


def test_a_page_opened_during_the_warm_waits_for_it_instead_of_starting_another(app, live_server, page,
                                                                                observer, walkthrough_school):
    release, warming = threading.Event(), threading.Event()
    page_lists = []

    serve = app.wsgi_app

    def slow_network_for_the_warm(environ, start_response):
        """In front of the app (a hanging request must not hold the database)."""
        if environ["PATH_INFO"] == "/offline-pages.json":
            page_lists.append(environ["PATH_INFO"])
        if environ.get("HTTP_X_OBSERVE_WARM"):
            warming.set()
            release.wait(timeout=30)  # the worker's fetches hang until the test lets them through
        return serve(environ, start_response)

    app.wsgi_app = slow_network_for_the_warm

    base = live_server.url
    page.set_default_timeout(TIMEOUT)
    log_in_through_the_form(page, base, observer)
    assert warming.wait(timeout=TIMEOUT / 1000)  # the home page handed its warm to the worker; it hangs
    assert len(page_lists) == 1

    page.goto(f"{base}/visits/")  # the principal moves on while the pages are still being saved
    page.goto(f"{base}/visits/new")
    assert not page.locator("html[data-offline-ready]").count()  # not ready yet, and it does not say so
    release.set()
    wait_offline_ready(page)  # the running warm's result reaches the page that is open now
    assert len(page_lists) == 1
    # Five pages, and the form of each other template the start page offers (the shipped "any" ones).
    others = len(usable_versions(walkthrough_school, "walkthrough")) - 1
    assert f"{5 + others} pages saved on this device" in page.locator("p[data-offline-ready]").text_content()
