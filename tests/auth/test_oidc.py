"""OpenID Connect sign-in against a real provider (npm's oidc-provider, tests/oidc_support.py).

Observe is driven with the test client, the provider with a requests session standing in for the
browser: every redirect, the provider's sign-in form, the token exchange and the ID token's
signature are real. Nothing leaves 127.0.0.1 (the provider listens there; http://localhost is the
test client's own address and is never connected to).
"""
from __future__ import annotations

import datetime as dt
import html
import re

import requests
import time_machine
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select

from observe.audit.models import AuditEvent
from observe.auth.models import OidcLink, Role, User
from observe.auth.sessions import WebSession, _hash
from observe.extensions import db
from tests.conftest import PASSWORD, login
from tests.oidc_support import (CLIENT_ID, callback_path, oidc, oidc_provider,  # noqa: F401
                                provider_sign_in, query)


def start(client, next_path: str | None = None) -> str:
    response = client.get("/login/oidc" + (f"?next={next_path}" if next_path else ""))
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def sign_in(client, email: str, next_path: str | None = None):
    """The whole round trip; returns Observe's answer to the callback."""
    callback = provider_sign_in(requests.Session(), start(client, next_path), email)
    return client.get(callback_path(callback))


def whoami(client) -> int:
    """200 for a signed-in user, 302 to the login page for nobody."""
    return client.get("/visits/").status_code


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_authorization_request_uses_pkce_state_nonce_and_discovery(client, oidc):
    url = start(client)
    assert url.startswith(oidc.issuer + "/auth?")  # the authorization endpoint found by discovery
    params = query(url)
    assert params["response_type"] == "code" and params["client_id"] == CLIENT_ID
    assert params["scope"] == "openid email profile"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) >= 43
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20
    assert params["redirect_uri"] == "http://localhost/login/oidc/callback"


def test_first_sign_in_links_by_verified_email_then_by_sub(ctx, client, oidc, make_user):
    rut = make_user(Role.PRINCIPAL, email="rektor@example.se", name="Rut Rektor")
    response = sign_in(client, "Rektor@Example.se", next_path="/visits/")
    assert response.status_code == 302 and response.headers["Location"] == "/visits/"
    assert whoami(client) == 200
    [link] = db.session.scalars(select(OidcLink)).all()
    assert (link.user_id, link.subject, link.issuer) == (rut.id, "sub-rut", oidc.issuer)
    assert link.email_at_link == "rektor@example.se"
    [event] = events("login.success")
    assert event.user_id == rut.id and event.detail["method"] == "oidc"
    assert len(events("oidc.link")) == 1

    # Her e-mail changes in Observe (or at the provider): the sub still finds her.
    rut.email = "rut.rektor@example.se"
    db.session.commit()
    other = client.application.test_client()
    assert sign_in(other, "Rektor@Example.se").status_code == 302
    assert whoami(other) == 200


def test_same_session_as_password_sign_in(ctx, client, oidc, make_user):
    """A server-side session row carries the user, and ending the user's sessions ends it."""
    rut = make_user(Role.PRINCIPAL, email="rektor@example.se")
    sign_in(client, "rektor@example.se")
    cookie = client.get_cookie("observe_session")
    row = db.session.get(WebSession, _hash(cookie.value))
    assert row.user_id == rut.id
    rut.session_token = "ended"
    db.session.commit()
    assert whoami(client) == 302


def test_another_provider_account_with_the_same_email_cannot_take_a_linked_user(ctx, client, oidc, make_user):
    rut = make_user(Role.PRINCIPAL, email="rut.new@example.se")
    db.session.add(OidcLink(user_id=rut.id, issuer=oidc.issuer, subject="sub-rut", email_at_link="rut@old.se"))
    db.session.commit()
    response = sign_in(client, "RUT.NEW@example.se")  # sub-impostor, verified, same e-mail
    assert response.status_code == 403
    assert "already connected to another school account" in response.get_data(as_text=True)
    assert whoami(client) == 302


