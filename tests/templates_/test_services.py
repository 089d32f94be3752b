"""Installing defaults, publishing frozen versions, choosing the version a visit uses."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from observe.extensions import db
from observe.templates_.models import ImmutableVersionError, Template, TemplateVersion
from observe.templates_.schemas import TemplateFormatError
from observe.templates_.services import (NothingToPublish, install_defaults, latest_version_for, publish,
                                         save_draft, version_in_school, working_document)


def count(model, school):
    return db.session.scalar(select(func.count()).select_from(model).where(model.school_id == school.id))


def test_install_defaults_gives_five_published_templates_once(school):
    install_defaults(school)
    db.session.commit()
    install_defaults(school)  # idempotent
    db.session.commit()
    assert count(Template, school) == 5 and count(TemplateVersion, school) == 5
    versions = db.session.scalars(select(TemplateVersion).where(TemplateVersion.school_id == school.id)).all()
    assert {v.number for v in versions} == {1}
    assert all(len(v.content_hash) == 64 for v in versions)


def test_each_visit_kind_gets_its_own_default(school, make_school):
    install_defaults(school)
    db.session.commit()
    assert latest_version_for(school, "spontaneous").template.key == "walkthrough"
    assert latest_version_for(school, "planned").template.key == "planned"
    assert latest_version_for(school, "peer").template.key == "peer"
    assert latest_version_for(make_school("Tom skola"), "planned") is None


def test_any_templates_fit_when_no_exact_kind(school):
    install_defaults(school)
    walkthrough = db.session.scalar(select(Template).where(Template.key == "walkthrough"))
    walkthrough.status = "archived"
    db.session.commit()
    assert latest_version_for(school, "spontaneous").template.kind == "any"


def test_publish_makes_version_two_and_keeps_version_one(school, principal):
    install_defaults(school)
    template = db.session.scalar(select(Template).where(Template.key == "walkthrough"))
    document = working_document(template)
    document["title"]["sv"] = "Vår korta runda"
    save_draft(template, document)
    version = publish(template, principal)
    db.session.commit()
    assert version.number == 2 and template.draft is None
    assert template.title["sv"] == "Vår korta runda"
    assert template.versions[0].document["title"]["sv"] == "Kort lektionsbesök"
    assert latest_version_for(school, "spontaneous").id == version.id
    assert version_in_school(school, version.id) is version


def test_a_published_version_never_changes(school):
    install_defaults(school)
    db.session.commit()
    version = latest_version_for(school, "planned")
    version.document = {**version.document, "title": {"sv": "Ändrad", "en": "Changed"}}
    with pytest.raises(ImmutableVersionError):
        db.session.commit()
    db.session.rollback()
    assert latest_version_for(school, "planned").document["title"]["sv"] == "Planerat lektionsbesök"


def test_a_reused_key_must_keep_its_type(school, principal):
    install_defaults(school)
    template = db.session.scalar(select(Template).where(Template.key == "walkthrough"))
    document = working_document(template)
    w1 = document["sections"][1]["items"][0]
    assert w1["key"] == "W1"
    w1.update(type="counter")
    save_draft(template, document)
    with pytest.raises(TemplateFormatError) as info:
        publish(template, principal)
    message = " ".join(info.value.errors["items.W1.type"])  # Swedish by default: check the facts it names
    assert "W1" in message and "yes_no" in message and "counter" in message
    assert len(template.versions) == 1


def test_nothing_to_publish_without_changes(school, principal):
    install_defaults(school)
    template = db.session.scalar(select(Template).where(Template.key == "peer"))
    with pytest.raises(NothingToPublish):
        publish(template, principal)
    save_draft(template, working_document(template))
    with pytest.raises(NothingToPublish):
        publish(template, principal)


def test_versions_of_another_school_are_not_found(school, make_school):
    other = make_school("Annan skola")
    install_defaults(other)
    db.session.commit()
    assert version_in_school(school, latest_version_for(other, "peer").id) is None
    assert version_in_school(school, "nonsense") is None
