"""Planned visits: plan, see the plan, pre-conference, calendar booking (leader actions 2-3).

Rules live in observe/feedback/services.py; access checks in observe/auth/permissions.py.
"""
from __future__ import annotations

import datetime as dt
import uuid

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..audit import services as audit
from ..auth import permissions as perm
from ..errors import ValidationFailed
from ..extensions import db
from ..feedback import ics
from ..feedback import services as svc
from ..feedback.forms import PlanForm, PreconferenceForm, attach_errors
from ..feedback.models import NextStep
from ..templates_.choice import version_choices
from . import services as visit_services
from .models import Visit, VisitKind, VisitStatus

bp = Blueprint("planning", __name__, url_prefix="/planning")


def _plan_or_404(visit_uuid) -> Visit:
    visit = perm.get_in_school(Visit, uuid=visit_uuid)
    if visit.kind != VisitKind.PLANNED or not perm.can_view_plan(current_user, visit):
        abort(404)
    return visit


@bp.route("/")
@login_required
def index():
    """Principals: the school's planned visits. Teachers: the plans that concern them."""
    school = perm.current_school_or_404()
    today = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=12)
    visits = visit_services.planned_visits_for(current_user, school)
    upcoming = [v for v in visits if v.scheduled_at and v.scheduled_at >= today and v.status != VisitStatus.CANCELLED]
    earlier = [v for v in visits if v not in upcoming][::-1]
    return render_template("visits/plan_list.html", upcoming=upcoming, earlier=earlier,
                           can_plan=perm.can_plan_visit(current_user, school), svc=svc)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    school = perm.current_school()
    if not perm.can_plan_visit(current_user, school):
        abort(403)
    step = None
    if request.values.get("follow_up"):
        step = perm.get_in_school(NextStep, uuid=_uuid_or_404(request.values["follow_up"]))
        if not perm.can_view_next_step(current_user, step):
            abort(404)
    form = PlanForm()
    form.teacher_id.choices = [(0, _("Choose a teacher"))] + [(t.id, t.name) for t in svc.teachers(school)]
    versions = svc.template_versions_for(school, "planned")
    form.template_version_id.choices = version_choices(versions)
    form.access.choices = [(u.id, u.name) for u in svc.staff(school) if u.id != current_user.id]
    if request.method == "GET":
        if versions:
            form.template_version_id.data = versions[0].id  # the school's default for planned visits
        if step is not None:
            form.teacher_id.data = step.teacher_id
        if request.args.get("teacher", type=int):
            form.teacher_id.data = request.args.get("teacher", type=int)
    status = 200
    if form.validate_on_submit():
        try:
            visit = svc.plan_visit(
                current_user, school, teacher_id=form.teacher_id.data,
                scheduled_at=svc.local_to_utc(form.scheduled_at.data),
                template_version_id=form.template_version_id.data, purpose=form.purpose.data,
                planned_minutes=form.planned_minutes.data, subject=form.subject.data,
                year_group=form.year_group.data, access_user_ids=form.access.data or [], follow_up_step=step)
        except ValidationFailed as exc:
            attach_errors(form, exc.fields)
            status = 422
        else:
            db.session.commit()
            flash(_("The visit is planned. The teacher can now see it and write the pre-conference."), "success")
            return redirect(url_for("planning.show", visit_uuid=visit.uuid))
    elif request.method == "POST":
        status = 422
    return render_template("visits/plan_new.html", form=form, step=step, no_templates=not versions), status


@bp.route("/<uuid:visit_uuid>")
@login_required
def show(visit_uuid):
    visit = _plan_or_404(visit_uuid)
    form = PreconferenceForm(formdata=None)
    _fill_preconference(form, visit)
    audit.record("visit.view", visit, page="plan")
    db.session.commit()
    return _render_plan(visit, form)


