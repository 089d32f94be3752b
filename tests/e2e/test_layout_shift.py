"""Nothing on a page moves after it is drawn (issue 19), and the login page fetches no sync code.

The status bar and a form's state line are in the HTML at their final size; the offline
client only fills them in. Layout shift is read from Chromium's own `layout-shift` entries
(the figure behind Lighthouse's CLS), collected from the first paint until the offline client
has settled: the form restored, the status bar in its state, the offline pages saved.
"""
from __future__ import annotations

import pytest

from tests.pwa.e2e_support import (TIMEOUT, log_in_through_the_form, observer, open_device, wait_form,  # noqa: F401
                                   wait_offline_ready, walkthrough_school)

pytestmark = pytest.mark.e2e

VIEWPORTS = [{"width": 1024, "height": 768}, {"width": 390, "height": 844}]

# Installed before any script of the page runs: every shift from the first paint on.
COLLECT_SHIFTS = """
window.__shifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.hadRecentInput) continue;
    window.__shifts.push({value: entry.value, sources: (entry.sources || []).map((source) =>
      source.node ? (source.node.id || source.node.className || source.node.nodeName) : '?')});
  }
}).observe({type: 'layout-shift', buffered: true});
"""


def shifts(page) -> list[dict]:
    page.wait_for_timeout(300)  # the last frame's entries are delivered after it is painted
    return page.evaluate("window.__shifts")


@pytest.fixture
def new_page(open_device):
    return lambda viewport: open_device(viewport, init_script=COLLECT_SHIFTS)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["1024x768", "390x844"])
def test_the_walkthrough_form_does_not_move_while_the_offline_client_starts(live_server, new_page, observer,
                                                                            teacher, viewport):
    page = new_page(viewport)
    log_in_through_the_form(page, live_server.url, observer)
    wait_offline_ready(page)  # later pages take the warm's answer from the device, like a returning user
    fetched = []
    page.on("response", lambda response: fetched.append(response.url))
    page.goto(f"{live_server.url}/visits/new/spontaneous?teacher={teacher.id}")
    wait_form(page)
    page.wait_for_selector("#sync-status[data-state=synced]", state="attached")
    assert page.locator("#sync-status").is_visible()
    assert page.locator("form[data-offline-form] .record-state").count() == 1
    assert shifts(page) == []
    # One script: the page's bundle holds shell.js, the offline client, the offline form and visits.js.
    scripts = [url.split("?")[0] for url in fetched if url.split("?")[0].endswith(".js") and "/sw.js" not in url]
    assert [url.rsplit("/", 1)[-1] for url in scripts] == ["visits.bundle.js"], scripts


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["1024x768", "390x844"])
def test_the_first_page_after_login_does_not_move_while_the_device_gets_ready(live_server, new_page, observer,
                                                                               viewport):
    page = new_page(viewport)
    log_in_through_the_form(page, live_server.url, observer)
    wait_offline_ready(page)  # the status bar has said everything it says on a first visit
    assert shifts(page) == []


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["1024x768", "390x844"])
def test_the_login_page_does_not_move_and_fetches_no_sync_code(live_server, new_page, viewport):
    page = new_page(viewport)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/login")
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_load_state("networkidle")
    assert shifts(page) == []
    scripts = [url.split("?")[0].rsplit("/", 1)[-1] for url in requested if ".js" in url and "/sw.js" not in url]
    assert scripts, requested
    assert not {"outbox.js", "status.js", "store.js", "sync.js", "offline-form.js", "app.bundle.js"} & set(scripts), scripts


def test_without_javascript_neither_the_status_bar_nor_the_state_line_shows(browser, live_server, observer, teacher):
    """They are drawn for the script to fill in; with no script they would report nothing."""
    context = browser.new_context(viewport=VIEWPORTS[0], locale="sv-SE", java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        log_in_through_the_form(page, live_server.url, observer)
        page.goto(f"{live_server.url}/visits/new/spontaneous?teacher={teacher.id}")
        assert page.locator("#sync-status").count() == 1 and not page.locator("#sync-status").is_visible()
        assert not page.locator(".record-state").is_visible()
        assert page.locator(".visit-meta").bounding_box()["y"] < 400  # no blank space left in their place
    finally:
        context.close()
