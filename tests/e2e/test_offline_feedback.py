"""Writing feedback with no network (issue 3): the draft is typed on the device, kept over a
reload, and reaches the server once as a `feedback` sync record through the one outbox."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from observe.extensions import db
from observe.feedback.models import Feedback, NextStep
from observe.templates_.services import latest_version_for
from observe.visits.models import Observation, Visit
from tests.pwa.e2e_support import (Network, login, observations, observer, start_walkthrough,  # noqa: F401
                                   type_into, visit_of, wait_finished, wait_form, wait_saved_on_device,
                                   wait_state, walkthrough_school)
from tests.dates import today as school_today

pytestmark = pytest.mark.e2e

SUMMARY = "Tydlig start: målet stod på tavlan och eleverna kunde säga det med egna ord."
STRENGTH = "Du låter eleverna förklara för varandra"
EVIDENCE = "Tre par jämförde sina lösningar innan genomgången"
STEP = "Avsluta med en exit ticket om dagens mål"
DUE = (school_today() + dt.timedelta(days=14)).isoformat()


@pytest.fixture
def finished_visit(ctx, walkthrough_school, observer, teacher):
    """A spontaneous visit the observer finished (online) before going offline; no feedback yet."""
    version = latest_version_for(walkthrough_school, "spontaneous")
    now = dt.datetime.now(dt.timezone.utc)
    visit = Visit(school_id=walkthrough_school.id, kind="spontaneous", status="completed", observer_id=observer.id,
                  teacher_id=teacher.id, template_version_id=version.id, started_at=now - dt.timedelta(minutes=20),
                  ended_at=now)
    db.session.add(visit)
    db.session.flush()
    db.session.add(Observation(school_id=walkthrough_school.id, visit_id=visit.id, author_id=observer.id,
                               template_version_id=version.id, answers={}, status="complete", revision=1))
    db.session.commit()
    return visit


def feedback_rows(app) -> list[tuple[Feedback, list[NextStep]]]:
    """Every feedback on the server with its next steps, read fresh."""
    with app.app_context():
        rows = []
        for feedback in db.session.execute(select(Feedback)).scalars().all():
            steps = list(feedback.next_steps)
            db.session.expunge_all()
            rows.append((feedback, steps))
        return rows


def open_feedback(page, base, visit):
    page.goto(f"{base}/visits/{visit.uuid}")
    wait_form(page)


def record_state(page) -> str:
    return page.get_attribute("#feedback .record-state", "data-record-state")


def test_feedback_written_offline_reaches_the_server_once(app, live_server, context, page, observer,
                                                          finished_visit):
    base = live_server.url
    login(page, base, observer)  # the one online visit: the device saves the visit page
    network = Network(context)
    network.off()

    open_feedback(page, base, finished_visit)  # from the device
    type_into(page, "#summary", SUMMARY)
    type_into(page, "#strength_text_0", STRENGTH)
    type_into(page, "#strength_evidence_0", EVIDENCE)
    type_into(page, "#next_step_text", STEP)
    page.fill("#next_step_due", DUE)
    wait_saved_on_device(page)
    uuid = page.input_value("#feedback input[name=uuid]")
    assert uuid
    page.click("#feedback button[value=save]")
    wait_state(page, "offline")
    assert record_state(page) == "local"  # "only on this device"

    page.click("#feedback button[value=share]")  # sharing is online only: said, and the draft stays
    page.locator("#feedback [data-share-notice]").wait_for(state="visible")
    assert "connection" in page.inner_text("#feedback [data-share-notice]")

    page.reload()  # still offline: the page comes from the device, the draft from IndexedDB
    wait_form(page)
    assert page.input_value("#summary") == SUMMARY
    assert page.input_value("#strength_text_0") == STRENGTH
    assert page.input_value("#strength_evidence_0") == EVIDENCE
    assert page.input_value("#next_step_text") == STEP
    assert page.input_value("#next_step_due") == DUE
    assert page.input_value("#feedback input[name=uuid]") == uuid
    page.click("#sync-status summary")
    assert page.locator(f"[data-sync-list] li[data-record-state=local] a[href*='{finished_visit.uuid}']").count() == 1
    assert feedback_rows(app) == []  # nothing left the device

    network.on()
    wait_state(page, "synced")
    page.wait_for_selector("#feedback .record-state[data-record-state=synced]", state="attached")
    [(saved, steps)] = feedback_rows(app)
    assert str(saved.uuid) == uuid
    assert saved.status == "draft"
    assert saved.summary == SUMMARY
    assert saved.strengths == [{"text": STRENGTH, "evidence": EVIDENCE}]
    assert [(step.text, step.due_on.isoformat()) for step in steps] == [(STEP, DUE)]


def test_rejected_feedback_waits_in_needs_attention_and_syncs_after_the_fix(app, live_server, context, page,
                                                                            observer, finished_visit):
    base = live_server.url
    login(page, base, observer)
    network = Network(context)
    network.off()
    open_feedback(page, base, finished_visit)
    type_into(page, "#summary", SUMMARY)
    type_into(page, "#next_step_text", STEP)  # no due date: the server's rules refuse it
    page.click("#feedback button[value=save]")
    wait_state(page, "offline")

    network.on()
    wait_state(page, "attention")
    page.wait_for_selector("#feedback .record-state[data-record-state=attention]", state="attached")
    assert page.get_attribute("#next_step_due", "aria-invalid") == "true"
    assert "due date" in page.inner_text("[data-offline-error=next_step_due]")
    assert page.input_value("#next_step_text") == STEP  # editable, nothing lost
    assert feedback_rows(app) == []

    page.fill("#next_step_due", DUE)
    wait_state(page, "synced")
    page.wait_for_selector("#feedback .record-state[data-record-state=synced]", state="attached")
    assert page.locator("[data-offline-error]").count() == 0
    [(saved, steps)] = feedback_rows(app)
    assert saved.summary == SUMMARY
    assert [(step.text, step.due_on.isoformat()) for step in steps] == [(STEP, DUE)]


def test_sharing_online_syncs_the_draft_then_shares_it(app, live_server, page, observer, finished_visit):
    base = live_server.url
    login(page, base, observer)
    open_feedback(page, base, finished_visit)
    type_into(page, "#summary", SUMMARY)
    page.click("#feedback button[value=share]")
    page.wait_for_selector("#feedback form[data-offline-form]", state="detached")  # shown as shared now
    assert SUMMARY in page.inner_text("#feedback")
    [(saved, _steps)] = feedback_rows(app)
    assert saved.status == "shared"
    assert saved.summary == SUMMARY


def finish_offline_and_write_feedback(page, base, teacher, on_task: str) -> tuple[str, str]:
    """Walk through a lesson of `teacher` offline, finish, and follow "Write the feedback"."""
    start_walkthrough(page, base, teacher=str(teacher.id))
    page.fill("input[name='a.W3.y']", "24")
    page.fill("input[name='a.W3.x']", on_task)
    type_into(page, "textarea[name='a.W9']", "Eleverna förklarar för varandra.")
    visit_uuid = page.input_value("form[data-offline-form] input[name=visit_uuid]")
    observe_url = page.url
    page.click("button[value=finish]")
    wait_finished(page)
    page.click(".record-state a[href$='#feedback']")
    wait_form(page)
    return visit_uuid, observe_url


def test_feedback_on_a_visit_finished_offline_syncs_after_the_visit(app, live_server, context, page, observer,
                                                                   teacher):
    """The server has no page for a visit finished offline: the device's stand-in page takes the feedback."""
    base = live_server.url
    login(page, base, observer)
    network = Network(context)
    network.off()
    visit_uuid, _observe_url = finish_offline_and_write_feedback(page, base, teacher, on_task="20")
    assert page.url.startswith(f"{base}/visits/{visit_uuid}")
    assert teacher.name in page.inner_text("h1")
    type_into(page, "#summary", SUMMARY)
    page.reload()
    wait_form(page)
    assert page.input_value("#summary") == SUMMARY
    assert observations(app) == [] and feedback_rows(app) == []

    network.on()
    wait_state(page, "synced")
    page.wait_for_selector("#feedback .record-state[data-record-state=synced]", state="attached")
    [observation] = observations(app)
    [(saved, _steps)] = feedback_rows(app)
    assert str(visit_of(app, observation).uuid) == visit_uuid
    assert saved.visit_id == observation.visit_id and saved.summary == SUMMARY


