"""A real OpenID provider for the sign-in tests: npm's oidc-provider (tests/oidc_provider/provider.mjs),
started on a free 127.0.0.1 port for the test session and stopped after it. `make oidc-provider`
(part of `make test`) installs it. Import the fixtures a test module needs:

    from tests.oidc_support import oidc, oidc_provider  # noqa: F401
"""
from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
import time_machine

HERE = Path(__file__).resolve().parent / "oidc_provider"
CLIENT_ID = "observe-tests"
CLIENT_SECRET = "a-test-secret-known-only-to-this-suite"  # noqa: S105 - a test provider's client secret
PROVIDER_PASSWORD = "school-account-pw"  # noqa: S105
ID_TOKEN_TTL = 300  # seconds; test_expired_id_token moves Observe's clock past it

# The provider's test accounts (its sign-in page checks e-mail and password).
ACCOUNTS = [
    # Mixed case at the provider, lower case in Observe: the match is case-insensitive.
    {"sub": "sub-rut", "email": "Rektor@Example.se", "email_verified": True, "name": "Rut Rektor"},
    {"sub": "sub-lars", "email": "larare@example.se", "email_verified": False, "name": "Lars Lärare"},
    {"sub": "sub-stranger", "email": "okand@example.se", "email_verified": True, "name": "Okänd Person"},
    # Same e-mail as Rut, another account at the provider: must not take over Rut's link.
    {"sub": "sub-impostor", "email": "RUT.NEW@example.se", "email_verified": True, "name": "Rut Ny"},
    # As Microsoft Entra ID sends it: no email_verified, the optional claim xms_edov instead.
    {"sub": "sub-entra", "email": "entra@example.se", "xms_edov": True, "name": "Eva Entra"},
    {"sub": "sub-demo", "email": "rektor@demo.observe", "email_verified": True, "name": "Rut Rektor"},
]


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen
    log: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory):
    """The provider process. Redirect URIs registered: the test client's (http://localhost) and the
    live server's, both /login/oidc/callback, with /login after sign-out."""
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("the test OpenID provider is not installed: run `make oidc-provider` (needs node and npm)")
    bases = ["http://localhost", live_server.url]
    config = {
        "clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                     "redirect_uris": [f"{b}/login/oidc/callback" for b in bases],
                     "post_logout_redirect_uris": [f"{b}/login" for b in bases]}],
        "accounts": [{**a, "password": PROVIDER_PASSWORD} for a in ACCOUNTS],
        "id_token_ttl": ID_TOKEN_TTL,
        # The run's clock may be moved (OBSERVE_TEST_TODAY): the provider's follows it.
        "clock_offset_ms": round((time.time() - time_machine.escape_hatch.time.time()) * 1000)
        if time_machine.escape_hatch.is_travelling() else 0,
    }
    path = tmp_path_factory.mktemp("oidc") / "provider.json"
    path.write_text(json.dumps(config))
    # stdin stays open while this run lives: the provider exits when it closes, even if pytest is killed.
    process = subprocess.Popen([node, str(HERE / "provider.mjs"), str(path)], cwd=HERE, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()  # blocks until the provider listens (or exits)
        if not line.startswith("listening http://127.0.0.1:"):
            pytest.fail(f"the test OpenID provider did not start: {line!r}")
        yield Provider(issuer=line.split()[1], process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stdin.close()


@pytest.fixture
def oidc(app, oidc_provider, monkeypatch):
    """Observe configured for the test provider, as the README's settings do."""
    monkeypatch.setitem(app.config, "OBSERVE_OIDC_ISSUER", oidc_provider.issuer)
    monkeypatch.setitem(app.config, "OBSERVE_OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setitem(app.config, "OBSERVE_OIDC_CLIENT_SECRET", CLIENT_SECRET)
    return oidc_provider


def follow_to_callback(browser: requests.Session, url: str, callback_prefix: str) -> str:
    """Follow the provider's redirects until it sends the browser back to Observe; return that URL."""
    for _ in range(10):
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.status_code not in (302, 303):
            return response.url if response.status_code == 200 else pytest.fail(
                f"provider answered {response.status_code} at {url}: {response.text[:300]}")
        url = urljoin(url, response.headers["Location"])
        if url.startswith(callback_prefix):
            return url
    pytest.fail("too many redirects at the provider")


def provider_sign_in(browser: requests.Session, authorize_url: str, email: str,
                     password: str = PROVIDER_PASSWORD, callback_prefix: str = "http://localhost/") -> str:
    """What a person does at the provider: open its sign-in page, type e-mail and password.
    Returns the callback URL the provider sends the browser to (with `code` and `state`)."""
    page = follow_to_callback(browser, authorize_url, callback_prefix)
    if page.startswith(callback_prefix):
        return page  # already signed in at the provider: straight back
    uid = urlsplit(page).path.rstrip("/").rsplit("/", 1)[-1]
    issuer = f"{urlsplit(page).scheme}://{urlsplit(page).netloc}"
    response = browser.post(f"{issuer}/interaction/{uid}/login", data={"email": email, "password": password},
                            allow_redirects=False, timeout=10)
    assert response.status_code in (302, 303), response.text[:300]
    return follow_to_callback(browser, urljoin(issuer, response.headers["Location"]), callback_prefix)


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
