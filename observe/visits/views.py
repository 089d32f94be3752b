"""Visit pages: start a spontaneous visit, fill the form, see a visit, list my visits.

Every page works without JavaScript. Saving goes through
`observe.sync.services.apply_record`, the same path the offline client uses.
"""
from __future__ import annotations

import uuid as uuid_mod

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..audit import services as audit
from ..auth.permissions import (can_start_spontaneous_visit, can_view_observation, can_view_quick_notes,
                                can_view_reflective_question, current_school, get_in_school, visit_for)
from ..extensions import db
from ..privacy.pin import fields_with_pin
from ..sync.services import apply_record
from ..templates_.items import parse_answers
from ..templates_.models import TemplateVersion
from . import services
from .carry import carried_kinds, carried_values, with_carried, with_shipped_hints
from .display import measure_section, note_time, planned_day, readable_answers
from .models import Visit, VisitKind

bp = Blueprint("visits", __name__, url_prefix="/visits")


bp.add_app_template_filter(note_time, "note_time")


@bp.route("/")
@login_required
def mine():
    school = current_school()
    if school is None:
        abort(404)
    return render_template("visits/list.html", visits=services.visits_observed_by(current_user, school))


def _may_start_walkthrough():
    """Only those who may start walkthroughs here get the pages that start one (else 403)."""
    school = current_school()
    if school is None or not can_start_spontaneous_visit(current_user, school.id):
        abort(403)
    return school


@bp.route("/new")
@login_required
def new():
    """Step one of a walkthrough: pick a teacher (recent first) or go anonymous."""
    _may_start_walkthrough()
    query = (request.args.get("q") or "").strip()[:100]
    recent, others = services.teachers_for_picker(current_school(), current_user, query=query or None)
    return render_template("visits/new.html", recent=recent, others=others, query=query,
                           versions=services.walkthrough_versions(current_school()),
                           template=request.args.get("template", type=int),
                           subjects=services.SUBJECTS, year_groups=services.YEAR_GROUPS,
                           subject=request.args.get("subject", ""), year_group=request.args.get("year_group", ""))


@bp.route("/new/spontaneous")
@login_required
def new_spontaneous():
    """The walkthrough form with fresh uuids; cacheable, the offline client regenerates them."""
    school = _may_start_walkthrough()
    teacher = request.args.get("teacher") or "anonymous"
    teacher_id = None if teacher == "anonymous" else services.to_int(teacher)
    if teacher != "anonymous" and (teacher_id is None or not services.is_teacher_at(school, teacher_id)):
        abort(404)
    picked = request.args.get("template", type=int)
    version = services.walkthrough_version(school, picked)
    if picked and version is None:
        abort(404)  # not a template a walkthrough at this school may use
    if version is None:
        flash(_("No walkthrough template is published at this school yet."), "error")
        return redirect(url_for("visits.new"))
    values = services.new_visit_values(teacher_id, request.args.get("subject"), request.args.get("year_group"))
    # Each template's form is kept offline under its own `?template=` (observe/pwa/services.py).
    return _render_form(version, values, {}, {})


@bp.route("/<uuid:visit_uuid>/observe")
@login_required
def observe(visit_uuid):
    """Continue filling in a visit you observe (a draft walkthrough, a planned or peer visit)."""
    visit = visit_for(current_user, visit_uuid, edit=True)
    observation = next((o for o in visit.observations if o.author_id == current_user.id), None)
    audit.record("visit.view", visit, page="observe")  # the form shows the record's answers
    db.session.commit()
    if observation is None:
        values = services.new_visit_values(visit.teacher_id, visit.subject, visit.year_group)
        # The same observation uuid on every render of this visit for this observer: a copy typed on
        # the device (and not yet on the server) is found again after a reload instead of a blank form.
        values.update(uuid=str(uuid_mod.uuid5(visit.uuid, f"observation/{current_user.id}")),
                      visit_uuid=str(visit.uuid), kind=visit.kind,
                      reflective_question=visit.reflective_question or "")
        if visit.started_at:
            values["started_at"] = visit.started_at.isoformat(timespec="seconds")
        return _render_form(visit.template_version, values, {}, {}, visit=visit)
    return _render_form(observation.template_version, services.values_of(observation),
                        observation.answers or {}, {}, visit=visit)


