"""Fault matrix case 8: a new app version arrives while a form is open with input in it."""
from __future__ import annotations

import pytest

from tests.pwa.e2e_support import (TIMEOUT, login, observations, observer, record_uuid,  # noqa: F401
                                   start_walkthrough, type_into, wait_form, wait_state, walkthrough_school)

pytestmark = pytest.mark.e2e


@pytest.fixture
def new_deploy(app):
    """Change what the worker's content hash covers, as a deployment of new files would."""
    def _deploy():
        app.config["OBSERVE_BUILD_SALT"] = "next-release"

    yield _deploy
    app.config.pop("OBSERVE_BUILD_SALT", None)


def test_new_version_waits_for_consent_and_the_outbox_survives(app, live_server, context, page, observer,
                                                               new_deploy):
    base = live_server.url
    login(page, base, observer)
    start_walkthrough(page, base)
    context.route("**/api/**", lambda route: route.abort("connectionrefused"))  # keep the outbox full
    type_into(page, "textarea[name='a.W9']", "Före uppdateringen.")
    uuid = record_uuid(page)
    old_caches = page.evaluate("caches.keys()")
    loads = []
    page.on("load", lambda: loads.append(page.url))

    new_deploy()
    other = context.new_page()
    other.goto(f"{base}/")  # any navigation makes the browser look for a new worker
    prompt = page.locator("[data-sync-update]")
    prompt.wait_for(state="visible", timeout=TIMEOUT)
    type_into(page, "textarea[name='a.W9']", " Under tiden.")  # the user keeps typing: nothing reloads
    assert loads == []
    other.close()

    with page.expect_event("load", timeout=TIMEOUT):
        prompt.locator("[data-update-reload]").click()
    wait_form(page)
    assert page.input_value("textarea[name='a.W9']") == "Före uppdateringen. Under tiden."
    assert record_uuid(page) == uuid
    new_caches = page.evaluate("caches.keys()")
    assert [name for name in new_caches if name.startswith("observe-static-")] != \
        [name for name in old_caches if name.startswith("observe-static-")]
    assert len([name for name in new_caches if name.startswith("observe-static-")]) == 1  # old one deleted

    wait_state(page, "offline")  # still unsynced after the update
    context.unroute("**/api/**")
    page.click("[data-sync-now]")
    wait_state(page, "synced")
    [saved] = observations(app)
    assert str(saved.uuid) == uuid
    assert saved.answers["W9"]["value"] == "Före uppdateringen. Under tiden."
