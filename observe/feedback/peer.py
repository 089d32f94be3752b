"""Peer observation in pairs or trios (leader action 4).

Pairs are formed for a period by a principal, or proposed by teachers and confirmed
by a principal. Ending a group keeps it (rotation keeps history). The observed
teacher creates each peer visit, sets its focus and owns the notes; the principal
only ever sees focus themes and counts, and only when the owner chose to send them.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import format_date, gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..audit import services as audit
from ..auth.models import Role
from ..errors import ValidationFailed
from ..extensions import db
from ..schools.models import School
from ..visits import rollups
from ..visits.models import (Observation, ObservationStatus, PeerGroup, PeerGroupStatus, Purpose, Visit, VisitKind,
                             VisitStatus)
from . import services as svc


def create_group(user, school, member_ids: list[int], period_start: dt.date, period_end: dt.date, *,
                 confirm: bool) -> PeerGroup:
    """A pair or trio of the school's teachers; confirmed at once when a principal forms it."""
    members = []
    for uid in dict.fromkeys(member_ids):
        member = svc.member_of(school, uid, Role.TEACHER)
        if member is not None:
            members.append(member)
    errors = {}
    if not 2 <= len(members) <= 3:
        errors["members"] = [_("Choose two or three teachers.")]
    if not confirm and user not in members:
        errors["members"] = [_("Include yourself in the pair you propose.")]
    if period_end < period_start:
        errors["period_end"] = [_("The period must end after it starts.")]
    elif len(members) >= 2:
        clash = _overlapping_group(school, members, period_start, period_end)
        if clash is not None:
            errors["members"] = [_("%(names)s are already in a group together from %(start)s to %(end)s. "
                                   "End that group first, or choose other teachers or another period.",
                                   names=" & ".join(m.name for m in clash.members if m in members),
                                   start=format_date(clash.period_start, "d MMM y"), end=format_date(clash.period_end, "d MMM y"))]
    if errors:
        raise ValidationFailed("", errors)
    group = PeerGroup(school_id=school.id, period_start=period_start, period_end=period_end,
                      status=PeerGroupStatus.CONFIRMED if confirm else PeerGroupStatus.PROPOSED,
                      proposed_by_id=user.id,
                      # the teachers accept their group themselves; whoever proposes it has
                      accepted_user_ids=[user.id] if user in members else [])
    group.members = members
    db.session.add(group)
    db.session.flush()
    audit.record("peer_group.confirm" if confirm else "peer_group.propose", group)
    return group


def _overlapping_group(school, members, start: dt.date, end: dt.date) -> PeerGroup | None:
    """A group still running in an overlapping period that already holds two of these teachers:
    the same pair twice (or a pair inside a trio) would show conflicting status on their pages."""
    ids = {m.id for m in members}
    running = db.session.scalars(
        select(PeerGroup).options(selectinload(PeerGroup.members))
        .where(PeerGroup.school_id == school.id, PeerGroup.status != PeerGroupStatus.ENDED,
               PeerGroup.period_start <= end, PeerGroup.period_end >= start))
    return next((g for g in running if len(ids & {m.id for m in g.members}) >= 2), None)


def outside_period(group, scheduled_at: dt.datetime) -> bool:
    """A peer visit booked outside its group's period: allowed, but the teacher is told."""
    day = svc.utc_to_local(scheduled_at).date()
    return not group.period_start <= day <= group.period_end


def has_accepted(group, user_id: int) -> bool:
    return group.accepted_user_ids is None or user_id in group.accepted_user_ids


def waiting_for(group) -> list:
    """The members who have not accepted the group yet."""
    return [m for m in group.members if not has_accepted(group, m.id)]


def accept_group(group, user) -> None:
    """A member accepts the group (and withdraws any change they asked for)."""
    if not has_accepted(group, user.id):
        group.accepted_user_ids = [*group.accepted_user_ids, user.id]
    if group.change_request and group.change_request.get("user_id") == user.id:
        group.change_request = None
    audit.record("peer_group.accept", group)


def ask_for_change(group, user, text: str) -> None:
    """A member asks the principal to change the group; the member has then not accepted it."""
    text = text.strip()
    if not text:
        raise ValidationFailed("", {"text": [_("Say what you would like changed.")]})
    if group.accepted_user_ids is None:
        group.accepted_user_ids = [m.id for m in group.members]
    group.accepted_user_ids = [uid for uid in group.accepted_user_ids if uid != user.id]
    group.change_request = {"user_id": user.id, "name": user.name, "text": text[:1000],
                            "at": svc.now().isoformat()}
    audit.record("peer_group.change_request", group)


def groups_to_accept(school, user, today: dt.date) -> list[PeerGroup]:
    """This teacher's running groups she has not accepted yet (a to-do of hers)."""
    groups = db.session.scalars(
        select(PeerGroup).where(PeerGroup.school_id == school.id, PeerGroup.status != PeerGroupStatus.ENDED,
                                PeerGroup.period_end >= today, PeerGroup.members.any(id=user.id)))
    return [g for g in groups if not has_accepted(g, user.id)]


def confirm_group(group, user) -> None:
    group.status = PeerGroupStatus.CONFIRMED
    audit.record("peer_group.confirm", group)


def end_group(group, user) -> None:
    """Rotation: the group stays in the history with its peer visits."""
    group.status = PeerGroupStatus.ENDED
    audit.record("peer_group.end", group)


def groups_of_school(school) -> list[PeerGroup]:
    return list(db.session.scalars(select(PeerGroup).where(PeerGroup.school_id == school.id)
                                   .order_by(PeerGroup.period_start.desc(), PeerGroup.id)))


def groups_of_user(school, user) -> list[PeerGroup]:
    return [g for g in groups_of_school(school) if any(m.id == user.id for m in g.members)]


