"""Retention: `flask --app observe retention` de-identifies and deletes for real, and a second
run changes nothing."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from observe.extensions import db
from observe.feedback.models import Comment, Feedback, NextStep
from observe.privacy.retention import months_before, run
from observe.sync.models import SyncConflict
from observe.visits.models import Observation, ObservationAnswer, Visit
from tests.security.world import build_world

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
# Retention counts months back from the day it runs: the clock stands at NOW (ticking), so what the
# app stamps itself (a step "updated just now", the world's visit going on) is of the same day.
pytestmark = pytest.mark.time_machine(NOW)


def _walkthrough(rec, *, days_ago: int) -> Visit:
    u, when = rec.users, NOW - dt.timedelta(days=days_ago)
    version_id = db.session.get(Visit, db.session.scalar(select(Visit.id).where(
        Visit.school_id == rec.school.id).limit(1))).template_version_id
    visit = Visit(school_id=rec.school.id, kind="spontaneous", status="completed", observer_id=u["principal"].id,
                  teacher_id=u["teacher"].id, template_version_id=version_id, started_at=when, ended_at=when,
                  reflective_question="Hur vet du att alla förstod?", subject="Matematik", year_group="4")
    db.session.add(visit)
    db.session.flush()
    obs = Observation(school_id=rec.school.id, visit_id=visit.id, author_id=u["principal"].id,
                      template_version_id=version_id, status="complete",
                      answers={"C1": {"value": "yes", "evidence": "Lisa i bänk 3 svarade"},
                               "P5": {"value": "Eleverna pratade om bråk"}},
                      notes=[{"at": when.isoformat(), "text": "Stökigt vid start"}])
    db.session.add(obs)
    db.session.flush()
    db.session.add(ObservationAnswer(observation_id=obs.id, school_id=rec.school.id, visit_kind="spontaneous",
                                     observed_on=when.date(), teacher_id=u["teacher"].id, template_key="planned",
                                     item_key="C1", item_type="yes_no", choice="yes"))
    db.session.add(Comment(school_id=rec.school.id, visit_id=visit.id, author_id=u["teacher"].id, body="Tack!"))
    db.session.commit()
    return visit


def test_old_walkthroughs_lose_teacher_and_free_text_but_keep_their_counts(ctx, password_hash):
    world = build_world(password_hash)
    old, fresh = _walkthrough(world["A1"], days_ago=31), _walkthrough(world["A1"], days_ago=29)

    report = run(NOW)

    assert report["Skola A1"]["walkthroughs_deidentified"] == 1
    db.session.expire_all()
    old, fresh = db.session.get(Visit, old.id), db.session.get(Visit, fresh.id)
    assert old.teacher_id is None and old.reflective_question is None
    obs = old.observations[0]
    assert obs.answers == {"C1": {"value": "yes"}} and obs.notes == []
    assert db.session.scalar(select(ObservationAnswer.teacher_id).where(ObservationAnswer.observation_id == obs.id)) is None
    assert db.session.scalar(select(ObservationAnswer.choice).where(ObservationAnswer.observation_id == obs.id)) == "yes"
    assert not db.session.scalars(select(Comment).where(Comment.visit_id == old.id)).all()
    # within its 30 days, untouched
    assert fresh.teacher_id is not None and fresh.observations[0].answers["C1"]["evidence"]


def test_a_second_run_changes_nothing(ctx, password_hash):
    world = build_world(password_hash)
    _walkthrough(world["A1"], days_ago=40)
    first = run(NOW)
    revisions = db.session.execute(select(Observation.id, Observation.revision)).all()

    second = run(NOW)

    assert first["Skola A1"]["walkthroughs_deidentified"] == 1
    assert all(value == 0 for counts in second.values() for value in counts.values())
    assert db.session.execute(select(Observation.id, Observation.revision)).all() == revisions


def test_planned_visits_are_deleted_months_after_their_follow_up(ctx, password_hash):
    world = build_world(password_hash)
    a1 = world["A1"]
    visit = db.session.scalar(select(Visit).where(Visit.uuid == a1.ids["visit_uuid"]))
    visit.status, visit.ended_at = "completed", months_before(NOW, 13)
    visit.scheduled_at = visit.started_at = visit.ended_at
    visit.feedback.updated_at = visit.ended_at
    for comment in db.session.scalars(select(Comment).where(Comment.visit_id == visit.id)):
        comment.created_at = visit.ended_at
    for step in db.session.scalars(select(NextStep).where(NextStep.visit_id == visit.id)):
        step.updated_at = visit.ended_at
    db.session.commit()
    visit_id, feedback_id = visit.id, visit.feedback.id

    assert run(NOW)["Skola A1"]["planned_deleted"] == 1

    db.session.expire_all()
    assert db.session.get(Visit, visit_id) is None
    assert db.session.get(Feedback, feedback_id) is None
    for model in (Observation, NextStep, Comment):
        assert not db.session.scalars(select(model).where(model.visit_id == visit_id)).all(), model
    assert not db.session.scalars(select(SyncConflict).where(SyncConflict.school_id == a1.school.id)).all()
    # the mirror school B1 keeps its (recent) records
    assert db.session.scalar(select(func.count()).select_from(Visit).where(Visit.school_id == world["B1"].school.id)) == 2


def test_a_recent_follow_up_keeps_an_old_planned_visit(ctx, password_hash):
    world = build_world(password_hash)
    visit = db.session.scalar(select(Visit).where(Visit.uuid == world["A1"].ids["visit_uuid"]))
    visit.status, visit.ended_at = "completed", months_before(NOW, 13)
    visit.scheduled_at = visit.started_at = visit.ended_at
    db.session.commit()  # the next step was updated just now: the follow-up is still going on

    assert run(NOW)["Skola A1"]["planned_deleted"] == 0
    assert db.session.get(Visit, visit.id) is not None


def test_peer_notes_go_after_the_school_s_period(ctx, password_hash):
    world = build_world(password_hash)
    a1 = world["A1"]
    a1.school.retention = {**a1.school.retention, "peer_delete_months": 2}
    peer = db.session.scalar(select(Visit).where(Visit.uuid == a1.ids["peer_visit_uuid"]))
    peer.scheduled_at = months_before(NOW, 3)
    db.session.commit()
    peer_id = peer.id

    assert run(NOW)["Skola A1"]["peer_deleted"] == 1
    db.session.expire_all()
    assert db.session.get(Visit, peer_id) is None
    assert not db.session.scalars(select(Observation).where(Observation.visit_id == peer_id)).all()


def test_the_cli_command_runs_from_cron(app, ctx, password_hash):
    world = build_world(password_hash)
    _walkthrough(world["A1"], days_ago=400)
    result = app.test_cli_runner().invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "Skola A1: walkthroughs_deidentified=1" in result.output
    again = app.test_cli_runner().invoke(args=["retention"])
    assert "Skola A1: walkthroughs_deidentified=0, planned_deleted=0, peer_deleted=0" in again.output


def test_months_before_clamps_to_the_end_of_month():
    assert months_before(dt.datetime(2026, 3, 31, tzinfo=UTC), 1) == dt.datetime(2026, 2, 28, tzinfo=UTC)
    assert months_before(dt.datetime(2026, 1, 15, tzinfo=UTC), 12) == dt.datetime(2025, 1, 15, tzinfo=UTC)
