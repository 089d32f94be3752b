"""The designer types what used to be import only (#16): an interval sheet's codes with their help, a
choice group per interval with its options, a comment per interval, and a timed log's own columns —
in fields, as a browser posts the item editor. Each is published, drawn on the visit form, and the
published item is the one an import of the same content publishes (one template schema)."""
from __future__ import annotations

import copy
import html
import io
import json
import re
from html.parser import HTMLParser

from observe.extensions import db
from observe.templates_.models import Template
from observe.templates_.services import working_document

from .copus import ENGAGEMENT
from .test_timed_log_columns import QUESTIONS
from .test_views import new_template, post


class _FormFields(HTMLParser):
    """What a browser posts for the item editor's form (text, hidden, ticked boxes, chosen options, text areas)."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "tpl-item-form" in (a.get("class") or ""):
            self._in_form = True
        if not self._in_form or not a.get("name") and tag not in ("option",):
            return
        if tag == "input" and a.get("type") not in ("checkbox", "radio", "submit", "button", "file"):
            self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "input" and a.get("type") in ("checkbox", "radio") and "checked" in a:
            self.fields.append((a["name"], a.get("value") or "y"))
        elif tag == "select":
            self._select, self._select_first, self._select_chosen = a["name"], None, False
        elif tag == "option" and self._select:
            if self._select_first is None:
                self._select_first = a.get("value") or ""
            if "selected" in a:
                self.fields.append((self._select, a.get("value") or ""))
                self._select_chosen = True
        elif tag == "textarea":
            self._textarea, self._text = a["name"], ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select:
            if not self._select_chosen:
                self.fields.append((self._select, self._select_first or ""))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def editor_fields(client, tid: int, key: str) -> dict[str, str]:
    page = client.get(f"/templates/{tid}/items/{key}")
    assert page.status_code == 200
    parser = _FormFields()
    parser.feed(page.get_data(as_text=True))
    return dict(parser.fields)


def designer_item(client, kind: str) -> tuple[int, str]:
    """A new template with one item of `kind`, added as the designer adds it."""
    tid = new_template(client, "Byggd i designern")
    document = working_document(db.session.get(Template, tid))
    section = document["sections"][0]["key"]
    response = post(client, f"/templates/{tid}/sections/{section}/items",
                    {"type": kind, "label_sv": "Punkten", "label_en": "The item"})
    assert response.status_code == 302
    return tid, response.headers["Location"].rsplit("#edit-", 1)[1]


def draft_item(tid: int) -> dict:
    db.session.expire_all()
    return working_document(db.session.get(Template, tid))["sections"][0]["items"][0]


def interval_sheet(login_as, principal) -> tuple:
    """Signed in (English), a new template's interval item, and what its editor posts with codes typed."""
    client = login_as(principal)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    tid, key = designer_item(client, "interval")
    fields = editor_fields(client, tid, key)
    _type_codes(fields)
    return client, tid, key, fields


def save(client, tid: int, key: str, data: dict, status: int = 302):
    response = post(client, f"/templates/{tid}/items/{key}", data)
    assert response.status_code == status, response.get_data(as_text=True)[:4000]
    return response


def published_item(client, tid: int) -> dict:
    assert post(client, f"/templates/{tid}/publish").status_code == 302
    db.session.expire_all()
    template = db.session.get(Template, tid)
    assert template.latest is not None, "not published"
    return template.latest.document["sections"][0]["items"][0]


