"""The feedback blueprint, and the lookups and answers its pages share.

Its routes live in views.py (feedback, reflection, next steps, follow-up) and peer_views.py
(peer observation in pairs); panel.py holds the template globals, cli.py the reminders command.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from ..auth import permissions as perm
from ..errors import ValidationFailed
from ..visits.models import Visit
from .forms import attach_errors

bp = Blueprint("feedback", __name__, url_prefix="/feedback")


def visit_or_404(visit_uuid) -> Visit:
    visit = perm.get_in_school(Visit, uuid=visit_uuid)
    if not perm.can_view_plan(current_user, visit):
        abort(404)
    return visit


def back_to(visit) -> str:
    """Where a form posted from goes back to (a local path only), else the visit's feedback page."""
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("feedback.visit", visit_uuid=visit.uuid)


def attach_form_errors(form, exc: ValidationFailed) -> None:
    attach_errors(form, exc.fields)
    if exc.message:
        flash(exc.message, "error")
