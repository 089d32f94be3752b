"""Template pages: who sees and edits what, the designer's edits, publish, import/export, clone."""
from __future__ import annotations

import html
import io
import json
import re

import pytest
from sqlalchemy import func, select

from observe.auth.models import Role
from observe.extensions import db
from observe.templates_.models import Template, TemplateVersion
from observe.templates_.services import install_defaults, latest_version_for

from ..conftest import csrf_token
from .documents import every_type


@pytest.fixture
def school_templates(school):
    install_defaults(school)
    db.session.commit()
    return {t.key: t.id for t in db.session.scalars(select(Template).where(Template.school_id == school.id))}


def post(client, url, data=None, **kwargs):
    token = csrf_token(client, "/templates/")
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


def template_by_id(template_id):
    db.session.expire_all()
    return db.session.get(Template, template_id)


def keys_of(template):
    from observe.templates_.services import working_document

    return [i["key"] for s in working_document(template)["sections"] for i in s["items"]]


def new_template(client, title="Vår mall"):
    response = post(client, "/templates/new", {"title_sv": title, "title_en": "Our template", "kind": "any"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].split("/")[2])


def test_teachers_read_published_templates_but_do_not_edit(login_as, teacher, school_templates):
    client = login_as(teacher)
    page = client.get("/templates/").get_data(as_text=True)
    assert "Short walkthrough" in page and "New template" not in page
    assert 'href="/templates/" aria-current="page"' in page  # the nav link
    assert client.get("/templates/new").status_code == 403
    walkthrough = school_templates["walkthrough"]
    assert client.get(f"/templates/{walkthrough}/").status_code == 302  # to the preview
    assert client.get(f"/templates/{walkthrough}/preview").status_code == 200
    assert post(client, f"/templates/{walkthrough}/items/W1/op", {"op": "delete"}).status_code == 403
    assert post(client, f"/templates/{walkthrough}/publish").status_code == 403


def test_other_schools_templates_are_not_found(login_as, principal, make_school):
    other = make_school("Annan skola")
    install_defaults(other)
    db.session.commit()
    foreign = db.session.scalar(select(Template.id).where(Template.school_id == other.id))
    client = login_as(principal)
    assert client.get(f"/templates/{foreign}/preview").status_code == 404
    assert client.get(f"/templates/{foreign}/export").status_code == 404
    assert post(client, f"/templates/{foreign}/meta", {"title_sv": "x", "kind": "any"}).status_code == 404
    assert post(client, f"/templates/clone-from-organisation/{foreign}").status_code == 404  # other organisation


def test_principal_builds_a_template_and_publishes_it(login_as, principal, school):
    client = login_as(principal)
    template_id = new_template(client)
    page = client.get(f"/templates/{template_id}/").get_data(as_text=True)
    assert "Vår mall" in page and 'name="a.' not in page and "New item" not in page  # no placeholder question
    response = post(client, f"/templates/{template_id}/publish", follow_redirects=True)
    assert "has no items yet: add one, or delete the section." in html.unescape(response.get_data(as_text=True))
    assert template_by_id(template_id).latest is None
    for kind in ("yes_no", "scale", "text", "checklist", "choice", "counter", "x_of_y", "timed_log", "interval"):
        response = post(client, f"/templates/{template_id}/sections/s1/items",
                        {"type": kind, "label_sv": f"Punkt {kind}", "label_en": f"Item {kind}"})
        assert response.status_code == 302
    template = template_by_id(template_id)
    assert keys_of(template) == [f"Q{n}" for n in range(1, 10)]
    page = client.get(f"/templates/{template_id}/").get_data(as_text=True)
    assert 'name="a.Q9.0.teacher"' in page and 'name="a.Q4.0.time"' not in page  # Q4 is checklist
    response = post(client, f"/templates/{template_id}/publish")
    assert response.status_code == 302
    template = template_by_id(template_id)
    assert template.latest.number == 1 and template.draft is None
    assert len(template.latest.items()) == 9


