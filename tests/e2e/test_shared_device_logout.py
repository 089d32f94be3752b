"""A shared tablet: one user's logout removes only that user's data, never another user's notes
that have not reached the server (issue 20, items 1 and 2; the WebKit run is tests/webkit/)."""
from __future__ import annotations

import pytest

from observe.auth.models import Role
from tests.e2e.test_offline_session import end_every_session
from tests.pwa.e2e_support import (Network, device_databases, log_in_through_the_form, login,  # noqa: F401
                                   observations, observer, record_uuid, start_walkthrough, type_into,
                                   wait_offline_ready, wait_state, walkthrough_school)

pytestmark = pytest.mark.e2e

EXAMPLE = "Eleverna förklarar för varandra innan de skriver."


def test_second_users_logout_keeps_the_first_users_unsynced_visit(app, live_server, context, page, observer,
                                                                    make_user, walkthrough_school):
    base = live_server.url
    colleague = make_user(Role.PRINCIPAL, school=walkthrough_school, name="Bea Biträdande")
    login(page, base, observer)
    start_walkthrough(page, base)
    network = Network(context)
    network.off()
    type_into(page, "textarea[name='a.W9']", EXAMPLE)
    uuid = record_uuid(page)
    end_every_session(app, observer.id)  # the first user's session expires while the note waits
    network.on()
    wait_state(page, "auth")

    log_in_through_the_form(page, base, colleague)  # the second user, same browser
    wait_offline_ready(page)
    page.click("form.logout-form button")
    page.wait_for_url(f"{base}/login")
    on_device = device_databases(page)
    assert f"observe-u{colleague.id}" not in on_device  # the leaving user's own data is gone
    assert on_device[f"observe-u{observer.id}"] == 1  # the other user's note still waits
    # The pages the leaving user's visit saved are gone (a navigation may open the cache again, empty).
    assert page.evaluate("caches.open('observe-pages').then((cache) => cache.keys()).then((keys) => keys.length)") == 0
    assert observations(app) == []

    login(page, base, observer)
    wait_state(page, "synced")
    [saved] = observations(app)
    assert str(saved.uuid) == uuid and saved.answers["W9"]["value"] == EXAMPLE
