"""A conditional item offline: it follows its answer on the device (the page comes from the cache), the
record reaches the server once, and a hidden item's answer left on the page is dropped there."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from observe.extensions import db
from tests.pwa.e2e_support import (Network, login, observations, record_uuid, start_walkthrough,  # noqa: F401
                                   wait_finished, wait_state, walkthrough_school)

pytestmark = pytest.mark.e2e

GROUP = {"key": "G1", "type": "yes_no", "label": {"sv": "Grupparbete förekom", "en": "Group work took place"}}
SIZE = {"key": "G2", "type": "choice", "required": True, "show_if": {"item": "G1", "equals": "yes"},
        "label": {"sv": "Gruppstorlek", "en": "Group size"},
        "options": [{"value": "pairs", "label": {"sv": "Par", "en": "Pairs"}},
                    {"value": "small", "label": {"sv": "3–5 elever", "en": "3–5 students"}}]}


@pytest.fixture
def conditional_observer(walkthrough_school, principal):
    from observe.templates_.models import Template
    from observe.templates_.services import publish, save_draft, working_document

    template = db.session.query(Template).filter_by(school_id=walkthrough_school.id, key="walkthrough").one()
    document = working_document(template)
    document["sections"][0]["items"][0:0] = [GROUP, SIZE]
    save_draft(template, document)
    publish(template, principal)
    db.session.commit()
    return principal


def test_a_conditional_item_offline(app, live_server, context, page, conditional_observer):
    base = live_server.url
    login(page, base, conditional_observer)
    network = Network(context)
    network.off()

    start_walkthrough(page, base)
    size = page.locator("#item-G2")
    expect(size).to_be_hidden()
    page.check("input[name='a.G1'][value=yes]")
    expect(size).to_be_visible()
    page.check("input[name='a.G2'][value=small]")
    uuid = record_uuid(page)
    page.check("input[name='a.G1'][value=no]")  # not asked after all: hidden, its answer left on the page
    expect(size).to_be_hidden()
    page.check("input[name='a.W1'][value=yes]")
    page.click("button[value=finish]")
    wait_finished(page)
    wait_state(page, "offline")
    assert observations(app) == []

    network.on()
    wait_state(page, "synced")
    [saved] = observations(app)
    assert str(saved.uuid) == uuid and saved.status == "complete"
    assert saved.answers["G1"]["value"] == "no" and "G2" not in saved.answers  # dropped by the one parser
