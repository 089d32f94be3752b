"""Analys opens on the school's most used published template and lists only templates with observations."""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import time_machine
from sqlalchemy import select

from observe.auth.models import User
from observe.extensions import db
from observe.templates_.services import create_template
from observe.visits.models import Observation, Visit
from tests.conftest import login

DEMO_DAY = dt.date(2026, 11, 20)


def _template_options(text: str) -> tuple[list[str], str | None]:
    select_html = text[text.index('<select id="template"'):text.index("</select>", text.index('<select id="template"'))]
    values = re.findall(r'value="([^"]*)"', select_html)
    chosen = re.search(r'<option selected value="([^"]*)"', select_html)
    return values, chosen.group(1) if chosen else None


@time_machine.travel(dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone.utc), tick=True)
def test_opens_on_the_most_used_template_not_on_a_new_draft(app, client, ctx):
    from observe.demo import load_demo

    assert load_demo(DEMO_DAY) is True
    principal = db.session.scalar(select(User).where(User.email == "rektor@demo.observe"))
    school = principal.memberships[0].school
    # A draft whose title sorts first, as in the report: never published, no observations.
    draft = create_template(school, principal, {"sv": "Aaa utkast", "en": "Aaa draft"}, "walkthrough")
    db.session.commit()
    used = Counter(db.session.execute(
        select(Observation.template_version_id).join(Visit, Visit.id == Observation.visit_id)
        .where(Observation.school_id == school.id, Observation.status == "complete",
               Visit.started_at >= dt.datetime(2026, 8, 1, tzinfo=dt.timezone.utc))).scalars())
    versions = {o.template_version_id: o.template_version.template.key
                for o in db.session.scalars(select(Observation).where(Observation.school_id == school.id))}
    per_template = Counter()
    for version_id, n in used.items():
        per_template[versions[version_id]] += n
    most_used = per_template.most_common(1)[0][0]

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    assert login(client, "rektor@demo.observe", "demo1234").status_code == 302
    text = client.get("/insights/").get_data(as_text=True)
    values, chosen = _template_options(text)
    assert chosen == most_used
    assert draft.key not in values
    assert set(values) == set(per_template)  # every template with observations, and only those
    assert re.search(r"(?<!\d)0 genomförda observationer", text) is None
