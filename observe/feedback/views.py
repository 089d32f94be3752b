"""Feedback, reflection, next steps, peer observation in pairs, follow-up and reminders.

Every page works without JavaScript (post/redirect/get). The feedback panel is a
partial (templates/visits/_feedback_panel.html) that the visit detail page includes;
the same partial makes up the feedback page here.
"""
from __future__ import annotations

import click
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..audit import services as audit
from ..auth import permissions as perm
from ..errors import ValidationFailed
from ..extensions import db
from ..schools.models import School
from ..visits.models import PeerGroup, PeerGroupStatus, Visit, VisitKind
from . import followup, mail, peer
from . import services as svc
from .forms import (CommentForm, attach_errors, FeedbackDraftForm, NextStepForm, NextStepStatusForm, PeerGroupForm,
                    PeerSummaryForm, PeerVisitForm, ReflectionForm)
from .models import NextStep

bp = Blueprint("feedback", __name__, url_prefix="/feedback")


# --- the panel (also included by the visit detail page) ---------------------------------------


@bp.app_template_global()
def feedback_panel(visit, forms: dict | None = None) -> dict:
    """Everything the feedback panel of `visit` may show to the current user, and its forms."""
    user = current_user
    forms = forms or {}
    feedback = visit.feedback
    visible = feedback if feedback is not None and perm.can_view_feedback(user, feedback) else None
    can_write = perm.can_write_feedback(user, visit)
    draft_form = forms.get("draft")
    if draft_form is None and can_write and (feedback is None or feedback.status == "draft"):
        draft_form = FeedbackDraftForm(formdata=None)
        if feedback is not None:
            draft_form.fill_from(feedback)
    shared = visible is not None and visible.status == "shared"
    responding = visible is not None and perm.can_respond_to_feedback(user, visible)
    reflection_form = forms.get("reflect") or (ReflectionForm(formdata=None, reflection=visible.teacher_reflection)
                                               if responding else None)
    if visit.kind == VisitKind.PEER:
        steps = [s for s in _visit_steps(visit) if perm.can_view_next_step(user, s)]
        can_add_step = perm.can_own_peer_notes(user, visit)
    else:
        steps = [s for s in (visible.next_steps if shared else [])]
        can_add_step = shared and user.id in (visit.observer_id, visit.teacher_id)
    can_comment = (perm.can_view_peer_notes(user, visit) if visit.kind == VisitKind.PEER
                   else shared and perm.can_view_plan(user, visit))
    return {
        "visit": visit,
        "feedback": visible,
        "shared": shared,
        "can_write": can_write and draft_form is not None,
        "draft_form": draft_form,
        "responding": responding,
        "reflection_form": reflection_form,
        "comment_form": forms.get("comment") or (CommentForm(formdata=None) if can_comment else None),
        "comments": svc.comments_on(visit) if shared or visit.kind == VisitKind.PEER else [],
        "steps": steps,
        "step_form": forms.get("step") or (NextStepForm(formdata=None) if can_add_step else None),
        "can_update_step": lambda step: perm.can_update_next_step(user, step),
        "status_form": NextStepStatusForm(formdata=None),
        "is_peer": visit.kind == VisitKind.PEER,
        "peer_owner": perm.can_own_peer_notes(user, visit),
        "summary_form": PeerSummaryForm(formdata=None, summary_to_principal=visit.summary_to_principal),
        "can_plan_follow_up": perm.can_plan_visit(user, perm.current_school()),
        "next": request.path,
    }


def _visit_steps(visit) -> list[NextStep]:
    return list(db.session.scalars(db.select(NextStep).where(NextStep.visit_id == visit.id).order_by(NextStep.id)))


def _visit_or_404(visit_uuid) -> Visit:
    visit = perm.get_in_school(Visit, uuid=visit_uuid)
    if not perm.can_view_plan(current_user, visit):
        abort(404)
    return visit


def _responding(visit_uuid):
    """The visit and its shared feedback, for the observed teacher's reflection and acknowledgement."""
    visit = _visit_or_404(visit_uuid)
    if visit.feedback is None or not perm.can_respond_to_feedback(current_user, visit.feedback):
        abort(403)
    return visit, visit.feedback


def _back(visit) -> str:
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("feedback.visit", visit_uuid=visit.uuid)


def _page(visit, forms=None, status=200):
    return render_template("feedback/visit.html", visit=visit, panel=feedback_panel(visit, forms),
                           open_step=_open_step(visit)), status


def _open_step(visit):
    step = svc.open_next_step_for(visit.teacher_id, visit.school_id, before=visit)
    return step if step is not None and perm.can_view_next_step(current_user, step) else None


def _attach(form, exc: ValidationFailed) -> None:
    attach_errors(form, exc.fields)
    if exc.message:
        flash(exc.message, "error")


