"""A principal builds a COPUS-style sheet (codes with what counts as them, an engagement level per interval,
a comment per interval) and a question log with its own columns in the designer's fields, in Chromium, on
a tablet and a phone; publishes; the visit form draws them, and the published items are those an import
of the same content publishes. No page pans sideways; screenshots in both languages at three sizes."""
from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from observe.extensions import db
from tests.pwa.e2e_support import log_in_through_the_form
from tests.templates_.copus import ENGAGEMENT
from tests.templates_.test_timed_log_columns import QUESTIONS

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("OBSERVE_SHOTS", "/tmp/shots-designer"))
SIZES = [(1024, 768), (768, 1024), (390, 844)]
NO_PAN = "document.documentElement.scrollWidth <= window.innerWidth"
TEACHER = [("Lec", "Föreläser", "Lecturing", "", ""),
           ("D/V", "Demonstration/video", "Demo/video", "Visar ett experiment eller en film.",
            "Shows an experiment or a video.")]
STUDENTS = [("L", "Lyssnar", "Listening", "", ""), ("WG", "Arbetar i grupp", "Group work", "", "")]


def _fill(page, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.locator(f'.tpl-item-form [name="{name}"]').fill(value)


def _add_item(page, base, tid, kind, sv, en) -> str:
    page.goto(f"{base}/templates/{tid}/")
    add = page.locator("form.tpl-add-item").first
    add.locator("select[name=type]").select_option(kind)
    add.locator("input[name=label_sv]").fill(sv)
    add.locator("input[name=label_en]").fill(en)
    add.locator("button[type=submit]").click()
    item = page.locator(".tpl-item", has_text=sv)
    expect(item).to_have_count(1)
    return item.get_attribute("id").removeprefix("edit-")


def _save(page) -> None:
    page.locator(".tpl-item-form button.primary[type=submit]").click()
    expect(page.locator(".flash-success")).to_have_count(1)  # back in the designer: "Item saved in the draft."


def _expected_items(sheet: str, log: str) -> list[dict]:
    codes = [[{"key": k, "label": {"sv": sv, "en": en}, **({"help": {"sv": hs, "en": he}} if hs else {})}
              for k, sv, en, hs, he in rows] for rows in (TEACHER, STUDENTS)]
    interval = {"key": sheet, "type": "interval", "label": {"sv": "Vad gör läraren och eleverna?",
                                                          "en": "What are the teacher and students doing?"},
                "interval_minutes": 2, "intervals": 25, "teacher_codes": codes[0], "student_codes": codes[1],
                "interval_choices": [copy.deepcopy(ENGAGEMENT)], "interval_comments": True}
    questions = {"key": log, "type": "timed_log", "label": {"sv": "Lärarens frågor", "en": "The teacher's questions"},
                 "columns": copy.deepcopy(QUESTIONS["columns"][:2]) + [copy.deepcopy(QUESTIONS["columns"][3])]}
    return [interval, questions]


def test_the_designer_builds_an_interval_sheet_and_a_question_log(app, live_server, page, school, principal, teacher):
    from observe.templates_.models import Template
    from observe.templates_.schemas import load_document

    base = live_server.url
    page.set_default_timeout(20_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    principal.locale = "sv"
    db.session.commit()
    log_in_through_the_form(page, base, principal)
    page.goto(f"{base}/templates/new")
    page.fill("input[name=title_sv]", "COPUS och frågor")
    page.fill("input[name=title_en]", "COPUS and questions")
    page.locator("form[action$='/templates/new'] button[type=submit]").click()
    page.wait_for_url("**/templates/*/")
    tid = int(page.url.rstrip("/").split("/")[-1])

    # The interval sheet: codes with what counts as them, an engagement level, comments.
    sheet = _add_item(page, base, tid, "interval", "Vad gör läraren och eleverna?",
                      "What are the teacher and students doing?")
    page.goto(f"{base}/templates/{tid}/items/{sheet}")
    values = {"intervals": "25"}
    for who, rows in (("teacher", TEACHER), ("student", STUDENTS)):
        for n, (key, sv, en, help_sv, help_en) in enumerate(rows):
            values.update({f"{who}_code_rows-{n}-key": key, f"{who}_code_rows-{n}-sv": sv,
                           f"{who}_code_rows-{n}-en": en, f"{who}_code_rows-{n}-help_sv": help_sv,
                           f"{who}_code_rows-{n}-help_en": help_en})
    values.update({"choice_groups-0-sv": "Engagemang", "choice_groups-0-en": "Engagement",
                   "choice_groups-0-help_sv": ENGAGEMENT["help"]["sv"], "choice_groups-0-help_en": ENGAGEMENT["help"]["en"]})
    for n, option in enumerate(ENGAGEMENT["options"]):
        values.update({f"choice_groups-0-option_rows-{n}-sv": option["label"]["sv"],
                       f"choice_groups-0-option_rows-{n}-en": option["label"]["en"],
                       f"choice_groups-0-option_rows-{n}-value": option["value"]})
    _fill(page, values)
    page.locator(".tpl-item-form [name=interval_comments]").check()
    # The preview beside the fields (drawn by the server while typing) shows the level row and the comments.
    expect(page.locator(f'#item-preview [name="a.{sheet}.24.engagement"][value="high"]')).to_have_count(1)
    expect(page.locator(f'#item-preview [name="a.{sheet}.0.comment"]')).to_have_count(1)
    _save(page)

    # The question log: time, kind (a choice with help), wait time (a number up to 120).
    log = _add_item(page, base, tid, "timed_log", "Lärarens frågor", "The teacher's questions")
    page.goto(f"{base}/templates/{tid}/items/{log}")
    time_column, kind_column, _who, wait_column = QUESTIONS["columns"][:4]
    form = page.locator(".tpl-item-form")
    form.locator("[name='column_rows-0-type']").select_option("time")
    expect(form.locator("[data-log-column]").nth(0).locator("[data-for-column=choice]")).to_be_hidden()
    form.locator("[name='column_rows-1-type']").select_option("choice")
    expect(form.locator("[data-log-column]").nth(1).locator("[data-for-column=choice]")).to_be_visible()
    values = {"column_rows-0-sv": time_column["label"]["sv"], "column_rows-0-en": time_column["label"]["en"],
              "column_rows-1-sv": kind_column["label"]["sv"], "column_rows-1-en": kind_column["label"]["en"],
              "column_rows-1-help_sv": kind_column["help"]["sv"], "column_rows-1-help_en": kind_column["help"]["en"]}
    for n, option in enumerate(kind_column["options"]):
        values.update({f"column_rows-1-option_rows-{n}-sv": option["label"]["sv"],
                       f"column_rows-1-option_rows-{n}-en": option["label"]["en"],
                       f"column_rows-1-option_rows-{n}-value": option["value"]})
    _fill(page, values)
    _save(page)
    page.goto(f"{base}/templates/{tid}/items/{log}")  # two spare columns again: the wait time goes in one
    form.locator("[name='column_rows-2-type']").select_option("number")
    _fill(page, {"column_rows-2-sv": wait_column["label"]["sv"], "column_rows-2-en": wait_column["label"]["en"],
                 "column_rows-2-key": "wait", "column_rows-2-max": "120"})
    expect(page.locator(f'#item-preview [name="a.{log}.0.wait"]')).to_have_count(1)
    _save(page)

    page.goto(f"{base}/templates/{tid}/")
    page.locator("form[action$='/publish'] button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("1")

    # The published items are what an import of the same content publishes (one schema, one document).
    with app.app_context():  # read fresh, as the server stored it
        published = db.session.get(Template, tid).latest.document["sections"][0]["items"]
    expected = load_document({"format": "observe-template/1", "key": "x", "kind": "any", "title": {"sv": "X"},
                              "sections": [{"key": "s", "title": {"sv": "S"}, "items": _expected_items(sheet, log)}]})
    assert published == expected["sections"][0]["items"]

    # Both languages, three sizes: the editor's new fields and the visit form, never panning sideways.
    for lang in ("sv", "en"):
        principal.locale = lang
        db.session.commit()
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            size = f"{lang}-{width}x{height}"
            page.goto(f"{base}/templates/{tid}/items/{sheet}")
            assert page.evaluate(NO_PAN), (size, "sheet editor", page.evaluate("document.documentElement.scrollWidth"))
            page.locator("#choice-groups").screenshot(path=str(SHOTS / f"designer-choices-{size}.png"))
            page.locator("#teacher_code_rows .tpl-option-row").nth(1).screenshot(
                path=str(SHOTS / f"designer-code-{size}.png"))
            page.goto(f"{base}/templates/{tid}/items/{log}")
            assert page.evaluate(NO_PAN), (size, "log editor")
            page.locator("#log-columns").screenshot(path=str(SHOTS / f"designer-columns-{size}.png"))
            page.goto(f"{base}/visits/new/spontaneous?teacher={teacher.id}&template={tid}")
            grid = page.locator(f"#item-{sheet}")
            expect(grid.locator(f'[name="a.{sheet}.0.engagement"][value="high"]')).to_have_count(1)
            expect(grid).to_contain_text("Engagemang" if lang == "sv" else "Engagement")
            expect(page.locator(f'#item-{log} select[name="a.{log}.0.kind"]')).to_have_count(1)
            expect(page.locator(f'#item-{log} input[name="a.{log}.0.wait"]')).to_have_count(1)
            assert page.evaluate(NO_PAN), (size, "visit form")
            page.screenshot(path=str(SHOTS / f"designer-visit-{size}.png"), full_page=True)
    page.goto(f"{base}/visits/new/spontaneous?teacher={teacher.id}&template={tid}")
    grid = page.locator(f"#item-{sheet}")
    grid.locator("details", has_text="What the codes mean").locator("summary").click()
    expect(grid).to_contain_text("Shows an experiment or a video.")
    grid.locator("details", has_text="Comments per interval").locator("summary").click()
    expect(grid.locator(f'[name="a.{sheet}.24.comment"]')).to_be_visible()
