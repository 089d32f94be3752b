"""The merge screen: the author sees both versions of a conflicting record and merges them.

Pages for people (flask-wtf, CSRF, post/redirect/get) beside the JSON API of views.py:
`/conflicts/` lists the signed-in user's open conflicts, `/conflicts/<id>` shows the
server's version and the device's side by side, field by field, with the fields that differ
marked. For each differing field the author keeps the server's, keeps theirs or writes a
merged text; saving calls `observe.sync.conflicts.resolve_conflict` (one write path, the
same as `POST /api/v1/conflicts/<id>/resolve`). A merge built on a server copy that has
moved on is refused and the new comparison is shown: nothing is overwritten silently.

The record type draws and saves its own comparison (`RecordType.compare`, `.merged_record`;
observations in observe/visits/sync_merge.py, feedback in observe/feedback/sync_merge.py);
this module knows record types only through the registry.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField

from ..audit import services as audit
from ..auth.permissions import current_school, sync_conflict_for
from ..dbtypes import utcnow
from ..extensions import db
from .conflicts import open_conflicts, recently_merged, resolve_conflict
from .merging import Comparison, attach_errors, chosen_values
from .models import SyncConflict
from .records import CONFLICT, RECORD_TYPES, UPDATED, RecordType

bp = Blueprint("merge", __name__, url_prefix="/conflicts")

RECENTLY_RESOLVED = dt.timedelta(days=30)  # how long a device is told about merges made elsewhere


class MergeForm(FlaskForm):
    """The CSRF token and the server revision the comparison was built from; the per-field
    choices (`pick.<field>`, `merged.<field>`) depend on the record and are read by the view."""

    base_revision = HiddenField()


def _record_type(conflict: SyncConflict) -> RecordType:
    return RECORD_TYPES.get(conflict.record_type) or RecordType()


def compare(school, conflict: SyncConflict) -> Comparison:
    """Both versions of a conflict, field by field."""
    return _record_type(conflict).compare(school, conflict)


def merged_record(comparison: Comparison, form) -> tuple[dict | None, dict[str, list[str]]]:
    """(the merge for resolve_conflict, pick errors by field name) from the posted choices."""
    chosen, errors = chosen_values(comparison, form)
    if errors:
        return None, errors
    return _record_type(comparison.conflict).merged_record(comparison, chosen), errors


# --- what other pages show ----------------------------------------------------------------------

def _visit_of(school, conflict: SyncConflict):
    return _record_type(conflict).visit_of(school, conflict)


@bp.app_template_global()
def my_open_conflicts(visit=None) -> list[SyncConflict]:
    """The signed-in user's open conflicts in the current school (on `visit` only, if given)."""
    school = current_school()
    if school is None or not getattr(current_user, "is_authenticated", False):
        return []
    conflicts = open_conflicts(current_user, school)
    if visit is None:
        return conflicts
    return [c for c in conflicts if (v := _visit_of(school, c)) is not None and v.id == visit.id]


# --- pages ----------------------------------------------------------------------------------------

def _school():
    school = current_school()
    if school is None:
        abort(404)
    return school


@bp.route("/")
@login_required
def index():
    school = _school()
    rows = [(c, _visit_of(school, c)) for c in open_conflicts(current_user, school)]
    return render_template("sync/conflicts.html", rows=rows,
                           merged=recently_merged(current_user, school, utcnow() - RECENTLY_RESOLVED))


@bp.route("/<int:conflict_id>", methods=["GET", "POST"])
@login_required
def merge(conflict_id: int):
    school = _school()
    conflict = sync_conflict_for(current_user, conflict_id)
    visit = _visit_of(school, conflict)
    form = MergeForm()
    comparison = compare(school, conflict)
    status, problems, moved_on = 200, [], False
    if comparison.revision is not None and form.validate_on_submit():
        merged, errors = merged_record(comparison, request.form)
        if form.base_revision.data != str(comparison.revision):
            moved_on, errors = True, {}  # the server copy changed after the page was drawn: choose again
        elif merged is not None:
            result = resolve_conflict(current_user._get_current_object(), school, conflict, merged)
            if result["status"] == UPDATED:
                flash(_("The merged version is saved on the server (revision %(n)d). The conflict is closed.",
                        n=result["revision"]), "success")
                return redirect(url_for("merge.index"))
            moved_on = result["status"] == CONFLICT
            errors = _record_type(conflict).merge_field_errors(result.get("fields") or {})
        if moved_on:
            comparison = compare(school, db.session.get(SyncConflict, conflict.id))
            problems.append(_("The server's version changed while you were merging. Nothing was saved: "
                              "here is the new comparison; choose again and save."))
        status = 409 if moved_on else 422
        problems += attach_errors(comparison, errors)
        if status == 422 and not problems:
            problems.append(_("Nothing was saved yet: see the messages at the fields below."))
    elif request.method == "POST":
        status = 400 if comparison.revision is not None else 409
        problems.append(_("The form could not be read. Please try again.") if status == 400
                        else _("There is nothing to merge into: the server copy no longer exists."))
    if comparison.revision is not None:
        form.base_revision.data = str(comparison.revision)
    if visit is not None:
        audit.record("visit.view", visit, page="merge")
    db.session.commit()
    return render_template("sync/merge.html", conflict=conflict, visit=visit, form=form, comparison=comparison,
                           problems=problems, picks=_kept_input(status)), status


def _kept_input(status: int) -> dict:
    """What the author posted, to draw again; after a 409 only the texts they wrote (the choices
    referred to a server version that has changed, so they are asked again)."""
    if status == 200:
        return {}
    return {k: v for k, v in request.form.items() if status != 409 or k.startswith("merged.")}
