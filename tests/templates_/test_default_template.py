"""Which template a visit uses: the school's default per kind of visit (set on the templates page),
a second published template no longer takes over, and the observer may pick another at the start."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from observe.extensions import db
from observe.templates_.models import Template
from observe.templates_.services import add_item, create_template, install_defaults, latest_version_for, publish

from ..conftest import csrf_token, login


@pytest.fixture
def templates(school, principal):
    """The shipped templates, then a second walkthrough and a second planned template published later."""
    install_defaults(school)
    made = {}
    for key, kind, title in (("runda", "walkthrough", "Vår egen runda"), ("plan2", "planned", "Vårt planerade besök")):
        template = create_template(school, principal, {"sv": title, "en": ""}, kind)
        add_item(template, "s1", "yes_no", {"sv": "Syftet är synligt", "en": ""})  # a new template starts empty
        publish(template, principal)
        made[key] = template.id
    db.session.commit()
    made.update({t.key: t.id for t in db.session.scalars(select(Template).where(Template.school_id == school.id))})
    return made


def post(client, url, data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/templates/"), **data})


def form_version(html: str) -> int:
    return int(re.search(r'<input type="hidden" name="template_version_id" value="(\d+)"', html).group(1))


def version_of(template_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Template, template_id).latest.id


def test_a_second_published_walkthrough_template_does_not_take_over(login_as, principal, teacher, school, templates):
    assert latest_version_for(school, "spontaneous").template_id == templates["walkthrough"]
    assert latest_version_for(school, "planned").template_id == templates["planned"]
    client = login_as(principal)
    html = client.get(f"/visits/new/spontaneous?teacher={teacher.id}").get_data(as_text=True)
    assert form_version(html) == version_of(templates["walkthrough"])


def test_the_school_chooses_its_default_per_kind_on_the_templates_page(login_as, principal, teacher, school,
                                                                       templates):
    client = login_as(principal)
    page = client.get("/templates/").get_data(as_text=True)
    setting = page[page.index('id="defaults"'):]
    assert re.search(rf'<option value="{templates["walkthrough"]}" selected>Short walkthrough', setting)
    assert f'<option value="{templates["runda"]}">Vår egen runda' in setting
    response = post(client, "/templates/defaults", {"default_walkthrough": templates["runda"],
                                                    "default_planned": templates["plan2"],
                                                    "default_peer": templates["peer"]})
    assert response.status_code == 302
    html = client.get(f"/visits/new/spontaneous?teacher={teacher.id}").get_data(as_text=True)
    assert form_version(html) == version_of(templates["runda"])  # new walkthroughs use the chosen one
    plan = client.get("/planning/new").get_data(as_text=True)
    assert re.search(rf'<option selected value="{version_of(templates["plan2"])}">|'
                     rf'<option value="{version_of(templates["plan2"])}" selected>', plan)
    page = client.get("/templates/").get_data(as_text=True)
    assert re.search(rf'<option value="{templates["runda"]}" selected>', page)


def test_a_default_must_fit_the_kind_of_visit(login_as, principal, school, templates):
    client = login_as(principal)
    response = post(client, "/templates/defaults", {"default_walkthrough": templates["plan2"]})  # a planned template
    assert response.status_code == 302
    assert "cannot be used for this kind of visit" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert latest_version_for(school, "spontaneous").template_id == templates["walkthrough"]


def test_teachers_do_not_set_the_default(login_as, teacher, school, templates):
    client = login_as(teacher)
    page = client.get("/templates/").get_data(as_text=True)
    assert 'id="defaults"' in page and "Save defaults" not in page  # they read which one is used
    assert post(client, "/templates/defaults", {"default_walkthrough": templates["runda"]}).status_code == 403
    assert latest_version_for(school, "spontaneous").template_id == templates["walkthrough"]


def test_the_observer_picks_another_template_when_starting(login_as, principal, teacher, school, templates):
    client = login_as(principal)
    start = client.get("/visits/new").get_data(as_text=True)
    assert re.search(rf'<option value="{templates["walkthrough"]}" selected>Short walkthrough \(the school', start)
    assert f'<option value="{templates["runda"]}">Vår egen runda' in start
    response = client.get(f"/visits/new/spontaneous?teacher={teacher.id}&template={templates['runda']}")
    html = response.get_data(as_text=True)
    assert form_version(html) == version_of(templates["runda"]) and "Vår egen runda" in html
    assert response.headers.get("X-Observe-Offline") != "0"  # kept offline too, under its own ?template=
    for refused in (templates["plan2"], 999999):  # a planned template, an unknown id
        assert client.get(f"/visits/new/spontaneous?teacher={teacher.id}&template={refused}").status_code == 404
    values = {name: re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html).group(1)
              for name in ("csrf_token", "uuid", "visit_uuid", "base_revision", "template_version_id", "status",
                           "kind", "teacher_id", "started_at", "ended_at")}
    saved = client.post("/visits/save", data={**values, "action": "finish", "a.Q1": "yes"})
    assert saved.status_code == 302
    assert "Vår egen runda" in client.get(saved.headers["Location"]).get_data(as_text=True)


def test_every_template_one_may_pick_is_kept_for_offline_use(app, login_as, principal, teacher, school, templates):
    """The pages the device keeps: the default form, and the form of each other walkthrough template
    the start page offers (not planned or peer templates, not archived ones); a teacher, who starts no
    walkthroughs, gets none of them."""
    client = login_as(principal)
    urls = client.get("/offline-pages.json").get_json()["urls"]
    assert "/visits/new/spontaneous" in urls
    start = client.get("/visits/new").get_data(as_text=True)
    offered = re.findall(r'<option value="(\d+)"', start[start.index('id="template"'):])
    picked = [url for url in urls if "template=" in url]
    assert picked == [f"/visits/new/spontaneous?template={tid}" for tid in offered[1:]]  # the default is the plain one
    assert f"/visits/new/spontaneous?template={templates['runda']}" in picked
    assert f"template={templates['plan2']}" not in " ".join(picked)
    assert all(client.get(url).status_code == 200 for url in picked)
    assert post(client, f"/templates/{templates['runda']}/status", {"status": "archived"}).status_code == 302
    after = [url for url in client.get("/offline-pages.json").get_json()["urls"] if "template=" in url]
    assert after == [url for url in picked if not url.endswith(f"={templates['runda']}")]
    teacher_client = app.test_client()
    login(teacher_client, teacher)
    teacher_urls = teacher_client.get("/offline-pages.json").get_json()["urls"]
    assert not [url for url in teacher_urls if "template=" in url]
