"""Fault matrix cases 2, 3 and 4: lost responses, server errors, double submits and two tabs."""
from __future__ import annotations

import json

import pytest

from tests.pwa.e2e_support import (TIMEOUT, Network, faults, login, observations, observer, record_uuid,  # noqa: F401
                                   start_walkthrough, type_into, wait_form, wait_state, walkthrough_school)

pytestmark = pytest.mark.e2e

EXAMPLE = "Eleverna jämför två strategier vid tavlan."


def accepted_upload(response) -> bool:
    return response.url.endswith("/api/v1/sync") and response.request.method == "POST" and response.status == 200


def finish_offline(page, context, base):
    """A finished walkthrough that waits in the outbox (typed and finished with no network)."""
    network = Network(context)
    start_walkthrough(page, base)
    network.off()
    page.check("input[name='a.W1'][value=no]")
    type_into(page, "textarea[name='a.W9']", EXAMPLE)
    page.click("button[value=finish]")
    wait_state(page, "offline")
    return network, record_uuid(page)


def assert_one_row(app, uuid):
    [saved] = observations(app)
    assert str(saved.uuid) == uuid
    assert saved.status == "complete"
    assert saved.answers["W9"]["value"] == EXAMPLE and saved.answers["W1"]["value"] == "no"


def test_response_lost_after_the_server_saved_is_retried_as_unchanged(app, live_server, context, page, observer):
    """Case 2: the request reached the server, the answer never came back."""
    base = live_server.url
    login(page, base, observer)
    network, uuid = finish_offline(page, context, base)
    lost = []

    def drop_first_complete_answer(route):
        body = json.loads(route.request.post_data or "{}")
        complete = any(r.get("status") == "complete" for r in body.get("records", []))
        if complete and not lost:
            lost.append(route.fetch().json())  # the server processes and commits it...
            route.abort("connectionreset")  # ...and the answer is lost on the way back
        else:
            route.continue_()

    page.route("**/api/v1/sync", drop_first_complete_answer)
    with page.expect_response(accepted_upload, timeout=TIMEOUT) as retried:  # the first answer never arrives
        network.on()
    wait_state(page, "synced")
    assert lost and lost[0]["results"][0]["status"] in ("created", "updated")
    assert [r["status"] for r in retried.value.json()["results"] if r["uuid"] == uuid] == ["unchanged"]
    assert_one_row(app, uuid)


def test_a_record_the_server_failed_on_is_sent_again_not_held_for_attention(app, live_server, context, page,
                                                                             observer, monkeypatch):
    """A per-record server fault (answered `rejected` with `retry`) is the server's problem: the
    device retries after its backoff and the user is never asked to fix what is not wrong."""
    from observe.visits.sync_record import ObservationRecord

    failures = []
    real_apply = ObservationRecord.apply

    def fail_once(self, user, school, data, raw):
        if data["status"] == "complete" and not failures:
            failures.append(str(data["uuid"]))
            raise RuntimeError("injected: the disk was full for a moment")
        return real_apply(self, user, school, data, raw)

    monkeypatch.setattr(ObservationRecord, "apply", fail_once)
    monkeypatch.setattr(ObservationRecord, "apply_many", lambda self, user, school, batch: [None] * len(batch))
    base = live_server.url
    login(page, base, observer)
    network, uuid = finish_offline(page, context, base)
    states = []
    page.on("response", lambda r: r.url.endswith("/api/v1/sync") and r.status == 200 and states.extend(
        res["status"] + ("+retry" if res.get("retry") else "") for res in r.json()["results"]))
    network.on()
    wait_state(page, "synced")
    assert failures == [uuid] and "rejected+retry" in states and states[-1] in ("created", "updated")
    assert page.get_attribute(".record-state", "data-record-state") == "synced"
    assert_one_row(app, uuid)


def test_server_errors_and_rate_limits_are_retried_until_accepted(app, live_server, context, page, observer, faults):
    """Case 3: 500, 502, 503 and 429 with Retry-After before the server accepts."""
    base = live_server.url
    login(page, base, observer)
    network, uuid = finish_offline(page, context, base)
    queue = faults(500, 502, 503, {"status": 429, "retry_after": 1})
    statuses = []
    page.on("response", lambda r: r.url.endswith("/api/v1/sync") and statuses.append(r.status))
    with page.expect_response(accepted_upload, timeout=TIMEOUT):
        network.on()
    wait_state(page, "synced")
    assert not queue  # every injected failure was met by a retry
    assert statuses == [500, 502, 503, 429, 200]
    assert page.get_attribute(".record-state", "data-record-state") == "synced"
    assert_one_row(app, uuid)


def test_double_submit_and_two_tabs_syncing_at_once_make_one_row(app, live_server, context, page, observer):
    """Case 4: finish pressed twice in one tab while a second tab syncs the same record."""
    base = live_server.url
    login(page, base, observer)
    network, uuid = finish_offline(page, context, base)
    second = context.new_page()
    second.goto(page.url)  # the same draft, restored from the device in another tab
    wait_form(second)
    assert second.input_value("textarea[name='a.W9']") == EXAMPLE
    network.on()
    page.dblclick("button[value=finish]")
    second.click("[data-sync-now]")
    for tab in (page, second):
        wait_state(tab, "synced")
    assert_one_row(app, uuid)
