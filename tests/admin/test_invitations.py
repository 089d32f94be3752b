"""Invitations instead of passwords typed by an admin: mailed through a real local SMTP server, a
one-time link valid for 7 days, sent again one by one or to all who have not accepted."""
from __future__ import annotations

import datetime as dt
import re
import socket

import time_machine
from sqlalchemy import select

from observe.audit.models import AuditEvent
from observe.auth.models import Invitation, OidcLink, Role
from observe.auth.passwords import verify_password
from observe.auth.services import find_user
from observe.extensions import db
from tests.conftest import csrf_token, login
from tests.feedback.test_mail import smtp  # noqa: F401  (aiosmtpd on 127.0.0.1)

NEW = {"name": "Anna Andersson", "email": "anna@skola.se", "roles": ["teacher"], "invite": "y"}


def link_in(message) -> str:
    return re.search(r"http://localhost(/invitation/\S+)", message.get_content()).group(1)


def mails_to(smtp, address: str) -> list:
    return [message for rcpts, message in smtp.messages if rcpts == [address]]


def choose(client, link: str, password: str = "annas own pass"):
    return client.post(link, data={"new": password, "repeat": password, "csrf_token": csrf_token(client, link)})


def test_adding_staff_mails_a_link_that_works_once(app, as_admin, post, smtp):
    assert post("/admin/staff/new", NEW).status_code == 302
    [mail] = mails_to(smtp, "anna@skola.se")
    assert mail["Subject"] == "Välkommen till Observe: välj ditt lösenord"  # the default language, Swedish
    assert "Björkskolan" in mail.get_content() and "7 dagar" in mail.get_content()
    link = link_in(mail)
    anna = find_user("anna@skola.se")
    assert anna.password_hash is None
    [stored] = db.session.scalars(select(Invitation)).all()
    assert link.rsplit("/", 1)[-1] not in (stored.token_hash,)  # only a hash of the token is kept

    browser = app.test_client()
    page = browser.get(link).get_data(as_text=True)
    assert "anna@skola.se" in page and "Choose your password" in page
    response = choose(browser, link)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert browser.get("/visits/").status_code == 200  # logged in
    db.session.expire_all()
    assert verify_password(find_user("anna@skola.se").password_hash, "annas own pass")
    assert app.test_client().get(link).status_code == 410  # single use
    assert login(app.test_client(), "anna@skola.se", "annas own pass").status_code == 302


def test_a_link_expires_after_7_days(app, as_admin, post, smtp):
    post("/admin/staff/new", NEW)
    link = link_in(mails_to(smtp, "anna@skola.se")[0])
    with time_machine.travel(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=6, hours=23)):
        assert app.test_client().get(link).status_code == 200
    with time_machine.travel(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=7, minutes=1)):
        response = app.test_client().get(link)
    assert response.status_code == 410 and "This link no longer works" in response.get_data(as_text=True)


def test_a_mismatched_repeat_or_short_password_is_refused_and_the_link_stays_valid(app, as_admin, post, smtp):
    post("/admin/staff/new", NEW)
    link = link_in(mails_to(smtp, "anna@skola.se")[0])
    browser = app.test_client()
    assert choose(browser, link, "short").status_code == 400
    response = browser.post(link, data={"new": "long enough 1", "repeat": "long enough 2",
                                        "csrf_token": csrf_token(browser, link)})
    assert response.status_code == 400 and "differ" in response.get_data(as_text=True)
    assert choose(browser, link).status_code == 302


def test_admin_sees_who_has_not_accepted_and_sends_again(app, client, as_admin, post, smtp, make_user):
    post("/admin/staff/new", NEW)
    post("/admin/staff/new", {**NEW, "name": "Bo Berg", "email": "bo@skola.se"})
    linked = make_user(Role.TEACHER, email="sso@skola.se")
    linked.password_hash = None
    db.session.add(OidcLink(user_id=linked.id, issuer="https://idp.example", subject="s", email_at_link="sso@skola.se"))
    db.session.commit()
    first_bo = link_in(mails_to(smtp, "bo@skola.se")[0])
    choose(app.test_client(), link_in(mails_to(smtp, "anna@skola.se")[0]))  # Anna accepts

    html = client.get("/admin/staff").get_data(as_text=True)
    assert "1 person has not accepted the invitation yet." in html
    assert html.count(", not accepted yet") == 1  # Bo's row; not Anna's, not the linked account's

    bo = find_user("bo@skola.se")
    assert post(f"/admin/staff/{bo.id}/invite", page=f"/admin/staff/{bo.id}").status_code == 302
    assert len(mails_to(smtp, "bo@skola.se")) == 2
    assert app.test_client().get(first_bo).status_code == 410  # a new link replaces the old one

    assert post("/admin/staff/invite-all", page="/admin/staff").status_code == 302
    assert len(mails_to(smtp, "bo@skola.se")) == 3
    assert len(mails_to(smtp, "anna@skola.se")) == 1 and mails_to(smtp, "sso@skola.se") == []
    assert db.session.scalar(select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "invitation.send")) == 4


def test_csv_import_invites_each_new_person(client, as_admin, smtp, teacher):
    csv = "name,email,roles\nAnna Andersson,anna@skola.se,teacher\nBo Berg,bo@skola.se,principal\n"
    token = csrf_token(client, "/admin/staff/import")
    preview = client.post("/admin/staff/import", data={"text": csv, "csrf_token": token}).get_data(as_text=True)
    assert re.search(r'<input checked id="invite" name="invite" type="checkbox"', preview)  # on unless unticked
    response = client.post("/admin/staff/import/confirm", data={"csv": csv, "invite": "y", "csrf_token": token})
    assert response.status_code == 302
    assert sorted(r[0] for r, _m in smtp.messages) == ["anna@skola.se", "bo@skola.se"]


def test_mail_that_cannot_be_sent_saves_nothing_and_says_so(app, client, as_admin, post, monkeypatch):
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    response = post("/admin/staff/new", NEW)
    assert response.status_code == 400
    assert "could not be sent, so nothing was saved" in response.get_data(as_text=True)
    assert find_user("anna@skola.se") is None


def test_with_an_identity_provider_nobody_is_invited(app, client, as_admin, post, smtp, monkeypatch):
    """People sign in with their school account, so the form offers no invitation and none is sent."""
    monkeypatch.setitem(app.config, "OBSERVE_OIDC_ISSUER", "https://idp.example")
    assert 'name="invite"' not in client.get("/admin/staff/new").get_data(as_text=True)
    assert post("/admin/staff/new", NEW).status_code == 302
    assert smtp.messages == []
    assert "Has not logged in yet" in client.get("/admin/staff").get_data(as_text=True)