@bp.route("/save", methods=["POST"])
@login_required
def save():
    """Create or update an observation from the HTML form (post/redirect/get)."""
    school = current_school()
    visit_uuid = services.parse_uuid(request.form.get("visit_uuid"))
    if school is None or visit_uuid is None or services.parse_uuid(request.form.get("uuid")) is None:
        abort(400)
    visit = _existing_visit(school, visit_uuid)
    if visit is None:
        _may_start_walkthrough()
    kind = visit.kind if visit else VisitKind.SPONTANEOUS
    action = request.form.get("action", "save")
    record = services.record_from_form(request.form, kind=kind, finish=action == "finish")
    result = apply_record(current_user, school, record)
    db.session.commit()
    if fields_with_pin(request.form):  # minimisation: a warning, never a block
        flash(_("Something you wrote looks like a personal identity number. Observations never need one: "
                "please remove it."), "warning")
    if result.get("status") == "rejected":
        return _render_rejected(school, record, result.get("fields") or {}, visit)
    if result.get("status") == "conflict":
        flash(_("This visit was changed elsewhere in the meantime. Both versions are kept; "
                "compare them before you continue."), "error")
    elif action == "note":
        flash(_("Note added."), "success")
        return redirect(url_for("visits.observe", visit_uuid=visit_uuid, _anchor="notes"))
    elif action == "finish":
        flash(_("Visit finished and saved."), "success")
    else:
        flash(_("Saved as a draft."), "success")
    return redirect(url_for("visits.detail", visit_uuid=visit_uuid))


@bp.route("/<uuid:visit_uuid>")
@login_required
def detail(visit_uuid):
    visit = visit_for(current_user, visit_uuid)
    observations = [o for o in visit.observations if can_view_observation(current_user, visit, o)]
    shown = [(o, readable_answers(o.template_version.document, o.answers or {})
              + measure_section(o.template_version.document, o.answers or {}),
              can_view_quick_notes(current_user, visit, o)) for o in observations]
    audit.record("visit.view", visit)
    db.session.commit()
    return render_template("visits/detail.html", visit=visit, shown=shown,
                           withheld=any(o.status == "complete" and o not in observations
                                        for o in visit.observations),
                           can_edit=visit.observer_id == current_user.id,
                           reflective_question=visit.reflective_question
                           if can_view_reflective_question(current_user, visit) else None)


def _existing_visit(school, visit_uuid):
    """The visit being saved, if it exists; someone else's or another school's answers 404."""
    exists = db.session.scalar(db.select(Visit.id).filter_by(school_id=school.id, uuid=visit_uuid))
    return visit_for(current_user, visit_uuid, edit=True) if exists else None


def _render_rejected(school, record, fields, visit):
    """Show the form again with the user's input and the messages next to the inputs (422)."""
    version = get_in_school(TemplateVersion, id=record["template_version_id"]) \
        if record["template_version_id"] else (visit.template_version if visit else None)
    if version is None:
        abort(400)
    answers, parse_errors = parse_answers(version.document, request.form)
    errors = {**parse_errors, **fields}
    answers = services.keep_rejected_input(version.document, request.form, answers, errors)
    values = services.values_from_form(request.form, record)
    return _render_form(version, values, answers, errors, visit=visit, status=422)


def _render_form(version, values, answers, errors, *, visit=None, status=200):
    teacher = None
    if values["teacher_id"] != "anonymous":
        teacher = services.teacher_at(current_school(), values["teacher_id"])
    other_errors = {k: v for k, v in errors.items() if not k.startswith("a.")}
    document = with_shipped_hints(version.document)
    carried = carried_values(visit, document)
    planned_on, planned_elsewhen = planned_day(visit)
    return render_template("visits/observe.html", version=version, document=document, values=values,
                           planned_on=planned_on, planned_elsewhen=planned_elsewhen,
                           answers=with_carried(answers, carried), carried=carried,
                           carried_kinds=carried_kinds(document, carried),
                           errors=errors, other_errors=other_errors, teacher=teacher, visit=visit,
                           focus_keys=list(visit.focus_item_keys or []) if visit else [],
                           subjects=services.SUBJECTS, year_groups=services.YEAR_GROUPS), status
