"""Page weight: bytes a tablet downloads for a first visit with an empty cache.

Serves the demo with gunicorn (production settings, compressed responses), logs in with
Playwright in Chromium and opens each page in a fresh browser context (empty HTTP cache,
no service worker yet), counting what the page itself loads through the network: total
bytes transferred (compressed bodies plus response headers), JavaScript bytes (compressed
bodies; also shown with their headers), and requests. The service
worker's own precache downloads run afterwards in the background and are not counted.

    .venv/bin/python bench/page_weight.py

Budget for the visit form: at most 60 KB in total, at most 25 KB of JavaScript, at most
12 requests. Exits 1 when the visit form is over budget.
"""
from __future__ import annotations

import sys

from playwright.sync_api import sync_playwright

from _support import demo_server, launch, load, login

PAGES = (("login", "/login", False), ("home", "/", True),
         ("visit form", "/visits/new/spontaneous?teacher=anonymous", True), ("dashboard", "/insights/", True))
BUDGET = {"total": 60 * 1024, "js": 25 * 1024, "requests": 12}


def measure(browser, url: str, storage_state) -> dict:
    """Load `url` in a fresh context and add up the page's network traffic (CDP encodedDataLength)."""
    context = browser.new_context(storage_state=storage_state, viewport={"width": 1024, "height": 768},
                                  service_workers="block")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    kinds: dict[str, str] = {}
    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}
    heads: dict[str, int] = {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.setdefault(e["requestId"], e["request"]["url"]))
    def received(e):
        kinds[e["requestId"]] = e["type"]
        heads[e["requestId"]] = int(e["response"].get("encodedDataLength") or 0)  # the headers, so far

    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    page.goto(url, wait_until="networkidle")
    context.close()
    js = sum(size for rid, size in sizes.items() if kinds.get(rid) == "Script")
    js_body = sum(size - heads.get(rid, 0) for rid, size in sizes.items() if kinds.get(rid) == "Script")
    rows = sorted(((sizes.get(rid, 0), kinds.get(rid, "?"), u) for rid, u in urls.items()), reverse=True)
    return {"total": sum(sizes.values()), "js": js_body, "js_wire": js, "requests": len(urls), "rows": rows}


def main() -> int:
    verbose = "-v" in sys.argv
    results = {}
    with demo_server() as (base, _extra, _stop), sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context()
        page = context.new_page()
        login(page, base)
        state = context.storage_state()
        context.close()
        for name, path, logged_in in PAGES:
            results[name] = measure(browser, base + path, state if logged_in else None)
        browser.close()
    print(f"page weight, first load, empty cache ({load()}):")
    for name, r in results.items():
        print(f"  {name:11s} {r['total'] / 1024:6.1f} KB total, {r['js'] / 1024:5.1f} KB JavaScript "
              f"({r['js_wire'] / 1024:4.1f} KB with its response headers), {r['requests']:2d} requests")
        if verbose:
            for size, kind, url in r["rows"]:
                print(f"      {size / 1024:6.1f} KB {kind:10s} {url.split('?')[0]}")
    form = results["visit form"]
    over = [k for k in BUDGET if form[k] > BUDGET[k]]
    print(f"visit form budget (60 KB, 25 KB JS, 12 requests): {'over on ' + ', '.join(over) if over else 'met'}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
