"""Peer observation in pairs: groups (proposed by teachers, confirmed by a principal), booking
a colleague on one's own focus, what goes to the principal, and deleting one's notes."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext as _
from flask_login import current_user, login_required

from ..auth import permissions as perm
from ..errors import ValidationFailed
from ..extensions import db
from ..templates_.choice import version_choices
from ..visits.models import PeerGroup, PeerGroupStatus
from . import peer
from . import services as svc
from .blueprint import attach_form_errors, back_to, bp, visit_or_404
from .forms import PeerChangeForm, PeerGroupForm, PeerSummaryForm, PeerVisitForm


@bp.route("/peer/")
@login_required
def peer_index():
    school = perm.current_school_or_404()
    manager = perm.can_manage_peer_groups(current_user, school)
    groups = peer.groups_of_school(school) if manager else peer.groups_of_user(school, current_user)
    return _peer_page(school, groups, manager, PeerGroupForm(formdata=None))


def _peer_page(school, groups, manager, form, status=200):
    form.members.choices = [(t.id, t.name) for t in svc.teachers(school)]
    current = [g for g in groups if peer.is_current(g)]
    history = [g for g in groups if not peer.is_current(g)]
    return render_template("feedback/peer_index.html", current=current, history=history, manager=manager,
                           form=form, matrix=peer.matrix, my_visits=peer.peer_visits_of_user(school, current_user),
                           is_done=peer.is_done, has_accepted=peer.has_accepted, waiting_for=peer.waiting_for,
                           change_form=PeerChangeForm(formdata=None)), status


@bp.route("/peer/groups", methods=["POST"])
@login_required
def peer_group_create():
    school = perm.current_school_or_404()
    manager = perm.can_manage_peer_groups(current_user, school)
    form = PeerGroupForm()
    form.members.choices = [(t.id, t.name) for t in svc.teachers(school)]
    groups = peer.groups_of_school(school) if manager else peer.groups_of_user(school, current_user)
    if not form.validate_on_submit():
        return _peer_page(school, groups, manager, form, 422)
    try:
        peer.create_group(current_user, school, form.members.data or [], form.period_start.data,
                          form.period_end.data, confirm=manager)
    except ValidationFailed as exc:
        db.session.rollback()
        attach_form_errors(form, exc)
        return _peer_page(school, groups, manager, form, 422)
    db.session.commit()
    flash(_("The group is formed.") if manager else _("Your proposal is sent to the principal for confirmation."),
          "success")
    return redirect(url_for("feedback.peer_index"))


def _group_or_404(group_id: int) -> PeerGroup:
    group = perm.get_in_school(PeerGroup, id=group_id)
    school = perm.current_school()
    if not (perm.can_manage_peer_groups(current_user, school) or perm.is_peer_member(current_user, group)):
        abort(404)
    return group


@bp.route("/peer/groups/<int:group_id>/<any(confirm, end):action>", methods=["POST"])
@login_required
def peer_group_action(group_id, action):
    """A principal confirms a proposed group, or ends one (rotation keeps it in the history)."""
    group = _group_or_404(group_id)
    if not perm.can_manage_peer_groups(current_user, perm.current_school()):
        abort(403)
    if action == "confirm":
        peer.confirm_group(group, current_user)
        message = _("The group is confirmed.")
    else:
        peer.end_group(group, current_user)
        message = _("The group is ended; it stays in the history.")
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("feedback.peer_index"))


@bp.route("/peer/groups/<int:group_id>/accept", methods=["POST"])
@login_required
def peer_group_accept(group_id):
    """A member accepts the group the principal formed (or a colleague proposed)."""
    group = _group_or_404(group_id)
    if not perm.is_peer_member(current_user, group):
        abort(403)
    peer.accept_group(group, current_user)
    db.session.commit()
    flash(_("You have accepted the group."), "success")
    return redirect(url_for("feedback.peer_index", _anchor=f"group-{group.id}"))


@bp.route("/peer/groups/<int:group_id>/change", methods=["POST"])
@login_required
def peer_group_change(group_id):
    """A member asks the principal for another partner or period."""
    group = _group_or_404(group_id)
    if not perm.is_peer_member(current_user, group):
        abort(403)
    form = PeerChangeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        peer.ask_for_change(group, current_user, form.text.data or "")
    except ValidationFailed as exc:
        db.session.rollback()
        flash(" ".join(m for ms in exc.fields.values() for m in ms), "error")
        return redirect(url_for("feedback.peer_index", _anchor=f"group-{group.id}"))
    db.session.commit()
    flash(_("Your request is sent to the principal."), "success")
    return redirect(url_for("feedback.peer_index", _anchor=f"group-{group.id}"))


@bp.route("/peer/groups/<int:group_id>/visit", methods=["GET", "POST"])
@login_required
def peer_visit_new(group_id):
    """The observed teacher books a colleague and sets the focus."""
    group = _group_or_404(group_id)
    if not perm.is_peer_member(current_user, group):
        abort(403)
    form = PeerVisitForm()
    form.observer_id.choices = [(m.id, m.name) for m in group.members if m.id != current_user.id]
    form.template_version_id.choices = version_choices(svc.template_versions_for(peer.group_school(group), "peer"))
    status = 200
    if form.validate_on_submit():
        try:
            visit = peer.plan_peer_visit(
                current_user, group, observer_id=form.observer_id.data,
                scheduled_at=svc.local_to_utc(form.scheduled_at.data), focus_text=form.focus_text.data or "",
                data_method=form.data_method.data or "", subject=form.subject.data, year_group=form.year_group.data,
                summary_to_principal=form.summary_to_principal.data,
                template_version_id=form.template_version_id.data)
        except ValidationFailed as exc:
            db.session.rollback()
            attach_form_errors(form, exc)
            status = 422
        else:
            db.session.commit()
            flash(_("The peer observation is booked. Your colleague records evidence on your focus only."), "success")
            if peer.outside_period(group, visit.scheduled_at):
                flash(_("Note: the observation is outside your group's period (%(start)s to %(end)s).",
                        start=format_date(group.period_start, "d MMM y"), end=format_date(group.period_end, "d MMM y")), "warning")
            return redirect(url_for("feedback.visit", visit_uuid=visit.uuid))
    elif request.method == "POST":
        status = 422
    return render_template("feedback/peer_visit_new.html", form=form, group=group,
                           confirmed=group.status == PeerGroupStatus.CONFIRMED), status


@bp.route("/visit/<uuid:visit_uuid>/summary", methods=["POST"])
@login_required
def peer_summary(visit_uuid):
    visit = visit_or_404(visit_uuid)
    if not perm.can_own_peer_notes(current_user, visit):
        abort(403)
    form = PeerSummaryForm()
    if not form.validate_on_submit():
        abort(400)
    peer.set_summary_to_principal(visit, current_user, bool(form.summary_to_principal.data))
    db.session.commit()
    flash(_("A summary (focus theme and counts) goes to the principal.") if visit.summary_to_principal
          else _("Nothing from this peer observation goes to the principal."), "success")
    return redirect(back_to(visit))


@bp.route("/visit/<uuid:visit_uuid>/delete-notes", methods=["POST"])
@login_required
def peer_delete_notes(visit_uuid):
    visit = visit_or_404(visit_uuid)
    if not perm.can_own_peer_notes(current_user, visit):
        abort(403)
    peer.delete_notes(visit, current_user)
    db.session.commit()
    flash(_("The notes are deleted."), "success")
    return redirect(url_for("feedback.visit", visit_uuid=visit.uuid))
