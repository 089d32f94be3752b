"""Admin tests use the same production-like client as the auth tests."""
from __future__ import annotations

import pytest

from observe.auth.models import Role
from tests.auth.conftest import client  # noqa: F401  (one app context per request)
from tests.conftest import csrf_token


@pytest.fixture
def as_admin(login_as, admin_user):
    return login_as(admin_user)


@pytest.fixture
def post(client):
    """POST a form the way the page would: with the CSRF token of the page it is on."""
    def _post(path: str, data: dict | None = None, page: str | None = None, **kwargs):
        return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, page or path)}, **kwargs)

    return _post


@pytest.fixture
def other_school(make_school):
    """A school of another organisation, with its own staff and group."""
    return make_school("Granskolan")


@pytest.fixture
def outsider(make_user, other_school):
    return make_user(Role.TEACHER, school=other_school, name="Olle Utomstående", email="olle@annan.se")
