"""The page an invitation link opens: the invited person chooses their password and is logged in."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from ..extensions import db
from . import invitations
from .forms import ChoosePasswordForm

bp = Blueprint("invitation", __name__)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept(token: str):
    invitation = invitations.find_valid(token)
    if invitation is None:
        return render_template("auth/invitation_invalid.html"), 410
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        user = invitations.accept(invitation, form.new.data)
        db.session.commit()
        logout_user()  # whoever was logged in on this browser before
        lang = session.get("lang")
        session.clear()
        if lang:
            session["lang"] = lang
        login_user(user)
        flash(_("Your password is saved. Welcome to Observe!"), "success")
        return redirect(url_for("core.home"))
    return render_template("auth/invitation.html", form=form, person=invitation.user), 400 if form.errors else 200
