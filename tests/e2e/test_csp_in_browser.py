"""In Chromium, under the real policy, no page of any role is refused a script, a style or
a connection: the CSP holds and nothing on our pages depends on what it forbids. The
browser also understands every feature our Permissions-Policy names."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

pytestmark = pytest.mark.e2e
TIMEOUT = 20_000  # ms, for a loaded machine; nothing here sleeps
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+")


@pytest.fixture
def demo(ctx):
    from observe.demo import load_demo

    load_demo()


def same_site_links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    return [urlsplit(href)._replace(fragment="").geturl() for href in hrefs if href.startswith(base)]


@pytest.mark.parametrize("email", ["rektor@demo.observe", "larare1@demo.observe", "admin@demo.observe"])
def test_no_page_breaks_the_policy_in_the_browser(live_server, page, demo, email):
    from observe.demo import PASSWORD

    base = live_server.url
    refused: list[str] = []
    page.on("console", lambda message: refused.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or "Permissions-Policy" in message.text else None)
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")

    queue, seen, shapes, visited = [f"{base}/"], set(), {}, 0
    while queue and visited < 25:
        url = queue.pop(0)
        path = urlsplit(url).path
        shape = ID.sub("N", path)
        if url in seen or shapes.get(shape, 0) >= 1 or path.startswith(("/static/", "/api/", "/logout")):
            continue
        seen.add(url)
        shapes[shape] = 1
        try:
            response = page.goto(url, wait_until="load")
        except PlaywrightError as error:  # a link to a file (CSV, .ics, JSON export)
            if "Download is starting" in str(error):
                continue
            raise
        visited += 1
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        queue.extend(same_site_links(page, base))
    assert visited > 3
    assert not refused, "the browser refused or did not understand a policy:\n" + "\n".join(refused)


def test_the_browser_enforces_the_policy(live_server, page):
    """The check above can fail: an inline script on our origin is refused and reported."""
    page.goto(f"{live_server.url}/login")
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text) as refused:
        page.evaluate("""() => {
            const script = document.createElement('script');
            script.textContent = 'window.injected = true';
            document.body.append(script);
        }""")
    assert "script-src" in refused.value.text
    assert page.evaluate("() => window.injected === undefined")
