"""The next round of peer observation for a whole team or staff (Skolverket's leader action 4).

Everyone is placed in a pair (a trio when the number is odd), so that everyone observes and is
observed; nobody meets a partner from their last rounds where it can be avoided, and teams can be
mixed when the school wants teachers to talk pedagogy across team boundaries. The principal sees
the proposal, moves people between groups and forms them; nothing is created before that.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..errors import ValidationFailed
from ..extensions import db
from ..schools.models import GroupMembership, TeacherGroup
from ..visits.models import PeerGroup
from . import peer

RECENT_ROUNDS = 3  # a partner from any of a teacher's last three groups counts as met recently
TRIES = 400  # shuffles tried; the best proposal wins (a school's staff is tens of teachers)


@dataclass
class Proposal:
    groups: list[list[int]]  # user ids, pairs and at most one trio
    repeats: int  # partners who met in their recent rounds (0 when it could be avoided)
    same_team: int  # partners from the same team (counted only when mixing teams was asked for)


def recent_partners(school, user_ids: list[int], rounds: int = RECENT_ROUNDS) -> dict[int, set[int]]:
    """{teacher: partners in the teacher's last `rounds` peer groups at this school}."""
    groups = peer.groups_of_school(school)  # newest period first
    seen: dict[int, int] = {uid: 0 for uid in user_ids}
    partners: dict[int, set[int]] = {uid: set() for uid in user_ids}
    for group in groups:
        ids = [m.id for m in group.members]
        for uid in ids:
            if uid in seen and seen[uid] < rounds:
                seen[uid] += 1
                partners[uid].update(other for other in ids if other != uid)
    return partners


def teams_of(school, user_ids: list[int], on: dt.date) -> dict[int, set[int]]:
    """{teacher: ids of the teams (arbetslag) the teacher is in on that day}."""
    rows = select(GroupMembership.user_id, GroupMembership.group_id).join(
        TeacherGroup, TeacherGroup.id == GroupMembership.group_id).where(
        TeacherGroup.school_id == school.id, GroupMembership.user_id.in_(user_ids),
        (GroupMembership.since.is_(None)) | (GroupMembership.since <= on),
        (GroupMembership.until.is_(None)) | (GroupMembership.until > on))
    teams: dict[int, set[int]] = {uid: set() for uid in user_ids}
    for uid, gid in db.session.execute(rows):
        teams[uid].add(gid)
    return teams


def cost(groups, recent, teams, across: bool) -> tuple[int, int]:
    repeats = same = 0
    for group in groups:
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                repeats += b in recent.get(a, ()) or a in recent.get(b, ())
                same += across and bool(teams.get(a, set()) & teams.get(b, set()))
    return repeats, same


def propose(user_ids: list[int], recent: dict[int, set[int]], teams: dict[int, set[int]] | None = None,
            across: bool = False, seed: int = 0) -> Proposal:
    """Pairs (and one trio if the number is odd) with the fewest recent partners met again, then
    the fewest partners from the same team when `across`. The same seed gives the same proposal."""
    if len(user_ids) < 2:
        raise ValidationFailed("", {"teachers": [_("Choose at least two teachers for a round.")]})
    rng = random.Random(seed)
    teams = teams or {}
    best: Proposal | None = None
    order = sorted(user_ids)
    for _try in range(TRIES):
        rng.shuffle(order)
        groups = [order[i:i + 2] for i in range(0, len(order) - len(order) % 2, 2)]
        if len(order) % 2:
            groups[rng.randrange(len(groups))].append(order[-1])
        repeats, same = cost(groups, recent, teams, across)
        if best is None or (repeats, same) < (best.repeats, best.same_team):
            best = Proposal([sorted(g) for g in groups], repeats, same)
            if repeats == 0 and same == 0:
                break
    return best


def form_round(user, school, groups: list[list[int]], start: dt.date, end: dt.date) -> list[PeerGroup]:
    """Form the round the principal settled on: each group checked like a group formed by hand."""
    formed, errors = [], []
    for number, member_ids in enumerate(groups, start=1):
        try:
            formed.append(peer.create_group(user, school, member_ids, start, end, confirm=True))
        except ValidationFailed as exc:
            errors += [_("Group %(n)d: %(message)s", n=number, message=message)
                       for messages in exc.fields.values() for message in messages]
    if errors:
        raise ValidationFailed("", {"groups": errors})
    return formed


def previous_groups(school, user_ids: list[int]) -> list[PeerGroup]:
    """The groups these teachers were in, newest first (shown beside the proposal)."""
    wanted = set(user_ids)
    return [g for g in peer.groups_of_school(school) if wanted & {m.id for m in g.members}]


def teams(school) -> list[TeacherGroup]:
    return list(db.session.scalars(select(TeacherGroup).options(selectinload(TeacherGroup.members))
                                        .where(TeacherGroup.school_id == school.id).order_by(TeacherGroup.name)))
