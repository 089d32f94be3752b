"""The printed (PDF) insights report says what it shows and carries none of the app's chrome.

Chromium prints the page to PDF (what "Save as PDF" gives a principal) and pypdf reads its text back."""
from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from observe.extensions import db
from observe.schools.services import save_group
from tests.pwa.e2e_support import log_in_through_the_form
from tests.insights.conftest import make_template, record_observation, simple
from tests.dates import today as school_today

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/shots-insights")
TIMEOUT = 20_000  # ms, for a loaded machine; nothing here sleeps


def _pdf_text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))  # NFKC: the font's "ﬀ" ligature is "ff"


def open_insights(page, base: str, user, lang: str, query: str) -> None:
    """Sign in through the form, switch the language as a person would, open Analys with `query`."""
    page.set_default_timeout(TIMEOUT)
    log_in_through_the_form(page, base, user)
    if page.locator("html").get_attribute("lang") != lang:
        page.locator(".lang-switch button").click()  # the language switch, as a person would
        page.wait_for_selector(f"html[lang={lang}]")
    page.goto(f"{base}/insights/?{query}")


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_printed_report_states_what_it_shows_without_the_app_chrome(live_server, page, ctx, school,
                                                                     principal, make_user, lang):
    version = make_template(school)
    teachers = [make_user() for _ in range(3)]
    save_group(school, None, "Arbetslag F–3", [t.id for t in teachers])
    db.session.commit()
    today = school_today()
    for n in range(6):
        record_observation(version, teachers[n % 3], today, simple(scale=str(n % 4 + 1), counter=n),
                           subject="Matematik")
    base = live_server.url
    open_insights(page, base, principal, lang, f"template=walk&subject=Matematik&group={school.groups[0].id}")
    page.wait_for_selector("#item-S1 svg.chart-bars")
    # The chrome a printout must not carry, as the screen shows it.
    page.evaluate("document.querySelector('#sync-status').hidden = false")
    # (The install invitation is on the home page only; app.css hides it in print all the same.)
    chrome = [page.locator("nav.mainnav a").first.inner_text(),
              page.locator("#sync-status .sync-state").inner_text() or "", page.locator(".lang-switch button").inner_text()]
    chrome = [c.strip() for c in chrome if c.strip()]
    assert len(chrome) >= 3

    text = _pdf_text(page.pdf(format="A4", print_background=True))
    SHOTS.mkdir(exist_ok=True)
    words = {
        "en": ["School", school.name, "Period", "Template", "The round, version 1", "Subject", "Matematik",
               "Teacher group", "Arbetslag F–3", "Item", "All items", "Visit kind", "All visit kinds",
               "Minimum cell size", "5 observations and, where teachers are named, 3 different teachers",
               "Figures computed", "6 completed observations"],
        "sv": ["Skola", school.name, "Period", "Mall", "Rundan, version 1", "Ämne", "Matematik",
               "Lärargrupp", "Arbetslag F–3", "Fråga", "Alla frågor", "Typ av besök", "Alla typer av besök",
               "Minsta cellstorlek", "5 observationer och, där lärare nämns, 3 olika lärare",
               "Siffrorna beräknade", "6 genomförda observationer"],
    }[lang]
    for word in words:
        assert word in text, (word, text[:800])
    computed = re.search(r"(Figures computed|Siffrorna beräknade) (\d{1,2} \S+ \d{4} \d\d:\d\d)", text)
    assert computed, text[:800]
    for piece in chrome:
        assert piece not in text, piece
    assert "Purpose visible" in text or "Syfte synligt" in text  # the figures themselves are there
