"""axe-core finds no WCAG problem on any page: every role (and signed out), both languages,
tablet in both orientations and phone, light and dark colour scheme, over the demo data.

Each role's pages are found by following the links a user can see (GET only, one page per
URL shape) and every page is checked under four settings that together cover each language
at tablet and phone size and each colour scheme (a full 12-way product would take minutes
and find the same template faults)."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError

from tests.a11y.browser import demo, sign_in  # noqa: F401  (fixture)
from tests.dates import iso_z

pytestmark = pytest.mark.e2e
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+")
SKIP = ("/static/", "/api/", "/logout", "/sw.js")
SETTINGS = (  # (language, viewport, colour scheme)
    ("sv", (1024, 768), "light"),
    ("sv", (390, 844), "dark"),
    ("en", (768, 1024), "dark"),
    ("en", (390, 844), "light"),
)
ROLES = ("rektor@demo.observe", "larare1@demo.observe", "admin@demo.observe", None)



def violations_on(page, axe: Axe) -> list[str]:
    found = []
    for violation in axe.run(page).response["violations"]:
        for node in violation["nodes"]:
            found.append(f"{violation['id']} {node['target']}: {node.get('failureSummary', '')[:300]}")
    return found


def check_every_page(page, base: str, start: str, language: str, limit: int = 60) -> tuple[int, list[str]]:
    """Breadth-first over same-site links; axe on each HTML page. Returns (pages, problems)."""
    axe, problems = Axe(), []
    queue, seen, shapes = [start], set(), set()
    while queue and len(seen) < limit:
        path = urlsplit(queue.pop(0))._replace(fragment="").geturl()
        shape = ID.sub("N", urlsplit(path).path)
        if path in seen or shape in shapes or path.startswith(SKIP):
            continue
        seen.add(path)
        shapes.add(shape)
        try:
            response = page.goto(base + path, wait_until="load")
        except PlaywrightError as error:  # a link to a file (CSV, .ics, JSON export)
            if "Download is starting" in str(error):
                continue
            raise
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        assert page.get_attribute("html", "lang") == language, path
        problems += [f"{path}: {problem}" for problem in violations_on(page, axe)]
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
        queue += [href for href in hrefs if href.startswith("/") and not href.startswith("//")]
    return len(seen), problems


@pytest.mark.parametrize("language,viewport,scheme", SETTINGS, ids=lambda v: "x".join(map(str, v))
                         if isinstance(v, tuple) else v)
@pytest.mark.parametrize("email", ROLES, ids=lambda e: (e or "signed-out").split("@")[0])
def test_no_axe_violations_on_any_page(live_server, browser, demo, email, language, viewport, scheme):
    context = browser.new_context(viewport=dict(zip(("width", "height"), viewport)), color_scheme=scheme,
                                  locale="sv-SE" if language == "sv" else "en-GB", service_workers="block",
                                  extra_http_headers={"Accept-Language": language})
    try:
        page = context.new_page()
        start = sign_in(page, live_server.url, email)
        pages, problems = check_every_page(page, live_server.url, start, language)
    finally:
        context.close()
    assert pages >= (2 if email is None else 10)
    assert not problems, "\n".join(problems)


def demo_conflict() -> int:
    """A conflict of the demo principal: her device's copy of her latest observation, changed in
    a choice, a free text and an evidence note, kept beside the server's. Returns its id."""
    from sqlalchemy import select

    from observe.auth.models import User
    from observe.extensions import db
    from observe.templates_.merge_fields import answer_fields
    from observe.sync.models import SyncConflict
    from observe.templates_.schemas import items_of
    from observe.visits.models import Observation

    principal = db.session.execute(select(User).filter_by(email=ROLES[0])).scalar_one()
    obs = db.session.execute(select(Observation).filter_by(author_id=principal.id)
                             .order_by(Observation.id.desc())).scalars().first()
    fields, changed = {}, set()
    for item in items_of(obs.template_version.document):
        answer = dict((obs.answers or {}).get(item["key"]) or {})
        if item["type"] not in changed and item["type"] in ("text", "scale", "yes_no", "choice"):
            changed.add(item["type"])
            answer["value"] = ("Eleverna förklarade för varandra, skrivet på surfplattan." if item["type"] == "text"
                               else item.get("levels", item.get("options", [{"value": "no"}]))[0]["value"]
                               if item["type"] != "yes_no" else "no")
            answer["evidence"] = "Anteckning från surfplattan."
        fields.update(answer_fields(item, answer))
    conflict = SyncConflict(school_id=obs.school_id, user_id=principal.id, record_type="observation",
                            record_uuid=obs.uuid, base_revision=obs.revision, server_revision=obs.revision,
                            payload={"type": "observation", "uuid": str(obs.uuid), "fields": fields,
                                     "template_version_id": obs.template_version_id, "status": obs.status,
                                     "visit": {"uuid": str(obs.visit.uuid), "kind": obs.visit.kind},
                                     "notes": [{"at": iso_z(dt.datetime.now(dt.timezone.utc)), "text": "Från surfplattan"}]})
    db.session.add(conflict)
    db.session.commit()
    return conflict.id


@pytest.mark.parametrize("language,viewport,scheme", SETTINGS, ids=lambda v: "x".join(map(str, v))
                         if isinstance(v, tuple) else v)
def test_no_axe_violations_on_the_merge_screen(live_server, browser, demo, language, viewport, scheme):
    """The merge screen only appears with a conflict, which the demo data has none of: make one."""
    conflict_id = demo_conflict()
    context = browser.new_context(viewport=dict(zip(("width", "height"), viewport)), color_scheme=scheme,
                                  locale="sv-SE" if language == "sv" else "en-GB", service_workers="block",
                                  extra_http_headers={"Accept-Language": language})
    try:
        page = context.new_page()
        sign_in(page, live_server.url, ROLES[0])
        axe, problems = Axe(), []
        for path in ("/", "/conflicts/", f"/conflicts/{conflict_id}"):
            page.goto(live_server.url + path)
            assert page.get_attribute("html", "lang") == language, path
            problems += [f"{path}: {problem}" for problem in violations_on(page, axe)]
        assert page.locator(".merge-differs").count() >= 3  # the page checked really shows a comparison
        page.get_by_role("button", name="Spara sammanfogad version" if language == "sv"
                         else "Save merged version").click()  # nothing chosen yet: the messages are checked too
        page.wait_for_selector(".field-error", state="attached")
        problems += [f"/conflicts/{conflict_id} (422): {problem}" for problem in violations_on(page, axe)]
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_the_check_finds_a_violation(live_server, page):
    """The check above can fail: a control without a label is reported."""
    page.goto(f"{live_server.url}/login")
    page.evaluate("() => document.querySelector('#email').labels.forEach(label => label.remove())")
    assert any(problem.startswith("label ") for problem in violations_on(page, Axe()))
