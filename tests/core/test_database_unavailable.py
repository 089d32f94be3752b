"""While the database is unreachable every request gets a clear 503 with Retry-After (JSON for
the API, the styled page for people, the usual security headers) and keeps its session cookie,
which works again once the database is back.

Tested for real: on PostgreSQL the app talks to the database through a TCP relay the test
closes (connections cut, new ones refused); on SQLite the database file's folder goes away
(and the pool's open connections are closed, as they would be when the volume is gone).
"""
from __future__ import annotations

import shutil
import socket
import threading
from contextlib import suppress
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from observe import create_app
from observe.auth.models import Membership, Role, User
from observe.auth.passwords import hash_password
from observe.extensions import db
from observe.schools.models import Organisation, School
from tests.conftest import CSRF_RE, IsolatedClient, login

EN = {"Accept-Language": "en"}


class Relay:
    """A TCP relay to the database server that can be cut and restored on the same port."""

    def __init__(self, host: str, port: int):
        self.upstream = (host, port)
        self.port = 0
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # cut
            server = socket.create_connection(self.upstream)
            self.sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        for sock in (source, target):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (Linux); close alone may not
        self.listener.close()
        for sock in self.sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.sockets.clear()


@pytest.fixture
def fragile(app, database_url, tmp_path):
    """(app, cut, restore): a second app instance whose database can be taken away."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        relay = Relay(url.host or "127.0.0.1", url.port or 5432)
        own_url = url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
        cut, restore = relay.cut, relay.restore
    else:
        folder = tmp_path / "db"
        folder.mkdir()
        own_url = f"sqlite:///{folder / 'observe.sqlite'}"
        away = tmp_path / "away"

        def cut():
            folder.rename(away)
            with other.app_context():
                db.engine.dispose()  # open connections would keep reading the moved file

        def restore():
            away.rename(folder)
    other = create_app({"OBSERVE_ENV": "testing", "SQLALCHEMY_DATABASE_URI": own_url, "OBSERVE_DEMO": False},
                       instance_path=str(tmp_path / "instance"))
    other.test_client_class = IsolatedClient
    with other.app_context():
        db.create_all()  # a no-op on PostgreSQL, where the suite's tables are already there
        organisation = Organisation(name="Kommun")
        db.session.add(organisation)
        db.session.flush()
        school = School(name="Skola", organisation_id=organisation.id)
        db.session.add(school)
        db.session.flush()
        user = User(organisation_id=organisation.id, email="rektor@example.se", name="Rut",
                    password_hash=hash_password("correct horse battery"))
        user.memberships.append(Membership(school_id=school.id, role=Role.PRINCIPAL))
        db.session.add(user)
        db.session.commit()
    yield other, cut, restore
    with suppress(FileNotFoundError, OSError):
        restore()
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _signed_in(app):
    browser = app.test_client()
    assert login(browser, "rektor@example.se").status_code == 302
    token = CSRF_RE.search(browser.get("/").get_data(as_text=True)).group(1)
    return browser, token


def _assert_unavailable(response):
    assert response.status_code == 503
    assert 1 <= int(response.headers["Retry-After"]) <= 120
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # the session is kept for when the database is back


def test_pages_and_api_answer_503_while_the_database_is_away_and_work_again_after(fragile):
    other, cut, restore = fragile
    browser, token = _signed_in(other)
    cut()

    page = browser.get("/", headers=EN)
    _assert_unavailable(page)
    html = page.get_data(as_text=True)
    assert "temporarily unavailable" in html and 'rel="stylesheet"' in html  # the styled page
    swedish = browser.get("/", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "tillfälligt" in swedish

    api = browser.post("/api/v1/sync", json={"client_schema_version": 1, "records": []},
                       headers={"X-CSRFToken": token, **EN})
    _assert_unavailable(api)
    assert api.get_json()["error"] == "unavailable"
    _assert_unavailable(browser.get("/api/v1/csrf"))

    anonymous = other.test_client()
    attempt = anonymous.post("/login", data={"email": "rektor@example.se", "password": "x",
                                             "csrf_token": CSRF_RE.search(
                                                 anonymous.get("/login").get_data(as_text=True)).group(1)})
    _assert_unavailable(attempt)

    restore()
    assert browser.get("/").status_code == 200  # the same session, nothing lost


def test_health_check_still_says_degraded(fragile):
    other, cut, _restore = fragile
    browser, _token = _signed_in(other)
    cut()
    response = browser.get("/healthz")
    assert response.status_code == 503 and response.get_json()["database"] == "unavailable"
