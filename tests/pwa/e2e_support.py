"""Shared pieces of the offline fault-matrix tests (tests/e2e/test_offline_*.py).

Cutting the network: `context.set_offline()` does not reach the service worker's own
requests, so the tests route every request of the browser context (pages AND worker)
to a network error. Playwright routes service-worker requests only with
PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS=1, set here before the browser starts.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from observe.extensions import db
from observe.visits.models import Observation, Visit
from tests.conftest import PASSWORD

os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")

TIMEOUT = 20_000  # ms; generous for a loaded CI machine, never a sleep


@pytest.fixture
def walkthrough_school(ctx, school):
    """A school with the shipped templates installed (the walkthrough form needs one)."""
    from observe.templates_.services import install_defaults

    install_defaults(school)
    db.session.commit()
    return school


@pytest.fixture
def observer(walkthrough_school, principal):
    return principal


def planned_visit_on(school, observer, teacher, template_kind: str) -> Visit:
    """A planned visit in progress on the school's `template_kind` template, saved once (revision 1)."""
    import datetime as dt

    from observe.templates_.services import latest_version_for

    version = latest_version_for(school, template_kind)
    now = dt.datetime.now(dt.timezone.utc)
    visit = Visit(school_id=school.id, kind="planned", status="in_progress", observer_id=observer.id,
                  teacher_id=teacher.id, template_version_id=version.id, scheduled_at=now, started_at=now)
    db.session.add(visit)
    db.session.flush()
    db.session.add(Observation(school_id=school.id, visit_id=visit.id, author_id=observer.id,
                               template_version_id=version.id, answers={}, status="draft", revision=1))
    db.session.commit()
    return visit


@pytest.fixture
def open_device(browser):
    """Open a page on a new device (browser context) with its own viewport and options; all are
    closed after the test. `init_script` runs in every page before the page's own scripts."""
    contexts = []

    def _open(viewport: dict, *, init_script: str | None = None, **options):
        context = browser.new_context(viewport=viewport, locale="sv-SE", service_workers="allow", **options)
        if init_script:
            context.add_init_script(init_script)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def faults(app):
    """Area D's test switch: queue answers for the next POST /api/v1/sync calls."""
    app.config["OBSERVE_FAULTS"] = True
    queue = app.extensions.setdefault("observe_sync_faults", __import__("collections").deque())

    def _set(*entries):
        queue.clear()
        queue.extend(entries)
        return queue

    yield _set
    queue.clear()
    app.config.pop("OBSERVE_FAULTS", None)


class Network:
    """Switch the whole browser context (pages and service worker) off and on."""

    def __init__(self, context):
        self.context = context
        self.is_off = False

    def off(self):
        if not self.is_off:
            self.context.route("**/*", lambda route: route.abort("internetdisconnected"))
            self.context.set_offline(True)  # pages also see navigator.onLine = false and an `offline` event
            self.is_off = True

    def on(self):
        if self.is_off:
            self.context.unroute("**/*")
            self.context.set_offline(False)  # fires `online`, one of the outbox's triggers
            self.is_off = False


def log_in_through_the_form(page, base_url: str, user, password: str = PASSWORD):
    page.goto(f"{base_url}/login")
    page.fill("#email", user.email)
    page.fill("#password", password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base_url}/")


def login(page, base_url: str, user, password: str = PASSWORD):
    """Log in through the form and wait until the device is ready to work offline."""
    log_in_through_the_form(page, base_url, user, password)
    wait_offline_ready(page)


def wait_offline_ready(page):
    page.wait_for_selector("html[data-offline-ready]", state="attached", timeout=TIMEOUT)


def wait_state(page, state: str):
    """Wait for the status bar's state: offline, pending, syncing, synced, attention, auth."""
    page.wait_for_selector(f"#sync-status[data-state={state}]", state="attached", timeout=TIMEOUT)


def wait_form(page):
    page.wait_for_selector("form[data-offline-ready]", state="attached", timeout=TIMEOUT)


def start_walkthrough(page, base_url: str, teacher: str = "anonymous"):
    page.goto(f"{base_url}/visits/new/spontaneous?teacher={teacher}")
    wait_form(page)


def type_into(page, selector: str, text: str):
    """Type like a person (one input event per key), then wait until it is on the device."""
    page.locator(selector).press_sequentially(text)
    wait_saved_on_device(page)


def wait_saved_on_device(page):
    """The form marks itself `data-saving` from a change until that change is in IndexedDB."""
    page.wait_for_selector("form[data-offline-ready]:not([data-saving])", state="attached", timeout=TIMEOUT)


def wait_finished(page):
    page.wait_for_selector("form[data-offline-form] input[name=status][value=complete]", state="attached",
                           timeout=TIMEOUT)
    wait_saved_on_device(page)


def record_uuid(page) -> str:
    return page.input_value("form[data-offline-form] input[name=uuid]")


def observations(app) -> list[Observation]:
    """Every observation on the server, read fresh."""
    with app.app_context():
        rows = db.session.execute(select(Observation)).scalars().all()
        for row in rows:
            db.session.expunge(row)
        return rows


def visit_of(app, observation: Observation) -> Visit:
    with app.app_context():
        visit = db.session.get(Visit, observation.visit_id)
        db.session.expunge(visit)
        return visit


# Which IndexedDB databases of the origin exist, and how many records wait in each one's outbox
# (without creating a database that is not there).
DEVICE_DATABASES_JS = """async () => {
  const found = {};
  for (const { name } of await indexedDB.databases()) {
    if (!name.startsWith('observe-u')) continue;
    found[name] = await new Promise((resolve, reject) => {
      const open = indexedDB.open(name);
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const count = db.transaction('outbox').objectStore('outbox').count();
        count.onsuccess = () => { db.close(); resolve(count.result); };
        count.onerror = () => { db.close(); reject(count.error); };
      };
    });
  }
  return found;
}"""


def device_databases(page) -> dict[str, int]:
    """{"observe-u<id>": records waiting in its outbox} for every user database on the device."""
    return page.evaluate(DEVICE_DATABASES_JS)
