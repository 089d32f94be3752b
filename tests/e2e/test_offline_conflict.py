"""Fault matrix case 9: one planned visit edited on two devices; the author merges the two versions."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from observe.extensions import db
from observe.sync.models import SyncConflict
from tests.pwa.e2e_support import (Network, login, observations, observer, planned_visit_on,  # noqa: F401
                                   type_into, wait_form, wait_state, walkthrough_school)

pytestmark = pytest.mark.e2e


@pytest.fixture
def planned_visit(ctx, walkthrough_school, observer, teacher):
    """A planned visit whose observation the observer already saved once (revision 1)."""
    return planned_visit_on(walkthrough_school, observer, teacher, "spontaneous")


TABLET_TEXT = "Skrivet på surfplattan utan nät."
LAPTOP_TEXT = "Skrivet på datorn."
MERGED_TEXT = "Datorn: eleverna i par. Surfplattan: läraren sammanfattade."


def edit_on_two_devices(base, browser, browser_context_args, context, page, observer, visit):
    """The tablet types offline while the laptop saves the same visit; then the tablet comes back."""
    observe_url = f"{base}/visits/{visit.uuid}/observe"
    login(page, base, observer)
    page.goto(observe_url)
    wait_form(page)
    tablet = Network(context)
    tablet.off()
    type_into(page, "textarea[name='a.W9']", TABLET_TEXT)

    laptop_context = browser.new_context(**browser_context_args)
    try:
        laptop = laptop_context.new_page()
        login(laptop, base, observer)
        laptop.goto(observe_url)
        wait_form(laptop)
        type_into(laptop, "textarea[name='a.W9']", LAPTOP_TEXT)
        wait_state(laptop, "synced")
    finally:
        laptop_context.close()

    tablet.on()
    page.wait_for_selector(".record-state[data-record-state=conflict]", state="attached")
    wait_state(page, "synced")  # nothing waits on the device: the server holds both versions


def test_two_devices_editing_one_visit_keep_both_versions(app, live_server, browser, browser_context_args,
                                                          context, page, observer, planned_visit):
    edit_on_two_devices(live_server.url, browser, browser_context_args, context, page, observer, planned_visit)
    page.click("#sync-status summary")
    page.locator("[data-sync-list] li[data-record-state=conflict]").wait_for(state="visible")

    [saved] = observations(app)
    assert saved.answers["W9"]["value"] == LAPTOP_TEXT  # not overwritten
    with app.app_context():
        [conflict] = db.session.execute(select(SyncConflict)).scalars().all()
        assert str(conflict.record_uuid) == str(saved.uuid)
        assert conflict.payload["fields"]["a.W9"] == [TABLET_TEXT]


def test_the_author_merges_both_versions_and_the_device_ends_all_synced(
        app, live_server, browser, browser_context_args, context, page, observer, planned_visit):
    base = live_server.url
    edit_on_two_devices(base, browser, browser_context_args, context, page, observer, planned_visit)

    # The status bar leads to the merge screen; the conflict is listed there.
    page.get_by_role("link", name="Compare and merge", exact=True).click()
    page.wait_for_url(f"{base}/conflicts/")
    page.locator(".merge-list a").click()
    page.wait_for_selector("form.merge-form")

    # Both versions, side by side, by the item's label; only the example differs.
    field = page.locator(".merge-differs")
    assert field.count() == 1
    assert "One concrete example" in field.locator(".merge-label").inner_text()
    assert field.locator("[data-version=server]").inner_text().strip() == LAPTOP_TEXT
    assert field.locator("[data-version=mine]").inner_text().strip() == TABLET_TEXT

    field.get_by_role("radio", name="Write a merged text").check()
    field.locator("textarea").fill(MERGED_TEXT)
    page.get_by_role("button", name="Save merged version").click()
    page.wait_for_url(f"{base}/conflicts/")
    # (the message's language is not asserted: a form POST through the service worker loses
    # Playwright's extra Accept-Language header, so the browser's sv-SE answers)
    assert "3" in page.locator(".flash-success").inner_text()  # the revision the merge became

    # The device takes the merge as its own: nothing in conflict, nothing waiting.
    wait_state(page, "synced")
    page.wait_for_selector("[data-sync-list] li.muted", state="attached")  # "Nothing is waiting on this device."
    assert page.locator("[data-sync-list] li[data-record-state]").count() == 0
    assert page.locator("#sync-status a[href='/conflicts/']").count() == 0

    [saved] = observations(app)
    assert saved.answers["W9"]["value"] == MERGED_TEXT
    assert saved.revision == 3  # saved once before, then the laptop, then the merge
    with app.app_context():
        [conflict] = db.session.execute(select(SyncConflict)).scalars().all()
        assert conflict.resolved_at is not None
        assert conflict.payload["fields"]["a.W9"] == [TABLET_TEXT]  # the device's version is still kept

    # Reopening the form on the tablet shows the merge, not the device's old copy, and sends nothing.
    page.goto(f"{base}/visits/{planned_visit.uuid}/observe")
    wait_form(page)
    assert page.locator("textarea[name='a.W9']").input_value() == MERGED_TEXT
    wait_state(page, "synced")
    [again] = observations(app)
    assert again.revision == 3 and again.answers["W9"]["value"] == MERGED_TEXT
