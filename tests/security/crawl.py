"""Walk the pages a signed-in user can reach, for checks that must hold on every page."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

ID = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+")
SKIP = ("/static/", "/api/", "/sw.js", "/logout")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") or ""
        if tag == "a" and href.startswith("/") and not href.startswith("//"):
            self.links.append(href)


def links_in(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    parser.close()
    return parser.links


def crawl_pages(client, start: str = "/", limit: int = 80, per_shape: int = 2) -> dict[str, str]:
    """{path: html} for same-site HTML pages reachable from `start` by GET, breadth first.
    At most `per_shape` pages per URL shape (/visits/7 and /visits/8 are one shape)."""
    seen, shapes, queue, pages = set(), {}, [start], {}
    while queue and len(pages) < limit:
        path = urlsplit(queue.pop(0))._replace(fragment="").geturl()
        shape = ID.sub("N", urlsplit(path).path)
        if path in seen or shapes.get(shape, 0) >= per_shape or path.startswith(SKIP):
            continue
        seen.add(path)
        shapes[shape] = shapes.get(shape, 0) + 1
        response = client.get(path)
        if response.mimetype != "text/html":
            continue
        pages[path] = html = response.get_data(as_text=True)
        queue.extend(links_in(html))
    return pages


@pytest.fixture
def demo(ctx):
    """The demo organisation: a term of visits, feedback and peer work, so pages have content."""
    from observe.demo import load_demo

    load_demo()
