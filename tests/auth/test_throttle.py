"""Login throttling per account and per client address, counted in the audit log.

Counting in the database (not in process memory) is what makes the limit hold
across gunicorn workers; a second app instance on the same database shows it.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from observe import create_app
from observe.audit.models import AuditEvent
from observe.extensions import db
from tests.auth.conftest import IsolatedClient
from tests.conftest import PASSWORD, csrf_token, login


def from_ip(client, ip: str):
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def failures(**where) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).filter_by(action="login.failure", **where))


@pytest.fixture
def limits(app, monkeypatch):
    monkeypatch.setitem(app.config, "OBSERVE_LOGIN_MAX_FAILURES_ACCOUNT", 3)
    monkeypatch.setitem(app.config, "OBSERVE_LOGIN_MAX_FAILURES_IP", 4)
    monkeypatch.setitem(app.config, "OBSERVE_LOGIN_WINDOW_SECONDS", 900)


def test_account_is_locked_after_repeated_failures_even_from_many_addresses(client, teacher, limits):
    for n in range(3):
        assert login(from_ip(client, f"198.51.100.{n}"), teacher, "wrong").status_code == 401
    response = login(from_ip(client, "198.51.100.99"), teacher)  # the right password, a fresh address
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 900
    assert "Too many failed attempts" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert failures(subject=teacher.email) == 3


def test_a_locked_account_does_not_lock_out_others(client, teacher, principal, limits):
    for _ in range(3):
        login(client, teacher, "wrong")
    assert login(client, principal).status_code == 302


def test_address_is_blocked_after_failures_on_many_accounts(client, teacher, limits):
    for n in range(4):
        assert login(from_ip(client, "203.0.113.5"), f"guess{n}@example.se", "wrong").status_code == 401
    assert login(client, teacher).status_code == 429  # same address, a real account
    assert login(from_ip(client, "203.0.113.6"), teacher).status_code == 302
    assert failures(ip="203.0.113.5") == 4


def test_failures_older_than_the_window_no_longer_count(client, teacher, limits):
    for _ in range(3):
        login(client, teacher, "wrong")
    assert login(client, teacher).status_code == 429
    for event in db.session.scalars(select(AuditEvent)):
        event.at -= dt.timedelta(seconds=901)
    db.session.commit()
    assert login(client, teacher).status_code == 302


@pytest.fixture
def proxied_app(app, database_url, tmp_path):
    """A second app instance (another worker) on the same database, behind one trusted proxy."""
    other = create_app({"OBSERVE_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url, "OBSERVE_DEMO": False,
                        "OBSERVE_PROXY_HOPS": 1, "OBSERVE_LOGIN_MAX_FAILURES_IP": 4,
                        "OBSERVE_LOGIN_MAX_FAILURES_ACCOUNT": 3}, instance_path=str(tmp_path))
    other.test_client_class = IsolatedClient
    yield other
    with other.app_context():
        db.engine.dispose()


def test_limit_holds_across_workers(client, proxied_app, teacher, limits):
    for _ in range(3):
        login(client, teacher, "wrong")
    other = proxied_app.test_client()
    assert login(other, teacher).status_code == 429


def test_spoofed_forwarded_for_cannot_dodge_the_address_limit(proxied_app, teacher):
    browser = proxied_app.test_client()
    browser.environ_base["REMOTE_ADDR"] = "10.0.0.2"  # the reverse proxy

    def attempt(spoofed: str, email: str, password: str):
        # The client sends its own X-Forwarded-For; the proxy appends the real address.
        token = csrf_token(browser)
        return browser.post("/login", data={"email": email, "password": password, "csrf_token": token},
                            headers={"X-Forwarded-For": f"{spoofed}, 192.0.2.44"})

    for n in range(4):
        assert attempt(f"172.16.0.{n}", f"guess{n}@example.se", "wrong").status_code == 401
    assert attempt("172.16.0.200", teacher.email, PASSWORD).status_code == 429
    assert failures(ip="192.0.2.44") == 4
    assert not failures(ip="172.16.0.1")