def test_unverified_email_is_refused(ctx, client, oidc, make_user):
    make_user(Role.TEACHER, email="larare@example.se")
    response = sign_in(client, "larare@example.se")
    assert response.status_code == 403
    assert "did not confirm your e-mail address" in response.get_data(as_text=True)
    assert whoami(client) == 302
    assert db.session.scalars(select(OidcLink)).all() == []
    assert events("login.refused")[0].detail["reason"] == "unverified"


def test_entra_ids_domain_verified_claim_counts_as_verified(ctx, client, oidc, make_user):
    make_user(Role.TEACHER, email="entra@example.se")
    assert sign_in(client, "entra@example.se").status_code == 302
    assert whoami(client) == 200


def test_unknown_person_is_refused_in_their_language_and_nothing_is_created(ctx, client, oidc, school):
    users_before = db.session.scalar(select(db.func.count(User.id)))
    callback = provider_sign_in(requests.Session(), start(client), "okand@example.se")
    response = client.get(callback_path(callback), headers={"Accept-Language": "sv"})
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Observe känner inte igen dig" in page and "administratör" in page
    assert 'href="/login/oidc?another=1"' in page  # still signed in at the provider: it must ask again
    assert query(client.get("/login/oidc?another=1").headers["Location"])["prompt"] == "login"
    assert whoami(client) == 302
    assert db.session.scalar(select(db.func.count(User.id))) == users_before
    assert db.session.scalars(select(OidcLink)).all() == []


def test_deactivated_staff_member_is_refused_even_when_linked(ctx, client, oidc, make_user):
    rut = make_user(Role.PRINCIPAL, email="rektor@example.se")
    db.session.add(OidcLink(user_id=rut.id, issuer=oidc.issuer, subject="sub-rut", email_at_link=rut.email))
    rut.active = False
    db.session.commit()
    response = sign_in(client, "Rektor@Example.se")
    assert response.status_code == 403 and "deactivated" in response.get_data(as_text=True)
    assert whoami(client) == 302


def test_wrong_state_is_refused_before_the_code_is_spent(ctx, client, oidc, make_user):
    make_user(Role.PRINCIPAL, email="rektor@example.se")
    callback = provider_sign_in(requests.Session(), start(client), "Rektor@Example.se")
    forged = callback.replace(f"state={query(callback)['state']}", "state=forged-by-an-attacker")
    response = client.get(callback_path(forged))
    assert response.status_code == 400
    assert "could not be completed" in response.get_data(as_text=True)
    assert whoami(client) == 302
    # The genuine answer still works: the forged one never reached the token endpoint.
    assert client.get(callback_path(callback)).status_code == 302
    assert whoami(client) == 200


def test_replayed_code_is_refused_by_the_provider(ctx, client, oidc, make_user):
    """The code from a finished sign-in, presented again in a new sign-in of the same browser
    (its own state, so Observe does exchange it): the provider answers invalid_grant."""
    make_user(Role.PRINCIPAL, email="rektor@example.se")
    browser = requests.Session()
    first = provider_sign_in(browser, start(client), "Rektor@Example.se")
    assert client.get(callback_path(first)).status_code == 302
    client.post("/logout", data={"csrf_token": _csrf(client)})
    second = start(client)
    replay = callback_path(first).replace(f"state={query(first)['state']}", f"state={query(second)['state']}")
    response = client.get(replay)
    assert response.status_code == 400
    assert whoami(client) == 302
    assert events("login.refused")[-1].detail["reason"] == "invalid_grant"


def test_wrong_nonce_is_refused(ctx, client, oidc, make_user):
    """A real provider puts the nonce it was sent into the ID token, so an ID token with another
    nonce cannot be produced honestly at the provider. What it would look like to Observe, a token
    minted for a different authorization request, is made here by changing the nonce Observe kept
    in the visitor's session (the signed cookie of someone not yet signed in, re-signed with the
    app's key as only the server could) after the request went out: the provider's ID token,
    genuine and correctly signed, then carries a nonce Observe did not expect."""
    make_user(Role.PRINCIPAL, email="rektor@example.se")
    callback = provider_sign_in(requests.Session(), start(client), "Rektor@Example.se")
    signer = SecureCookieSessionInterface().get_signing_serializer(client.application)
    data = signer.loads(client.get_cookie("observe_session").value)
    data[f"_state_oidc_{query(callback)['state']}"]["data"]["nonce"] = "a-nonce-from-another-request"
    client.set_cookie("observe_session", signer.dumps(data))
    response = client.get(callback_path(callback))
    assert response.status_code == 400
    assert whoami(client) == 302
    assert db.session.scalars(select(OidcLink)).all() == []
    assert events("login.refused")[-1].detail["reason"] == "invalid_claim"  # joserfc: invalid claim 'nonce'


