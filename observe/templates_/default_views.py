"""The school's default template per kind of visit (walkthrough, planned, peer), set on the templates page.

Its route sits on the templates blueprint (observe/templates_/views.py); observe/domains.py imports
this module so the route is registered.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.permissions import can_manage_templates, current_school_or_404
from ..extensions import db
from .choice import DEFAULT_KINDS, NotUsable, set_default
from .views import bp


@bp.post("/defaults")
@login_required
def set_defaults():
    """Principals and admins choose which template new visits of each kind use."""
    school = current_school_or_404()
    if not can_manage_templates(current_user, school):
        abort(403)
    try:
        for kind in DEFAULT_KINDS:
            template_id = request.form.get(f"default_{kind}", type=int)
            if template_id:
                set_default(school, str(kind), template_id, current_user)
    except NotUsable:
        db.session.rollback()
        flash(_("That template cannot be used for this kind of visit (archived, unpublished or made "
                "for another kind). Choose another."), "error")
        return redirect(url_for("templates_.index", _anchor="defaults"))
    db.session.commit()
    flash(_("Default templates saved. New visits use them; visits already started keep their form."), "success")
    return redirect(url_for("templates_.index", _anchor="defaults"))
