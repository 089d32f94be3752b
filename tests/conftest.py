"""Shared fixtures: an app on a real database (SQLite file, or PostgreSQL when
OBSERVE_DATABASE_URL is set), a clean database per test, factories, login helpers,
and a live server plus Chromium for the e2e tests.

OBSERVE_TEST_TODAY=2027-06-20 runs the whole suite with the clock on that day
(`make test-dates`; tests/dates.py says how tests get their dates)."""
from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import threading
import time

import pytest
import time_machine
from playwright.sync_api import Browser, BrowserType
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from observe import create_app
from observe.auth.models import Membership, Role, User
from observe.auth.passwords import hash_password
from observe.extensions import db
from observe.schools.models import Organisation, School
from observe.visits import rollups

from tests.dates import CLOCK_OFFSET_VARIABLE, shifted_start

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


# --- the clock: the real one, or moved for the whole run by OBSERVE_TEST_TODAY ----------------

_CLOCK = pytest.StashKey[time_machine.travel]()


def pytest_configure(config):
    """Move the process clock before anything is collected or imported by the tests, and
    let it tick: every thread sees it (the e2e live server runs in one), and a test may
    still travel elsewhere with time_machine, coming back here afterwards. A float start
    keeps time-machine from touching the TZ variable."""
    start = shifted_start()
    if start is not None:
        # Browsers without a clock API (tests/webkit) read how far to move theirs from here.
        os.environ[CLOCK_OFFSET_VARIABLE] = str(round((start.timestamp() - time.time()) * 1000))
        config.stash[_CLOCK] = time_machine.travel(start.timestamp(), tick=True)
        config.stash[_CLOCK].start()


def pytest_unconfigure(config):
    if _CLOCK in config.stash:
        config.stash[_CLOCK].stop()


def pytest_report_header(config):
    if _CLOCK in config.stash:
        return f"clock moved by OBSERVE_TEST_TODAY to {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC (ticking)"



@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return os.environ.get("OBSERVE_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}")


class IsolatedClient(FlaskClient):
    """A test client whose requests behave as in production while a test holds an app context.

    Flask reuses an open app context for test requests, so `g` (Flask-Login's user,
    Flask-WTF's CSRF token, the current school) and the database session would leak
    from one request into the next. Each request gets its own app context instead.
    The test's own session is committed first: what the test changed is visible to
    the request, and what the request wrote is read fresh by the test afterwards.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(
        {"OBSERVE_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": None,
         "OBSERVE_DEMO": False},
        instance_path=str(tmp_path_factory.mktemp("instance")),
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Every test starts from empty tables (cheaper than recreating the schema)."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        problems = _rollup_differences()
        for attempt in range(5):
            db.session.rollback()
            try:
                for table in reversed(db.metadata.sorted_tables):
                    db.session.execute(delete(table))
                db.session.commit()
                break
            except IntegrityError:
                # A request the browser sent just before the test ended (a background sync) committed a
                # row between two deletes (PostgreSQL, read committed): empty the tables again.
                if attempt == 4:
                    raise
                time.sleep(0.2)
        db.session.remove()
    if problems:
        pytest.fail("the dashboard's rollups disagree with the answer rows after this test:\n" + "\n".join(problems[:20]))


def _rollup_differences() -> list[str]:
    """Whatever a test wrote, the rollups the dashboard reads must equal what the answer rows give
    (observe/visits/rollups.py). A browser's last request may commit between two reads: look again."""
    for _attempt in range(3):
        problems = rollups.verify()
        db.session.rollback()
        if not problems:
            return []
        time.sleep(0.3)
    return problems


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run


@pytest.fixture
def make_school(ctx):
    def _make(name: str | None = None, organisation: Organisation | None = None) -> School:
        if organisation is None:
            organisation = Organisation(name=f"Kommun {next(_counter)}")
            db.session.add(organisation)
            db.session.flush()
        school = School(name=name or f"Skola {next(_counter)}", organisation_id=organisation.id)
        db.session.add(school)
        db.session.commit()
        return school

    return _make