def test_expired_id_token_is_refused(ctx, client, oidc, make_user):
    """The provider issues ID tokens valid for ID_TOKEN_TTL seconds. Observe's clock is moved past
    that (plus Authlib's 120 s leeway for clock skew) between the provider's answer and the
    callback, which is what a token that expired on its way looks like; the provider's own clock,
    a separate process, is untouched and signs a genuine token."""
    make_user(Role.PRINCIPAL, email="rektor@example.se")
    callback = provider_sign_in(requests.Session(), start(client), "Rektor@Example.se")
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=300 + 120 + 60)
    with time_machine.travel(later, tick=True):
        response = client.get(callback_path(callback))
    assert response.status_code == 400
    assert whoami(client) == 302
    assert events("login.refused")[-1].detail["reason"] == "expired_token"


def _csrf(client) -> str:
    from tests.conftest import CSRF_RE  # the token of a page the signed-in user sees

    return CSRF_RE.search(client.get("/").get_data(as_text=True)).group(1)


def test_sign_out_ends_the_session_and_goes_on_to_the_provider(ctx, client, oidc, make_user):
    """The logged-out page (which purges the device, static/js/purge.js) goes on to the provider's
    end-session endpoint rather than to the login page."""
    make_user(Role.PRINCIPAL, email="rektor@example.se")
    sign_in(client, "Rektor@Example.se")
    response = client.post("/logout", data={"csrf_token": _csrf(client)})
    assert response.status_code == 200
    end = html.unescape(re.search(r'data-next="([^"]+)"', response.get_data(as_text=True)).group(1))
    assert end.startswith(oidc.issuer + "/session/end?")
    params = query(end)
    assert params["post_logout_redirect_uri"] == "http://localhost/login" and params["id_token_hint"]
    assert whoami(client) == 302


def test_password_users_sign_out_to_the_login_page(ctx, client, oidc, make_user):
    teacher = make_user(Role.TEACHER)
    login(client, teacher)
    page = client.post("/logout", data={"csrf_token": _csrf(client)}).get_data(as_text=True)
    assert 'data-next="/login"' in page


def test_login_page_shows_the_provider_first(client, oidc, app, monkeypatch):
    page = client.get("/login").get_data(as_text=True)
    assert page.index("Log in with your school account") < page.index('name="password"')
    monkeypatch.setitem(app.config, "OBSERVE_OIDC_LABEL", "Logga in med skolkontot")
    assert "Logga in med skolkontot" in client.get("/login").get_data(as_text=True)


def test_password_sign_in_off(ctx, client, oidc, app, monkeypatch, make_user, runner):
    monkeypatch.setitem(app.config, "OBSERVE_PASSWORD_LOGIN", False)
    teacher = make_user(Role.TEACHER, email="larare@example.se")
    page = client.get("/login").get_data(as_text=True)
    assert "Log in with your school account" in page and 'name="password"' not in page
    response = login(client, teacher)  # the right password, refused like a wrong one
    assert response.status_code == 401 and whoami(client) == 302

    # The break-glass admin made with `flask create-user` still gets in (at /login?password).
    result = runner.invoke(args=["create-user", "--email", "nod@example.se", "--name", "Nöd Admin", "--school",
                                 "Björkskolan", "--role", "admin", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert 'name="password"' in client.get("/login?password=1").get_data(as_text=True)
    assert login(client, "nod@example.se").status_code == 302
    assert whoami(client) == 200


def test_without_issuer_there_is_no_provider_sign_in(client):
    assert client.get("/login/oidc").status_code == 404
    assert "school account" not in client.get("/login").get_data(as_text=True)
