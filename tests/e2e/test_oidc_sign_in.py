"""Signing in through the school's identity provider in Chromium: the provider's real sign-in page
(npm's oidc-provider on 127.0.0.1, tests/oidc_support.py), its sign-out page, and a session that
ends while the tablet is offline coming back through the provider without losing the visit."""
from __future__ import annotations

import re

import pytest

from observe.auth.models import OidcLink
from observe.extensions import db
from tests.e2e.test_offline_session import EXAMPLE, end_every_session
from tests.oidc_support import PROVIDER_PASSWORD, oidc, oidc_provider  # noqa: F401
from tests.pwa.e2e_support import (Network, observations, observer, record_uuid, start_walkthrough,  # noqa: F401
                                   type_into, wait_finished, wait_form, wait_offline_ready, wait_state,
                                   walkthrough_school)

pytestmark = pytest.mark.e2e

BUTTON = "a.sso-button"


def sign_in_at_provider(page, oidc, email: str):
    page.wait_for_url(re.compile(re.escape(oidc.issuer) + "/interaction/"))
    page.fill("#email", email)
    page.fill("#password", PROVIDER_PASSWORD)
    page.click("button[type=submit]")


def test_sign_in_and_out_through_the_providers_pages(app, live_server, context, page, oidc, observer):
    base = live_server.url
    page.goto(f"{base}/login")
    assert page.locator(BUTTON).inner_text() == "Logga in med skolkontot"  # the browser asks for Swedish
    page.click(BUTTON)
    sign_in_at_provider(page, oidc, "Rektor@Example.se")
    page.wait_for_url(f"{base}/")
    wait_offline_ready(page)
    assert page.locator("form.logout-form").is_visible()
    with app.app_context():
        [link] = db.session.query(OidcLink).all()
        assert link.user_id == observer.id and link.subject == "sub-rut"

    page.click("form.logout-form button")
    page.wait_for_url(re.compile(re.escape(oidc.issuer) + "/session/end"))  # the provider asks
    page.click("button[value=yes]")
    page.wait_for_url(re.compile(re.escape(base) + r"/login(\?.*)?$"))  # post_logout_redirect_uri (+ state)
    assert page.locator(BUTTON).is_visible()
    page.goto(f"{base}/visits/")
    assert page.url.startswith(f"{base}/login")  # Observe's session is gone

    page.click(BUTTON)  # and the provider's too: its sign-in page asks again
    page.wait_for_url(re.compile(re.escape(oidc.issuer) + "/interaction/"))


def test_session_ending_offline_comes_back_through_the_provider(app, live_server, context, page, oidc, observer):
    base = live_server.url
    page.goto(f"{base}/login")
    page.click(BUTTON)
    sign_in_at_provider(page, oidc, "Rektor@Example.se")
    page.wait_for_url(f"{base}/")
    wait_offline_ready(page)

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
    assert observations(app) == []
    page.locator("[data-sync-login] a").click()
    page.click(BUTTON)  # still signed in at the provider: it sends the browser straight back
    page.wait_for_url(draft_url)
    wait_form(page)
    wait_state(page, "synced")
    [saved] = observations(app)
    assert str(saved.uuid) == uuid and saved.status == "complete"
    assert saved.answers["W9"]["value"] == EXAMPLE