def is_current(group, today: dt.date | None = None) -> bool:
    today = today or dt.date.today()
    return group.status != PeerGroupStatus.ENDED and group.period_end >= today


def plan_peer_visit(owner, group, *, observer_id: int, scheduled_at: dt.datetime, focus_text: str,
                    data_method: str = "", subject: str | None = None, year_group: str | None = None,
                    summary_to_principal: bool = False, template_version_id: int | None = None) -> Visit:
    """The observed teacher (`owner`) books a colleague from the group to observe them, on the
    school's default peer template or another of its published peer templates (`template_version_id`)."""
    errors = {}
    if group.status != PeerGroupStatus.CONFIRMED:
        errors["observer_id"] = [_("The group must be confirmed by a principal first.")]
    observer = next((m for m in group.members if m.id == observer_id and m.id != owner.id), None)
    if observer is None:
        errors["observer_id"] = [_("Choose a colleague from your group.")]
    if not focus_text.strip():
        errors["focus_text"] = [_("Say what you want to know: the observer records only that.")]
    if scheduled_at < svc.now():
        errors["scheduled_at"] = [_("This time has passed. Book the observation for a time still to come.")]
    if observer is not None and not (has_accepted(group, owner.id) and has_accepted(group, observer.id)):
        errors["observer_id"] = [_("You and %(name)s must both accept the group first.", name=observer.name)]
    versions = svc.template_versions_for(group_school(group), "peer")
    version = versions[0] if versions else None
    if template_version_id is not None:
        version = next((v for v in versions if v.id == template_version_id), None)
        if version is None and versions:
            errors["template_version_id"] = [_("Choose a template of this school.")]
    if not versions:
        errors["observer_id"] = [_("No peer observation template is published at this school yet.")]
    if errors:
        raise ValidationFailed("", errors)
    visit = Visit(school_id=group.school_id, kind=VisitKind.PEER, status=VisitStatus.PLANNED,
                  purpose=Purpose.PEER_LEARNING, observer_id=observer.id, teacher_id=owner.id,
                  template_version_id=version.id, scheduled_at=scheduled_at, subject=subject or None,
                  year_group=year_group or None, peer_group_id=group.id, focus_text=focus_text.strip(),
                  focus_item_keys=[], preconference={"data_method": data_method.strip()},
                  summary_to_principal=summary_to_principal, created_by_id=owner.id)
    db.session.add(visit)
    db.session.flush()
    audit.record("visit.plan", visit, kind="peer")
    return visit


def group_school(group):
    return db.session.get(School, group.school_id)


def set_summary_to_principal(visit, user, value: bool) -> None:
    rollups.mark_observations(o.id for o in visit.observations)  # what leadership may count changes
    visit.summary_to_principal = value
    visit.revision += 1
    audit.record("peer.summary_to_principal", visit, value=value)


def delete_notes(visit, user) -> None:
    """The owner deletes the notes for real (retention: peer notes when the teacher chooses)."""
    rollups.mark_observations(o.id for o in visit.observations)
    for observation in list(visit.observations):
        db.session.delete(observation)
    audit.record("peer.notes_deleted", visit)


def is_done(visit) -> bool:
    return visit.status == VisitStatus.COMPLETED or any(
        o.status == ObservationStatus.COMPLETE for o in visit.observations)


def peer_visits_of_group(group) -> list[Visit]:
    return list(db.session.scalars(select(Visit).options(selectinload(Visit.observations))
                                   .where(Visit.peer_group_id == group.id,
                                                       Visit.status != VisitStatus.CANCELLED)
                                   .order_by(Visit.scheduled_at)))


def matrix(group) -> list[dict]:
    """Who observes whom in the group: every ordered pair, done / booked / still to do."""
    visits = peer_visits_of_group(group)
    rows = []
    for observer in group.members:
        for observed in group.members:
            if observer.id == observed.id:
                continue
            mine = [v for v in visits if v.observer_id == observer.id and v.teacher_id == observed.id]
            done = [v for v in mine if is_done(v)]
            state = "done" if done else ("booked" if mine else "todo")
            rows.append({"observer": observer, "observed": observed, "state": state,
                         "visit": (done or mine or [None])[0]})
    return rows


def peer_visits_of_user(school, user) -> list[Visit]:
    return list(db.session.scalars(
        select(Visit).where(Visit.school_id == school.id, Visit.kind == VisitKind.PEER,
                            Visit.status != VisitStatus.CANCELLED,
                            or_(Visit.observer_id == user.id, Visit.teacher_id == user.id))
        .order_by(Visit.scheduled_at.desc())))


def summary(visit) -> dict:
    """What a principal may see of a shared peer visit: the focus theme and the counts, no notes, no names."""
    counts = []
    for observation in visit.observations:
        version = observation.template_version
        for item in version.items():
            if item.get("type") != "counter":
                continue
            value = (observation.answers or {}).get(item["key"], {}).get("value")
            if isinstance(value, (int, float)):
                counts.append({"label": item.get("label") or item["key"], "value": value})
    return {"focus": visit.focus_text, "on": visit.scheduled_at or visit.started_at, "counts": counts}


def shared_summaries(school, start: dt.datetime, end: dt.datetime) -> list[dict]:
    visits = db.session.scalars(
        select(Visit).options(selectinload(Visit.observations))
        .where(Visit.school_id == school.id, Visit.kind == VisitKind.PEER,
                            Visit.summary_to_principal.is_(True), Visit.status != VisitStatus.CANCELLED,
                            Visit.scheduled_at >= start, Visit.scheduled_at < end)
        .order_by(Visit.scheduled_at))
    return [summary(v) for v in visits if is_done(v)]


def observation_of(visit) -> Observation | None:
    return visit.observation