@bp.route("/<uuid:visit_uuid>/preconference", methods=["POST"])
@login_required
def preconference(visit_uuid):
    visit = _plan_or_404(visit_uuid)
    if not perm.can_edit_preconference(current_user, visit):
        abort(403)
    form = PreconferenceForm()
    form.focus_item_keys.choices = _focus_choices(visit)
    if not form.validate_on_submit():
        return _render_plan(visit, form), 422
    svc.save_preconference(
        visit, current_user, lesson_goal=form.lesson_goal.data or "",
        student_activity=form.student_activity.data or "", data_method=form.data_method.data or "",
        focus_item_keys=form.focus_item_keys.data or [], focus_text=form.focus_text.data or "",
        feedback_meeting_at=svc.local_to_utc(form.feedback_meeting_at.data))
    db.session.commit()
    flash(_("The pre-conference is saved."), "success")
    return redirect(url_for("planning.show", visit_uuid=visit.uuid))


@bp.route("/<uuid:visit_uuid>/cancel", methods=["POST"])
@login_required
def cancel(visit_uuid):
    visit = _plan_or_404(visit_uuid)
    if visit.observer_id != current_user.id:
        abort(403)
    svc.cancel_visit(visit, current_user)
    db.session.commit()
    flash(_("The visit is cancelled."), "success")
    return redirect(url_for("planning.index"))


@bp.route("/<uuid:visit_uuid>/booking.ics")
@login_required
def booking(visit_uuid):
    """The lesson visit and, when booked, the feedback meeting, for the user's own calendar."""
    visit = _plan_or_404(visit_uuid)
    if visit.scheduled_at is None:
        abort(404)
    who = visit.teacher.name if visit.teacher else ""
    details = " · ".join(filter(None, [who, visit.subject, visit.year_group]))
    pre = visit.preconference or {}
    description = "\n".join(filter(None, [
        _("Lesson goal: %(goal)s", goal=pre["lesson_goal"]) if pre.get("lesson_goal") else "",
        _("Focus: %(focus)s", focus=visit.focus_text) if visit.focus_text else "",
        url_for("planning.show", visit_uuid=visit.uuid, _external=True),
    ]))
    minutes = visit.planned_minutes or 40
    events = [ics.event(f"visit-{visit.uuid}@observe", visit.scheduled_at,
                        visit.scheduled_at + dt.timedelta(minutes=minutes),
                        _("Lesson visit: %(details)s", details=details), description)]
    meeting = svc.feedback_meeting_at(visit)
    if meeting is not None:
        events.append(ics.event(f"feedback-{visit.uuid}@observe", meeting, meeting + dt.timedelta(minutes=30),
                                _("Feedback talk: %(details)s", details=details), description))
    audit.record("export", visit, format="ics")
    db.session.commit()
    return Response(ics.calendar(events), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="visit-{visit.uuid}.ics"',
                             "Cache-Control": "no-store"})


# --- helpers ----------------------------------------------------------------------------------


def _uuid_or_404(value: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        abort(404)


def _focus_choices(visit) -> list[tuple[str, str]]:
    lang = str(get_locale())
    choices = []
    for item in visit.template_version.items():
        if item.get("type") == "text":  # free-text items are notes, not something to look for
            continue
        label = item.get("label") or {}
        text = label.get(lang) or label.get("sv") or label.get("en") or item["key"] if isinstance(label, dict) else label
        choices.append((item["key"], text))  # the label only: keys are the template's internal codes
    return choices


def _fill_preconference(form: PreconferenceForm, visit) -> None:
    pre = visit.preconference or {}
    form.focus_item_keys.choices = _focus_choices(visit)
    form.lesson_goal.data = pre.get("lesson_goal")
    form.student_activity.data = pre.get("student_activity")
    form.data_method.data = pre.get("data_method")
    form.focus_item_keys.data = list(visit.focus_item_keys or [])
    form.focus_text.data = visit.focus_text
    meeting = svc.feedback_meeting_at(visit)
    form.feedback_meeting_at.data = svc.utc_to_local(meeting).replace(tzinfo=None) if meeting else None


def _render_plan(visit, form):
    focus_labels = dict(_focus_choices(visit))
    return render_template(
        "visits/plan.html", visit=visit, form=form, svc=svc,
        can_edit=perm.can_edit_preconference(current_user, visit),
        is_observer=visit.observer_id == current_user.id,
        access=svc.extra_access(visit), focus_labels=focus_labels,
        open_step=svc.open_next_step_for(visit.teacher_id, visit.school_id, before=visit),
        meeting=svc.feedback_meeting_at(visit))
