"""Log in and out."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..audit import services as audit
from ..audit.services import client_ip
from ..demo import demo_accounts
from ..extensions import db
from ..schools.models import School
from . import devices, oidc
from .forms import ChangePasswordForm, LoginForm
from .models import Role
from .permissions import has_role
from .services import authenticate, change_password as change_user_password

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes home (no open redirect).

    Browsers read a backslash as a slash and drop tabs and newlines, so a target like
    "/<backslash>evil.example" or "/<tab>/evil.example" would leave the site: refused too.
    """
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(ord(ch) < 32 or ord(ch) == 127 for ch in target) and not urlsplit(target).netloc):
        return target
    return url_for("core.home")


def _throttled(seconds: int) -> str:
    """Slowed, not locked: how long to wait, and that a browser signed in before is not held up."""
    if seconds < 120:
        wait = _("Too many failed attempts. Try again in %(seconds)d seconds.", seconds=seconds)
    else:
        wait = _("Too many failed attempts. Try again in %(minutes)d minutes.", minutes=round(seconds / 60))
    return wait + " " + _("A browser where you have signed in before is not held up by this.")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = authenticate(form.email.data, form.password.data, client_ip(), devices.trusted_keys(request),
                              break_glass_only=not oidc.password_login_allowed())
        if result.user:
            lang = session.get("lang")
            session.clear()  # a fresh session at login: nothing carried over from before
            if lang:
                session["lang"] = lang
            login_user(result.user)
            response = redirect(safe_next(request.args.get("next")))
            devices.remember(request, response, result.user.id)  # this browser keeps its own allowance
            return response
        if result.retry_after:
            flash(_throttled(result.retry_after), "error")
            status = 429
        else:
            flash(_("Wrong e-mail or password."), "error")
            status = 401
    elif request.method == "POST":
        status = 400
    response = current_app.make_response(
        (render_template("auth/login.html", form=form,
                         demo=demo_accounts() if current_app.config["OBSERVE_DEMO"] else None,
                         oidc_enabled=oidc.enabled(), oidc_label=current_app.config["OBSERVE_OIDC_LABEL"],
                         # Password sign-in off: the form is shown only at /login?password=1 (break-glass).
                         show_password=oidc.password_login_allowed() or "password" in request.args
                         or request.method == "POST"), status))
    if status == 429:
        response.headers["Retry-After"] = str(result.retry_after)
    return response


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """A page (200), not a redirect: its script removes the leaving user's own data from the device
    and then opens the login page (static/js/purge.js). Safari's engine ignores Clear-Site-Data on a
    redirect, and "storage" would wipe every user's database of the origin, unsynced notes too."""
    user_id = current_user.id
    audit.record("logout", subject=current_user.email)
    db.session.commit()
    id_token = session.get(oidc.ID_TOKEN_KEY)
    logout_user()
    session.clear()
    # Signed in through the identity provider: after the purge, on to its sign-out where it offers one.
    return render_template("auth/logged_out.html", purge_user=user_id,
                           next_url=oidc.logout_url(id_token) or url_for("auth.login"))


# Pages a user with a temporary password may still open (everything else leads to the change form).
_OPEN_WITH_TEMPORARY_PASSWORD = {"auth.change_password", "auth.logout", "static", "core.set_language",
                                 "core.healthz"}


@bp.before_app_request
def _require_own_password():
    """After an admin set a temporary password, the user must choose their own before working.
    The sync API and the offline client's files (service worker, manifest, page list) are
    exempt, so observations held offline are never stuck on a tablet."""
    if (request.endpoint in _OPEN_WITH_TEMPORARY_PASSWORD or request.blueprint == "pwa"
            or request.path.startswith("/api/")):
        return None
    if current_user.is_authenticated and current_user.password_change_required:
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        result = change_user_password(current_user._get_current_object(), form.current.data, form.new.data,
                                      client_ip(), devices.trusted_keys(request).get(current_user.id))
        if result.user:
            login_user(result.user)  # this session continues under the new session token
            flash(_("Your new password is saved. Other devices were logged out."), "success")
            return redirect(url_for("core.home"))
        if result.retry_after:
            flash(_throttled(result.retry_after), "error")
            status = 429
        else:
            form.current.errors = [_("This is not your current password.")]
            status = 400
    elif request.method == "POST":
        status = 400
    return render_template("auth/change_password.html", form=form,
                           forced=current_user.password_change_required), status


@bp.app_context_processor
def _navigation():
    """What base.html needs for the Admin link and the school switcher."""
    if not getattr(current_user, "is_authenticated", False):
        return {}
    ids = current_user.school_ids
    schools = list(db.session.scalars(select(School).where(School.id.in_(ids)).order_by(School.name))) \
        if len(ids) > 1 else []
    return {"is_admin": has_role(Role.ADMIN), "my_schools": schools}
