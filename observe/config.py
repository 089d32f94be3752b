"""Configuration from the environment.

Values are parsed explicitly (never guessed from strings) and a missing secret
stops start-up outside development and testing, so a production deployment can
never run with a throwaway key.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    """Raised at start-up when the environment cannot run the app safely."""


ENVIRONMENTS = ("development", "testing", "production")


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"expected a boolean (1/0, true/false, yes/no), got {value!r}")


def _int(name: str, value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from exc


def _dev_secret(instance_path: Path) -> str:
    """A random secret generated once per instance folder and kept there."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load(instance_path: str, environ: dict[str, str] | None = None) -> dict:
    """Build the Flask config mapping from environment variables."""
    env = dict(os.environ if environ is None else environ)
    instance = Path(instance_path)
    mode = env.get("OBSERVE_ENV", "development")
    if mode not in ENVIRONMENTS:
        raise ConfigError(f"OBSERVE_ENV must be one of {', '.join(ENVIRONMENTS)}, got {mode!r}")
    debug = _bool(env.get("OBSERVE_DEBUG"), default=False)
    if mode == "production" and debug:
        raise ConfigError("OBSERVE_DEBUG must be off in production: debug mode exposes a code console.")

    secret = env.get("OBSERVE_SECRET_KEY", "")
    if mode == "production":
        if not secret:
            raise ConfigError(
                "OBSERVE_SECRET_KEY is not set. Generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'` and set it in the environment."
            )
        if len(secret) < 32:
            raise ConfigError("OBSERVE_SECRET_KEY is too short: use at least 32 random characters.")
    elif not secret:
        secret = _dev_secret(instance)

    database_url = env.get("OBSERVE_DATABASE_URL") or f"sqlite:///{instance / 'observe.sqlite'}"
    https = _bool(env.get("OBSERVE_HTTPS"), default=(mode == "production"))
    oidc_issuer = env.get("OBSERVE_OIDC_ISSUER", "").strip()
    if oidc_issuer and not (env.get("OBSERVE_OIDC_CLIENT_ID") and env.get("OBSERVE_OIDC_CLIENT_SECRET")):
        raise ConfigError("OBSERVE_OIDC_ISSUER is set, so OBSERVE_OIDC_CLIENT_ID and OBSERVE_OIDC_CLIENT_SECRET "
                          "must be set too (from the app registration at the identity provider).")
    if oidc_issuer and mode == "production" and not oidc_issuer.startswith("https://"):
        raise ConfigError("OBSERVE_OIDC_ISSUER must be an https:// address in production.")

    return {
        "OBSERVE_ENV": mode,
        "DEBUG": debug,
        "TESTING": mode == "testing",
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "OBSERVE_DEMO": _bool(env.get("OBSERVE_DEMO"), default=(mode == "development")),
        "OBSERVE_PROXY_HOPS": _int("OBSERVE_PROXY_HOPS", env.get("OBSERVE_PROXY_HOPS"), 0),
        # Login throttling without lock-out (observe/auth/throttle.py, figures in docs/security.md):
        # failures free per account and per client address from browsers without the account's
        # device cookie, then waits doubling from the first delay up to the cap; a browser with
        # the device cookie has its own allowance. All counted over the window.
        "OBSERVE_LOGIN_MAX_FAILURES_ACCOUNT": _int(
            "OBSERVE_LOGIN_MAX_FAILURES_ACCOUNT", env.get("OBSERVE_LOGIN_MAX_FAILURES_ACCOUNT"), 5),
        "OBSERVE_LOGIN_MAX_FAILURES_IP": _int(
            "OBSERVE_LOGIN_MAX_FAILURES_IP", env.get("OBSERVE_LOGIN_MAX_FAILURES_IP"), 100),
        "OBSERVE_LOGIN_MAX_FAILURES_DEVICE": _int(
            "OBSERVE_LOGIN_MAX_FAILURES_DEVICE", env.get("OBSERVE_LOGIN_MAX_FAILURES_DEVICE"), 10),
        "OBSERVE_LOGIN_FIRST_DELAY_SECONDS": _int(
            "OBSERVE_LOGIN_FIRST_DELAY_SECONDS", env.get("OBSERVE_LOGIN_FIRST_DELAY_SECONDS"), 30),
        "OBSERVE_LOGIN_MAX_DELAY_SECONDS": _int(
            "OBSERVE_LOGIN_MAX_DELAY_SECONDS", env.get("OBSERVE_LOGIN_MAX_DELAY_SECONDS"), 900),
        "OBSERVE_LOGIN_WINDOW_SECONDS": _int(
            "OBSERVE_LOGIN_WINDOW_SECONDS", env.get("OBSERVE_LOGIN_WINDOW_SECONDS"), 24 * 3600),
        "OBSERVE_DEVICE_COOKIE_DAYS": _int("OBSERVE_DEVICE_COOKIE_DAYS", env.get("OBSERVE_DEVICE_COOKIE_DAYS"), 180),
        # Server-side sessions (observe/auth/sessions.py): idle and absolute lifetimes.
        "OBSERVE_SESSION_IDLE_MINUTES": _int(
            "OBSERVE_SESSION_IDLE_MINUTES", env.get("OBSERVE_SESSION_IDLE_MINUTES"), 8 * 60),
        "OBSERVE_SESSION_MAX_HOURS": _int("OBSERVE_SESSION_MAX_HOURS", env.get("OBSERVE_SESSION_MAX_HOURS"), 7 * 24),
        # The __Host- prefix pins the cookie to this host and path / over HTTPS.
        "SESSION_COOKIE_NAME": "__Host-observe" if https else "observe_session",
        # Largest request body accepted (a CSV import, a sync batch); larger ones get 413.
        "MAX_CONTENT_LENGTH": _int("OBSERVE_MAX_UPLOAD_BYTES", env.get("OBSERVE_MAX_UPLOAD_BYTES"), 16 * 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,  # tokens live as long as the session; offline tablets come back hours later
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": env.get("OBSERVE_TIMEZONE", "Europe/Stockholm"),
        "LANGUAGES": ("sv", "en"),
        # OpenID Connect sign-in (observe/auth/oidc.py); empty issuer: password sign-in only.
        "OBSERVE_OIDC_ISSUER": oidc_issuer,
        "OBSERVE_OIDC_CLIENT_ID": env.get("OBSERVE_OIDC_CLIENT_ID", ""),
        "OBSERVE_OIDC_CLIENT_SECRET": env.get("OBSERVE_OIDC_CLIENT_SECRET", ""),
        "OBSERVE_OIDC_LABEL": env.get("OBSERVE_OIDC_LABEL", "").strip(),  # empty: "Log in with your school account"
        # 0: the login page offers only the identity provider; passwords work for break-glass accounts only.
        "OBSERVE_PASSWORD_LOGIN": _bool(env.get("OBSERVE_PASSWORD_LOGIN"), default=True),
        "MAIL_BACKEND": env.get("OBSERVE_MAIL_BACKEND", "console"),
        "SMTP_HOST": env.get("OBSERVE_SMTP_HOST", ""),
        "SMTP_PORT": _int("OBSERVE_SMTP_PORT", env.get("OBSERVE_SMTP_PORT"), 25),
        "MAIL_FROM": env.get("OBSERVE_MAIL_FROM", "observe@localhost"),
    }
