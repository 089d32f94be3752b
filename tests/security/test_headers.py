"""Every response carries the security headers; personal pages and the API are never stored."""
from __future__ import annotations

import pytest

from observe import create_app
from observe.extensions import db
from observe.security import CONTENT_SECURITY_POLICY

EXPECTED_CSP = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
    "connect-src": "'self'", "worker-src": "'self'", "manifest-src": "'self'", "frame-ancestors": "'none'",
    "base-uri": "'self'", "form-action": "'self'", "object-src": "'none'",
}

# Pages, errors, JSON, files: the headers must not depend on which part of the app answers.
ANONYMOUS_PATHS = ["/login", "/no-such-page", "/api/v1/no-such-thing", "/static/css/app.css", "/healthz"]


def get(client, path, **kwargs):
    """GET and close the response (a static file keeps its file open until then)."""
    with client.get(path, **kwargs) as response:
        response.get_data()
    return response


def csp_directives(header: str) -> dict[str, str]:
    directives = {}
    for part in header.split(";"):
        name, _sep, value = part.strip().partition(" ")
        assert name not in directives, f"{name} given twice"
        directives[name] = value.strip()
    return directives


@pytest.mark.parametrize("path", ANONYMOUS_PATHS)
def test_every_response_has_the_strict_policy(client, path):
    response = get(client, path)
    assert csp_directives(response.headers["Content-Security-Policy"]) == EXPECTED_CSP
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ANONYMOUS_PATHS)
def test_permissions_policy_turns_off_camera_microphone_and_location(client, path):
    policy = {entry.strip() for entry in get(client, path).headers["Permissions-Policy"].split(",")}
    assert {"camera=()", "microphone=()", "geolocation=()", "display-capture=()"} <= policy


def test_policy_constant_is_what_the_browser_gets(client):
    assert client.get("/login").headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_no_hsts_over_plain_http(client):
    """Sent over HTTP without HTTPS configured, HSTS could lock a LAN install out of itself."""
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_hsts_when_https_is_configured(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("OBSERVE_HTTPS", "1")
    app = create_app({"OBSERVE_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url},
                     instance_path=str(tmp_path))
    response = get(app.test_client(), "/static/css/app.css", base_url="https://localhost")
    hsts = response.headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
    with app.app_context():
        db.engine.dispose()


def test_signed_in_pages_are_not_stored(client, login_as, principal):
    login_as(principal)
    for path in ("/", "/no-such-page"):
        response = client.get(path)
        assert response.mimetype == "text/html"
        assert response.headers["Cache-Control"] == "no-store", path


def test_signed_in_downloads_are_not_stored(client, login_as, principal, school):
    from observe.templates_.services import install_defaults

    template = install_defaults(school)[0]
    login_as(principal)
    response = client.get(f"/templates/{template.id}/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/v1/sync"])
def test_api_responses_are_not_stored(client, path):
    assert client.get(path).headers["Cache-Control"] == "no-store"


def test_signed_in_api_responses_are_not_stored(client, login_as, teacher):
    login_as(teacher)
    assert client.get("/api/v1/no-such-thing").headers["Cache-Control"] == "no-store"


def test_static_files_keep_their_caching(client, login_as, teacher):
    login_as(teacher)
    response = get(client, "/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers.get("ETag") or response.headers.get("Last-Modified")


def test_anonymous_login_page_may_be_revalidated_but_is_not_marked_no_store(client):
    """no-store is for personal records; the login page has none (its CSRF token is per session)."""
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")


@pytest.fixture
def failing_app(database_url, tmp_path):
    """An app with two routes that fail the way a bug would."""
    app = create_app({"OBSERVE_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url},
                     instance_path=str(tmp_path))

    def explode():
        raise RuntimeError("secret detail: password_hash=argon2$abc in /srv/observe/app.py")

    app.add_url_rule("/boom", "boom", explode)
    app.add_url_rule("/api/v1/boom", "api_boom", explode)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("path", ["/boom", "/api/v1/boom"])
def test_errors_show_no_stack_trace(failing_app, path, caplog):
    response = failing_app.test_client().get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    for leak in ("Traceback", "secret detail", "RuntimeError", "app.py", "argon2"):
        assert leak not in body
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "secret detail" in caplog.text  # logged for the operator instead


def test_error_page_is_html_and_json_for_the_api(failing_app):
    client = failing_app.test_client()
    assert client.get("/boom").mimetype == "text/html"
    response = client.get("/api/v1/boom")
    assert response.get_json()["error"] == "server_error"
    assert response.headers["Cache-Control"] == "no-store"
