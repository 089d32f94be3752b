"""Picking a template at the start of a walkthrough: the picked form online and offline (every
template the start page offers is kept on the device), synced later on that template's version; a
template the device does not keep yet opens the default form with a note, never silently."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from observe.extensions import db
from observe.templates_.models import Template
from observe.templates_.services import add_item, create_template, publish
from tests.pwa.e2e_support import (Network, login, observations, observer, type_into, visit_of,  # noqa: F401
                                   wait_finished, wait_form, wait_state, walkthrough_school)

pytestmark = pytest.mark.e2e

NOTE = "Eleverna ritar tiotal och ental och förklarar för varandra."


def template_of(school, key: str) -> Template:
    return db.session.scalar(select(Template).where(Template.school_id == school.id, Template.key == key))


def publish_walkthrough(app, school_id: int, user_id: int) -> int:
    """Publish another walkthrough template (in its own session, beside the live server's); its id."""
    from observe.auth.models import User
    from observe.schools.models import School

    with app.app_context():
        user = db.session.get(User, user_id)
        template = create_template(db.session.get(School, school_id), user, {"sv": "Ny runda", "en": "New round"},
                                   "walkthrough")
        add_item(template, "s1", "yes_no", {"sv": "Syftet är synligt", "en": "The purpose is visible"})
        publish(template, user)
        db.session.commit()
        return template.id


def test_a_template_picked_offline_is_filled_and_synced_on_its_version(app, live_server, context, page, observer,
                                                                        teacher, walkthrough_school):
    base = live_server.url
    other = template_of(walkthrough_school, "math-f3")
    version_id = other.latest.id
    login(page, base, observer)  # the device keeps the start page and each template's form
    network = Network(context)
    network.off()

    page.goto(f"{base}/visits/new")  # the start page, from the device
    page.select_option("#template", str(other.id))
    page.click(f"button[name=teacher][value='{teacher.id}']")
    wait_form(page)
    assert page.locator("[data-template-other]").is_hidden()  # the picked form, not the default
    assert page.locator("input[name=template_version_id]").input_value() == str(version_id)
    assert page.locator("[name='a.W1']").count() == 0
    page.check("input[name='a.M9'][value=place_value]")
    page.locator("input[name='a.M1']").first.check()
    scale_value = page.locator("input[name='a.M1']").first.get_attribute("value")
    type_into(page, "textarea[name=note]", NOTE)
    page.reload()  # still offline: the same template's form comes back with what was typed
    wait_form(page)
    assert page.is_checked("input[name='a.M9'][value=place_value]")
    page.click("button[value=finish]")
    wait_finished(page)
    assert observations(app) == []  # nothing left the device

    network.on()
    wait_state(page, "synced")
    [saved] = observations(app)
    assert saved.template_version_id == version_id and saved.status == "complete"
    assert saved.answers["M9"]["value"] == ["place_value"] and saved.answers["M1"]["value"] == scale_value
    assert NOTE in [note["text"] for note in saved.notes]
    visit = visit_of(app, saved)
    assert (visit.template_version_id, visit.teacher_id) == (version_id, teacher.id)


def test_a_template_the_device_does_not_keep_opens_the_default_form_with_a_note(app, live_server, context, page, observer,
                                                                                walkthrough_school):
    base = live_server.url
    login(page, base, observer)
    newer = publish_walkthrough(app, walkthrough_school.id, observer.id)  # after the device was last online

    Network(context).off()
    page.goto(f"{base}/visits/new/spontaneous?teacher=anonymous&template={newer}")
    wait_form(page)
    assert page.locator("[name='a.W1']").count() > 0  # the kept default form ...
    assert page.locator("[data-template-other]").is_visible()  # ... saying so
    page.check("input[name='a.W1'][value=yes]")
    page.wait_for_url("**draft=**")
    assert "template=" not in page.url  # the draft's link reopens the form it was typed on
    page.goto(f"{base}/visits/new/spontaneous?teacher=anonymous")
    wait_form(page)
    assert page.locator("[data-template-other]").is_hidden()