@bp.route("/")
@login_required
def index():
    """My feedback loop: reminders, my next steps, next steps I follow up."""
    school = perm.current_school_or_404()
    return render_template(
        "feedback/index.html",
        reminders=followup.reminders(current_user, school),
        my_steps=svc.next_steps_of_teacher(school, current_user.id),
        followed=svc.next_steps_followed_by(school, current_user.id),
        status_form=NextStepStatusForm(formdata=None),
        can_plan=perm.can_plan_visit(current_user, school))


@bp.route("/visit/<uuid:visit_uuid>")
@login_required
def visit(visit_uuid):
    visit = _visit_or_404(visit_uuid)
    audit.record("visit.view", visit, page="feedback")
    if visit.feedback is not None and perm.can_view_feedback(current_user, visit.feedback):
        audit.record("feedback.view", visit.feedback)
    db.session.commit()
    return _page(visit)


@bp.route("/visit/<uuid:visit_uuid>/draft", methods=["POST"])
@login_required
def save_draft(visit_uuid):
    visit = _visit_or_404(visit_uuid)
    if not perm.can_write_feedback(current_user, visit):
        abort(403)
    if visit.feedback is not None and visit.feedback.status == "shared":
        flash(_("Shared feedback can no longer be edited; add a comment instead."), "error")
        return redirect(_back(visit))
    form = FeedbackDraftForm()
    if not form.validate_on_submit():
        return _page(visit, {"draft": form}, 422)
    try:
        feedback = svc.save_draft(visit, current_user, summary=form.summary.data or "",
                                  strengths=form.strengths(), development_area=form.development_area.data or "",
                                  next_step_text=form.next_step_text.data or "",
                                  next_step_due=form.next_step_due.data)
        if request.form.get("action") == "share":
            svc.share_feedback(feedback, current_user)
    except ValidationFailed as exc:
        db.session.rollback()
        _attach(form, exc)
        return _page(visit, {"draft": form}, 422)
    db.session.commit()
    flash(_("The feedback is shared with the teacher.") if feedback.status == "shared"
          else _("Draft saved. Only you can see it."), "success")
    return redirect(_back(visit))


@bp.route("/visit/<uuid:visit_uuid>/reflect", methods=["POST"])
@login_required
def reflect(visit_uuid):
    visit, feedback = _responding(visit_uuid)
    form = ReflectionForm()
    if not form.validate_on_submit():
        return _page(visit, {"reflect": form}, 422)
    svc.reflect(feedback, current_user, form.reflection.data or "")
    if request.form.get("acknowledge"):
        svc.acknowledge(feedback, current_user)
    db.session.commit()
    flash(_("Your reflection is saved."), "success")
    return redirect(_back(visit))


@bp.route("/visit/<uuid:visit_uuid>/acknowledge", methods=["POST"])
@login_required
def acknowledge(visit_uuid):
    visit, feedback = _responding(visit_uuid)
    svc.acknowledge(feedback, current_user)
    db.session.commit()
    flash(_("You have acknowledged the feedback."), "success")
    return redirect(_back(visit))


@bp.route("/visit/<uuid:visit_uuid>/comment", methods=["POST"])
@login_required
def comment(visit_uuid):
    visit = _visit_or_404(visit_uuid)
    allowed = (perm.can_view_peer_notes(current_user, visit) if visit.kind == VisitKind.PEER
               else visit.feedback is not None and visit.feedback.status == "shared")
    if not allowed:
        abort(403)
    form = CommentForm()
    if not form.validate_on_submit():
        return _page(visit, {"comment": form}, 422)
    svc.add_comment(visit, current_user, form.body.data, form.kind.data)
    db.session.commit()
    flash(_("Your comment is saved."), "success")
    return redirect(_back(visit))


@bp.route("/visit/<uuid:visit_uuid>/next-steps", methods=["POST"])
@login_required
def add_step(visit_uuid):
    visit = _visit_or_404(visit_uuid)
    if visit.kind == VisitKind.PEER:
        allowed, feedback = perm.can_own_peer_notes(current_user, visit), None
    else:
        feedback = visit.feedback
        allowed = (feedback is not None and feedback.status == "shared"
                   and current_user.id in (visit.observer_id, visit.teacher_id))
    if not allowed:
        abort(403)
    form = NextStepForm()
    if not form.validate_on_submit():
        return _page(visit, {"step": form}, 422)
    svc.add_next_step(visit, current_user, text=form.text.data, due_on=form.due_on.data, feedback=feedback)
    db.session.commit()
    flash(_("The next step is saved."), "success")
    return redirect(_back(visit))


@bp.route("/next-steps/<uuid:step_uuid>/status", methods=["POST"])
@login_required
def step_status(step_uuid):
    step = perm.get_in_school(NextStep, uuid=step_uuid)
    if not perm.can_view_next_step(current_user, step):
        abort(404)
    if not perm.can_update_next_step(current_user, step):
        abort(403)
    form = NextStepStatusForm()
    if not form.validate_on_submit():
        abort(400)
    svc.set_next_step_status(step, current_user, form.status.data)
    db.session.commit()
    flash(_("The next step is updated."), "success")
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("feedback.index"))