def test_stand_in_page_of_a_visit_not_on_this_device_says_so(live_server, context, page, observer):
    base = live_server.url
    login(page, base, observer)
    Network(context).off()
    page.goto(f"{base}/visits/00000000-0000-4000-8000-000000000000")
    page.wait_for_selector("[data-offline-visit-missing]")
    page.wait_for_selector("form[data-offline-form]", state="detached")  # nothing to type into, nothing stored
    assert "not on this device" in page.inner_text("main")


def test_feedback_waits_for_its_visit_when_the_visit_needs_attention(app, live_server, context, page, observer,
                                                                    teacher):
    """A feedback is not "needs attention" because its visit is: it goes after the visit is fixed."""
    base = live_server.url
    login(page, base, observer)
    network = Network(context)
    network.off()
    # 30 of 24 students: the server refuses the visit
    _visit_uuid, observe_url = finish_offline_and_write_feedback(page, base, teacher, on_task="30")
    type_into(page, "#summary", SUMMARY)

    network.on()
    page.wait_for_selector("[data-sync-list] li[data-record-state=attention]", state="attached")  # the visit
    wait_state(page, "pending")  # the feedback still waits for its visit: not wrong itself
    assert record_state(page) == "local"
    assert feedback_rows(app) == []

    page.goto(observe_url)
    wait_form(page)
    page.fill("input[name='a.W3.x']", "21")
    wait_state(page, "synced")
    [observation] = observations(app)
    [(saved, _steps)] = feedback_rows(app)
    assert saved.visit_id == observation.visit_id and saved.summary == SUMMARY


