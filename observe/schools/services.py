"""Rules for organisations, schools and groups."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit import services as audit
from ..auth.models import Membership, Role, User
from ..errors import ValidationFailed
from ..extensions import db
from ..templates_.services import install_defaults
from .models import (DEFAULT_RETENTION, MIN_OBSERVATIONS_FLOOR, MIN_TEACHERS_FLOOR, GroupMembership, Organisation,
                     School, TeacherGroup)


def get_or_create_school(name: str, organisation_name: str | None = None) -> School:
    school = db.session.scalar(select(School).where(School.name == name))
    if school:
        return school
    org = None
    if organisation_name:
        org = db.session.scalar(select(Organisation).where(Organisation.name == organisation_name))
    if org is None:
        org = Organisation(name=organisation_name or name)
        db.session.add(org)
        db.session.flush()
    school = School(name=name, organisation_id=org.id)
    db.session.add(school)
    db.session.flush()
    install_defaults(school)
    return school


def schools_in_organisation(organisation_id: int) -> list[School]:
    return list(db.session.scalars(
        select(School).where(School.organisation_id == organisation_id).order_by(School.name)))


def add_school(organisation_id: int, name: str, *, creator) -> School:
    """A new school in the organisation; whoever adds it becomes its first administrator."""

    name = " ".join(name.split())
    taken = db.session.scalar(select(School.id).where(
        School.organisation_id == organisation_id, func.lower(School.name) == name.lower()))
    if taken:
        raise ValidationFailed(fields={"name": [_("The organisation already has a school with this name.")]})
    school = School(name=name, organisation_id=organisation_id)
    db.session.add(school)
    db.session.flush()
    creator.memberships.append(Membership(school_id=school.id, role=Role.ADMIN))
    install_defaults(school)
    audit.record("school.create", school_id=school.id, name=name)
    return school


# --- teacher groups (arbetslag) --------------------------------------------------------------

def save_group(school: School, group: TeacherGroup | None, name: str, member_ids) -> TeacherGroup:
    """Create or update a group; members must hold a role at the same school."""
    name = " ".join(name.split())
    clash = db.session.scalar(select(TeacherGroup.id).where(
        TeacherGroup.school_id == school.id, func.lower(TeacherGroup.name) == name.lower(),
        TeacherGroup.id != (group.id if group else -1)))
    if clash:
        raise ValidationFailed(fields={"name": [_("There is already a group with this name.")]})
    wanted = {int(i) for i in member_ids}
    members = list(db.session.scalars(select(User).where(
        User.id.in_(wanted), User.id.in_(select(Membership.user_id).where(Membership.school_id == school.id)))))
    if len(members) != len(wanted):
        raise ValidationFailed(fields={"members": [_("Members must belong to this school's staff.")]})
    if group is None:
        group = TeacherGroup(school_id=school.id, name=name)
        db.session.add(group)
    group.name = name
    _date_membership(group, {m.id for m in group.members}, {m.id for m in members})
    group.members = members
    db.session.flush()
    audit.record("group.save", group, members=sorted(wanted))
    return group


def _date_membership(group: TeacherGroup, before: set[int], after: set[int]) -> None:
    """Keep the dated membership that decides which groups a visit counts for (observe/insights).

    A new group's members count from its start (the team existed before it was entered); a member
    added to or removed from an existing group from today, so earlier visits keep their group."""
    if group.id is None:
        group.memberships = [GroupMembership(user_id=user_id, since=None) for user_id in sorted(after)]
        return
    today = dt.datetime.now(ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Stockholm")).date()
    for membership in group.memberships:
        if membership.until is None and membership.user_id in before - after:
            membership.until = today
    for user_id in sorted(after - before):
        group.memberships.append(GroupMembership(user_id=user_id, since=today))


def delete_group(group: TeacherGroup) -> None:
    audit.record("group.delete", group, name=group.name)
    db.session.delete(group)


def retention_of(school: School) -> dict:
    """The school's retention settings, with the suggested default for anything unset."""
    return {**DEFAULT_RETENTION, **(school.retention or {})}


def set_retention(school: School, values: dict) -> None:
    """Store new retention periods (whole numbers, validated by the form); the change is audited."""
    before = retention_of(school)
    after = {key: int(values[key]) for key in DEFAULT_RETENTION}
    school.retention = after  # a new dict, so the JSON column is written
    audit.record("school.retention", school_id=school.id, before=before, after=after)


def set_cell_minimums(organisation, observations: int, teachers: int, *, school_id: int | None = None) -> None:
    """The smallest aggregate the organisation shows (never below the floors); the change is audited."""
    before = (organisation.setting("min_cell_observations"), organisation.setting("min_cell_teachers"))
    after = (max(MIN_OBSERVATIONS_FLOOR, int(observations)), max(MIN_TEACHERS_FLOOR, int(teachers)))
    if before != after:
        organisation.settings = {**(organisation.settings or {}), "min_cell_observations": after[0],
                                 "min_cell_teachers": after[1]}
        audit.record("organisation.min_cell", organisation, school_id=school_id, before=list(before),
                     after=list(after))
