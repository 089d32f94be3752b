"""Two organisations, each with two schools, and in school A1 (and its mirror B1) one record
of every kind with the people around it: the data the route matrix walks.

Roles (who is logged in):
  anon       nobody
  admin      admin of school A1 (runs staff, groups, retention, audit log)
  principal  principal at A1, observer of the planned visit, author of its feedback
  teacher    teacher at A1: observed in the planned visit, owner of the peer notes
  peer       teacher at A1: the teacher's peer partner (observer of the peer visit)
  colleague  teacher at A1 with no part in any record
  outsider   principal at A2 (same organisation, other school)
  foreign    admin and principal at B1 (other organisation), with the mirror records
"""
from __future__ import annotations

import datetime as dt
import uuid as uuid_mod
from dataclasses import dataclass, field

from observe.auth.models import Membership, Role, User
from observe.extensions import db
from observe.feedback.models import Comment, Feedback, NextStep
from observe.schools.models import Organisation, School, TeacherGroup
from observe.sync.models import SyncConflict
from observe.templates_.models import Template, TemplateVersion
from observe.visits.models import Observation, PeerGroup, Visit
from tests.dates import today

UTC = dt.timezone.utc
ROLES = ("anon", "admin", "principal", "teacher", "peer", "colleague", "outsider", "foreign")

DOC = {
    "format": "observe-template/1", "key": "planned", "kind": "planned",
    "title": {"sv": "Planerat lektionsbesök", "en": "Planned visit"},
    "description": {"sv": "", "en": ""}, "header_note": {"sv": "", "en": ""},
    "sections": [{"key": "C", "title": {"sv": "Tydlighet", "en": "Clarity"}, "items": [
        {"key": "C1", "type": "yes_no", "label": {"sv": "Syftet görs tydligt", "en": "Purpose"}},
        {"key": "P5", "type": "text", "label": {"sv": "Det jag såg", "en": "What I saw"}},
    ]}],
}


@dataclass
class Records:
    """The ids one school's records answer to (used to fill a route's URL parameters)."""

    school: School
    users: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)


def _user(school, password_hash, email, *roles) -> User:
    user = User(organisation_id=school.organisation_id, email=email, name=email.split("@")[0].title(),
                password_hash=password_hash)
    for role in roles:
        user.memberships.append(Membership(school_id=school.id, role=str(role)))
    db.session.add(user)
    db.session.flush()
    return user


