"""The logout purge in Safari's engine (WebKitGTK), which ignores Clear-Site-Data on a redirect:
the leaving user's own data goes, another user's unsynced visit stays and reaches the server."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from observe.auth.models import Role
from tests.e2e.test_offline_session import end_every_session
from tests.pwa.e2e_support import observations

from .support import device_databases, login, type_into, value_of, wait_form, wait_state, wait_url

pytestmark = pytest.mark.webkit

EXAMPLE = "Eleverna förklarar för varandra innan de skriver."


def test_second_users_logout_removes_only_their_own_data(app, network, webkit, observer, make_user,
                                                         walkthrough_school):
    base = network.url
    colleague = make_user(Role.PRINCIPAL, school=walkthrough_school, name="Bea Biträdande")
    browser = webkit.open()
    login(browser, base, observer)
    network.off()
    browser.get(f"{base}/visits/new/spontaneous?teacher=anonymous")
    wait_form(browser)
    type_into(browser, "textarea[name='a.W9']", EXAMPLE)
    uuid = value_of(browser, "form[data-offline-form] input[name=uuid]")
    end_every_session(app, observer.id)  # the first user's session expires while the note waits
    network.on()
    wait_state(browser, "auth")

    login(browser, base, colleague)  # the second user, same browser
    browser.find_element(By.CSS_SELECTOR, "form.logout-form button").click()
    wait_url(browser, f"{base}/login")
    on_device = device_databases(browser)
    assert f"observe-u{colleague.id}" not in on_device  # purged, although WebKit ignores Clear-Site-Data here
    assert on_device[f"observe-u{observer.id}"] == 1  # the other user's note still waits

    login(browser, base, observer)
    wait_state(browser, "synced")
    [saved] = observations(app)
    assert str(saved.uuid) == uuid and saved.answers["W9"]["value"] == EXAMPLE