def imported_and_published(client, item: dict) -> dict:
    """The same item written in a file, imported and published: what the designer must publish too."""
    document = {"format": "observe-template/1", "key": "from-file", "kind": "any",
                "title": {"sv": "Från fil", "en": "From a file"},
                "sections": [{"key": "s1", "title": {"sv": "Ett", "en": "One"}, "items": [item]}]}
    response = post(client, "/templates/import", {"file": (io.BytesIO(json.dumps(document).encode()), "t.json")},
                    content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return published_item(client, int(response.headers["Location"].split("/")[2]))


def visit_form(client, teacher, tid: int) -> str:
    response = client.get(f"/visits/new/spontaneous?teacher={teacher.id}&template={tid}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _interval_base(key: str) -> dict:
    return {"key": key, "type": "interval", "label": {"sv": "Punkten", "en": "The item"},
            "interval_minutes": 2, "intervals": 25,
            "teacher_codes": [{"key": "Lec", "label": {"sv": "Föreläser", "en": "Lecturing"}},
                              {"key": "D/V", "label": {"sv": "Demonstration/video", "en": "Demo/video"},
                               "help": {"sv": "Visar ett experiment eller en film.",
                                        "en": "Shows an experiment or a video."}}],
            "student_codes": [{"key": "L", "label": {"sv": "Lyssnar", "en": "Listening"}},
                              {"key": "prov_forhor", "label": {"sv": "Prov/förhör", "en": "Test/quiz"}}]}


def _type_codes(fields: dict) -> None:
    """Codes typed over the two the designer starts an interval item with; the last key left empty."""
    fields.update({"interval_minutes": "2", "intervals": "25",
                   "teacher_code_rows-0-key": "Lec", "teacher_code_rows-0-sv": "Föreläser",
                   "teacher_code_rows-0-en": "Lecturing",
                   "teacher_code_rows-1-key": "D/V", "teacher_code_rows-1-sv": "Demonstration/video",
                   "teacher_code_rows-1-en": "Demo/video",
                   "teacher_code_rows-1-help_sv": "Visar ett experiment eller en film.",
                   "teacher_code_rows-1-help_en": "Shows an experiment or a video.",
                   "student_code_rows-0-key": "L", "student_code_rows-0-sv": "Lyssnar",
                   "student_code_rows-0-en": "Listening",
                   "student_code_rows-1-key": "", "student_code_rows-1-sv": "Prov/förhör",
                   "student_code_rows-1-en": "Test/quiz"})


def test_codes_with_what_counts_as_them_are_typed_in_fields(login_as, principal, teacher):
    client = login_as(principal)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    tid, key = designer_item(client, "interval")
    fields = editor_fields(client, tid, key)
    assert fields["teacher_code_rows-0-key"] == "lec" and "teacher_codes" not in fields  # rows, not lines
    assert fields["every_field"] == "1"
    _type_codes(fields)
    save(client, tid, key, fields)
    again = editor_fields(client, tid, key)
    assert again["teacher_code_rows-1-help_en"] == "Shows an experiment or a video."
    assert again["student_code_rows-1-key"] == "prov_forhor"  # made from the label

    published = published_item(client, tid)
    expected = _interval_base(key)
    assert published == imported_and_published(client, expected)
    form = visit_form(client, teacher, tid)
    assert "What the codes mean" in form and "Shows an experiment or a video." in form
    assert 'value="D/V"' in form


def test_a_choice_per_interval_is_typed_in_fields(login_as, principal, teacher):
    client, tid, key, fields = interval_sheet(login_as, principal)
    assert "choice_groups-0-sv" in fields and "choice_groups-1-sv" not in fields  # one spare group
    assert "choice_groups-0-option_rows-2-sv" in fields  # with three spare options (low, medium, high)
    fields.update({"choice_groups-0-sv": "Engagemang", "choice_groups-0-en": "Engagement",
                   "choice_groups-0-help_sv": ENGAGEMENT["help"]["sv"], "choice_groups-0-help_en": ENGAGEMENT["help"]["en"],
                   "choice_groups-0-option_rows-0-sv": "Låg", "choice_groups-0-option_rows-0-en": "Low",
                   "choice_groups-0-option_rows-0-value": "low",
                   "choice_groups-0-option_rows-0-help_sv": "Under 20 %.", "choice_groups-0-option_rows-0-help_en": "Under 20%.",
                   "choice_groups-0-option_rows-1-sv": "Medel", "choice_groups-0-option_rows-1-en": "Medium",
                   "choice_groups-0-option_rows-1-value": "medium",
                   "choice_groups-0-option_rows-2-sv": "Hög", "choice_groups-0-option_rows-2-en": "High",
                   "choice_groups-0-option_rows-2-value": "high"})
    save(client, tid, key, fields)
    again = editor_fields(client, tid, key)
    assert again["choice_groups-0-key"] == "engagement"  # made from the name
    assert again["choice_groups-0-option_rows-0-help_en"] == "Under 20%." and "choice_groups-1-sv" in again

    expected = _interval_base(key)
    group = copy.deepcopy(ENGAGEMENT)
    group["options"][0]["help"] = {"sv": "Under 20 %.", "en": "Under 20%."}
    expected["interval_choices"] = [group]
    published = published_item(client, tid)
    assert published == imported_and_published(client, expected)
    form = visit_form(client, teacher, tid)
    assert f'name="a.{key}.0.engagement" value="high"' in form and f'name="a.{key}.24.engagement"' in form
    assert "Under 20%." in form and ENGAGEMENT["help"]["en"] in form

    # Emptied in the designer, the group is gone from the draft (not kept as for an older page).
    for name in [n for n in again if n.startswith("choice_groups-")]:
        again[name] = ""
    save(client, tid, key, again)
    assert "interval_choices" not in draft_item(tid)


def test_a_comment_per_interval_is_ticked_in_the_designer(login_as, principal, teacher):
    client, tid, key, fields = interval_sheet(login_as, principal)
    assert "interval_comments" not in fields  # not ticked
    fields["interval_comments"] = "y"
    save(client, tid, key, fields)
    assert editor_fields(client, tid, key)["interval_comments"] == "y"

    expected = _interval_base(key)
    expected["interval_comments"] = True
    assert published_item(client, tid) == imported_and_published(client, expected)
    form = visit_form(client, teacher, tid)
    assert "Comments per interval" in form and f'name="a.{key}.24.comment"' in form

    fields = editor_fields(client, tid, key)
    del fields["interval_comments"]  # unticked: the comments go
    save(client, tid, key, fields)
    assert "interval_comments" not in draft_item(tid)


def _type_column(fields: dict, n: int, column: dict, key: bool = True) -> None:
    """Type a column of the format into the n-th column's fields (its key left empty unless `key`)."""
    fields.update({f"column_rows-{n}-sv": column["label"]["sv"], f"column_rows-{n}-en": column["label"]["en"],
                   f"column_rows-{n}-type": column["type"], f"column_rows-{n}-key": column["key"] if key else ""})
    if column.get("help"):
        fields[f"column_rows-{n}-help_sv"], fields[f"column_rows-{n}-help_en"] = column["help"]["sv"], column["help"]["en"]
    if "max" in column:
        fields[f"column_rows-{n}-max"] = str(column["max"])
    for j, option in enumerate(column.get("options", [])):
        fields.update({f"column_rows-{n}-option_rows-{j}-sv": option["label"]["sv"],
                       f"column_rows-{n}-option_rows-{j}-en": option["label"]["en"],
                       f"column_rows-{n}-option_rows-{j}-value": option["value"]})


def test_a_timed_log_gets_its_own_columns_in_fields(login_as, principal, teacher):
    client = login_as(principal)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    tid, key = designer_item(client, "timed_log")
    fields = editor_fields(client, tid, key)
    assert "column_rows-1-sv" in fields and "column_rows-2-sv" not in fields  # two spare columns
    assert fields["column_rows-0-type"] == "text"
    fields["max_rows"] = "100"
    columns = QUESTIONS["columns"]
    _type_column(fields, 0, columns[0], key=False)
    _type_column(fields, 1, columns[1], key=False)
    fields["column_rows-0-option_rows-0-sv"] = "Glömd"  # typed under a time column: a time column has none
    save(client, tid, key, fields)  # saved with two columns; two more spare ones come back
    fields = editor_fields(client, tid, key)
    assert fields["column_rows-0-key"] == "time" and fields["column_rows-1-key"] == "kind"  # made from the names
    assert fields["column_rows-1-type"] == "choice" and "column_rows-3-sv" in fields
    who = {**columns[2], "options": columns[2]["options"][:3]}  # a spare column offers three options
    _type_column(fields, 2, who)
    _type_column(fields, 3, columns[3])
    save(client, tid, key, fields)
    assert "column_rows-2-option_rows-4-sv" in editor_fields(client, tid, key)  # two spare options under them

    expected = {"key": key, "type": "timed_log", "label": {"sv": "Punkten", "en": "The item"}, "max_rows": 100,
                "columns": copy.deepcopy(columns[:4])}
    expected["columns"][2] = copy.deepcopy(who)
    published = published_item(client, tid)
    assert published == imported_and_published(client, expected)
    form = visit_form(client, teacher, tid)
    assert f'name="a.{key}.0.kind"' in form and f'name="a.{key}.0.wait"' in form and "Väntetid (s)" in form
    assert 'title="Öppen: flera rimliga svar."' in form and f'name="a.{key}.0.teacher"' not in form


def test_a_row_that_does_not_fit_is_refused_in_the_imports_words(login_as, principal):
    client, tid, key, fields = interval_sheet(login_as, principal)
    fields["teacher_code_rows-1-key"] = "D V"
    fields.update({"choice_groups-0-sv": "Elever", "choice_groups-0-en": "Students", "choice_groups-0-key": "students",
                   "choice_groups-0-option_rows-0-sv": "Få", "choice_groups-0-option_rows-1-sv": "Många"})
    page = save(client, tid, key, fields, status=422).get_data(as_text=True)
    text = re.sub(r"\s+", " ", page)
    # Section, item, row and field named; what is allowed said; the field itself marked.
    place = f"Section “Observation”, item “Punkten” ({key}), "
    assert (place + "teacher code 2 “Demonstration/video”, field key: “D V” contains a space, which is not allowed "
            "here. Use 1–40 letters, digits, -, _ or / (no spaces or dots).") in text
    assert place + "choice group 1 “Elever”, field key: \"students\" is taken by the grid itself; choose another key." \
        in html.unescape(text)
    assert re.search(r'<input aria-describedby="teacher_code_rows-1-key-error" aria-invalid="true"[^>]*'
                     r'name="teacher_code_rows-1-key"', page)
    db.session.expire_all()
    assert db.session.get(Template, tid).draft["sections"][0]["items"][0]["teacher_codes"][0]["key"] == "lec"


def test_an_older_page_posting_codes_on_lines_keeps_what_it_has_no_field_for(login_as, principal):
    """A page from before (codes on lines, no `every_field`) still saves and keeps levels, comments, help."""
    from .copus import copus_document

    client = login_as(principal)
    response = post(client, "/templates/import",
                    {"file": (io.BytesIO(json.dumps(copus_document()).encode()), "copus.json")},
                    content_type="multipart/form-data")
    tid = int(response.headers["Location"].split("/")[2])
    data = {"key": "C1", "type": "interval", "label_sv": "Vad händer?", "evidence": "none",
            "interval_minutes": "2", "intervals": "25",
            "teacher_codes": "Lec | Föreläser | Lecturing\nD/V | Demo | Demo", "student_codes": "L | Lyssnar"}
    save(client, tid, "C1", data)
    item = draft_item(tid)
    assert [c["key"] for c in item["teacher_codes"]] == ["Lec", "D/V"] and item["teacher_codes"][1]["help"]
    assert item["interval_choices"][0]["key"] == "engagement" and item["interval_comments"] is True


def test_an_imported_question_log_saved_in_the_editor_is_unchanged(login_as, principal):
    """Every column (help, options, the wait time's maximum) comes back in the fields and is saved as it was."""
    from observe.templates_.schemas import load_document

    from .test_timed_log_columns import question_document

    client = login_as(principal)
    response = post(client, "/templates/import",
                    {"file": (io.BytesIO(json.dumps(question_document()).encode()), "q.json")},
                    content_type="multipart/form-data")
    tid = int(response.headers["Location"].split("/")[2])
    fields = editor_fields(client, tid, "Q1")
    assert fields["column_rows-3-max"] == "120" and fields["column_rows-2-option_rows-3-value"] == "none"
    save(client, tid, "Q1", fields)
    item = draft_item(tid)
    assert item == load_document(question_document())["sections"][0]["items"][0]


def test_a_sheet_without_codes_is_refused_in_the_readers_language(login_as, principal):
    """The designer says how many codes a side needs in Swedish too (the count came from marshmallow's
    English before), and the draft keeps its codes."""
    client, tid, key, fields = interval_sheet(login_as, principal)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    before = draft_item(tid)["student_codes"]
    for name in [name for name in fields if name.startswith("student_code_rows-")]:
        fields[name] = ""
    page = re.sub(r"\s+", " ", save(client, tid, key, fields, status=422).get_data(as_text=True))
    assert "Ange mellan 1 och 30 koder." in page and "Length must be between" not in page
    assert draft_item(tid)["student_codes"] == before
