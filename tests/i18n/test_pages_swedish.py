"""A Swedish page has no English left in it: every marked string a page shows is translated
at request time (a gettext() run at import time would freeze the text in English)."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.conftest import login
from tests.i18n.conftest import read_catalog
from tests.security.crawl import crawl_pages, demo  # noqa: F401  (fixture)

READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}
BRAND = "Observe"  # the product's name, also the English msgid of the verb "Observera"


class Texts(HTMLParser):
    """The strings a user reads or hears: text nodes, labels for assistive technology, buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        for name in READ_ATTRIBUTES & attributes.keys():
            self.texts.append(attributes[name] or "")
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.texts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data)


def english_left(html: str, english: set[str]) -> list[str]:
    parser = Texts()
    parser.feed(html)
    parser.close()
    return sorted({text.strip() for text in parser.texts if text.strip() in english})


@pytest.fixture(scope="module")
def english_only() -> set[str]:
    """Source strings whose Swedish differs and that a page shows as they are (no placeholders)."""
    return {message.id for message in read_catalog("sv")
            if isinstance(message.id, str) and message.string and message.string != message.id
            and "%" not in message.id and message.id != BRAND}


def test_the_check_sees_english_text(english_only):
    html = '<h1>Log out</h1><button aria-label="Skip to content">x</button><p>Logga ut</p><script>"Save"</script>'
    assert english_left(html, english_only) == ["Log out", "Skip to content"]


def test_login_page_has_no_english(i18n_app, english_only):
    client = i18n_app.test_client()
    client.environ_base.pop("HTTP_ACCEPT_LANGUAGE", None)
    assert english_left(client.get("/login").get_data(as_text=True), english_only) == []


def test_pages_of_every_role_have_no_english(i18n_app, demo, english_only):
    """Principal, teacher and administrator, over the demo data (loaded once for all three)."""
    from observe.demo import PASSWORD

    leaks = {}
    for email in ("rektor@demo.observe", "larare1@demo.observe", "admin@demo.observe"):
        client = i18n_app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv-SE,sv;q=0.9"
        assert login(client, email, PASSWORD).status_code == 302
        pages = crawl_pages(client)
        assert len(pages) > 3, email
        leaks |= {f"{email} {path}": found for path, html in pages.items()
                  if (found := english_left(html, english_only))}
    assert not leaks, f"English on Swedish pages: {leaks}"
