"""The optional reflective question of a walkthrough reaches the observed teacher only once
the observer has finished the visit; until then it is the observer's draft."""
from __future__ import annotations

from tests.conftest import login

from .test_views import form_values, observer, start  # noqa: F401  (fixture, helpers)

QUESTION = "Vad hade hänt om eleverna fått välja arbetssätt själva?"


def teacher_page(app, teacher, visit_uuid) -> str:
    browser = app.test_client()
    login(browser, teacher)
    response = browser.get(f"/visits/{visit_uuid}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_teacher_sees_the_reflective_question_only_after_the_visit_is_finished(app, observer, teacher):
    values = start(observer, teacher)
    saved = observer.post("/visits/save", data={**values, "action": "save", "a.W1": "yes",
                                                "reflective_question": QUESTION})
    assert saved.status_code == 302
    visit_uuid = values["visit_uuid"]

    assert QUESTION not in teacher_page(app, teacher, visit_uuid)  # still the observer's draft
    assert QUESTION in observer.get(f"/visits/{visit_uuid}").get_data(as_text=True)  # the observer sees it

    form = observer.get(f"/visits/{visit_uuid}/observe").get_data(as_text=True)
    assert QUESTION in form  # kept in the form while the observer goes on
    finished = observer.post("/visits/save", data={**form_values(form), "action": "finish", "a.W1": "yes",
                                                   "reflective_question": QUESTION})
    assert finished.status_code == 302 and finished.headers["Location"] == f"/visits/{visit_uuid}"

    html = teacher_page(app, teacher, visit_uuid)
    assert QUESTION in html
    assert "Reflective question to the teacher" in html
