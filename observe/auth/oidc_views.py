"""Sign-in through the school's identity provider (OpenID Connect): the start and the callback.

The rules live in oidc.py; these views only move the browser between Observe and the provider
and give every failure a page a person can act on.
"""
from __future__ import annotations

from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user
from joserfc.errors import JoseError
from requests import RequestException

from ..audit import services as audit
from ..extensions import db
from . import oidc
from .views import safe_next

bp = Blueprint("oidc", __name__)

NEXT_KEY = "oidc_next"  # where to go after signing in (e.g. back to a visit drafted offline)


def _unavailable():
    current_app.logger.exception("identity provider unreachable or misconfigured")
    return render_template("auth/oidc_problem.html", reason="unavailable"), 502


@bp.get("/login/oidc")
def start():
    if not oidc.enabled():
        abort(404)
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    session[NEXT_KEY] = safe_next(request.args.get("next"))
    try:
        provider = oidc.client()
        oidc.check_discovery(provider.load_server_metadata())
        # ?another=1 (from the refusal page): the provider asks again instead of reusing its session,
        # so someone signed in there with the wrong account can choose another.
        extra = {"prompt": "login"} if request.args.get("another") else {}
        return provider.authorize_redirect(url_for("oidc.callback", _external=True), ui_locales=str(get_locale()),
                                           **extra)
    except (RequestException, ValueError, KeyError, RuntimeError):
        return _unavailable()


@bp.get("/login/oidc/callback")
def callback():
    if not oidc.enabled():
        abort(404)
    if request.args.get("error"):
        # The person cancelled at the provider, or the provider refused: back to the login page.
        flash(_("Signing in with your school account was cancelled."), "info")
        return redirect(url_for("auth.login"))
    try:
        token = oidc.client().authorize_access_token()
    except MismatchingStateError:
        return _failed("state")
    except OAuthError as exc:  # the provider refused the code (used before, expired, wrong verifier)
        return _failed(exc.error or "oauth")
    except JoseError as exc:  # the ID token's signature or claims (nonce, exp, aud, iss) did not verify
        return _failed(getattr(exc, "error", None) or type(exc).__name__)
    except RequestException:
        return _unavailable()
    claims = token.get("userinfo")
    if not claims or not token.get("id_token"):
        return _failed("no_id_token")
    outcome = oidc.sign_in(dict(claims))
    if outcome.user is None:
        return render_template("auth/oidc_refused.html", reason=outcome.refused), 403
    target = session.get(NEXT_KEY) or url_for("core.home")
    lang = session.get("lang")
    session.clear()  # a fresh session at login: nothing carried over from before
    if lang:
        session["lang"] = lang
    login_user(outcome.user)
    session[oidc.ID_TOKEN_KEY] = token["id_token"]
    return redirect(safe_next(target))


def _failed(reason: str):
    """A sign-in that does not verify: nobody is signed in, the attempt is in the audit log."""
    audit.record("login.refused", method="oidc", reason=str(reason)[:60])
    db.session.commit()
    return render_template("auth/oidc_problem.html", reason="failed"), 400
