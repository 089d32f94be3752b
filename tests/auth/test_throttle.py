"""Login throttling without lock-out: an attacker's failures slow the attacker, never keep the
principal out of the browser she signed in with before (OWASP's device cookies).

Counting in the database (not in process memory) is what makes the limits hold across
gunicorn workers; a second app instance on the same database shows it.
"""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy import func, select

from observe import create_app
from observe.audit import services as audit
from observe.audit.models import AuditEvent
from observe.auth import throttle
from observe.auth.devices import cookie_name
from observe.extensions import db
from tests.auth.conftest import IsolatedClient
from tests.conftest import PASSWORD, csrf_token, login


def from_ip(client, ip: str):
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def failures(action: str = throttle.FAILURE, **where) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).filter_by(action=action, **where))


@pytest.fixture
def limits(app, monkeypatch):
    for key, value in (("ACCOUNT", 3), ("IP", 4), ("DEVICE", 2)):
        monkeypatch.setitem(app.config, f"OBSERVE_LOGIN_MAX_FAILURES_{key}", value)
    monkeypatch.setitem(app.config, "OBSERVE_LOGIN_FIRST_DELAY_SECONDS", 30)
    monkeypatch.setitem(app.config, "OBSERVE_LOGIN_MAX_DELAY_SECONDS", 900)
    monkeypatch.setitem(app.config, "OBSERVE_LOGIN_WINDOW_SECONDS", 900)


def _known_device(app, user):
    """A browser in which `user` signed in before (and then signed out: the session is gone)."""
    tablet = app.test_client()
    assert login(tablet, user).status_code == 302
    assert tablet.get_cookie(cookie_name(app)) is not None
    tablet.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    return tablet


def test_an_attacker_s_failures_do_not_keep_the_principal_out_of_her_own_tablet(app, principal, limits):
    tablet = _known_device(app, principal)
    attacker = app.test_client()
    answers = [login(from_ip(attacker, f"198.51.100.{n}"), principal, "guess").status_code for n in range(20)]
    assert answers == [401] * 3 + [429] * 17  # slowed after the free failures, from any address

    assert login(tablet, principal).status_code == 302  # at once, from her own tablet
    assert tablet.get("/").status_code == 200
    assert login(attacker, principal).status_code == 429  # the attacker still waits, right password or not
    assert failures(subject=principal.email) == 3


def test_untrusted_clients_are_slowed_not_locked(client, teacher, limits):
    start = dt.datetime.now(dt.timezone.utc)
    with time_machine.travel(start, tick=False) as clock:
        for n in range(3):
            assert login(from_ip(client, f"198.51.100.{n}"), teacher, "wrong").status_code == 401
        response = login(from_ip(client, "198.51.100.99"), teacher)  # the right password, a fresh address
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) == 30
        body = response.get_data(as_text=True)
        assert "30" in body and "signed in before" in body
        clock.shift(31)
        assert login(client, teacher).status_code == 302  # after the wait: in, no lock-out


def test_each_further_failure_doubles_the_wait_up_to_the_cap(app, client, teacher, limits, monkeypatch):
    monkeypatch.setitem(app.config, "OBSERVE_LOGIN_WINDOW_SECONDS", 24 * 3600)  # the shipped window
    start = dt.datetime.now(dt.timezone.utc)
    waits = []
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(9):
            response = login(client, teacher, "wrong")
            if response.status_code == 429:
                waits.append(int(response.headers["Retry-After"]))
                clock.shift(waits[-1])
                assert login(client, teacher, "wrong").status_code == 401
    assert waits == [30, 60, 120, 240, 480, 900]


def test_guessing_one_account_is_limited_to_about_a_hundred_a_day(app, ctx, teacher):
    """With the shipped figures (docs/security.md): 5 free, then 30 s doubling to 15 min."""
    guesses, start = 0, dt.datetime.now(dt.timezone.utc)
    with time_machine.travel(start, tick=False) as clock:
        while dt.datetime.now(dt.timezone.utc) < start + dt.timedelta(days=1):
            wait = throttle.retry_after(teacher.email, f"203.0.113.{guesses % 250}")  # a new address each time
            if wait:
                clock.shift(wait)
                continue
            audit.record(throttle.FAILURE, subject=teacher.email)
            db.session.commit()
            guesses += 1
    assert 100 <= guesses <= 110


def test_a_trusted_browser_that_keeps_failing_loses_its_allowance(app, principal, limits):
    tablet = _known_device(app, principal)
    for _ in range(2):  # its own allowance: not counted against the account
        assert login(tablet, principal, "typo").status_code == 401
    assert failures(throttle.DEVICE_FAILURE) == 2 and failures() == 0
    for _ in range(3):  # then like any other client
        assert login(tablet, principal, "typo").status_code == 401
    assert login(tablet, principal).status_code == 429
    assert failures() == 3


def test_the_device_cookie_trusts_only_its_user_and_cannot_be_forged(app, principal, teacher, limits):
    tablet = _known_device(app, teacher)
    for n in range(3):
        login(from_ip(app.test_client(), f"198.51.100.{n}"), principal, "guess")
    assert login(tablet, principal).status_code == 429  # the teacher's tablet is no device of the principal's
    forged = app.test_client()
    forged.set_cookie(cookie_name(app), "W1sxLCJub25jZSIsOTk5OTk5OTk5OV1d.forged")
    assert login(forged, principal).status_code == 429


def test_address_is_slowed_after_failures_on_many_accounts(app, client, teacher, principal, limits):
    tablet = from_ip(_known_device(app, principal), "203.0.113.5")
    for n in range(4):
        assert login(from_ip(client, "203.0.113.5"), f"guess{n}@example.se", "wrong").status_code == 401
    assert login(client, teacher).status_code == 429  # same address, a real account, no device cookie
    assert login(from_ip(client, "203.0.113.6"), teacher).status_code == 302
    assert login(tablet, principal).status_code == 302  # a school's shared address keeps its known tablets
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
