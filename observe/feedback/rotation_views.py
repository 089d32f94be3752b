"""The next peer-observation round for a team or the whole staff: proposed, adjusted, formed."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth import permissions as perm
from ..errors import ValidationFailed
from ..extensions import db
from . import rotation
from . import services as svc
from .blueprint import bp
from .forms import PeerRoundForm, PeerRoundFormGroups


def _school_for_manager():
    school = perm.current_school_or_404()
    if not perm.can_manage_peer_groups(current_user, school):
        abort(403)
    return school


def _teachers(school, team_id: str):
    """The round's teachers: a team's current members, or every teacher of the school."""
    teachers = svc.teachers(school)
    if team_id:
        team = next((t for t in rotation.teams(school) if str(t.id) == team_id), None)
        if team is None:
            abort(404)
        ids = {m.id for m in team.members}
        teachers = [t for t in teachers if t.id in ids]
    return teachers


@bp.route("/peer/round", methods=["GET"])
@login_required
def peer_round():
    """Settings, then the proposal: each teacher's group, which the principal may change."""
    school = _school_for_manager()
    form = PeerRoundForm(request.args)
    form.team.choices = [("", _("All teachers at the school"))] + [(str(t.id), t.name) for t in rotation.teams(school)]
    if not request.args:
        today = dt.date.today()
        form.period_start.data, form.period_end.data = today, today + dt.timedelta(weeks=6)
        return render_template("feedback/peer_round.html", form=form, proposal=None)
    proposal, teachers, recent, status = None, [], {}, 200
    if form.validate():
        if form.period_end.data < form.period_start.data:
            form.period_end.errors = [_("The period must end after it starts.")]
            status = 422
        else:
            teachers = _teachers(school, form.team.data or "")
            ids = [t.id for t in teachers]
            recent = rotation.recent_partners(school, ids)
            teams = rotation.teams_of(school, ids, form.period_start.data) if form.across.data else {}
            try:
                proposal = rotation.propose(ids, recent, teams, form.across.data,
                                            seed=request.args.get("seed", 0, type=int))
            except ValidationFailed as exc:
                form.team.errors = [m for ms in exc.fields.values() for m in ms]
                status = 422
    else:
        status = 422
    return render_template("feedback/peer_round.html", form=form, proposal=proposal,
                           people={t.id: t for t in teachers}, recent=recent,
                           groups_form=PeerRoundFormGroups(formdata=None, period_start=form.period_start.data,
                                                           period_end=form.period_end.data),
                           seed=request.args.get("seed", 0, type=int)), status


@bp.route("/peer/round", methods=["POST"])
@login_required
def peer_round_form():
    """Form the groups as the principal left them: teachers with the same number form a group."""
    school = _school_for_manager()
    form = PeerRoundFormGroups()
    if not form.validate_on_submit():
        abort(400)
    groups: dict[int, list[int]] = {}
    for key, value in request.form.items():
        if key.startswith("group-") and value.isdigit() and key[6:].isdigit():
            groups.setdefault(int(value), []).append(int(key[6:]))
    chosen = [sorted(groups[n]) for n in sorted(groups)]
    try:
        formed = rotation.form_round(current_user, school, chosen, form.period_start.data, form.period_end.data)
    except ValidationFailed as exc:
        db.session.rollback()
        # The page again with the principal's own groups, and what is wrong with them.
        ids = [uid for group in chosen for uid in group]
        recent = rotation.recent_partners(school, ids)
        settings = PeerRoundForm(formdata=None, period_start=form.period_start.data, period_end=form.period_end.data)
        settings.team.choices = [("", _("All teachers at the school"))]
        return render_template("feedback/peer_round.html", form=settings, groups_form=form, recent=recent,
                               proposal=rotation.Proposal(chosen, *rotation.cost(chosen, recent, {}, False)),
                               people={t.id: t for t in svc.teachers(school)}, errors=exc.fields.get("groups", []),
                               seed=0), 422
    db.session.commit()
    flash(_("%(n)d groups are formed for the period.", n=len(formed)), "success")
    return redirect(url_for("feedback.peer_index"))