@pytest.fixture
def school(make_school):
    return make_school("Björkskolan")


@pytest.fixture
def make_user(ctx, password_hash, school):
    def _make(*roles: Role | str, school: School = school, name: str | None = None,
              email: str | None = None) -> User:
        n = next(_counter)
        user = User(organisation_id=school.organisation_id, email=email or f"user{n}@example.se",
                    name=name or f"Användare {n}", password_hash=password_hash)
        for role in roles or (Role.TEACHER,):
            user.memberships.append(Membership(school_id=school.id, role=str(role)))
        db.session.add(user)
        db.session.commit()
        return user

    return _make


@pytest.fixture
def principal(make_user):
    return make_user(Role.PRINCIPAL, name="Rut Rektor", email="rektor@example.se")


@pytest.fixture
def teacher(make_user):
    return make_user(Role.TEACHER, name="Lars Lärare", email="larare@example.se")


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN, name="Ada Admin", email="admin@example.se")


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token a real form on `path` would carry."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token in the page at {path}"
    return match.group(1)


def login(client, user_or_email, password: str = PASSWORD):
    email = user_or_email if isinstance(user_or_email, str) else user_or_email.email
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def login_as(client):
    def _login(user):
        response = login(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _login


# --- end-to-end: a live server and Debian's Chromium -----------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over HTTP on a free localhost port, in a thread of this process."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(autouse=True, scope="session")
def _browser_clock_follows_the_run(pytestconfig):
    """With OBSERVE_TEST_TODAY, every browser context starts its clock where the server's
    stands (Playwright's clock API, installed before any page loads) and lets it run: the
    device's timestamps and the server's today agree. Contexts are made by pytest-playwright
    and by tests themselves (two devices, other viewports), so the constructors are wrapped."""
    if _CLOCK not in pytestconfig.stash:
        yield
        return

    def installed(context):
        context.clock.install(time=dt.datetime.now(dt.timezone.utc))
        return context

    new_context, new_page = Browser.new_context, Browser.new_page
    launch_persistent_context = BrowserType.launch_persistent_context

    def page_with_clock(self, *args, **kwargs):
        page = new_page(self, *args, **kwargs)
        installed(page.context)
        return page

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Browser, "new_context", lambda self, *a, **k: installed(new_context(self, *a, **k)))
        patch.setattr(Browser, "new_page", page_with_clock)
        patch.setattr(BrowserType, "launch_persistent_context",
                      lambda self, *a, **k: installed(launch_persistent_context(self, *a, **k)))
        yield


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1024, "height": 768}, "locale": "sv-SE",
            "service_workers": "allow"}


# --- language: tests read English, the language the code is written in ----------------------

from flask import has_request_context  # noqa: E402  (kept with the fixtures that use them)
from flask.testing import FlaskClient  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _test_clients_read_english():
    """Swedish is the default for users, but a test's expected text must not change when
    someone translates a string, so every test client (subclasses included) asks for
    English. A request can still send its own Accept-Language or use the language switch;
    tests/i18n checks that Swedish really is the default."""
    original_init = FlaskClient.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FlaskClient, "__init__", init)
        yield


@pytest.fixture(autouse=True)
def _tests_read_english(request):
    """The same for code a test runs outside a request (services, CLI) and for Playwright
    pages (the browser's own locale stays sv-SE)."""
    if "app" in request.fixturenames:
        babel_config = request.getfixturevalue("app").extensions["babel"]
        if not getattr(babel_config.locale_selector, "english_outside_requests", False):
            select = babel_config.locale_selector

            def english_outside_requests():
                return select() if has_request_context() else "en"

            english_outside_requests.english_outside_requests = True
            babel_config.locale_selector = english_outside_requests
    if "context" in request.fixturenames:
        request.getfixturevalue("context").set_extra_http_headers({"Accept-Language": "en"})
