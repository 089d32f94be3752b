"""Typing (named keystroke.py: a bench/typing.py would shadow the standard library's
`typing` module for every script in bench/): the time to save one keystroke's change to IndexedDB on a 20-section form.

Serves the demo with gunicorn after publishing, in the bench's own database, a version 2
of each school's walkthrough with 20 sections (the lesson section and 19 copies of the
observation section: 172 items). In Chromium it opens the walkthrough form, types
--keys characters into the last free-text answer one by one, and after each waits until
static/js/offline-form.js has stored the change on the device. The figure is its
`observe:saved` measure: from reading the whole form to the IndexedDB transaction
completing (the outbox record and the draft), per keystroke.

    .venv/bin/python bench/keystroke.py [--keys 200]

Budget: median under 16 ms (one frame). Exits 1 when over budget.
"""
from __future__ import annotations

import argparse
import copy
import sys

from playwright.sync_api import sync_playwright

from _support import demo_server, load, median, open_form, percentile

FORM = "/visits/new/spontaneous?teacher=anonymous"
SECTIONS = 20


def twenty_sections(app) -> int:
    """Publish a 20-section walkthrough version in every demo school; return its item count."""
    from sqlalchemy import select

    from observe.dbtypes import utcnow
    from observe.extensions import db
    from observe.templates_.models import Template, TemplateVersion
    from observe.templates_.services import content_hash, load_document

    items = 0
    for template in db.session.scalars(select(Template).where(Template.key == "walkthrough")).all():
        document = load_document(_build(template.latest.document))
        db.session.add(TemplateVersion(template_id=template.id, school_id=template.school_id,
                                       number=template.latest.number + 1, document=document,
                                       content_hash=content_hash(document), published_at=utcnow()))
        items = sum(len(section["items"]) for section in document["sections"])
    db.session.commit()
    return items


def _build(document: dict) -> dict:
    document = copy.deepcopy(document)
    lesson, observation = document["sections"][0], document["sections"][1]
    sections = [lesson]
    for n in range(1, SECTIONS):
        section = copy.deepcopy(observation)
        section["key"] = f"{observation['key']}{n}"
        section["title"] = {lang: f"{text} {n}" for lang, text in observation["title"].items()}
        for item in section["items"]:
            item["key"] = f"S{n}{item['key']}"
        sections.append(section)
    document["sections"] = sections
    return document


SAVED = "() => window.__saved"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=int, default=200)
    args = parser.parse_args()
    with demo_server(prepare=twenty_sections) as (base, items, _stop), sync_playwright() as p:
        browser, _context, page = open_form(p, base, FORM)
        field = page.locator(".visit-items textarea").last
        field.click()
        # The form keeps only its latest measure; collect every one as it is made.
        page.evaluate("""() => { window.__saved = [];
          new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.name === 'observe:saved')
            window.__saved.push(e.duration); }).observe({ type: 'measure' }); }""")
        text = ("Eleverna förklarar för varandra hur de tänker. " * 10)[:args.keys]
        for char in text:
            page.keyboard.type(char)
            page.wait_for_function("() => !document.querySelector('form[data-offline-form]').dataset.saving",
                                   timeout=60_000)
        page.wait_for_function(f"() => window.__saved.length >= {len(text)}", timeout=10_000)  # observers run later
        durations = page.evaluate(SAVED)
        browser.close()
    figure = median(durations)
    print(f"keystroke saved to IndexedDB, {SECTIONS}-section form ({items} items), "
          f"{len(durations)} keystrokes ({load()}): median {figure:.1f} ms, p95 {percentile(durations, .95):.1f} ms, "
          f"max {max(durations):.1f} ms (budget median < 16 ms: {'met' if figure < 16 else 'missed'})")
    return 0 if figure < 16 else 1


if __name__ == "__main__":
    sys.exit(main())
