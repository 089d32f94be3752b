"""Finishing a visit while an autosave upload is still on its way still uploads and opens the visit."""
from __future__ import annotations

import pytest

from tests.pwa.e2e_support import (TIMEOUT, faults, login, observations, observer, record_uuid,  # noqa: F401
                                   start_walkthrough, walkthrough_school)

pytestmark = pytest.mark.e2e


def test_finish_during_a_slow_autosave_upload_opens_the_finished_visit(app, live_server, page, observer, faults):
    base = live_server.url
    login(page, base, observer)
    start_walkthrough(page, base)
    faults({"delay": 3})  # the autosave's upload takes 3 s to answer
    page.check("input[name='a.W1'][value=yes]")
    with page.expect_request(lambda r: r.url.endswith("/api/v1/sync") and r.method == "POST", timeout=TIMEOUT):
        pass  # the draft upload has started and holds the tab's sync lock
    uuid = record_uuid(page)
    visit_uuid = page.input_value("form[data-offline-form] input[name=visit_uuid]")
    page.click("button[value=finish]")
    page.wait_for_url(f"{base}/visits/{visit_uuid}", timeout=TIMEOUT)
    [saved] = observations(app)
    assert str(saved.uuid) == uuid and saved.status == "complete"
    assert saved.answers["W1"]["value"] == "yes"
