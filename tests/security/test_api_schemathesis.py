"""schemathesis against /api/v1/openapi.json, in-process: generated (also invalid) requests to
every API operation never get a 5xx, and every response matches the documented schema, with
every schemathesis check on (nothing excluded).

Run twice: without a session (401 everywhere it is documented) and signed in with a CSRF
token, so the handlers themselves see the generated bodies."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from observe.auth.models import Membership, Role, User
from observe.extensions import db
from observe.schools.models import Organisation, School
from tests.conftest import login

schema = schemathesis.pytest.from_fixture("api_schema")
# Every check runs (as `--checks all`): no 5xx, every status and body as documented, invalid
# requests refused, schema-valid requests accepted, 405 with Allow. More examples per operation:
# OBSERVE_SCHEMATHESIS_EXAMPLES=300; against a live server: security/schemathesis-live.sh.
# In-process (WSGI) schemathesis does not undo Content-Encoding; large answers are gzipped for
# browsers, so ask for them plain (over HTTP, security/schemathesis-live.sh, they are decoded).
IDENTITY = {"Accept-Encoding": "identity"}
SETTINGS = settings(max_examples=int(os.environ.get("OBSERVE_SCHEMATHESIS_EXAMPLES", "25")), deadline=None,
                    derandomize=True,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def signed_in(app, password_hash):
    """Cookie and CSRF token of a principal's real session (made by the login form). No app
    context stays open: each generated request must run in its own, as in production."""
    with app.app_context():
        org = Organisation(name="Kommun S")
        db.session.add(org)
        db.session.flush()
        school = School(name="Skola S", organisation_id=org.id)
        db.session.add(school)
        db.session.flush()
        user = User(organisation_id=org.id, email="st@example.se", name="St", password_hash=password_hash)
        user.memberships.append(Membership(school_id=school.id, role=str(Role.PRINCIPAL)))
        db.session.add(user)
        db.session.commit()
        email = user.email
    client = app.test_client()
    assert login(client, email).status_code == 302
    token = client.get("/api/v1/csrf").get_json()["csrf_token"]
    name = app.config["SESSION_COOKIE_NAME"]
    return {"headers": {"X-CSRFToken": token, **IDENTITY}, "cookies": {name: client.get_cookie(name).value}}


@schema.parametrize()
@SETTINGS
def test_api_anonymous(case):
    case.call_and_validate(headers=IDENTITY)


@schema.parametrize()
@SETTINGS
def test_api_signed_in(case, signed_in):
    case.call_and_validate(**signed_in)
