"""Server-side sessions: the cookie holds only an id; logout and disabling really end a session."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from observe.auth.sessions import WebSession, end_sessions_of
from observe.extensions import db

from .conftest import login


def _cookie(client, app):
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"])


def test_cookie_holds_only_a_random_id_and_is_httponly(app, client, principal):
    login(client, principal)
    cookie = _cookie(client, app)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert principal.email not in cookie.value and "." not in cookie.value  # not a signed data cookie
    with app.app_context():
        rows = db.session.scalars(select(WebSession)).all()
        assert len(rows) == 1 and rows[0].user_id == principal.id
        assert cookie.value not in rows[0].id_hash  # only the hash is stored


def test_login_issues_a_new_session_id(app, client, principal):
    client.get("/login")  # an anonymous session with a CSRF token
    before = _cookie(client, app).value
    login(client, principal)
    after = _cookie(client, app).value
    assert before != after
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], before)
    assert client.get("/").status_code == 302  # the pre-login id grants nothing


def test_logout_deletes_the_session_server_side(app, client, principal):
    login(client, principal)
    stolen = _cookie(client, app).value
    token_page = client.get("/")
    assert token_page.status_code == 200
    from .conftest import CSRF_RE

    token = CSRF_RE.search(token_page.get_data(as_text=True)).group(1)
    client.post("/logout", data={"csrf_token": token})
    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    assert replay.get("/").status_code == 302


def test_ending_all_sessions_of_a_user_logs_out_every_device(app, principal):
    tablet, laptop = app.test_client(), app.test_client()
    login(tablet, principal)
    login(laptop, principal)
    assert tablet.get("/").status_code == 200 and laptop.get("/").status_code == 200
    with app.app_context():
        end_sessions_of(principal.id)
        db.session.commit()
    assert tablet.get("/").status_code == 302 and laptop.get("/").status_code == 302


def test_idle_session_expires(app, client, principal):
    login(client, principal)
    with app.app_context():
        past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
        db.session.execute(update(WebSession).values(expires_at=past))
        db.session.commit()
    assert client.get("/").status_code == 302


def test_absolute_lifetime_is_not_extended_by_activity(app, client, principal):
    login(client, principal)
    with app.app_context():
        old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=app.config["OBSERVE_SESSION_MAX_HOURS"] - 0.01)
        db.session.execute(update(WebSession).values(created_at=old, last_seen_at=old))
        db.session.commit()
    client.get("/")  # activity refreshes the idle deadline but never past created_at + max
    with app.app_context():
        row = db.session.scalars(select(WebSession)).one()
        assert row.expires_at <= old + dt.timedelta(hours=app.config["OBSERVE_SESSION_MAX_HOURS"])


def test_anonymous_visitor_without_session_data_gets_no_cookie(app):
    fresh = app.test_client()
    fresh.get("/healthz")
    assert _cookie(fresh, app) is None


def _session_rows(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(WebSession)).all())


def test_anonymous_visitors_cost_no_session_row(app, principal):
    """50 visitors opening the login page (and one choosing a language, one sent there from a
    protected page) write nothing: their CSRF token and messages travel in a signed cookie."""
    for _ in range(50):
        assert app.test_client().get("/login").status_code == 200
    wanderer = app.test_client()
    assert wanderer.get("/").status_code == 302  # "Please log in to continue." is flashed
    assert "Please log in to continue." in wanderer.get("/login").get_data(as_text=True)
    assert _session_rows(app) == 0
    browser = app.test_client()
    assert login(browser, principal).status_code == 302  # the CSRF token from the cookie is accepted
    assert browser.get("/").status_code == 200
    assert _session_rows(app) == 1


def test_login_form_refuses_a_token_from_another_browser(app, principal):
    from .conftest import csrf_token

    mine, theirs = app.test_client(), app.test_client()
    token = csrf_token(theirs)
    mine.get("/login")
    response = mine.post("/login", data={"email": principal.email, "password": "x", "csrf_token": token})
    assert response.status_code == 400
    assert _session_rows(app) == 0


def test_anonymous_cookie_cannot_be_forged_into_a_login(app, principal):
    """The anonymous cookie is signed; a hand-made one (even claiming a user) is ignored."""
    forged = app.test_client()
    forged.set_cookie(app.config["SESSION_COOKIE_NAME"],
                      'eyJfdXNlcl9pZCI6IjEifQ.ZZZZZZ.forged-signature')
    assert forged.get("/").status_code == 302


def test_logout_leaves_no_row_and_says_so(app, client, principal):
    from .conftest import CSRF_RE

    login(client, principal)
    token = CSRF_RE.search(client.get("/").get_data(as_text=True)).group(1)
    response = client.post("/logout", data={"csrf_token": token})  # the logout page (it purges the device)
    assert response.status_code == 200 and "You are logged out." in response.get_data(as_text=True)
    assert _session_rows(app) == 0
    assert login(client, principal).status_code == 302  # and back in again on the same browser
