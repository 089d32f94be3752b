"""OpenID Connect sign-in: the client (Authlib) and the rule of who may come in.

Authlib does the protocol: discovery from the issuer's /.well-known/openid-configuration,
the authorization code flow with PKCE (S256), `state` and `nonce` kept in the server-side
session, the token exchange, and the ID token's signature (the provider's JWKS) and claims
(iss, aud, exp, iat, nonce, at_hash). This module decides what the verified claims mean
for Observe:

- a `sub` already linked to a user signs that user in (an e-mail change at the provider
  changes nothing);
- otherwise a verified e-mail (`email_verified` true) that matches a staff member
  (case-insensitive) links the `sub` to them;
- anyone else is refused and nothing is created; a deactivated account is refused too.
"""
from __future__ import annotations

from dataclasses import dataclass

from authlib.integrations.flask_client import OAuth
from flask import current_app, url_for
from flask_babel import get_locale
from requests import RequestException
from sqlalchemy import select

from ..audit import services as audit
from ..dbtypes import utcnow
from ..extensions import db
from .models import OidcLink, User
from .services import find_user

SCOPES = "openid email profile"
ID_TOKEN_KEY = "oidc_id_token"  # kept in the server-side session for the provider's sign-out (id_token_hint)
TIMEOUT_SECONDS = 10  # discovery, JWKS and token requests to the provider

# Why a sign-in was refused (the page shown and the audit detail).
UNKNOWN = "unknown"  # no staff member with this verified e-mail
UNVERIFIED = "unverified"  # the provider does not vouch for the e-mail
INACTIVE = "inactive"  # the matched account is deactivated
TAKEN = "taken"  # the matched account is already linked to another account at the provider


def enabled() -> bool:
    return bool(current_app.config["OBSERVE_OIDC_ISSUER"])


def password_login_allowed() -> bool:
    return bool(current_app.config["OBSERVE_PASSWORD_LOGIN"]) or not enabled()


def client():
    """The Authlib client for the configured provider, one per app and configuration. It keeps only
    the provider's published metadata and keys in memory (the same in every worker); each sign-in's
    state, nonce and PKCE verifier live in the server-side session."""
    cfg = current_app.config
    key = (cfg["OBSERVE_OIDC_ISSUER"], cfg["OBSERVE_OIDC_CLIENT_ID"], cfg["OBSERVE_OIDC_CLIENT_SECRET"])
    cache = current_app.extensions.setdefault("observe_oidc", {})
    if key not in cache:
        registry = OAuth(current_app._get_current_object())
        cache[key] = registry.register(
            "oidc", client_id=key[1], client_secret=key[2],
            server_metadata_url=key[0].rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": SCOPES, "code_challenge_method": "S256", "default_timeout": TIMEOUT_SECONDS})
    return cache[key]


def check_discovery(metadata: dict) -> None:
    """OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it was fetched for."""
    if metadata.get("issuer") != current_app.config["OBSERVE_OIDC_ISSUER"]:
        raise ValueError(f"the discovery document names issuer {metadata.get('issuer')!r}, "
                         f"not OBSERVE_OIDC_ISSUER {current_app.config['OBSERVE_OIDC_ISSUER']!r}")


def email_verified(claims: dict) -> bool:
    """`email_verified: true`, or where the provider sends no such claim at all, Microsoft Entra ID's
    optional `xms_edov: true` (the tenant owns the e-mail's domain): Entra ID never sends
    `email_verified` for organisational accounts (docs/security.md, registering at Entra ID)."""
    if "email_verified" in claims:
        return claims["email_verified"] is True
    return claims.get("xms_edov") is True


@dataclass
class Outcome:
    user: User | None = None
    refused: str | None = None  # one of the reasons above


def _refuse(reason: str, claims: dict, user: User | None = None) -> Outcome:
    audit.record("login.refused", subject=(claims.get("email") or "")[:254] or None,
                 user_id=user.id if user else None, method="oidc", reason=reason)
    db.session.commit()
    return Outcome(refused=reason)


def sign_in(claims: dict) -> Outcome:
    """Decide who the verified ID token's claims are (see the module docstring); link on first use."""
    issuer = current_app.config["OBSERVE_OIDC_ISSUER"]
    subject = str(claims["sub"])
    link = db.session.scalar(select(OidcLink).where(OidcLink.issuer == issuer, OidcLink.subject == subject))
    if link is None:
        email = str(claims.get("email") or "").strip()
        if not email_verified(claims) or not email:
            return _refuse(UNVERIFIED, claims)
        user = find_user(email)
        if user is None:
            return _refuse(UNKNOWN, claims)
        if not user.active:
            return _refuse(INACTIVE, claims, user)
        other = db.session.scalar(select(OidcLink).where(OidcLink.user_id == user.id, OidcLink.issuer == issuer))
        if other is not None:
            return _refuse(TAKEN, claims, user)
        link = OidcLink(user=user, issuer=issuer, subject=subject, email_at_link=email.lower())
        db.session.add(link)
        audit.record("oidc.link", user, subject=user.email, user_id=user.id)
    user = link.user
    if not user.active:
        return _refuse(INACTIVE, claims, user)
    now = utcnow()
    link.last_login_at = user.last_login_at = now
    audit.record("login.success", subject=user.email, user_id=user.id, method="oidc")
    db.session.commit()
    return Outcome(user=user)


def logout_url(id_token: str | None) -> str | None:
    """The provider's end-session address (RP-initiated logout), when it offers one."""
    if not id_token or not enabled():
        return None
    try:
        result = client().create_logout_url(
            post_logout_redirect_uri=url_for("auth.login", _external=True), id_token_hint=id_token,
            client_id=current_app.config["OBSERVE_OIDC_CLIENT_ID"], ui_locales=str(get_locale()))
    except (RequestException, RuntimeError, ValueError):
        return None  # no end_session_endpoint (Google), or the provider does not answer: Observe's sign-out is done
    return result["url"]
