"""Flask-Login wiring: loading the user from the session cookie."""
from __future__ import annotations

from flask import Flask, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..errors import error_response, wants_json
from ..extensions import db, login_manager
from .models import Membership, User

# Every request of a signed-in user: the user, their memberships and those schools in one query
# (current_school then finds its school in the session's identity map). Built once: building and
# keying a statement costs about as much as running it.
_LOAD_USER = (select(User).options(joinedload(User.memberships).joinedload(Membership.school))
              .where(User.id == bindparam("user_id")))


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(user_key: str) -> User | None:
        # The key is "<id>:<session_token>"; a changed token (logout everywhere,
        # disabled account, new password) makes every older session invalid.
        user_id, _sep, token = user_key.partition(":")
        if not user_id.isdigit() or not token:
            return None
        user = db.session.execute(_LOAD_USER, {"user_id": int(user_id)}).unique().scalar_one_or_none()
        if user is None or not user.active or user.session_token != token:
            return None
        return user

    @login_manager.unauthorized_handler
    def _unauthorized():

        if wants_json():
            return error_response(401, "login_required", str(_l("Your session has ended. Log in again to continue; "
                                                                 "nothing on this device is lost.")))
        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
