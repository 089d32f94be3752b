"""Logging in and out: generic answers, fresh sessions, CSRF, safe redirects, audit trail."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from observe.audit.models import AuditEvent
from observe.auth.services import end_all_sessions
from observe.extensions import db
from tests.conftest import PASSWORD, csrf_token, login

GENERIC = "Wrong e-mail or password."


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_right_password_logs_in_and_shows_the_home_page(client, teacher):
    response = login(client, teacher)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Lars Lärare" in client.get("/").get_data(as_text=True)


def test_email_is_matched_without_regard_to_case_or_spaces(client, teacher):
    assert login(client, "  LARARE@Example.SE ").status_code == 302


@pytest.mark.parametrize("email,password", [
    ("larare@example.se", "wrong password"),  # known account, wrong password
    ("nobody@example.se", PASSWORD),  # no such account
])
def test_failed_login_gives_one_generic_answer(client, teacher, email, password):
    response = login(client, email, password)
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert GENERIC in html
    assert "not found" not in html.lower() and "no account" not in html.lower()
    assert client.get("/").status_code == 302  # still logged out


def test_inactive_user_cannot_log_in_and_gets_the_generic_answer(client, teacher):
    teacher.active = False
    db.session.commit()
    response = login(client, teacher)
    assert response.status_code == 401
    assert GENERIC in response.get_data(as_text=True)


def test_user_without_password_cannot_log_in(client, teacher):
    teacher.password_hash = None
    db.session.commit()
    assert login(client, teacher, "").status_code == 400  # the empty password never reaches the check
    assert login(client, teacher, PASSWORD).status_code == 401


def test_login_post_without_csrf_token_is_refused_with_a_clear_page(client, teacher):
    response = client.post("/login", data={"email": teacher.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "security token is missing or has expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_starts_a_new_session(client, teacher):
    token_before = csrf_token(client)
    with client.session_transaction() as sess:
        sess["school_id"] = 999  # planted by whoever prepared this browser
        sess["lang"] = "en"
    login(client, teacher)
    with client.session_transaction() as sess:
        assert "school_id" not in sess
        assert sess["lang"] == "en"  # the chosen language is the one thing kept
    assert csrf_token(client, "/") != token_before


def test_next_is_followed_for_a_local_path(client, teacher):
    token = csrf_token(client)
    response = client.post("/login?next=/admin/staff?x=1", data={
        "email": teacher.email, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/admin/staff?x=1"


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "/\t/evil.example",
    "javascript:alert(1)", "evil.example",
])
def test_next_pointing_off_site_is_refused(client, teacher, target):
    token = csrf_token(client)
    response = client.post("/login", query_string={"next": target},
                           data={"email": teacher.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_logout_is_post_only(client, login_as, teacher):
    login_as(teacher)
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_logout_without_csrf_token_is_refused(client, login_as, teacher):
    login_as(teacher)
    response = client.post("/logout")
    assert response.status_code == 400
    assert client.get("/").status_code == 200


def test_logout_ends_the_session(client, login_as, teacher):
    login_as(teacher)
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    # A page, not a redirect: Safari's engine would ignore Clear-Site-Data on a redirect, and the
    # page's script removes this user's own data from the device before it opens the login page.
    assert response.status_code == 200 and "You are logged out." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_changing_the_session_token_ends_every_session(app, client, login_as, teacher):
    login_as(teacher)
    other = app.test_client()
    login(other, teacher)
    assert other.get("/").status_code == 200
    end_all_sessions(teacher)
    db.session.commit()
    for browser in (client, other):
        response = browser.get("/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_deactivating_a_user_ends_the_open_session(client, login_as, teacher):
    login_as(teacher)
    teacher.active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_every_auth_event_is_in_the_audit_log(app, client, teacher, monkeypatch):
    monkeypatch.setitem(app.config, "OBSERVE_LOGIN_MAX_FAILURES_ACCOUNT", 1)
    login(client, teacher, "wrong password")
    login(client, teacher)  # throttled: one failure is the limit here
    monkeypatch.setitem(app.config, "OBSERVE_LOGIN_MAX_FAILURES_ACCOUNT", 5)
    login(client, teacher)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert actions() == ["login.failure", "login.throttled", "login.success", "logout"]
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert all(e.subject == "larare@example.se" and e.ip == "127.0.0.1" for e in events)
    assert events[0].user_id == teacher.id  # a failure on a real account is tied to it
    assert events[2].user_id == teacher.id and events[3].user_id == teacher.id
