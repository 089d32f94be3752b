"""Observe: classroom observation and feedback for schools."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, current_app, has_request_context, request, session
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import assets, errors, i18n, security
from . import config as config_module
from .dbtypes import connection_settings
from .extensions import babel, csrf, db, login_manager, migrate
from .jsontext import BoundedJSONProvider

ROOT = Path(__file__).resolve().parent.parent


def select_locale() -> str:
    """The user's setting, else the language chosen on this device, else the browser's."""
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
        environ = {**os.environ, "OBSERVE_ENV": config["OBSERVE_ENV"]}
    app.config.update(config_module.load(app.instance_path, environ))
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if app.config["OBSERVE_PROXY_HOPS"]:
        # Trust exactly the configured number of proxies, so a spoofed X-Forwarded-For
        # from a client cannot change the address login throttling counts.
        hops = app.config["OBSERVE_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    # The domains load when an app is made, not when the package is imported (observe/domains.py says why).
    from . import domains

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    app.session_interface = domains.DatabaseSessionInterface()
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(ROOT / "translations"))
    with app.app_context():
        connection_settings(db.engine)
    domains.auth_login.init_app(app)
    assets.init_app(app)
    errors.register(app)
    security.init_app(app)
    i18n.init_app(app)
    app.url_map.converters["int"] = DatabaseInt
    domains.register(app)
    return app


class DatabaseInt(IntegerConverter):
    """<int:...> ids stop at the 32-bit integer columns' limit: a larger id is 404 like any
    missing one, instead of a database error (a 500) on PostgreSQL. Found by schemathesis."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)
