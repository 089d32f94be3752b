"""Observe: classroom observation and feedback for schools."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from . import config as config_module
from . import errors, i18n, security
from .dbtypes import sqlite_pragmas
from .extensions import babel, csrf, db, login_manager, migrate
from .jsontext import BoundedJSONProvider

ROOT = Path(__file__).resolve().parent.parent


def select_locale() -> str:
    """The user's setting, else the language chosen on this device, else the browser's."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI, background work: no user, no browser
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Application factory. `config` overrides values read from the environment."""
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.json = BoundedJSONProvider(app)  # request bodies nested too deeply are invalid JSON (400), not a 500
    environ = None
    if config and "OBSERVE_ENV" in config:
        import os

        environ = {**os.environ, "OBSERVE_ENV": config["OBSERVE_ENV"]}
    app.config.update(config_module.load(app.instance_path, environ))
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if app.config["OBSERVE_PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Trust exactly the configured number of proxies, so a spoofed X-Forwarded-For
        # from a client cannot change the address login throttling counts.
        hops = app.config["OBSERVE_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    from .auth.sessions import DatabaseSessionInterface

    app.session_interface = DatabaseSessionInterface()
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(ROOT / "translations"))
    with app.app_context():
        sqlite_pragmas(db.engine)

    from . import models  # noqa: F401  (register every table on the metadata)
    from .auth import login as auth_login
    auth_login.init_app(app)

    from . import assets

    assets.init_app(app)
    errors.register(app)
    security.init_app(app)
    i18n.init_app(app)
    app.url_map.converters["int"] = DatabaseInt
    _register_record_types()
    _register_blueprints(app)
    _register_template_helpers(app)
    from . import cli
    cli.register(app)
    return app


class DatabaseInt(IntegerConverter):
    """<int:...> ids stop at the 32-bit integer columns' limit: a larger id is 404 like any
    missing one, instead of a database error (a 500) on PostgreSQL. Found by schemathesis."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _register_record_types() -> None:
    """Each domain's record type, made known to the sync protocol (which imports no domain)."""
    # Imported here, like the blueprints: importing the package `observe` must not load every domain.
    from .feedback.sync_record import FeedbackRecord
    from .sync.records import register_record_type
    from .visits.sync_record import ObservationRecord

    for record_type in (ObservationRecord(), FeedbackRecord()):
        register_record_type(record_type)


def _register_blueprints(app: Flask) -> None:
    from .admin.views import bp as admin_bp
    from .auth.invitation_views import bp as invitation_bp
    from .auth.oidc_views import bp as oidc_bp
    from .auth.views import bp as auth_bp
    from .core.views import bp as core_bp
    from .feedback.views import bp as feedback_bp
    from .insights.views import bp as insights_bp
    from .pwa.views import bp as pwa_bp
    from .sync.merge import bp as merge_bp
    from .sync.views import bp as sync_bp
    from .templates_.views import bp as templates_bp
    from .visits.views import bp as visits_bp

    for bp in (core_bp, auth_bp, oidc_bp, invitation_bp, admin_bp, templates_bp, visits_bp, feedback_bp, insights_bp, sync_bp, merge_bp,
               pwa_bp):
        app.register_blueprint(bp)
    from .visits.planning import bp as planning_bp; app.register_blueprint(planning_bp)  # noqa: E702
    from .privacy.views import bp as privacy_bp

    app.register_blueprint(privacy_bp)


def _register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from .auth.permissions import current_school

    from .privacy.purpose import purpose_notice

    app.jinja_env.globals["purpose_notice"] = purpose_notice

    @app.context_processor
    def _globals():
        return {"current_school": current_school(), "current_locale": str(get_locale())}

    @app.template_filter("tr")
    def _translate(value) -> str:
        """Pick the user's language from a bilingual {"sv": ..., "en": ...} value."""
        if not isinstance(value, dict):
            return value or ""
        lang = str(get_locale())
        return value.get(lang) or value.get("sv") or value.get("en") or ""