def test_reorder_duplicate_and_delete_items(login_as, principal, school, school_templates):
    client = login_as(principal)
    tid = school_templates["walkthrough"]
    post(client, f"/templates/{tid}/items/W1/op", {"op": "down"})
    assert keys_of(template_by_id(tid))[1:4] == ["W2", "W1", "W3"]
    post(client, f"/templates/{tid}/items/phase/op", {"op": "down"})  # crosses into the next section
    keys = keys_of(template_by_id(tid))
    assert keys[0] == "phase" and keys.index("phase") == 0
    post(client, f"/templates/{tid}/items/W9/op", {"op": "duplicate"})
    keys = keys_of(template_by_id(tid))
    assert keys[keys.index("W9") + 1] == "Q1"
    post(client, f"/templates/{tid}/items/W9/op", {"op": "delete"})
    assert "W9" not in keys_of(template_by_id(tid))
    # the published version 1 is untouched until the draft is published
    assert "W9" in [i["key"] for i in latest_version_for(school, "spontaneous").items()]


def test_section_cannot_lose_its_last_item(login_as, principal, school_templates):
    client = login_as(principal)
    tid = school_templates["walkthrough"]
    response = post(client, f"/templates/{tid}/items/phase/op", {"op": "delete"}, follow_redirects=True)
    assert "delete the section instead" in response.get_data(as_text=True)
    assert "phase" in keys_of(template_by_id(tid))


def test_edit_an_item_and_see_errors_by_field(login_as, principal, school_templates):
    client = login_as(principal)
    tid = school_templates["walkthrough"]
    form = client.get(f"/templates/{tid}/items/W4").get_data(as_text=True)
    # Each option in its own fields (value, Swedish, English, what counts as it), with spare empty rows.
    assert 'name="option_rows-0-value" type="text" value="teacher_led"' in form
    assert 'name="option_rows-0-sv" type="text" value="Lärarledd genomgång"' in form
    assert 'name="option_rows-0-en" type="text" value="Teacher-led presentation"' in form
    spare = len(re.findall(r'name="option_rows-\d+-sv"', form))
    assert spare == form.count('name="option_rows-') // 5 and 'name="options"' not in form
    data = {"key": "W4", "type": "checklist", "label_sv": "Arbetsform", "label_en": "Format", "evidence": "none",
            "options": "a | A | A\na | B | B"}  # the lines of text an older page posted still work
    response = post(client, f"/templates/{tid}/items/W4", data)
    assert response.status_code == 422
    assert "used twice" in response.get_data(as_text=True)
    data["options"] = "a | A | A\nb | B | B"
    assert post(client, f"/templates/{tid}/items/W4", data).status_code == 302
    from observe.templates_.services import working_document

    item = next(i for s in working_document(template_by_id(tid))["sections"] for i in s["items"] if i["key"] == "W4")
    assert item["label"] == {"sv": "Arbetsform", "en": "Format"} and len(item["options"]) == 2


def test_a_key_keeps_its_type_across_versions(login_as, principal, school_templates):
    client = login_as(principal)
    tid = school_templates["walkthrough"]
    post(client, f"/templates/{tid}/items/W1", {"key": "W1", "type": "counter", "label_sv": "Räkna",
                                                "evidence": "optional"})
    response = post(client, f"/templates/{tid}/publish", follow_redirects=True)
    assert "Not published" in response.get_data(as_text=True)
    assert template_by_id(tid).latest.number == 1


def test_coauthor_edits_the_draft_but_does_not_publish(login_as, principal, make_user, school_templates, client):
    colleague = make_user(Role.TEACHER, name="Kim Kollega")
    tid = school_templates["math-f3"]
    login_as(principal)
    assert post(client, f"/templates/{tid}/coauthors", {"users": [colleague.id]}).status_code == 302
    post(client, "/logout")
    login_as(colleague)
    assert client.get(f"/templates/{tid}/").status_code == 200
    assert post(client, f"/templates/{tid}/items/M1/op", {"op": "down"}).status_code == 302
    assert post(client, f"/templates/{tid}/publish").status_code == 403


def test_unpublished_drafts_are_hidden_from_teachers(login_as, principal, teacher, client):
    login_as(principal)
    template_id = new_template(client, "Hemlig")
    post(client, "/logout")
    login_as(teacher)
    assert "Hemlig" not in client.get("/templates/").get_data(as_text=True)
    assert client.get(f"/templates/{template_id}/preview").status_code == 404


