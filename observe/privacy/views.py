"""Privacy pages: what is stored about me (with export), and the school's audit log for its admin."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..audit import services as audit
from ..auth.models import User
from ..auth.permissions import admin_required, current_school_or_404
from ..extensions import db
from . import logout, services

bp = Blueprint("privacy", __name__)
logout.init(bp)  # the logout purge (Clear-Site-Data) runs on every app this blueprint is registered on


@bp.get("/me/data")
@login_required
def about_me():
    data = services.collect(current_user)
    audit.record("privacy.view", current_user, school_id=None)
    db.session.commit()
    return render_template("privacy/about_me.html", data=data)


@bp.get("/me/data/export.<any(json, csv):fmt>")
@login_required
def export(fmt: str):
    """The full export (art. 15); every export is audited."""
    data = services.collect(current_user)
    audit.record("export", current_user, school_id=None, format=fmt, scope="about_me")
    db.session.commit()
    stamp = dt.date.today().isoformat()
    if fmt == "json":
        body, mimetype = services.to_json(data), "application/json"
    else:
        body, mimetype = services.to_csv(data), "text/csv"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="observe-my-data-{stamp}.{fmt}"',
        "Cache-Control": "no-store"})


@bp.get("/admin/audit")
@admin_required
def audit_log():
    """The school's audit log: who read or changed what, when. Filter by action and person."""
    school = current_school_or_404()
    action = (request.args.get("action") or "").strip()[:40] or None
    person = request.args.get("user", type=int)
    staff = list(db.session.scalars(
        db.select(User).where(User.memberships.any(school_id=school.id)).order_by(User.name)))
    if person is not None and person not in {u.id for u in staff}:
        person = None
    events = services.school_events(school, action=action, user_id=person)
    names = {u.id: u.name for u in staff}
    audit.record("audit.view", school_id=school.id, action_filter=action, user_filter=person)
    db.session.commit()
    return render_template("privacy/audit_log.html", events=events, names=names, staff=staff,
                           action=action or "", person=person, title=_("Audit log"))