# --- peer observation ------------------------------------------------------------------------


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
                           is_done=peer.is_done), status


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
        _attach(form, exc)
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


@bp.route("/peer/groups/<int:group_id>/visit", methods=["GET", "POST"])
@login_required
def peer_visit_new(group_id):
    """The observed teacher books a colleague and sets the focus."""
    group = _group_or_404(group_id)
    if not perm.is_peer_member(current_user, group):
        abort(403)
    form = PeerVisitForm()
    form.observer_id.choices = [(m.id, m.name) for m in group.members if m.id != current_user.id]
    status = 200
    if form.validate_on_submit():
        try:
            visit = peer.plan_peer_visit(
                current_user, group, observer_id=form.observer_id.data,
                scheduled_at=svc.local_to_utc(form.scheduled_at.data), focus_text=form.focus_text.data or "",
                data_method=form.data_method.data or "", subject=form.subject.data, year_group=form.year_group.data,
                summary_to_principal=form.summary_to_principal.data)
        except ValidationFailed as exc:
            db.session.rollback()
            _attach(form, exc)
            status = 422
        else:
            db.session.commit()
            flash(_("The peer observation is booked. Your colleague records evidence on your focus only."), "success")
            return redirect(url_for("feedback.visit", visit_uuid=visit.uuid))
    elif request.method == "POST":
        status = 422
    return render_template("feedback/peer_visit_new.html", form=form, group=group,
                           confirmed=group.status == PeerGroupStatus.CONFIRMED), status


@bp.route("/visit/<uuid:visit_uuid>/summary", methods=["POST"])
@login_required
def peer_summary(visit_uuid):
    visit = _visit_or_404(visit_uuid)
    if not perm.can_own_peer_notes(current_user, visit):
        abort(403)
    form = PeerSummaryForm()
    if not form.validate_on_submit():
        abort(400)
    peer.set_summary_to_principal(visit, current_user, bool(form.summary_to_principal.data))
    db.session.commit()
    flash(_("A summary (focus theme and counts) goes to the principal.") if visit.summary_to_principal
          else _("Nothing from this peer observation goes to the principal."), "success")
    return redirect(_back(visit))


@bp.route("/visit/<uuid:visit_uuid>/delete-notes", methods=["POST"])
@login_required
def peer_delete_notes(visit_uuid):
    visit = _visit_or_404(visit_uuid)
    if not perm.can_own_peer_notes(current_user, visit):
        abort(403)
    peer.delete_notes(visit, current_user)
    db.session.commit()
    flash(_("The notes are deleted."), "success")
    return redirect(url_for("feedback.visit", visit_uuid=visit.uuid))


# --- follow-up for principals -----------------------------------------------------------------


@bp.route("/follow-up")
@login_required
def follow_up():
    school = perm.current_school()
    if not perm.can_view_follow_up(current_user, school):
        abort(403)
    today = svc.utc_to_local(svc.now()).date()
    term = followup.Term.parse(request.args.get("term"), followup.Term.of(today))
    data = followup.metrics(school, term)
    audit.record("follow_up.view", school_id=school.id, term=term.key)  # names teachers without a visit
    db.session.commit()
    return render_template("feedback/follow_up.html", m=data, term=term)


@bp.app_template_global()
def observe_context(visit) -> dict:
    """What the observation form shows first: the agreed focus and the teacher's open next step."""
    return {"step": _open_step(visit), "focus_text": visit.focus_text,
            "data_method": (visit.preconference or {}).get("data_method")}


@bp.app_template_global()
def feedback_nav() -> list[tuple[str, str, bool]]:
    """Main-menu links of the feedback loop for the current user: (href, label, is_current_page).

    The feedback link carries the number of open reminders, so they are seen on every page.
    """
    if not getattr(current_user, "is_authenticated", False):
        return []
    school = perm.current_school()
    if school is None:
        return []
    count = followup.reminder_count(current_user, school)
    endpoint = request.endpoint or ""
    label = _("Feedback (%(n)d)", n=count) if count else _("Feedback")
    links = [(url_for("planning.index"), _("Planned visits"), endpoint.startswith("planning.")),
             (url_for("feedback.index"), label, endpoint in ("feedback.index", "feedback.visit")),
             (url_for("feedback.peer_index"), _("Peer observation"), endpoint.startswith("feedback.peer"))]
    if perm.can_view_follow_up(current_user, school):
        links.append((url_for("feedback.follow_up"), _("Follow-up"), endpoint == "feedback.follow_up"))
    return links


@bp.cli.command("send-reminders")
@click.option("--base-url", default="http://localhost:5000", show_default=True,
              help="The address staff open Observe at, for the links in the e-mails.")
def send_reminders_command(base_url):
    """E-mail every school's staff the reminders they have not been mailed yet (run daily, e.g. from cron)."""
    total = 0
    for school in db.session.scalars(db.select(School).order_by(School.id)):
        with current_app.test_request_context(base_url=base_url):
            total += mail.send_reminders(school)
    click.echo(f"sent {total} reminder e-mails")