LAPTOP_EDIT = "Ändrat på datorn medan surfplattan var utan nät."


def feedback_conflict(app, base, context, page, observer, visit):
    """The tablet types a draft offline while the laptop changes the same draft (revision 1 -> 2);
    the network comes back and the tablet's upload ends as a conflict."""
    from observe.feedback.services import save_draft

    def draft(summary):
        with app.app_context():
            save_draft(db.session.get(Visit, visit.id), db.session.merge(observer), summary=summary,
                       strengths=[], development_area="", next_step_text="", next_step_due=None)
            db.session.commit()

    draft("Skrivet på datorn först.")
    login(page, base, observer)  # the visit page is saved with the draft at revision 1
    network = Network(context)
    network.off()
    open_feedback(page, base, visit)
    page.fill("#summary", "")
    type_into(page, "#summary", SUMMARY)
    draft(LAPTOP_EDIT)  # revision 2, not seen by the tablet
    network.on()
    page.wait_for_selector("#feedback .record-state[data-record-state=conflict]", state="attached")


def test_feedback_changed_elsewhere_while_offline_is_a_conflict_with_both_kept(app, live_server, context, page,
                                                                               observer, finished_visit):
    from observe.sync.models import SyncConflict

    feedback_conflict(app, live_server.url, context, page, observer, finished_visit)
    wait_state(page, "synced")  # nothing waits on the device: the server keeps both versions
    [(saved, _steps)] = feedback_rows(app)
    assert saved.summary == LAPTOP_EDIT  # not overwritten
    with app.app_context():
        [conflict] = db.session.execute(select(SyncConflict)).scalars().all()
        assert conflict.record_type == "feedback" and conflict.payload["summary"] == SUMMARY


def test_a_feedback_conflict_is_merged_on_the_merge_screen_and_the_tablet_settles(app, live_server, context, page,
                                                                                 observer, finished_visit):
    from observe.sync.models import SyncConflict

    base = live_server.url
    feedback_conflict(app, base, context, page, observer, finished_visit)

    page.goto(f"{base}/conflicts/")
    page.locator(".merge-list a").click()
    page.wait_for_selector("form.merge-form")
    field = page.locator(".merge-differs")
    assert field.count() == 1  # only the summary differs
    assert field.locator("[data-version=mine]").inner_text().strip() == SUMMARY
    field.get_by_role("radio", name="Keep mine").check()
    page.get_by_role("button", name="Save merged version").click()
    page.wait_for_url(f"{base}/conflicts/")

    wait_state(page, "synced")
    assert page.locator("[data-sync-list] li[data-record-state]").count() == 0  # nothing left on the device
    [(saved, _steps)] = feedback_rows(app)
    assert saved.summary == SUMMARY and saved.revision == 3
    with app.app_context():
        [conflict] = db.session.execute(select(SyncConflict)).scalars().all()
        assert conflict.resolved_at is not None
    open_feedback(page, base, finished_visit)  # the tablet shows the merge and sends nothing more
    assert page.input_value("#summary") == SUMMARY
    wait_state(page, "synced")
    [(again, _steps)] = feedback_rows(app)
    assert again.revision == 3
