"""Fault matrix case 10: the device refuses to store a change."""
from __future__ import annotations

import pytest

from tests.pwa.e2e_support import (TIMEOUT, Network, login, observations, observer,  # noqa: F401
                                   start_walkthrough, type_into, wait_state, walkthrough_school)

pytestmark = pytest.mark.e2e

# Every IndexedDB write fails while window.__failIndexedDB is set (a full disk, as the browser reports it).
INJECT = """
(() => {
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (...args) {
    if (window.__failIndexedDB && this.name !== 'meta') {
      throw new DOMException('Injected: the disk is full', 'QuotaExceededError');
    }
    return put.apply(this, args);
  };
})();
"""


def test_failed_write_is_reported_and_the_form_stays(app, live_server, context, page, observer):
    base = live_server.url
    page.add_init_script(INJECT)
    login(page, base, observer)
    network = Network(context)
    start_walkthrough(page, base)
    network.off()
    type_into(page, "textarea[name='a.W9']", "Sparat.")

    page.evaluate("window.__failIndexedDB = true")
    type_into(page, "textarea[name='a.W9']", " Inte sparat.")
    problem = page.locator(".record-problem[data-store-error]")
    problem.wait_for(state="visible", timeout=TIMEOUT)
    assert page.get_attribute(".record-problem", "role") == "alert"
    assert problem.inner_text().strip()  # told in words, not only marked
    assert page.input_value("textarea[name='a.W9']") == "Sparat. Inte sparat."  # still on screen
    assert page.url.startswith(f"{base}/visits/new/spontaneous")

    page.evaluate("window.__failIndexedDB = false")
    type_into(page, "textarea[name='a.W9']", " Igen.")
    problem.wait_for(state="hidden", timeout=TIMEOUT)
    network.on()
    wait_state(page, "synced")
    [saved] = observations(app)
    assert saved.answers["W9"]["value"] == "Sparat. Inte sparat. Igen."
