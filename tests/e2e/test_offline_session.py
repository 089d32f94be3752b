"""Fault matrix case 5: the session ends while the device is offline."""
from __future__ import annotations

import pytest

from observe.auth.models import User, new_session_token
from observe.extensions import db
from tests.conftest import PASSWORD
from tests.pwa.e2e_support import (Network, login, observations, observer, record_uuid,  # noqa: F401
                                   start_walkthrough, type_into, wait_finished, wait_form, wait_state,
                                   walkthrough_school)

pytestmark = pytest.mark.e2e

EXAMPLE = "Läraren väntar tio sekunder innan hon fördelar ordet."


def end_every_session(app, user_id: int):
    """What an expired or revoked session looks like to the server."""
    with app.app_context():
        user = db.session.get(User, user_id)
        user.session_token = new_session_token()
        db.session.commit()


def test_expired_session_asks_for_login_then_uploads_everything(app, live_server, context, page, observer):
    base = live_server.url
    login(page, base, observer)
    network = Network(context)
    start_walkthrough(page, base)
    network.off()
    type_into(page, "textarea[name='a.W9']", EXAMPLE)
    page.click("button[value=finish]")
    wait_finished(page)
    uuid = record_uuid(page)
    draft_url = page.url

    end_every_session(app, observer.id)
    network.on()
    wait_state(page, "auth")
    prompt = page.locator("[data-sync-login]")
    assert prompt.is_visible()
    assert observations(app) == []
    assert page.input_value("textarea[name='a.W9']") == EXAMPLE  # the form stays as typed

    prompt.locator("a").click()
    page.fill("#email", observer.email)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(draft_url)  # straight back to the visit
    wait_form(page)
    wait_state(page, "synced")
    assert not page.locator("[data-sync-login]").is_visible()
    [saved] = observations(app)
    assert str(saved.uuid) == uuid and saved.status == "complete"
    assert saved.answers["W9"]["value"] == EXAMPLE
