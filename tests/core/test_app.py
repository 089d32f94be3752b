import pytest

from observe import create_app
from observe.config import ConfigError


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_page_is_html_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "We could not find that page" in response.get_data(as_text=True)


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"] == "not_found" and body["message"]


def test_production_refuses_to_start_without_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("OBSERVE_SECRET_KEY", raising=False)
    monkeypatch.setenv("OBSERVE_ENV", "production")
    with pytest.raises(ConfigError, match="OBSERVE_SECRET_KEY is not set"):
        create_app(instance_path=str(tmp_path))


def test_production_refuses_a_short_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("OBSERVE_ENV", "production")
    monkeypatch.setenv("OBSERVE_SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="too short"):
        create_app(instance_path=str(tmp_path))


def test_production_refuses_debug(tmp_path, monkeypatch):
    monkeypatch.setenv("OBSERVE_ENV", "production")
    monkeypatch.setenv("OBSERVE_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("OBSERVE_DEBUG", "1")
    with pytest.raises(ConfigError, match="OBSERVE_DEBUG must be off"):
        create_app(instance_path=str(tmp_path))


def test_development_generates_and_keeps_a_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("OBSERVE_SECRET_KEY", raising=False)
    monkeypatch.setenv("OBSERVE_ENV", "development")
    monkeypatch.setenv("OBSERVE_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    first = create_app(instance_path=str(tmp_path)).config["SECRET_KEY"]
    second = create_app(instance_path=str(tmp_path)).config["SECRET_KEY"]
    assert len(first) >= 32 and first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_bad_environment_value_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("OBSERVE_ENV", "staging")
    with pytest.raises(ConfigError, match="OBSERVE_ENV must be one of"):
        create_app(instance_path=str(tmp_path))


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "/\t/evil.example"])
def test_language_switch_never_redirects_off_site(client, target):
    from tests.conftest import csrf_token

    token = csrf_token(client, "/login")
    response = client.post("/language", data={"lang": "en", "next": target, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_returns_to_the_page(client):
    from tests.conftest import csrf_token

    token = csrf_token(client, "/login")
    response = client.post("/language", data={"lang": "sv", "next": "/login?x=1", "csrf_token": token})
    assert response.headers["Location"] == "/login?x=1"


def test_oversized_request_body_is_refused_with_413(app, client, principal, login_as):
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    page = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert page.status_code == 413 and "too large" in page.get_data(as_text=True)
    login_as(principal)
    api = client.post("/api/v1/sync", data=body, content_type="application/json")
    assert api.status_code == 413 and api.get_json()["error"]
