"""Derived measures end to end: imported with a template, published, computed on the visit page from an
online visit, and in Analys from the items' sums, hidden below the minimum cell size like every figure."""
from __future__ import annotations

import csv
import html
import io
import json
import re

from observe.extensions import db
from observe.templates_.models import Template
from tests.dates import today
from tests.insights.conftest import record_observation
from tests.templates_.measure_documents import rubric, tally
from tests.templates_.test_views import post


def _import_and_publish(client, document) -> Template:
    response = post(client, "/templates/import", {"file": (io.BytesIO(json.dumps(document).encode()), "t.json")},
                    content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    tid = int(response.headers["Location"].split("/")[2])
    assert post(client, f"/templates/{tid}/publish").status_code == 302
    db.session.expire_all()
    return db.session.get(Template, tid)


def _measures_table(page: str) -> str:
    start = page.index('id="measures"')
    return html.unescape(page[start:page.index("</section>", start)])


def test_a_tally_with_derived_shares_round_trips_to_the_visit_page_and_analys(client, login_as, principal,
                                                                              make_user, school):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login_as(principal)
    template = _import_and_publish(client, tally())
    assert post(client, "/templates/defaults", {"default_walkthrough": str(template.id)}).status_code == 302
    teachers = [make_user(name=f"Lärare {n}") for n in range(3)]

    # One visit through the online form: the visit page shows its measures.
    page = client.get(f"/visits/new/spontaneous?teacher={teachers[0].id}").get_data(as_text=True)
    fields = {name: re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', page).group(1)
              for name in ("csrf_token", "uuid", "visit_uuid", "base_revision", "template_version_id", "status",
                           "kind", "teacher_id", "started_at", "ended_at")}
    response = client.post("/visits/save", data={**fields, "action": "finish", "a.minutes": "20", "a.open": "6",
                                                  "a.closed": "12", "a.wait3": "9", "a.talk": "yes",
                                                  "a.talk_how": "think"})
    assert response.status_code == 302, response.get_data(as_text=True)
    visit_page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Derived measures" in visit_page
    for label, shown in [("Share of open questions", "33\u00a0%"), ("Share with ≥ 3 s wait time", "50\u00a0%"),
                         ("Questions per minute", "0.9 per minute"), ("Share of lessons with pair talk", "100\u00a0%")]:
        assert re.search(rf"{re.escape(label)}</dt>\s*<dd><span class=\"answer-part\">{re.escape(shown)}</span>",
                         visit_page), (label, shown)

    # Analys: below the minimum cell size the measure is hidden like its items ...
    board = _measures_table(client.get(f"/insights/?template={template.key}").get_data(as_text=True))
    assert "Share of open questions" in board and "too few observations to show" in board
    # ... and with five observations of three teachers it is the sums' ratio.
    version = template.latest
    for n, (o, c, minutes) in enumerate([(10, 10, 40), (2, 8, 20), (0, 10, 30), (12, 0, 30)]):
        record_observation(version, teachers[(n + 1) % 3], today(),
                           {"minutes": {"value": minutes}, "open": {"value": o}, "closed": {"value": c},
                            "wait3": {"value": 1}, "talk": {"value": "no"}})
    board = _measures_table(client.get(f"/insights/?template={template.key}").get_data(as_text=True))
    opened, asked, minutes = 6 + 10 + 2 + 0 + 12, 18 + 20 + 10 + 10 + 12, 20 + 40 + 20 + 30 + 30
    assert re.search(rf'id="measure-open_share"><th scope="row">Share of open questions</th>\s*<td><strong>'
                     rf'{round(100 * opened / asked)}\u00a0%</strong>', board), board
    assert f"{asked / minutes:.1f} per minute" in board
    assert re.search(r'id="measure-talk_share">.*?<strong>20\u00a0%</strong>', board, re.S)  # 1 of 5 lessons
    # The CSV export carries the same figures, as the page writes them.
    export = client.get(f"/insights/export.csv?template={template.key}").get_data(as_text=True).lstrip("\ufeff")
    measures = {row["item_key"]: row for row in csv.DictReader(io.StringIO(export)) if row["section"] == "measure"}
    assert measures["open_share"]["value"] == f"{round(100 * opened / asked)}\u00a0%"
    assert measures["open_share"]["item"] == "Share of open questions" and measures["open_share"]["observations"] == "5"
    assert measures["per_minute"]["value"] == f"{asked / minutes:.1f}" and measures["per_minute"]["category"] == "Per minute"
    workbook = client.get(f"/insights/export.xlsx?template={template.key}")
    assert workbook.status_code == 200 and len(workbook.get_data()) > 1000


def test_a_rubric_domain_average_in_analys(client, login_as, principal, make_user, school):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    login_as(principal)
    template = _import_and_publish(client, rubric())
    teachers = [make_user() for _ in range(3)]
    marks = [("2", "3", "4"), ("3", "3", "na"), ("4", "2", "2"), ("1", "4", "3"), ("3", "3", "3")]
    for n, (a, b, c) in enumerate(marks):
        record_observation(template.latest, teachers[n % 3], today(),
                           {"d3a": {"value": a}, "d3b": {"value": b}, "d3c": {"value": c}})
    board = _measures_table(client.get(f"/insights/?template={template.key}").get_data(as_text=True))
    mean = {"d3a": 13 / 5, "d3b": 15 / 5, "d3c": 12 / 4}
    plain = (mean["d3a"] + mean["d3b"] + mean["d3c"]) / 3
    weighted = (mean["d3a"] + 2 * mean["d3b"] + mean["d3c"]) / 4
    assert (round(plain, 2), weighted) == (2.87, 2.9)
    assert re.search(r'id="measure-d3_avg"><th scope="row">Domän 3, medel</th>\s*<td><strong>2,87</strong>', board)
    assert re.search(r'id="measure-d3_weighted"><th scope="row">Domän 3, viktat</th>\s*<td><strong>2,9</strong>', board)
