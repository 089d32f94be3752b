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
from tests.pwa.e2e_support import (Network, login, observer, type_into, wait_form,  # noqa: F401
                                   wait_saved_on_device, wait_state, walkthrough_school)

pytestmark = pytest.mark.e2e

SUMMARY = "Tydlig start: målet stod på tavlan och eleverna kunde säga det med egna ord."
STRENGTH = "Du låter eleverna förklara för varandra"
EVIDENCE = "Tre par jämförde sina lösningar innan genomgången"
STEP = "Avsluta med en exit ticket om dagens mål"
DUE = (dt.date.today() + dt.timedelta(days=14)).isoformat()


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
    page.locator("#feedback .record-problem").wait_for(state="visible")
    assert "connection" in page.inner_text("#feedback .record-problem")

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
