"""What `create_app` plugs in from the domains: tables, login, blueprints, the sync record
types, template helpers and CLI commands.

`create_app` imports this module when it makes an app, not at the top of
`observe/__init__.py`: importing the package (for `observe.config`, a migration, a model in
a test) must not load every domain's views. Everything here imports at module level, so the
layer rule holds (docs/architecture.md): this module is the top layer's top.
"""
from __future__ import annotations

from flask import Flask
from flask_babel import format_decimal, get_locale

from . import cli, models  # noqa: F401  (models: every table on the metadata)
from .admin import invite_views  # noqa: F401  (its routes join the admin blueprint)
from .admin.views import bp as admin_bp
from .auth import login as auth_login
from .auth.permissions import current_school
from .auth.sessions import DatabaseSessionInterface
from .auth.invitation_views import bp as invitation_bp
from .auth.oidc_views import bp as oidc_bp
from .auth.views import bp as auth_bp
from .core.views import bp as core_bp
from .feedback.sync_record import FeedbackRecord
from .feedback.views import bp as feedback_bp
from .insights.views import bp as insights_bp
from .privacy.purpose import purpose_notice
from .privacy.views import bp as privacy_bp
from .pwa.views import bp as pwa_bp
from .sync.merge import bp as merge_bp
from .sync.records import register_record_type
from .sync.views import bp as sync_bp
from .templates_ import default_views  # noqa: F401  (its route, the default template per kind, is on templates_bp)
from .templates_.views import bp as templates_bp
from .visits.planning import bp as planning_bp
from .visits.sync_record import ObservationRecord
from .visits.views import bp as visits_bp

__all__ = ["DatabaseSessionInterface", "auth_login", "register"]

BLUEPRINTS = (core_bp, auth_bp, oidc_bp, invitation_bp, admin_bp, templates_bp, visits_bp, feedback_bp, insights_bp,
              sync_bp, merge_bp, pwa_bp, planning_bp, privacy_bp)


def register(app: Flask) -> None:
    """Record types, blueprints, template helpers and CLI commands, in that order."""
    register_record_types()
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    _register_template_helpers(app)
    cli.register(app)


def register_record_types() -> None:
    """Each domain's record type, made known to the sync protocol (which imports no domain)."""
    for record_type in (ObservationRecord(), FeedbackRecord()):
        register_record_type(record_type)


def _register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals["purpose_notice"] = purpose_notice

    @app.context_processor
    def _globals():
        return {"current_school": current_school(), "current_locale": str(get_locale())}

    @app.template_filter("decimal")
    def _decimal(value, decimals: int = 1) -> str:
        """A number in the reader's language: "1,5" in Swedish, "1.5" in English."""
        return format_decimal(value, format="#,##0." + "0" * decimals) if decimals else format_decimal(value, "#,##0")

    @app.template_filter("tr")
    def _translate(value) -> str:
        """Pick the user's language from a bilingual {"sv": ..., "en": ...} value."""
        if not isinstance(value, dict):
            return value or ""
        lang = str(get_locale())
        return value.get(lang) or value.get("sv") or value.get("en") or ""
