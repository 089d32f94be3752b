"""Log in and out."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..audit import services as audit
from ..audit.services import client_ip
from ..extensions import db
from .forms import LoginForm
from .services import authenticate

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes home (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("core.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = authenticate(form.email.data, form.password.data, client_ip())
        if result.user:
            lang = session.get("lang")
            session.clear()  # a fresh session at login: nothing carried over from before
            if lang:
                session["lang"] = lang
            login_user(result.user)
            return redirect(_safe_next(request.args.get("next")))
        if result.retry_after:
            minutes = max(1, round(result.retry_after / 60))
            flash(_("Too many failed attempts. Try again in %(minutes)d minutes.", minutes=minutes), "error")
            status = 429
        else:
            flash(_("Wrong e-mail or password."), "error")
            status = 401
    elif request.method == "POST":
        status = 400
    response = current_app.make_response(
        (render_template("auth/login.html", form=form, demo=current_app.config["OBSERVE_DEMO"]), status))
    if status == 429:
        response.headers["Retry-After"] = str(result.retry_after)
    return response


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    audit.record("logout", subject=current_user.email)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))
