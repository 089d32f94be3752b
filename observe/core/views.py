from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from ..auth.models import Role
from ..auth.permissions import current_roles, current_school
from ..auth.views import safe_next
from ..extensions import db
from ..feedback import followup
from ..visits import home as visit_home

bp = Blueprint("core", __name__)


@bp.route("/")
@login_required
def home():
    roles = current_roles()
    school = current_school()
    if school is None:
        if current_user.is_org_leader:  # e.g. the head of schools: Analys of every school is their page
            return redirect(url_for("insights.dashboard"))
        return render_template("core/no_school.html")
    context = visit_home.context_for(current_user, school, roles)
    # The same list (and count) as the feedback page, the menu badge and the reminder e-mails.
    context["reminders"] = followup.reminders(current_user, school)
    return render_template("core/home.html", roles=roles, Role=Role, **context)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - health must answer, not raise
        db.session.rollback()
        database = "unavailable"
    status = 200 if database == "ok" else 503
    response = jsonify({"status": "ok" if status == 200 else "degraded", "database": database})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on their own (no <link> read yet): point them at our SVG icon, not a 404."""
    response = redirect(url_for("static", filename="icons/icon.svg"))
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route("/language", methods=["POST"])
def set_language():
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated:
        current_user.locale = lang
        db.session.commit()
    return redirect(_back())


@bp.route("/school", methods=["POST"])
@login_required
def set_school():
    school_id = request.form.get("school_id", type=int)
    if school_id not in current_user.school_ids:
        abort(404)
    session["school_id"] = school_id
    return redirect(url_for("core.home"))


def _back() -> str:
    return safe_next(request.form.get("next"))
