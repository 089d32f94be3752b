"""Logging out with unsynced data is refused until the user downloaded it (the download works offline)."""
from __future__ import annotations

import json

import pytest

from tests.pwa.e2e_support import (TIMEOUT, Network, device_databases, login, observer, record_uuid,  # noqa: F401
                                   start_walkthrough, type_into, walkthrough_school)

pytestmark = pytest.mark.e2e

EXAMPLE = "Exit ticket: tre elever av 24 löste uppgiften med tiotalsövergång."


def test_logout_refused_until_unsynced_data_is_downloaded(live_server, context, page, observer, tmp_path):
    base = live_server.url
    login(page, base, observer)
    start_walkthrough(page, base)
    network = Network(context)
    network.off()
    type_into(page, "textarea[name='a.W9']", EXAMPLE)
    uuid = record_uuid(page)

    page.click("form.logout-form button")
    alert = page.locator("[data-sync-alert]")
    alert.wait_for(state="visible", timeout=TIMEOUT)
    assert page.url.startswith(f"{base}/visits/new/spontaneous")  # still here, still logged in

    with page.expect_download(timeout=TIMEOUT) as download:
        page.click("[data-download]")  # offline: built on the device
    path = tmp_path / "unsynced.json"
    download.value.save_as(path)
    exported = json.loads(path.read_text())
    [record] = exported["records"]
    assert record["uuid"] == uuid
    assert record["record"]["fields"]["a.W9"] == [EXAMPLE]

    context.route("**/api/**", lambda route: route.abort("connectionrefused"))  # still unsynced at logout
    network.on()
    page.click("form.logout-form button")
    page.wait_for_url(f"{base}/login", timeout=TIMEOUT)  # through the logout page, which purges
    # The downloaded copy is no reason to drop the original: the record still waits on the device.
    assert device_databases(page) == {f"observe-u{observer.id}": 1}
