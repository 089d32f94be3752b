"""The demo: loaded once, consistent with the templates, and shown on the login page only in demo mode."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from observe.auth.models import User
from observe.extensions import db
from observe.feedback.models import Feedback, NextStep
from observe.schools.models import Organisation
from observe.templates_.items import validate
from observe.visits.models import Observation, ObservationAnswer, Visit
from tests.auth.conftest import client  # noqa: F401  (each request in its own app context)
from tests.conftest import csrf_token


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_command_creates_the_demo_once(runner, ctx):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "demo school loaded" in first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "already present" in second.output
    db.session.expire_all()
    assert _count(Organisation, Organisation.name == "Demo kommun") == 1
    emails = set(db.session.scalars(select(User.email)))
    expected = {"admin@demo.observe", "skolchef@demo.observe", "rektor@demo.observe", "rektor2@demo.observe",
                *(f"larare{n}@demo.observe" for n in range(1, 9))}
    assert emails == expected
    assert _count(Visit) > 40


def test_demo_answers_fit_their_template_versions(ctx):
    from observe.demo import load_demo

    assert load_demo() is True
    observations = db.session.scalars(select(Observation)).all()
    kinds = {o.visit.kind for o in observations}
    assert kinds == {"spontaneous", "planned", "peer"}
    for observation in observations:
        assert validate(observation.template_version.document, observation.answers, complete=True) == {}
    assert _count(ObservationAnswer) > 0
    shared = db.session.scalars(select(Feedback)).all()
    assert any(f.acknowledged_at for f in shared) and any(not f.acknowledged_at for f in shared)
    statuses = set(db.session.scalars(select(NextStep.status)))
    assert {"open", "done"} <= statuses


def test_demo_principal_logs_in_and_sees_a_full_home_page(client, ctx):
    from observe.demo import load_demo

    load_demo()
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": "rektor@demo.observe", "password": "demo1234",
                                           "csrf_token": token})
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    today = html.split('id="h-today"')[1].split("</section>")[0]
    assert "Erik Johansson" in today  # the planned visit later today
    recent = html.split('id="h-recent"')[1].split("</section>")[0]
    assert recent.count('class="visit-row"') == 6


def test_demo_head_of_schools_lands_on_analys_of_every_school(client, ctx):
    """The demo's organisation leader has no school role: her start page is Analys for all schools, and
    her menu offers nothing that needs a school (those pages answer 404 without one)."""
    from observe.demo import load_demo

    load_demo()
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": "skolchef@demo.observe", "password": "demo1234", "csrf_token": token})
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/insights/")
    html = client.get("/insights/").get_data(as_text=True)
    schools = html.split('name="school"')[1].split("</select>")[0]
    assert "Björkdalsskolan" in schools and "Lindängsskolan" in schools
    assert 'selected value=""' in schools or 'value="" selected' in schools  # all schools
    counted = re.search(r"(\d+) (?:genomförda observationer|completed observations?)", html)
    assert counted and int(counted.group(1)) > 0, "Analys opens on figures, not on an empty view"
    nav = html.split('class="mainnav"')[1].split("</nav>")[0]
    assert "/insights/" in nav and "/visits/" not in nav and "/templates/" not in nav


def test_login_page_lists_every_demo_account_only_in_demo_mode(client, app, ctx, monkeypatch):
    from observe.demo import load_demo

    assert "rektor@demo.observe" not in client.get("/login").get_data(as_text=True)
    monkeypatch.setitem(app.config, "OBSERVE_DEMO", True)
    load_demo()
    html = client.get("/login").get_data(as_text=True)
    assert "demo1234" in html
    listed = html.split('class="demo-accounts"')[1].split("</ul>")[0]
    for email, name in db.session.execute(select(User.email, User.name)):  # everyone the demo created
        assert f"<code>{email}</code> — {name}," in listed
    assert listed.count("<li>") == _count(User)