def populate(school: School, password_hash: str, tag: str) -> Records:
    """One record of every kind in `school`, with admin, principal, teacher, peer and colleague."""
    rec = Records(school)
    u = rec.users
    u["admin"] = _user(school, password_hash, f"admin.{tag}@example.se", Role.ADMIN)
    u["principal"] = _user(school, password_hash, f"principal.{tag}@example.se", Role.PRINCIPAL)
    u["teacher"] = _user(school, password_hash, f"teacher.{tag}@example.se", Role.TEACHER)
    u["peer"] = _user(school, password_hash, f"peer.{tag}@example.se", Role.TEACHER)
    u["colleague"] = _user(school, password_hash, f"colleague.{tag}@example.se", Role.TEACHER)

    template = Template(school_id=school.id, key="planned", kind="planned", title=DOC["title"])
    db.session.add(template)
    db.session.flush()
    version = TemplateVersion(template_id=template.id, school_id=school.id, number=1, document=DOC,
                              content_hash="0" * 64)
    group = TeacherGroup(school_id=school.id, name=f"Arbetslag {tag}")
    group.members = [u["teacher"], u["peer"]]
    db.session.add_all([version, group])
    db.session.flush()

    when = dt.datetime.now(UTC).replace(microsecond=0) - dt.timedelta(minutes=20)  # a visit going on now
    planned = Visit(school_id=school.id, kind="planned", status="in_progress", observer_id=u["principal"].id,
                    teacher_id=u["teacher"].id, template_version_id=version.id, scheduled_at=when,
                    planned_minutes=40, started_at=when, created_by_id=u["principal"].id)
    peer_group = PeerGroup(school_id=school.id, period_start=today() - dt.timedelta(days=30),
                           period_end=today() + dt.timedelta(days=30),
                           status="proposed", proposed_by_id=u["teacher"].id)
    peer_group.members = [u["teacher"], u["peer"]]
    db.session.add_all([planned, peer_group])
    db.session.flush()
    peer_visit = Visit(school_id=school.id, kind="peer", status="completed", purpose="peer_learning",
                       observer_id=u["peer"].id, teacher_id=u["teacher"].id, template_version_id=version.id,
                       scheduled_at=when, peer_group_id=peer_group.id, created_by_id=u["teacher"].id)
    db.session.add(peer_visit)
    db.session.flush()
    observation = Observation(school_id=school.id, visit_id=planned.id, author_id=u["principal"].id,
                              template_version_id=version.id, answers={"P5": {"value": "Bra start"}})
    peer_obs = Observation(school_id=school.id, visit_id=peer_visit.id, author_id=u["peer"].id,
                           template_version_id=version.id, answers={"P5": {"value": "Många frågor"}})
    feedback = Feedback(school_id=school.id, visit_id=planned.id, author_id=u["principal"].id,
                        summary="Tydlig struktur", development_area="Fler öppna frågor", status="shared",
                        shared_at=when)
    db.session.add_all([observation, peer_obs, feedback])
    db.session.flush()
    step = NextStep(school_id=school.id, feedback_id=feedback.id, visit_id=planned.id, teacher_id=u["teacher"].id,
                    text="Pröva exit tickets", created_by_id=u["principal"].id)
    comment = Comment(school_id=school.id, visit_id=planned.id, author_id=u["teacher"].id, body="Tack")
    conflict = SyncConflict(school_id=school.id, user_id=u["principal"].id, record_type="observation",
                            record_uuid=observation.uuid, base_revision=1, server_revision=2,
                            payload={"uuid": str(observation.uuid)})
    db.session.add_all([step, comment, conflict])
    db.session.flush()
    rec.ids = {
        "user_id": u["teacher"].id, "group_id": group.id, "peer_group_id": peer_group.id,
        "visit_uuid": planned.uuid, "peer_visit_uuid": peer_visit.uuid, "step_uuid": step.uuid,
        "conflict_id": conflict.id, "template_id": template.id, "section_key": "C", "item_key": "C1",
        "measure_key": "m1",
    }
    return rec


def build_world(password_hash: str) -> dict[str, Records]:
    """Organisation A (schools A1, A2) and organisation B (schools B1, B2)."""
    org_a, org_b = Organisation(name="Kommun A"), Organisation(name="Friskola B")
    db.session.add_all([org_a, org_b])
    db.session.flush()
    schools = {}
    for org, names in ((org_a, ("A1", "A2")), (org_b, ("B1", "B2"))):
        for name in names:
            schools[name] = School(name=f"Skola {name}", organisation_id=org.id)
    db.session.add_all(schools.values())
    db.session.flush()
    a1 = populate(schools["A1"], password_hash, "a1")
    b1 = populate(schools["B1"], password_hash, "b1")
    a1.users["outsider"] = _user(schools["A2"], password_hash, "outsider.a2@example.se", Role.PRINCIPAL)
    foreign = b1.users["principal"]
    foreign.memberships.append(Membership(school_id=schools["B1"].id, role=str(Role.ADMIN)))
    a1.users["foreign"] = foreign
    _user(schools["B2"], password_hash, "teacher.b2@example.se", Role.TEACHER)
    db.session.commit()
    return {"A1": a1, "B1": b1}


def missing_ids() -> dict:
    """Ids that exist nowhere."""
    return {"user_id": 987654, "group_id": 987654, "peer_group_id": 987654, "visit_uuid": uuid_mod.uuid4(),
            "peer_visit_uuid": uuid_mod.uuid4(), "step_uuid": uuid_mod.uuid4(), "conflict_id": 987654,
            "template_id": 987654, "section_key": "C", "item_key": "C1", "measure_key": "m1"}
