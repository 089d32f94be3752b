"""Fault matrix case 7: a new template version is published while a half-filled form waits offline."""
from __future__ import annotations

import pytest

from observe.extensions import db
from observe.templates_ import services as templates
from tests.pwa.e2e_support import (Network, login, observations, observer, record_uuid,  # noqa: F401
                                   start_walkthrough, type_into, wait_finished, wait_state, walkthrough_school)

pytestmark = pytest.mark.e2e

EXAMPLE = "Eleverna förklarar för varandra varför 7 + 8 = 15."


def publish_without(app, school_id: int, user_id: int, item_key: str) -> tuple[int, int]:
    """Publish the walkthrough's next version without one item; returns (old id, new id)."""
    from observe.auth.models import User
    from observe.schools.models import School

    with app.app_context():
        school = db.session.get(School, school_id)
        old = templates.latest_version_for(school, "spontaneous")
        template = old.template
        document = templates.working_document(template)
        for section in document["sections"]:
            section["items"] = [item for item in section["items"] if item["key"] != item_key]
        templates.save_draft(template, document)
        new = templates.publish(template, db.session.get(User, user_id))
        db.session.commit()
        return old.id, new.id


def test_record_on_the_old_version_is_accepted_and_renders(app, live_server, context, page, observer,
                                                          walkthrough_school):
    base = live_server.url
    login(page, base, observer)
    network = Network(context)
    start_walkthrough(page, base)
    network.off()
    page.check("input[name='a.W1'][value=yes]")
    type_into(page, "textarea[name='a.W9']", EXAMPLE)
    old_id, new_id = publish_without(app, walkthrough_school.id, observer.id, "W9")
    assert new_id != old_id
    assert page.input_value("input[name=template_version_id]") == str(old_id)

    page.click("button[value=finish]")
    wait_finished(page)
    uuid = record_uuid(page)
    network.on()
    wait_state(page, "synced")
    [saved] = observations(app)
    assert str(saved.uuid) == uuid
    assert saved.template_version_id == old_id
    assert saved.answers["W9"]["value"] == EXAMPLE

    visit_uuid = page.input_value("input[name=visit_uuid]")
    page.goto(f"{base}/visits/{visit_uuid}")
    assert EXAMPLE in page.inner_text("main")