def test_export_then_import_gives_the_same_document(login_as, principal, school_templates, school):
    client = login_as(principal)
    response = client.get(f"/templates/{school_templates['peer']}/export")
    assert response.headers["Content-Disposition"] == 'attachment; filename="peer-v1.json"'
    exported = response.get_data()
    response = post(client, "/templates/import", {"file": (io.BytesIO(exported), "peer.json")},
                    content_type="multipart/form-data")
    assert response.status_code == 302
    imported = template_by_id(int(response.headers["Location"].split("/")[2]))
    assert imported.key == "peer-2" and imported.latest is None
    original = json.loads(exported)
    title = {lang: f"{text} ({'importerad' if lang == 'sv' else 'imported'})" for lang, text in original["title"].items()}
    assert {**imported.draft, "key": "peer"} == {**original, "title": title}  # marked as the copy it is
    assert imported.title == title


def test_an_invalid_import_names_the_problem_and_creates_nothing(login_as, principal, school):
    client = login_as(principal)
    bad = every_type()
    bad["sections"][1]["items"][0]["type"] = "slider"
    before = db.session.scalar(select(func.count()).select_from(Template))
    response = post(client, "/templates/import",
                    {"file": (io.BytesIO(json.dumps(bad).encode()), "bad.json")}, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Section “Två”, item “Räknare” (cn), field type: Must be one of: scale" in page  # a place she can find
    assert "nothing was changed" in page
    assert db.session.scalar(select(func.count()).select_from(Template)) == before
    response = post(client, "/templates/import", {"file": (io.BytesIO(b"{oops"), "x.json")},
                    content_type="multipart/form-data")
    assert response.status_code == 422 and "not valid JSON" in response.get_data(as_text=True)


def test_clone_within_school_and_from_the_organisation(login_as, principal, school, make_school, school_templates):
    sister = make_school("Systerskolan", organisation=school.organisation)
    install_defaults(sister)
    db.session.commit()
    sister_template = db.session.scalar(select(Template).where(Template.school_id == sister.id,
                                                               Template.key == "interval"))
    client = login_as(principal)
    page = client.get("/templates/").get_data(as_text=True)
    assert "Systerskolan" in page
    response = post(client, f"/templates/clone-from-organisation/{sister_template.id}")
    copy = template_by_id(int(response.headers["Location"].split("/")[2]))
    assert copy.school_id == school.id and copy.key == "interval-2" and copy.title["en"] == "Interval coding (copy)"
    response = post(client, f"/templates/{school_templates['planned']}/clone")
    assert template_by_id(int(response.headers["Location"].split("/")[2])).key == "planned-2"


def test_archived_templates_are_not_used_for_new_visits(login_as, principal, school, school_templates):
    client = login_as(principal)
    post(client, f"/templates/{school_templates['walkthrough']}/status", {"status": "archived"})
    db.session.expire_all()
    assert latest_version_for(school, "spontaneous").template.key != "walkthrough"
    post(client, f"/templates/{school_templates['walkthrough']}/status", {"status": "active"})
    db.session.expire_all()
    assert latest_version_for(school, "spontaneous").template.key == "walkthrough"


def test_preview_checks_answers_without_saving(login_as, teacher, school_templates):
    client = login_as(teacher)
    tid = school_templates["walkthrough"]
    before = db.session.scalar(select(func.count()).select_from(TemplateVersion))
    response = post(client, f"/templates/{tid}/preview", {"a.W3.x": ["30"], "a.W3.y": ["24"], "a.W1": ["yes"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Must be at most 24." in page
    assert 'data-answer="W1">&#34;yes&#34;' in page or 'data-answer="W1">"yes"' in page
    response = post(client, f"/templates/{tid}/preview", {"a.W1": ["yes"]})
    assert response.status_code == 200 and "All answers are valid" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(TemplateVersion)) == before


def test_meta_changes_go_into_the_draft(login_as, principal, school_templates):
    client = login_as(principal)
    tid = school_templates["peer"]
    post(client, f"/templates/{tid}/meta", {"title_sv": "Kollegial observation i par", "title_en": "Peer pairs",
                                            "kind": "peer", "header_note_sv": "Bara fokus."})
    template = template_by_id(tid)
    assert template.draft["title"]["sv"] == "Kollegial observation i par"
    assert template.draft["header_note"] == {"sv": "Bara fokus.", "en": ""}
    assert template.latest.document["title"]["sv"] == "Kollegial observation"
    post(client, f"/templates/{tid}/discard")
    assert template_by_id(tid).draft is None


def test_sections_add_move_rename_delete(login_as, principal, school_templates):
    client = login_as(principal)
    tid = school_templates["walkthrough"]
    post(client, f"/templates/{tid}/sections", {"title_sv": "Avslut", "title_en": "Closing"})
    from observe.templates_.services import working_document

    sections = working_document(template_by_id(tid))["sections"]
    assert [s["key"] for s in sections] == ["lesson", "observation", "s3"]
    post(client, f"/templates/{tid}/sections/s3", {"op": "up"})
    post(client, f"/templates/{tid}/sections/s3", {"op": "rename", "title_sv": "Slut", "title_en": "End",
                                                   "help_sv": "Titta på avslutningen."})
    sections = working_document(template_by_id(tid))["sections"]
    assert [s["key"] for s in sections] == ["lesson", "s3", "observation"] and sections[1]["title"]["sv"] == "Slut"
    assert sections[1]["help"] == {"sv": "Titta på avslutningen.", "en": ""}
    assert "Titta på avslutningen." in client.get(f"/templates/{tid}/preview").get_data(as_text=True)
    post(client, f"/templates/{tid}/sections/s3", {"op": "delete"})
    assert [s["key"] for s in working_document(template_by_id(tid))["sections"]] == ["lesson", "observation"]


def test_item_preview_draws_the_edit_without_saving(login_as, principal, school_templates):
    client = login_as(principal)
    tid = school_templates["walkthrough"]
    data = {"key": "W4", "type": "choice", "label_sv": "Arbetsform just nu", "evidence": "none",
            "options": "solo | Enskilt | Alone\nduo | Par | Pairs", "action": "preview"}
    response = post(client, f"/templates/{tid}/items/W4", data)
    page = response.get_data(as_text=True)
    preview = page[page.index('id="item-preview"'):]
    assert response.status_code == 200 and 'type="radio" name="a.W4" value="duo"' in preview
    assert template_by_id(tid).draft is None  # nothing saved
    data["options"] = "solo | A\nsolo | B"
    response = post(client, f"/templates/{tid}/items/W4", data)
    assert response.status_code == 422 and "used twice" in response.get_data(as_text=True)


def test_previews_show_the_items_asked_in_the_feedback_step(login_as, principal, school_templates):
    """The observer's form leaves out the items the feedback step asks (H1-H4 of the planned template);
    the designer and the preview still show them, so a school can see what it edits."""
    client = login_as(principal)
    tid = school_templates["planned"]
    for url in (f"/templates/{tid}/preview", f"/templates/{tid}/"):
        page = client.get(url).get_data(as_text=True)
        assert 'data-item="H1"' in page and 'data-item="A1"' in page, url


def test_options_typed_in_fields_with_help_and_a_value_made_from_the_label(login_as, principal, school_templates):
    from observe.templates_.services import working_document

    client = login_as(principal)
    tid = school_templates["walkthrough"]
    data = {"key": "W4", "type": "choice", "label_sv": "Arbetsform", "label_en": "Format", "evidence": "none",
            "option_rows-0-value": "pair", "option_rows-0-sv": "Par", "option_rows-0-en": "Pairs",
            "option_rows-0-help_sv": "Två elever tillsammans.", "option_rows-0-help_en": "Two students together.",
            "option_rows-1-sv": "Helklass – öppet samtal", "option_rows-1-en": "Whole class",
            "option_rows-2-sv": "", "option_rows-2-en": ""}  # an empty spare row is left out
    assert post(client, f"/templates/{tid}/items/W4", data).status_code == 302
    item = next(i for s in working_document(template_by_id(tid))["sections"] for i in s["items"] if i["key"] == "W4")
    assert item["options"] == [
        {"value": "pair", "label": {"sv": "Par", "en": "Pairs"},
         "help": {"sv": "Två elever tillsammans.", "en": "Two students together."}},
        {"value": "helklass_oppet_samtal", "label": {"sv": "Helklass – öppet samtal", "en": "Whole class"}}]
    data["option_rows-1-value"] = "pair"
    response = post(client, f"/templates/{tid}/items/W4", data)
    assert response.status_code == 422 and 'Option value \u201cpair\u201d' not in response.get_data(as_text=True)
    assert "used twice" in response.get_data(as_text=True)
