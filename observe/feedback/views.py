"""Feedback, reflection, next steps and follow-up (peer observation: peer_views.py).

Every page works without JavaScript (post/redirect/get). The feedback panel is a
partial (templates/visits/_feedback_panel.html) that the visit detail page includes;
the same partial makes up the feedback page here (its context: panel.py).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..audit import services as audit
from ..auth import permissions as perm
from ..errors import ValidationFailed
from ..extensions import db
from ..visits.models import VisitKind
from . import cli, panel, peer_views, rotation_views  # noqa: F401  (the reminders command, the peer pages and rounds are on this blueprint)
from . import followup, term_plan
from . import services as svc
from .blueprint import attach_form_errors, back_to, bp, visit_or_404
from .forms import CommentForm, ConversationForm, FeedbackDraftForm, NextStepForm, NextStepStatusForm, ReflectionForm, TermPlanForm
from .models import NextStep

__all__ = ["bp"]


def _responding(visit_uuid):
    """The visit and its shared feedback, for the observed teacher's reflection and acknowledgement."""
    visit = visit_or_404(visit_uuid)
    if visit.feedback is None or not perm.can_respond_to_feedback(current_user, visit.feedback):
        abort(403)
    return visit, visit.feedback


def _page(visit, forms=None, status=200):
    return render_template("feedback/visit.html", visit=visit, panel=panel.feedback_panel(visit, forms),
                           open_step=panel.open_step(visit)), status


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
    visit = visit_or_404(visit_uuid)
    audit.record("visit.view", visit, page="feedback")
    if visit.feedback is not None and perm.can_view_feedback(current_user, visit.feedback):
        audit.record("feedback.view", visit.feedback)
    db.session.commit()
    return _page(visit)


@bp.route("/visit/<uuid:visit_uuid>/draft", methods=["POST"])
@login_required
def save_draft(visit_uuid):
    visit = visit_or_404(visit_uuid)
    if not perm.can_write_feedback(current_user, visit):
        abort(403)
    if visit.feedback is not None and visit.feedback.status == "shared":
        flash(_("Shared feedback can no longer be edited; add a comment instead."), "error")
        return redirect(back_to(visit))
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
        attach_form_errors(form, exc)
        return _page(visit, {"draft": form}, 422)
    db.session.commit()
    flash(_("The feedback is shared with the teacher.") if feedback.status == "shared"
          else _("Draft saved. Only you can see it."), "success")
    return redirect(back_to(visit))


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
    return redirect(back_to(visit))


@bp.route("/visit/<uuid:visit_uuid>/acknowledge", methods=["POST"])
@login_required
def acknowledge(visit_uuid):
    visit, feedback = _responding(visit_uuid)
    svc.acknowledge(feedback, current_user)
    db.session.commit()
    flash(_("You have acknowledged the feedback."), "success")
    return redirect(back_to(visit))


@bp.route("/visit/<uuid:visit_uuid>/comment", methods=["POST"])
@login_required
def comment(visit_uuid):
    visit = visit_or_404(visit_uuid)
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
    return redirect(back_to(visit))


@bp.route("/visit/<uuid:visit_uuid>/conversation", methods=["POST"])
@login_required
def conversation(visit_uuid):
    """The observer records the feedback conversation: held on which day, what was agreed."""
    visit = visit_or_404(visit_uuid)
    feedback = visit.feedback
    if not (feedback is not None and feedback.status == "shared" and perm.can_write_feedback(current_user, visit)):
        abort(403)
    form = ConversationForm()
    if not form.validate_on_submit():
        return _page(visit, {"conversation": form}, 422)
    try:
        svc.record_conversation(feedback, current_user, form.conversation_on.data, form.conversation_agreed.data)
    except ValidationFailed as exc:
        db.session.rollback()
        attach_form_errors(form, exc)
        return _page(visit, {"conversation": form}, 422)
    db.session.commit()
    flash(_("The conversation is recorded. The teacher sees what you agreed."), "success")
    return redirect(back_to(visit))


@bp.route("/visit/<uuid:visit_uuid>/next-steps", methods=["POST"])
@login_required
def add_step(visit_uuid):
    visit = visit_or_404(visit_uuid)
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
    return redirect(back_to(visit))


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


# --- follow-up for principals -----------------------------------------------------------------


@bp.route("/follow-up", methods=["GET", "POST"])
@login_required
def follow_up():
    """The figures of the term, each beside the term plan's goal; principals set the plan here."""
    school = perm.current_school()
    if not perm.can_view_follow_up(current_user, school):
        abort(403)
    today = svc.utc_to_local(svc.now()).date()
    term = followup.Term.parse(request.args.get("term"), followup.Term.of(today))
    data = followup.metrics(school, term)
    plan = term_plan.plan_for(school, term)
    form = TermPlanForm(obj=plan) if request.method == "GET" else TermPlanForm()
    status = 200
    if request.method == "POST":
        if not perm.can_plan_term(current_user, school):
            abort(403)
        if form.validate_on_submit():
            term_plan.save(current_user, school, term, {key: getattr(form, key).data for key in term_plan.GOALS})
            audit.record("term_plan.save", school_id=school.id, term=term.key)
            db.session.commit()
            flash(_("The plan for %(term)s is saved.", term=term.label), "success")
            return redirect(url_for("feedback.follow_up", term=term.key, _anchor="h-plan"))
        status = 422
    audit.record("follow_up.view", school_id=school.id, term=term.key)  # names teachers without a visit
    db.session.commit()
    return render_template("feedback/follow_up.html", m=data, term=term, plan_form=form,
                           can_plan=perm.can_plan_term(current_user, school),
                           against=term_plan.against_plan(plan, data, school, term, today),
                           calendar=term_plan.calendar(school, term)), status
