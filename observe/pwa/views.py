"""The service worker (/sw.js), its precache manifest, the offline page and the web app manifest."""
from __future__ import annotations

import uuid as uuid_mod
from types import SimpleNamespace

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..feedback.forms import FeedbackDraftForm
from . import services

bp = Blueprint("pwa", __name__)


@bp.route("/sw.js")
def service_worker():
    """One script (config + strategies + event wiring) so the browser's byte-for-byte
    update check sees every change; `no-cache` makes it ask the server each time."""
    build = services.current_build(current_app)
    body = services.render_worker(build, offline_url=url_for("pwa.offline"))
    response = current_app.response_class(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/offline")
def offline():
    """The fallback for a page the device has not saved; generic, so it can be cached for anyone."""
    response = current_app.make_response(render_template("pwa/offline.html"))
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/offline/visit")
@login_required
def offline_visit():
    """The page of a visit finished offline that the server has not seen yet: the worker serves
    this copy for `/visits/<uuid>` when it has no saved page and no network. The feedback form is
    the panel's own (same inputs, same record); static/js/feedback-form.js fills in the visit from
    the observation on the device, or says that the visit is not on this device."""

    # A stand-in the panel can render; its uuid and teacher are replaced on the device.
    visit = SimpleNamespace(uuid=uuid_mod.UUID(int=0), teacher_id=-1)
    panel = {"visit": visit, "feedback": None, "shared": False, "can_write": True, "is_peer": False,
             "draft_form": FeedbackDraftForm(formdata=None), "comment_form": None, "next": "/"}
    response = current_app.make_response(render_template("pwa/offline_visit.html", visit=visit, panel=panel))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    response = jsonify({
        "name": "Observe",
        "short_name": "Observe",
        "description": _("Classroom observation and feedback"),
        "lang": request.accept_languages.best_match(current_app.config["LANGUAGES"]) or "sv",
        "id": "/",
        "start_url": url_for("core.home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7f9",
        "theme_color": "#0b5cad",
        "icons": [  # PNGs drawn by bench/make_icons.py; maskable keeps the eye in the safe zone
            {"src": url_for("static", filename="icons/icon.svg"), "sizes": "any", "type": "image/svg+xml",
             "purpose": "any"},
            {"src": url_for("static", filename="icons/icon-192.png"), "sizes": "192x192", "type": "image/png",
             "purpose": "any"},
            {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "any"},
            {"src": url_for("static", filename="icons/icon-maskable-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "maskable"},
        ],
    })
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/offline-pages.json")
@login_required
def offline_pages():
    """The pages this user needs without network; the client asks the worker to cache them."""
    response = jsonify({"user": current_user.id, "urls": services.offline_urls(current_user)})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.after_app_request
def _close_unsent_file(response):
    """A 304 (revalidated static file, frequent with the worker's no-cache checks) sends no body,
    and Werkzeug then never closes the file it opened for it; close it here."""
    if response.status_code == 304 and hasattr(response.response, "close"):
        response.response.close()
    return response
